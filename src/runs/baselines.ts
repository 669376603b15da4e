/**
 * The baselines run document: `baselines.json` — the SPEC §7 classical baselines table
 * (baselines/runner.ts) and, when a trained VIBANN ensemble was evaluated on the same split, its
 * row.
 */
import { z } from 'zod';
import type { BaselinesTable } from '../baselines/runner.ts';
import type { CalibrationMetrics } from '../uq/calibration.ts';
import { CalibrationMetricsSchema } from './evaluate.ts';
import { num, readDocument, runFile } from './index.ts';

/** The VIBANN row: the trained ensemble evaluated on the baselines' split. */
export interface VibannBaselineRow {
  model_dir: string;
  preset: string;
  networks: number;
  test: CalibrationMetrics;
  recalibrated_test: CalibrationMetrics;
  sigma_scale: number;
  cv_rmse?: number;
}

export type BaselinesRunDocument = BaselinesTable & { vibann?: VibannBaselineRow };

export const BASELINES_FILE = 'baselines.json';

const accuracy = z.looseObject({ r2: num, mae: num, rmse: num, mape: num });

export const BaselinesRunSchema = z.looseObject({
  kind: z.literal('vibann-baselines'),
  data: z.looseObject({ source: z.string(), sha256: z.string(), rows: z.number() }),
  split: z.looseObject({ kind: z.string(), description: z.string(), cv_folds: z.number() }),
  options: z.looseObject({ models: z.array(z.string()), seed: z.number() }),
  results: z.array(
    z.looseObject({
      key: z.string(),
      model: z.string(),
      tuning: z.string(),
      trials: z.number(),
      best_params: z.record(z.string(), z.unknown()),
      cv_rmse: num,
      cv_fold_rmse: z.array(num),
      test: accuracy,
      search_s: z.number(),
      fit_s: z.number(),
    }),
  ),
  wall_s: z.number(),
  vibann: z
    .looseObject({
      model_dir: z.string(),
      preset: z.string(),
      networks: z.number(),
      test: CalibrationMetricsSchema,
      recalibrated_test: CalibrationMetricsSchema,
      sigma_scale: z.number(),
      cv_rmse: num.optional(),
    })
    .optional(),
}) as unknown as z.ZodType<BaselinesRunDocument>;

/** Validate a parsed baselines.json (e.g. one the report has already read). */
export function isBaselinesRunDocument(v: unknown): v is BaselinesRunDocument {
  return BaselinesRunSchema.safeParse(v).success;
}

/** Read `dir/baselines.json`; InputError naming the file and field if malformed. */
export function readBaselinesRun(dir: string): BaselinesRunDocument {
  return readDocument(
    runFile(dir, BASELINES_FILE),
    BaselinesRunSchema,
    "a baselines table written by 'vibann baselines'",
  );
}
