/**
 * The leave-family-out run document: `lofo.json` (SPEC §12) — the held-out family, the metrics of
 * SPEC §6 on its rows (raw and with σ recalibrated on the calibration rows), the training summary,
 * the held-out predictions and the run's manifest.
 */
import { z } from 'zod';
import type { FamilySummary } from '../data/family.ts';
import type { EvaluationReport } from '../eval/evaluate.ts';
import type { MemberReport } from '../train/trainer.ts';
import type { RunManifest } from '../util/manifest.ts';
import { CalibrationMetricsSchema } from './evaluate.ts';
import { num, RunManifestSchema, readDocument, runFile } from './index.ts';

export interface LofoRunDocument {
  /** The held-out elements. */
  family: string[];
  rule: string;
  held_out: { rows: number; families: FamilySummary[] };
  n: EvaluationReport['n'];
  /** Metrics on the held-out rows (the split's test set). */
  test: EvaluationReport['test'];
  calibration: EvaluationReport['calibration'];
  recalibrated: EvaluationReport['recalibrated'];
  /** The uncertainty method of every σ above (docs/uncertainty.md; 'mc' = MC-dropout σ alone). */
  uncertainty?: string;
  mc: EvaluationReport['mc'];
  training: {
    preset: string;
    networks: number;
    wall_s: number;
    members: Omit<MemberReport, 'history'>[];
  };
  /** Held-out rows: 0-based data row, formula, load (N), measured and predicted HV (μ, σ). */
  predictions: {
    row: number;
    formula: string;
    load: number;
    measured: number;
    mean: number;
    std: number;
  }[];
  /** The model trained without the family (`<run>/model`). */
  model_dir: string;
  manifest: RunManifest;
}

export const LOFO_FILE = 'lofo.json';

export const LofoRunSchema = z.looseObject({
  family: z.array(z.string()),
  rule: z.string(),
  held_out: z.looseObject({
    rows: z.number(),
    families: z.array(z.looseObject({ family: z.string(), rows: z.number(), medianHv: num })),
  }),
  n: z.looseObject({ train_fit: z.number(), calibration: z.number(), test: z.number() }),
  test: CalibrationMetricsSchema,
  calibration: CalibrationMetricsSchema,
  recalibrated: z.looseObject({ sigma_scale: z.number(), test: CalibrationMetricsSchema }),
  mc: z.looseObject({ passes: z.number(), members: z.number() }),
  training: z.looseObject({
    preset: z.string(),
    networks: z.number(),
    wall_s: z.number(),
    members: z.array(z.looseObject({ member: z.number() })),
  }),
  predictions: z.array(
    z.looseObject({
      row: z.number().int(),
      formula: z.string(),
      load: z.number(),
      measured: z.number(),
      mean: num,
      std: num,
    }),
  ),
  model_dir: z.string(),
  manifest: RunManifestSchema,
}) as unknown as z.ZodType<LofoRunDocument>;

/** Read `dir/lofo.json`; InputError naming the file and field if malformed. */
export function readLofoRun(dir: string): LofoRunDocument {
  return readDocument(
    runFile(dir, LOFO_FILE),
    LofoRunSchema,
    "a leave-family-out document written by 'vibann lofo'",
  );
}
