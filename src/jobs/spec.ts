/**
 * The job model (issue 16): every unit of work a study is made of — one seeds-report seed, one
 * ablation variant, one learning-curve fraction, one tune trial, one leave-family-out fold, training
 * a whole model, evaluating a model on a split, one design seed, one split of the shift
 * benchmark, one split of the multi-split evaluation — is a serialisable job description (`JobSpec`,
 * checked by `JobSpecSchema`) that turns into a result document (`JobResultDocument`) wherever it
 * runs: in this process, in a worker thread of the local pool, or in a `vibann worker` on another
 * machine through the queue.
 *
 * A job is self-contained except for the dataset, which it names by path and SHA-256 (the worker
 * verifies the checksum before anything else: a different file is an InputError naming both
 * checksums), and, for `evaluate` and `design`, the model directory (a design job names it with
 * the SHA-256 of its weights, checked like the dataset's). The split travels inside the job as row
 * indices, so a worker needs neither reference-split.json nor the clustering code to agree. See
 * docs/scaling.md for what must be reachable on a worker.
 *
 * Determinism: a job's `result` depends only on the job (its seeds are inside), the dataset bytes,
 * the vibann version and the numerical backend, and these are recorded next to it. Timings, host
 * and process go outside `result`.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { BASELINE_KEYS } from '../baselines/models.ts';
import { REGIME_FOLDS } from './uncertainty.ts';

export const JOB_SCHEMA = 'vibann-job/1';
export const JOB_RESULT_SCHEMA = 'vibann-job-result/1';

const int = z.number().int();
const rows = z.array(int.nonnegative());

/** The dataset a job reads: a path on the worker and the SHA-256 of the file's bytes. */
export const DataRefSchema = z.object({
  path: z.string().min(1),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'a lowercase hex SHA-256'),
});
export type DataRef = z.infer<typeof DataRefSchema>;

/** The split, shipped with the job as 0-based row indices (data/split.ts layout). */
export const JobSplitSchema = z.object({
  kind: z.enum(['reference', 'file', 'cluster', 'lofo']),
  description: z.string(),
  train_fit: rows,
  calibration: rows,
  test: rows,
  cv_folds: z.array(rows),
});
export type JobSplit = z.infer<typeof JobSplitSchema>;

/** How the ensemble of a job is trained (model/hardness-model.ts FitOptions, minus callbacks). */
export const FitSpecSchema = z.object({
  /** A preset name of train/presets.ts ('default', 'paper', …). */
  preset: z.string().min(1),
  /** Base seed of the networks (member k of seed s is seeded 1000·s + k). */
  seed: int,
  /** Seeds of the CV ensemble (networks = seeds × folds). */
  seeds: int.positive(),
  /** Smoke run (--quick): a few epochs, fewer MC passes. */
  quick: z.boolean(),
  /** Overrides of the preset's network options (ablations, tune trials). */
  network: z.record(z.string(), z.union([z.number(), z.string(), z.boolean()])).optional(),
  /** Overrides of the preset's training settings. */
  training: z
    .object({ maxEpochs: int.positive(), batchSize: int.positive(), patience: int.positive() })
    .partial()
    .optional(),
});
export type FitSpec = z.infer<typeof FitSpecSchema>;

const base = {
  schema: z.literal(JOB_SCHEMA),
  data: DataRefSchema,
  split: JobSplitSchema,
  /** MC passes per network for scoring (default: the preset's). */
  mc: int.positive().optional(),
};

/** Train the ensemble on the split and save it to `out` (a directory on the worker). */
export const TrainJobSchema = z.object({
  kind: z.literal('train'),
  ...base,
  fit: FitSpecSchema,
  out: z.string().min(1),
});

/** Evaluate a saved model (directory on the worker) on the split; MC masks seeded by `seed`. */
export const EvaluateJobSchema = z.object({
  kind: z.literal('evaluate'),
  ...base,
  model: z.string().min(1),
  seed: int,
});

/** One seed of the seeds report: the CV ensemble of seed `fit.seed`, scored on the test set. */
export const SeedJobSchema = z.object({
  kind: z.literal('seeds-report-seed'),
  ...base,
  fit: FitSpecSchema,
});

/** One ablation variant (its network overrides are in `fit.network`). */
export const AblationJobSchema = z.object({
  kind: z.literal('ablation'),
  ...base,
  fit: FitSpecSchema,
  variant: z.string(),
});

/** One learning-curve point: train_fit subsampled to `fraction` (seeded by `fit.seed` and it). */
export const LearningCurveJobSchema = z.object({
  kind: z.literal('learning-curve'),
  ...base,
  fit: FitSpecSchema,
  fraction: z.number().gt(0).lte(1),
});

/** One tune trial (or the reference setting, trial null): CV validation loss of `fit`. */
export const TuneTrialJobSchema = z.object({
  kind: z.literal('tune-trial'),
  ...base,
  fit: FitSpecSchema,
  trial: int.nonnegative().nullable(),
});

/**
 * One leave-family-out fold: train without the family (the split's test set), fit the model's
 * uncertainty model on it (grouped CV with `group_folds` family folds, seeded by `seed`; saved as
 * domain.json into `model_out`) and evaluate the held-out family under that predictive
 * distribution.
 */
export const LofoFoldJobSchema = z.object({
  kind: z.literal('lofo-fold'),
  ...base,
  fit: FitSpecSchema,
  family: z.array(z.string()).min(1),
  /** Seed of the uncertainty fit and of the MC masks of the evaluation. */
  seed: int,
  /** Family-held-out folds of the uncertainty fit's grouped CV (jobs/uncertainty.ts GROUP_FOLDS). */
  group_folds: int.min(2),
  /** Regime folds of that grouped CV (jobs/uncertainty.ts REGIME_FOLDS; absent: none, as before they existed). */
  regime_folds: z.array(z.enum(REGIME_FOLDS)).optional(),
  /** Save the trained model here (a directory on the worker; omit to keep nothing). */
  model_out: z.string().min(1).optional(),
});

/**
 * Train on the split and evaluate on its test and calibration rows (the evaluation protocol of
 * eval/evaluate.ts): one fold of a benchmark (`vibann evaluate --splits` uses `multisplit-split`). `label` names
 * it in ids and messages (e.g. 'split-3').
 */
export const TrainEvaluateJobSchema = z.object({
  kind: z.literal('train-evaluate'),
  ...base,
  fit: FitSpecSchema,
  label: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, _ . -'),
  /** MC seed of the evaluation. */
  seed: int,
  /** Save the trained model here (a directory on the worker; omit to keep nothing). */
  model_out: z.string().min(1).optional(),
});

/**
 * One split of the shift benchmark (workflows/shift.ts, docs/uncertainty.md §4): train the default
 * model without the split's test rows (`fit`), fit its uncertainty model (grouped CV with
 * `group_folds` family folds, seeded by `seed`), score the held-out rows with every uncertainty
 * method (MC masks seeded by `seed`) and with the GP baseline (`gp_restarts` restarts, seeded by
 * `seed`'s fork 'gp'). `name` names the split in ids, messages and splits/<name>.json.
 */
export const ShiftSplitJobSchema = z.object({
  kind: z.literal('shift-split'),
  ...base,
  fit: FitSpecSchema,
  name: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, _ . -'),
  split_kind: z.enum(['family', 'hardest', 'load-low', 'load-high']),
  seed: int,
  group_folds: int.min(2),
  /** Regime folds of that grouped CV (absent: none, as before they existed). */
  regime_folds: z.array(z.enum(REGIME_FOLDS)).optional(),
  gp_restarts: int.nonnegative(),
});

/**
 * One split of the multi-split evaluation (workflows/multisplit.ts, `vibann evaluate --splits N`):
 * train the preset's ensemble on the split (`fit`), score its test rows (MC masks seeded by
 * `seed`, `mc` passes), then tune and score the `baselines` on the same split (searches seeded by
 * `seed`, `budget` trials per baseline; default their own budgets). `name` names the split in ids
 * and messages ('reference', 'cluster-3').
 */
export const MultiSplitJobSchema = z.object({
  kind: z.literal('multisplit-split'),
  ...base,
  fit: FitSpecSchema,
  name: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, _ . -'),
  seed: int,
  baselines: z.array(z.enum(BASELINE_KEYS)).min(1),
  budget: int.positive().optional(),
});

/** A model directory a job reads: a path on the worker and the SHA-256 of its weights file. */
export const ModelRefSchema = z.object({
  path: z.string().min(1),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'a lowercase hex SHA-256'),
});
export type ModelRef = z.infer<typeof ModelRefSchema>;

/**
 * A design's settings as a job carries them: design/options.ts `DesignSettings` without the seed
 * (the job's own field), every field optional (omitted = the default); unknown fields are refused.
 */
export const DesignSettingsSchema = z
  .strictObject({
    load: z.number().positive(),
    target: z.tuple([z.number(), z.number()]),
    ban: z.array(z.string()),
    allow: z.array(z.string()),
    bounds: z.record(
      z.string(),
      z.strictObject({ min: z.number().optional(), max: z.number().optional() }),
    ),
    maxElements: int.positive(),
    minElements: int.positive(),
    n: int.positive(),
    quick: z.boolean(),
    refine: z.boolean(),
    lcbTarget: z.number().positive(),
    noveltyMin: z.number().nonnegative(),
    noveltyQuantile: z.number().min(0).max(1),
    supportQuantile: z.number().min(0).max(1),
    glass: z.boolean(),
    maxCost: z.number().positive(),
    objective: z.enum(['lcb', 'pareto']),
    familyCap: int.positive(),
    mcmcChains: int.min(2),
    mcmcSteps: int.positive(),
    refineSteps: int.positive(),
    refineLr: z.number().positive(),
    refineSeeds: int.positive(),
  })
  .partial();

/**
 * One design seed (SPEC §9, design/pipeline.ts `runDesign`): the saved model `model` (verified by
 * the SHA-256 of its weights), the dataset it was trained on (`data`) and its split (`split`: the
 * model's own, checked against the model), the settings and the seed of every random step.
 */
export const DesignJobSchema = z.object({
  kind: z.literal('design'),
  ...base,
  model: ModelRefSchema,
  seed: int.nonnegative(),
  settings: DesignSettingsSchema,
});

export const JobSpecSchema = z.discriminatedUnion('kind', [
  DesignJobSchema,
  TrainEvaluateJobSchema,
  TrainJobSchema,
  EvaluateJobSchema,
  SeedJobSchema,
  AblationJobSchema,
  LearningCurveJobSchema,
  TuneTrialJobSchema,
  LofoFoldJobSchema,
  ShiftSplitJobSchema,
  MultiSplitJobSchema,
]);
export type JobSpec = z.infer<typeof JobSpecSchema>;
export type JobKind = JobSpec['kind'];
export type JobOf<K extends JobKind> = Extract<JobSpec, { kind: K }>;

/** The backend a result was computed with (nn/backend.ts BackendInfo, as recorded). */
export const JobBackendSchema = z.looseObject({
  backend: z.string(),
  simd: z.boolean().optional(),
  tfjsVersion: z.string(),
});

/** What a job gives back, wherever it ran. */
export const JobResultSchema = z.object({
  schema: z.literal(JOB_RESULT_SCHEMA),
  /** `jobId(job)`. */
  id: z.string(),
  kind: z.string(),
  /** The job as run. */
  job: z.unknown(),
  /** The kind's result (deterministic: no timings, no host). */
  result: z.unknown(),
  /** What varies from run to run (timings), kept apart from `result`. */
  extra: z.unknown().optional(),
  /** The job's base seed. */
  seed: int,
  /** SHA-256 of the dataset as verified by the worker. */
  data_sha256: z.string(),
  vibann_version: z.string(),
  backend: JobBackendSchema,
  /** Wall time of the job on the worker, s. */
  wall_s: z.number(),
  /** Where it ran. */
  worker: z.object({ host: z.string(), pid: int, thread: int }),
  finished: z.string(),
});
export interface JobResultDocument<R = unknown>
  extends Omit<z.infer<typeof JobResultSchema>, 'result' | 'job'> {
  job: JobSpec;
  result: R;
}

/** JSON with object keys sorted at every level (a canonical form for hashing). */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/** A short readable label of a job (kind and what distinguishes it within a study). */
export function jobLabel(j: JobSpec): string {
  switch (j.kind) {
    case 'train':
      return `train-seed${j.fit.seed}`;
    case 'evaluate':
      return 'evaluate';
    case 'seeds-report-seed':
      return `seed${j.fit.seed}`;
    case 'ablation':
      return `ablation-${j.variant.replace(/[^A-Za-z0-9]+/g, '-')}`;
    case 'learning-curve':
      return `curve-${Math.round(j.fraction * 100)}pct`;
    case 'tune-trial':
      return j.trial === null ? 'tune-reference' : `tune-trial${j.trial}`;
    case 'lofo-fold':
      return `lofo-${j.family.join('')}`;
    case 'train-evaluate':
      return `train-evaluate-${j.label}`;
    case 'design':
      return `design-seed${j.seed}`;
    case 'shift-split':
      return `shift-${j.name}`;
    case 'multisplit-split':
      return `multisplit-${j.name}`;
  }
}

/**
 * The id of a job: its label and the first 16 hex digits of the SHA-256 of its canonical JSON, so
 * equal jobs have equal ids (and result files) and any change of a field gives a new one.
 */
export function jobId(j: JobSpec): string {
  const h = createHash('sha256').update(canonicalJson(j)).digest('hex').slice(0, 16);
  return `${jobLabel(j)}-${h}`;
}
