/**
 * Running one job (spec.ts) in this process: verify the dataset against the job's checksum, rebuild
 * the split from the job's row indices, do the kind's work (eval/studies.ts units, training, the
 * evaluation protocol, one design seed) and wrap its result in a `JobResultDocument` with the seed,
 * the data checksum, the version, the backend, the wall time and where it ran. The same function
 * runs in a worker thread of the local pool (handler.ts), in a `vibann worker` of the queue
 * (queue.ts) and in-process; progress goes to `onProgress` after every training epoch (every MCMC
 * and refinement step of a design), and an aborted `signal` stops the job at the next one with
 * `JobCancelledError`. A job trains its networks in its own thread (threads 1): the pool already
 * runs one job per core.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { threadId } from 'node:worker_threads';
import type { Dataset } from '../data/dataset.ts';
import type { Split } from '../data/split.ts';
import type { PresetName } from '../train/presets.ts';
import type { EpochEvent } from '../train/trainer.ts';
import { InputError, VibannError } from '../util/errors.ts';
import { VERSION } from '../version.ts';
import {
  JOB_RESULT_SCHEMA,
  type JobOf,
  type JobResultDocument,
  type JobSpec,
  JobSpecSchema,
  jobId,
  jobLabel,
  type ModelRef,
} from './spec.ts';

/** One progress report of a running job (the shape of workflows' ProgressEvent). */
export interface JobProgress {
  stage: string;
  done: number;
  total: number;
  status?: string;
}

/** How the caller talks to a running job. */
export interface JobContext {
  signal?: AbortSignal;
  onProgress?: (p: JobProgress) => void;
}

/** A job stopped because its signal was aborted (exit code 1). */
export class JobCancelledError extends VibannError {
  constructor(what = 'the job') {
    super(`${what} was cancelled`);
    this.name = 'CancelledError';
  }
}

/**
 * Load the dataset a job names and check its SHA-256: a missing file or a different checksum is an
 * InputError naming the path, the host and both checksums (docs/scaling.md: what a worker needs).
 */
export async function verifiedDataset(job: Pick<JobSpec, 'data'>): Promise<Dataset> {
  const { path, sha256 } = job.data;
  if (!existsSync(path)) {
    throw new InputError(
      `job dataset ${path} does not exist on ${hostname()}: every worker must reach the dataset at the same path (a shared folder, or the file copied there; see docs/scaling.md)`,
    );
  }
  const { loadDataset } = await import('../data/dataset.ts');
  const ds = loadDataset(path);
  if (ds.sha256 !== sha256) {
    throw new InputError(
      `job dataset ${path} on ${hostname()} has SHA-256 ${ds.sha256}, but the job was made for SHA-256 ${sha256}: the file differs from the coordinator's; copy the same file to every worker`,
    );
  }
  return ds;
}

/** The weights file of a model directory (nn/io.ts WEIGHTS_FILE; written by `saveModel`). */
const MODEL_WEIGHTS = 'weights.bin';

/**
 * A model directory as a job names it: absolute path and the SHA-256 of its weights file. A
 * directory without a model is an InputError naming it.
 */
export function modelRef(dir: string): ModelRef {
  const path = resolve(dir);
  const weights = join(path, MODEL_WEIGHTS);
  if (!existsSync(join(path, 'manifest.json')) || !existsSync(weights))
    throw new InputError(`no trained model at '${dir}': run 'vibann train --out ${dir}' first`);
  return { path, sha256: createHash('sha256').update(readFileSync(weights)).digest('hex') };
}

/**
 * Load the model a job names and check the SHA-256 of its weights: a missing directory or other
 * weights (a model retrained since the job was made) is an InputError naming the path, the host
 * and both checksums.
 */
async function verifiedModel(ref: ModelRef) {
  const weights = join(ref.path, MODEL_WEIGHTS);
  if (!existsSync(weights))
    throw new InputError(
      `job model ${ref.path} does not exist on ${hostname()}: every worker must reach the model directory at the same path (see docs/scaling.md)`,
    );
  const sha256 = createHash('sha256').update(readFileSync(weights)).digest('hex');
  if (sha256 !== ref.sha256)
    throw new InputError(
      `job model ${ref.path} on ${hostname()} has weights with SHA-256 ${sha256}, but the job was made for SHA-256 ${ref.sha256}: the model differs from the coordinator's (retrained or not copied)`,
    );
  const { HardnessModel } = await import('../model/hardness-model.ts');
  return HardnessModel.load(ref.path);
}

async function jobSplit(ds: Dataset, job: JobSpec): Promise<Split> {
  const { splitFromJSON } = await import('../data/split.ts');
  const { kind, description, ...rows } = job.split;
  return splitFromJSON(
    ds,
    { ...rows, dataset_sha256: ds.sha256, n_rows: ds.nRows },
    { kind, label: `job ${jobLabel(job)}: split`, description },
  );
}

type Fitted = Extract<JobSpec, { fit: unknown }>;

function studyOptions(job: Fitted, ctx: JobContext) {
  const label = jobLabel(job);
  return {
    preset: job.fit.preset as PresetName,
    seed: job.fit.seed,
    quick: job.fit.quick,
    passes: job.mc,
    training: job.fit.training,
    onEpoch: (e: EpochEvent) => {
      if (ctx.signal?.aborted) throw new JobCancelledError(`job ${label}`);
      ctx.onProgress?.({
        stage: label,
        done: e.epoch,
        total: e.maxEpochs,
        status: `${e.members.filter((m) => m.active).length} of ${e.members.length} networks active`,
      });
    },
  };
}

/** What a kind gives back: the deterministic `result` and non-deterministic `extra` (timings). */
interface KindOutput {
  result: unknown;
  extra?: unknown;
}

async function fitModel(ds: Dataset, split: Split, job: Fitted, ctx: JobContext) {
  const { HardnessModel } = await import('../model/hardness-model.ts');
  const o = studyOptions(job, ctx);
  return HardnessModel.fit(ds, split, {
    preset: o.preset,
    seed: o.seed,
    seeds: job.fit.seeds,
    quick: o.quick,
    network: job.fit.network,
    training: o.training,
    onEpoch: o.onEpoch,
    // a job runs one per worker thread of a pool (one per core): its networks train in its thread
    threads: 1,
  });
}

/** Member reports without their wall times (those go to `extra`). */
function members(m: { member: number; wallS: number }[]) {
  return m.map(({ wallS: _w, ...r }) => r);
}

async function runKind(
  job: JobSpec,
  ds: Dataset,
  split: Split,
  ctx: JobContext,
): Promise<KindOutput> {
  const s = await import('../eval/studies.ts');
  switch (job.kind) {
    case 'seeds-report-seed':
      return { result: await s.seedRun(ds, split, studyOptions(job, ctx)) };
    case 'ablation': {
      const { train_s, ...row } = await s.ablationRun(
        ds,
        split,
        { variant: job.variant, network: job.fit.network ?? {} },
        studyOptions(job, ctx),
      );
      return { result: row, extra: { train_s } };
    }
    case 'learning-curve':
      return {
        result: await s.learningCurvePoint(ds, split, job.fraction, studyOptions(job, ctx)),
      };
    case 'tune-trial': {
      const { model } = await fitModel(ds, split, job, ctx);
      return { result: { cv_loss: s.cvValidationLoss(model) } };
    }
    case 'train': {
      const { model } = await fitModel(ds, split, job, ctx);
      await model.save(job.out);
      const m = model.meta.training;
      return {
        result: {
          model_dir: job.out,
          networks: m.members.length,
          members: members(m.members),
          validation_rmse: model.validationRmse(),
        },
        extra: { wall_s: m.wall_s, member_wall_s: m.members.map((x) => x.wallS) },
      };
    }
    case 'evaluate': {
      const { HardnessModel } = await import('../model/hardness-model.ts');
      if (!existsSync(job.model))
        throw new InputError(`job model directory ${job.model} does not exist on ${hostname()}`);
      const model = await HardnessModel.load(job.model);
      const { evaluateModel } = await import('../eval/evaluate.ts');
      return { result: evaluateModel(model, ds, split, { passes: job.mc, seed: job.seed }) };
    }
    case 'lofo-fold':
      return lofoFold(job, ds, split, ctx);
    case 'design':
      return designSeed(job, ds, split, ctx);
    case 'shift-split':
      return shiftSplit(job, ds, split, ctx);
    case 'multisplit-split':
      return multiSplitSplit(job, ds, split, ctx);
    case 'train-evaluate': {
      const { model } = await fitModel(ds, split, job, ctx);
      if (job.model_out) await model.save(job.model_out);
      const { evaluateModel } = await import('../eval/evaluate.ts');
      const m = model.meta.training;
      return {
        result: {
          evaluation: evaluateModel(model, ds, split, { passes: job.mc, seed: job.seed }),
          networks: m.members.length,
          members: members(m.members),
          model_dir: job.model_out ?? null,
        },
        extra: { wall_s: m.wall_s, member_wall_s: m.members.map((x) => x.wallS) },
      };
    }
  }
}

async function lofoFold(
  job: JobOf<'lofo-fold'>,
  ds: Dataset,
  split: Split,
  ctx: JobContext,
): Promise<KindOutput> {
  const { model } = await fitModel(ds, split, job, ctx);
  if (job.model_out) await model.save(job.model_out);
  // issue 12: the complete default model includes the uncertainty model (docs/uncertainty.md),
  // fitted here without the held-out family (grouped CV in this thread: threads 1), saved as
  // domain.json beside the model; every metric then uses its predictive distribution
  const { evaluateWithUncertaintyFit } = await import('./uncertainty.ts');
  const t0 = performance.now();
  const { evaluation: ev } = await evaluateWithUncertaintyFit(
    model,
    ds,
    split,
    {
      seed: job.seed,
      mc: job.mc,
      threads: 1,
      modelDir: job.model_out,
      groupFolds: job.group_folds,
      regimeFolds: job.regime_folds ?? [],
    },
    fitHooks(job, ctx),
  );
  const uncertaintyS = (performance.now() - t0) / 1000;
  const { listFamilies } = await import('../data/family.ts');
  const m = model.meta.training;
  return {
    result: {
      family: job.family,
      held_out: { rows: split.test.length, families: listFamilies(ds, split.test) },
      n: ev.n,
      test: ev.test,
      calibration: ev.calibration,
      recalibrated: ev.recalibrated,
      uncertainty: ev.uncertainty ?? 'mc',
      mc: ev.mc,
      preset: model.meta.preset.name,
      networks: m.members.length,
      members: members(m.members),
      predictions: ev.predictions.map((p) => ({
        ...p,
        formula: ds.compositions[p.row].toString(),
      })),
      model_dir: job.model_out ?? null,
    },
    extra: {
      wall_s: m.wall_s,
      member_wall_s: m.members.map((x) => x.wallS),
      uncertainty_s: uncertaintyS,
    },
  };
}

/** A job's context as the uncertainty fit takes it (progress per grouped-CV epoch, cancellation). */
function fitHooks(job: JobSpec, ctx: JobContext): import('./uncertainty.ts').FitHooks {
  const label = jobLabel(job);
  return {
    onProgress: (p) => ctx.onProgress?.({ ...p, stage: `${label} ${p.stage}` }),
    checkCancelled: () => {
      if (ctx.signal?.aborted) throw new JobCancelledError(`job ${label}`);
    },
  };
}

/**
 * One split of the shift benchmark: train without the held-out rows, fit the uncertainty model
 * (threads 1, as every job), score the held-out rows with every method and the GP baseline
 * (eval/shift.ts). The result is the split's `splits/<name>.json` without its wall time.
 */
async function shiftSplit(
  job: JobOf<'shift-split'>,
  ds: Dataset,
  split: Split,
  ctx: JobContext,
): Promise<KindOutput> {
  const { model } = await fitModel(ds, split, job, ctx);
  const m = model.meta.training;
  const { fitUncertaintyDetailed } = await import('./uncertainty.ts');
  const t0 = performance.now();
  const u = await fitUncertaintyDetailed(
    model,
    ds,
    split,
    {
      seed: job.seed,
      threads: 1,
      groupFolds: job.group_folds,
      regimeFolds: job.regime_folds ?? [],
    },
    fitHooks(job, ctx),
  );
  const uncertaintyS = (performance.now() - t0) / 1000;
  const { scoreShiftSplit } = await import('../eval/shift.ts');
  const { Rng } = await import('../util/rng.ts');
  const result = await scoreShiftSplit(
    model,
    ds,
    split,
    { oof: u.oof, cal: u.cal, domain: u.domain, chosen: u.file.comparison.chosen },
    { name: job.name, kind: job.split_kind },
    { seed: job.seed, gpRestarts: job.gp_restarts, gpRng: new Rng(job.seed).fork('gp') },
  );
  return {
    result,
    extra: { wall_s: m.wall_s, uncertainty_s: uncertaintyS },
  };
}

/**
 * One split of the multi-split evaluation (workflows/multisplit.ts): train the preset's ensemble
 * on the split (threads 1, as every job), score the test rows with its MC mean (`mc` passes, masks
 * seeded by `seed`), then tune and score the baselines on the same split (searches seeded by
 * `seed`, log-load features, `budget` trials each). The result is the split's row of
 * multisplit.json: test MAE, RMSE and R² per model ('vibann' first, then the baselines in
 * baselines/models.ts order); the timings go to `extra`.
 */
async function multiSplitSplit(
  job: JobOf<'multisplit-split'>,
  ds: Dataset,
  split: Split,
  ctx: JobContext,
): Promise<KindOutput> {
  const label = jobLabel(job);
  const { model } = await fitModel(ds, split, job, ctx);
  const t0 = performance.now();
  const p = model.predictWithUncertainty(
    {
      compositions: split.test.map((r) => ds.compositions[r]),
      loads: split.test.map((r) => ds.load[r]),
    },
    { passes: job.mc, seed: job.seed },
  );
  const { accuracyMetrics } = await import('../uq/metrics.ts');
  const a = accuracyMetrics(
    split.test.map((r) => ds.hv[r]),
    p.mean,
  );
  const models: Record<string, { mae: number; rmse: number; r2: number }> = {
    vibann: { mae: a.mae, rmse: a.rmse, r2: a.r2 },
  };
  const predictS = (performance.now() - t0) / 1000;
  const { runBaselines } = await import('../baselines/runner.ts');
  const t1 = performance.now();
  // runBaselines logs a header, one indented line per search trial and one line per baseline
  // done: progress counts the baselines done; every line is a chance to cancel
  let lines = 0;
  let done = 0;
  const table = runBaselines(ds, split, {
    models: job.baselines,
    seed: job.seed,
    loadTransform: 'log',
    ...(job.budget !== undefined ? { budget: job.budget } : {}),
    onProgress: (line) => {
      if (ctx.signal?.aborted) throw new JobCancelledError(`job ${label}`);
      if (lines++ > 0 && !/^\s/.test(line)) done++;
      ctx.onProgress?.({
        stage: `${label} baselines`,
        done,
        total: job.baselines.length,
        status: line.trim(),
      });
    },
  });
  for (const r of table.results)
    models[r.key] = { mae: r.test.mae, rmse: r.test.rmse, r2: r.test.r2 };
  const m = model.meta.training;
  return {
    result: {
      name: job.name,
      n_train_fit: split.trainFit.length,
      n_test: split.test.length,
      models,
    },
    extra: {
      wall_s: m.wall_s,
      member_wall_s: m.members.map((x) => x.wallS),
      predict_s: predictS,
      baselines_s: (performance.now() - t1) / 1000,
    },
  };
}

/**
 * One design seed: the design pipeline (design/pipeline.ts `runDesign`, the refinement of
 * design/refine.ts) on the job's model with the job's settings and seed — what `vibann design
 * --model DIR --seed S` computes, without the run directory and the domain verdicts. The result
 * keeps the candidates with their gate records, the accepted pool, the counts and the thresholds;
 * the stage timings go to `extra`.
 */
async function designSeed(
  job: JobOf<'design'>,
  ds: Dataset,
  split: Split,
  ctx: JobContext,
): Promise<KindOutput> {
  const label = jobLabel(job);
  const model = await verifiedModel(job.model);
  if (model.meta.data.sha256 !== ds.sha256)
    throw new InputError(
      `job model ${job.model.path} was trained on ${model.meta.data.file} (SHA-256 ${model.meta.data.sha256}), but the job names ${job.data.path} (SHA-256 ${ds.sha256})`,
    );
  for (const k of ['train_fit', 'calibration'] as const) {
    const a = model.meta.split[k];
    const b = job.split[k];
    if (a.length !== b.length || a.some((r, i) => r !== b[i]))
      throw new InputError(
        `job ${label}: the job's ${k} rows are not those the model ${job.model.path} was trained with (a design job carries the model's split)`,
      );
  }
  const opts = await import('../design/options.ts');
  const settings: import('../design/options.ts').DesignSettings = {
    ...opts.DESIGN_SETTINGS_DEFAULTS,
    ...job.settings,
    seed: job.seed,
  };
  opts.checkDesignSettings(settings);
  const options = await opts.designOptionsFor(settings);
  const { runDesign } = await import('../design/pipeline.ts');
  const { makeRefiner } = await import('../design/refine.ts');
  const { designData } = await import('../design/data.ts');
  const { Rng } = await import('../util/rng.ts');
  const cancel = () => {
    if (ctx.signal?.aborted) throw new JobCancelledError(`job ${label}`);
  };
  const res = await runDesign(
    model,
    designData(ds, split, model.elements),
    options,
    new Rng(job.seed),
    {
      onStage: cancel,
      onMcmcStep: (t, total, accepted) => {
        cancel();
        ctx.onProgress?.({
          stage: `${label} MCMC`,
          done: t + 1,
          total,
          status: `${accepted} accepted`,
        });
      },
      onRefineStep: (step, maxSteps, best) => {
        cancel();
        ctx.onProgress?.({
          stage: `${label} refinement`,
          done: step,
          total: maxSteps,
          status: `best objective ${best.toFixed(1)} HV`,
        });
      },
      refine: settings.refine ? makeRefiner(model, opts.refineOptionsFor(settings)) : undefined,
    },
  );
  return {
    result: {
      model: {
        path: job.model.path,
        created: model.meta.created,
        preset: model.meta.preset.name,
        networks: model.nMembers,
      },
      seed: job.seed,
      screened: res.screened,
      accepted: res.accepted,
      accepted_families: res.acceptedFamilies,
      rejected: res.rejected,
      thresholds: res.thresholds,
      candidates: res.candidates,
      accepted_pool: res.acceptedPool,
      pareto: res.pareto,
      gmm: res.gmm,
      frame: res.frame,
      mcmc: res.mcmc,
      refinement: res.refinement ?? null,
    },
    extra: { timings: res.timings },
  };
}

/** The job's base seed (the networks' or the MC masks'). */
function jobSeed(job: JobSpec): number {
  return 'fit' in job ? job.fit.seed : job.seed;
}

/** Run one job here and now; the job is validated first (an InputError names the field). */
export async function runJob(input: unknown, ctx: JobContext = {}): Promise<JobResultDocument> {
  const parsed = JobSpecSchema.safeParse(input);
  if (!parsed.success) {
    const { describeIssue } = await import('../runs/index.ts');
    throw new InputError(`not a vibann job: ${describeIssue(parsed.error)}`);
  }
  const job = parsed.data;
  const t0 = performance.now();
  if (ctx.signal?.aborted) throw new JobCancelledError(`job ${jobLabel(job)}`);
  const ds = await verifiedDataset(job);
  const split = await jobSplit(ds, job);
  const { initBackend } = await import('../nn/backend.ts');
  const b = await initBackend();
  const out = await runKind(job, ds, split, ctx);
  return {
    schema: JOB_RESULT_SCHEMA,
    id: jobId(job),
    kind: job.kind,
    job,
    result: JSON.parse(JSON.stringify(out.result)),
    ...(out.extra === undefined ? {} : { extra: out.extra }),
    seed: jobSeed(job),
    data_sha256: ds.sha256,
    vibann_version: VERSION,
    backend: { backend: b.backend, simd: b.simd, tfjsVersion: b.tfjsVersion },
    wall_s: (performance.now() - t0) / 1000,
    worker: { host: hostname(), pid: process.pid, thread: threadId },
    finished: new Date().toISOString(),
  };
}
