/**
 * The training studies (SPEC §7) behind `vibann evaluate --seeds-report N | --ablations |
 * --learning-curve`: each trains its own ensembles on the chosen split; the results go to
 * studies.json (`StudiesRunDocument`, read back by `readStudiesRun`) in a run directory.
 * Every training is one job (src/jobs: one seeds-report seed, one ablation variant, one
 * learning-curve fraction), run on a pool of worker threads (default: one per core), in this
 * process (`workers: 0`) or on `vibann worker` processes through a Redis queue (`queue`); each
 * job's result file goes to <run>/jobs/, and a rerun with the same `out` reuses the finished ones.
 * The same jobs give the same studies.json wherever they run (timings aside). Progress is
 * reported per job; cancellation is checked after every epoch.
 */
import { join } from 'node:path';
import type { AblationRow, LearningCurveRow, SeedRow, TestSamples } from '../eval/studies.ts';
import type { JobExecutor } from '../jobs/executor.ts';
import type { FitSpec, JobResultDocument, JobSpec } from '../jobs/spec.ts';
import { STUDIES_FILE, type StudiesRunDocument } from '../runs/studies.ts';
import type { RunManifest } from '../util/manifest.ts';
import { completeRun } from '../util/manifest.ts';
import {
  openDataset,
  runDirName,
  throwIfCancelled,
  type WorkflowHooks,
  withDefaults,
} from './common.ts';
import { checkPreset } from './train.ts';

/** Where a multi-job workflow runs its jobs (src/jobs; docs/scaling.md). */
export interface ParallelOptions {
  /** Worker threads on this machine (default: the number of cores; 0 = in this process). */
  workers?: number;
  /** Redis URL of a job queue served by `vibann worker` processes (instead of local threads). */
  queue?: string;
  /** Queue only: a job running longer than this fails, s (default 6 h). */
  jobTimeout?: number;
  /** An executor to use (and not close), e.g. one shared pool of a server. */
  executor?: JobExecutor;
}

export interface StudiesOptions extends ParallelOptions {
  /** Dataset CSV (default: the reference dataset). */
  data?: string;
  /** 'reference' | 'cluster' | FILE (default: reference on the reference dataset). */
  split?: string;
  /** 'default' | 'paper'. */
  preset?: string;
  /** Seed of the split and the networks. */
  seed?: number;
  /** Smoke run: 5 epochs per network. */
  quick?: boolean;
  /** MC passes for scoring (default: the preset's). */
  mc?: number;
  /** Seeds report: N seeds of the CV ensemble. */
  seedsReport?: number;
  /** The SPEC §7 ablation variants. */
  ablations?: boolean;
  /** Train on `LEARNING_CURVE_FRACTIONS` of train_fit. */
  learningCurve?: boolean;
  /** Run directory (default runs/studies-<UTC date>). */
  out?: string;
  /** Replace `out` even when it holds files that are not a vibann run (default: refuse, exit 2). */
  force?: boolean;
  /** Overrides of the preset's training settings (e.g. `{ maxEpochs: 2 }` for tiny test runs). */
  training?: FitSpec['training'];
  /** The command line recorded in the manifest (default: this process's arguments). */
  argv?: string[];
}

/** Fractions of train_fit of the learning curve. */
export const LEARNING_CURVE_FRACTIONS: readonly number[] = [0.2, 0.4, 0.6, 0.8, 1];

export const STUDIES_DEFAULTS: Required<Pick<StudiesOptions, 'preset' | 'seed'>> = {
  preset: 'default',
  seed: 1,
};

type SeedResult = SeedRow & { samples: TestSamples };

export interface StudiesResult {
  runDir: string;
  document: StudiesRunDocument;
  manifest: RunManifest;
}

export async function runStudies(
  options: StudiesOptions,
  hooks: WorkflowHooks = {},
): Promise<StudiesResult> {
  const o = withDefaults(STUDIES_DEFAULTS, options);
  const preset = checkPreset(o.preset);
  const t0 = performance.now();
  const { ds } = await openDataset(o.data, hooks);
  const { selectSplit } = await import('../data/index.ts');
  const split = selectSplit(ds, { spec: o.split, seed: o.seed });
  const s = await import('../eval/studies.ts');
  const { job, fitSpec } = await import('../jobs/build.ts');
  const fit = (seed: number, network?: FitSpec['network']) =>
    fitSpec({ preset, seed, quick: o.quick, network, training: o.training });
  const jobs: JobSpec[] = [];
  const seedJobs = Array.from({ length: o.seedsReport ?? 0 }, (_, i) =>
    job('seeds-report-seed', ds, split, { fit: fit(o.seed + i), mc: o.mc }),
  );
  const ablationJobs = (o.ablations ? s.ABLATIONS : []).map((a) =>
    job('ablation', ds, split, {
      fit: fit(o.seed, a.network as FitSpec['network']),
      variant: a.variant,
      mc: o.mc,
    }),
  );
  const curveJobs = (o.learningCurve ? LEARNING_CURVE_FRACTIONS : []).map((fraction) =>
    job('learning-curve', ds, split, { fit: fit(o.seed), fraction, mc: o.mc }),
  );
  jobs.push(...seedJobs, ...ablationJobs, ...curveJobs);
  const runDir = o.out ?? runDirName('studies');
  const { prepareStudyDir } = await import('../jobs/runner.ts');
  await prepareStudyDir(runDir, { force: o.force });
  const results = await runStudyJobs(jobs, runDir, o, hooks);
  const byJob = new Map(jobs.map((j, i) => [j, results[i]]));
  const doc: StudiesRunDocument = {
    split: { kind: split.kind, description: split.description },
    preset: o.preset,
    seed: o.seed,
  };
  if (seedJobs.length > 0) {
    const runs = seedJobs.map((j) => byJob.get(j) as JobResultDocument<SeedResult>);
    const pooled = s.pooledMetrics(
      ds,
      split,
      runs.map((r) => r.result.samples),
    );
    const rows = runs.map(({ result: { samples: _s, ...row } }) => row);
    doc.seeds_report = s.seedsSummary(
      rows,
      pooled,
      runs.reduce((a, r) => a + r.wall_s, 0),
    );
  }
  if (ablationJobs.length > 0)
    doc.ablations = ablationJobs.map((j) => {
      const r = byJob.get(j) as JobResultDocument<Omit<AblationRow, 'train_s'>>;
      return { ...r.result, train_s: (r.extra as { train_s: number }).train_s };
    });
  if (curveJobs.length > 0)
    doc.learning_curve = curveJobs.map(
      (j) => (byJob.get(j) as JobResultDocument<LearningCurveRow>).result,
    );
  const { writeJsonAtomic } = await import('../util/fs.ts');
  const { newManifest, writeManifest, dataRecord } = await import('../util/manifest.ts');
  await writeJsonAtomic(join(runDir, STUDIES_FILE), doc);
  const { argv, executor: _e, ...recorded } = o;
  const manifest = newManifest('evaluate', argv ?? process.argv.slice(2), recorded, {
    seed: o.seed,
  });
  manifest.data = dataRecord(ds, split);
  manifest.timings.total = (performance.now() - t0) / 1000;
  await writeManifest(runDir, manifest);
  await completeRun(runDir, manifest);
  return { runDir, document: doc, manifest };
}

/**
 * Run a study's jobs on the executor the options name (`executor`, else `--queue`, else a pool of
 * `--workers` threads), resumably in `<runDir>/jobs/`; cancellation through the hooks' signal.
 * Shared by the studies, `lofo` over several families and other multi-job workflows. With `costs`
 * (a cheap estimate per job, e.g. `trainingCost`), the jobs are submitted longest first (LPT, so
 * the last job to start is a short one); the results come back in the jobs' order either way.
 */
export async function runStudyJobs(
  jobs: readonly JobSpec[],
  runDir: string,
  o: ParallelOptions,
  hooks: WorkflowHooks,
  stage = `${jobs.length} training jobs`,
  costs?: readonly number[],
): Promise<JobResultDocument[]> {
  throwIfCancelled(hooks, 'the study');
  if (jobs.length === 0) return [];
  if (costs) {
    const { longestFirst, inOrder } = await import('../jobs/build.ts');
    const order = longestFirst(costs);
    const results = await runStudyJobs(
      order.map((i) => jobs[i]),
      runDir,
      o,
      hooks,
      stage,
    );
    return inOrder(order, results);
  }
  const { openExecutor } = await import('../jobs/executor.ts');
  const { runJobs } = await import('../jobs/runner.ts');
  const executor =
    o.executor ??
    (await openExecutor({
      workers: o.workers === undefined ? undefined : Math.min(o.workers, jobs.length),
      queue: o.queue,
      jobTimeoutS: o.jobTimeout,
    }));
  hooks.onInfo?.(
    `${jobs.length} jobs on ${executor.description}; results in ${join(runDir, 'jobs')}`,
  );
  try {
    return await runJobs(jobs, { executor, dir: runDir, hooks, stage });
  } catch (e) {
    throwIfCancelled(hooks, 'the study');
    throw e;
  } finally {
    if (stage) hooks.onStageEnd?.(stage);
    if (!o.executor) await executor.close();
  }
}

/**
 * Write and complete the manifest of a study's run directory (`lofo` over several families,
 * `shift`): the command, its options (the executor aside), the seed, the backend the jobs ran on
 * and the total wall time since `t0` (performance.now()).
 */
export async function writeStudyManifest(
  runDir: string,
  command: string,
  o: ParallelOptions & { argv?: string[]; seed: number },
  results: readonly JobResultDocument[],
  t0: number,
): Promise<void> {
  const { newManifest, writeManifest } = await import('../util/manifest.ts');
  const { jobsBackend } = await import('../jobs/runner.ts');
  const { argv, executor: _e, ...recorded } = o;
  const manifest = newManifest(command, argv ?? process.argv.slice(2), recorded, { seed: o.seed });
  const b = jobsBackend(results);
  if (b) {
    manifest.backend = b.backend;
    manifest.versions.tfjs = b.tfjs;
  }
  manifest.timings.total = (performance.now() - t0) / 1000;
  await writeManifest(runDir, manifest);
  await completeRun(runDir, manifest);
}
