/**
 * The evaluate run document: `metrics.json` in an evaluate run directory (docs/architecture.md, object
 * M per set) — the evaluation report of `eval/evaluate.ts` without the per-row predictions (those
 * go to predictions.csv).
 */
import { z } from 'zod';
import type { EvaluationReport } from '../eval/evaluate.ts';
import type { CalibrationMetrics } from '../uq/calibration.ts';
import { num, readDocument, runFile } from './index.ts';

/** The evaluate document: everything `vibann evaluate --json` prints. */
export type EvaluateRunDocument = Omit<EvaluationReport, 'predictions'>;

/** File name of the document in the run directory. */
export const EVALUATE_FILE = 'metrics.json';

const core = {
  n: z.number(),
  r2: num,
  mae: num,
  rmse: num,
  mean_signed_error: num,
  coverage_1sigma: num,
  mace: num,
  nll: num,
  coverage_curve: z.looseObject({ levels: z.array(num), observed: z.array(num) }),
  pit_histogram: z.array(num),
};
const CoreSchema = z.looseObject(core);

/** M: the metrics of one set of rows, with its tail blocks (uq/calibration.ts). */
export const CalibrationMetricsSchema = z.looseObject({
  ...core,
  tail: z.looseObject({ q80: CoreSchema, q90: CoreSchema }),
}) as unknown as z.ZodType<CalibrationMetrics>;

const sizes = z.looseObject({ train_fit: z.number(), calibration: z.number(), test: z.number() });
const cvStats = z.looseObject({ rmse: num, mae: num, r2: num });

export const EvaluateRunSchema = z.looseObject({
  split: z.looseObject({ kind: z.string(), description: z.string() }),
  n: sizes,
  test: CalibrationMetricsSchema,
  calibration: CalibrationMetricsSchema,
  recalibrated: z.looseObject({
    sigma_scale: z.number(),
    test: CalibrationMetricsSchema,
    calibration: CalibrationMetricsSchema,
  }),
  cv: z
    .looseObject({
      folds: z.array(z.looseObject({ member: z.number(), seed: z.number(), n: z.number() })),
      mean: cvStats,
      sd: cvStats,
      neighbour: z
        .looseObject({
          chosen_on_these_rows: z.literal(true),
          networks: z.looseObject({ mean: cvStats, sd: cvStats }),
        })
        .optional(),
    })
    .optional(),
  mc: z.looseObject({ passes: z.number(), members: z.number(), seed: z.number() }),
}) as unknown as z.ZodType<EvaluateRunDocument>;

const WHAT = "an evaluation document written by 'vibann evaluate' (metrics.json)";

/** Read `dir/metrics.json` of an evaluate run; InputError naming the file and field if malformed. */
export function readEvaluateRun(dir: string): EvaluateRunDocument {
  return readDocument(runFile(dir, EVALUATE_FILE), EvaluateRunSchema, WHAT);
}
