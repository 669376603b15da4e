/**
 * The studies run document: `studies.json` of `vibann evaluate --seeds-report N | --ablations |
 * --learning-curve` (SPEC §7), one block per study that was run.
 */
import { z } from 'zod';
import type { AblationRow, LearningCurveRow, SeedsReport } from '../eval/studies.ts';
import { num, readDocument, runFile } from './index.ts';

export interface StudiesRunDocument {
  split: { kind: string; description: string };
  preset: string;
  seed: number;
  seeds_report?: SeedsReport;
  ablations?: AblationRow[];
  learning_curve?: LearningCurveRow[];
}

export const STUDIES_FILE = 'studies.json';

/** The headline metrics of a study row (eval/studies.ts StudyMetrics). */
export const StudyMetricsSchema = z.looseObject({
  r2: num,
  mae: num,
  rmse: num,
  mean_signed_error: num,
  coverage_1sigma: num,
  mace: num,
  nll: num,
  coverage_1sigma_top10: num,
  mean_signed_error_top10: num,
});

export const StudiesRunSchema = z.looseObject({
  split: z.looseObject({ kind: z.string(), description: z.string() }),
  preset: z.string(),
  seed: z.number(),
  seeds_report: z
    .looseObject({
      seeds: z.array(
        z.looseObject({ seed: z.number(), test: StudyMetricsSchema, cv_rmse: num.optional() }),
      ),
      mean: StudyMetricsSchema,
      sd: StudyMetricsSchema,
      pooled: StudyMetricsSchema,
      wall_s: z.number(),
    })
    .optional(),
  ablations: z
    .array(
      z.looseObject({
        variant: z.string(),
        network: z.record(z.string(), z.unknown()),
        test: StudyMetricsSchema,
        cv_rmse: num.optional(),
        train_s: z.number(),
      }),
    )
    .optional(),
  learning_curve: z
    .array(
      z.looseObject({ fraction: z.number(), train_fit_rows: z.number(), test: StudyMetricsSchema }),
    )
    .optional(),
}) as unknown as z.ZodType<StudiesRunDocument>;

const WHAT =
  "a studies document written by 'vibann evaluate --seeds-report/--ablations/--learning-curve'";

/** Read `dir/studies.json`; InputError naming the file and field if malformed. */
export function readStudiesRun(dir: string): StudiesRunDocument {
  return readDocument(runFile(dir, STUDIES_FILE), StudiesRunSchema, WHAT);
}
