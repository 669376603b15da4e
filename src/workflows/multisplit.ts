/**
 * Multi-split evaluation (issue 11, `vibann evaluate --splits N`): one test split moves the MAE by
 * ±6–12 HV with its seed alone, so a claim of "better" needs several. The VIBANN ensemble of a
 * preset and the tuned baselines are trained and scored on the reference split (when the dataset
 * has one) plus N seeded cluster-aware splits (SPEC §2); per model the mean ± sd of test MAE, RMSE
 * and R², and the paired MAE difference to the best baseline (lowest mean MAE) with the
 * Nadeau–Bengio corrected resampled t interval (src/math/student.ts), which accounts for the
 * overlap of the training sets between splits. Writes multisplit.json and manifest.json.
 *
 * Each split is one multisplit-split job (src/jobs; worker threads by default, `workers`, or a
 * Redis `queue`, submitted longest first = most training rows first): it trains the ensemble (one
 * thread), scores the test rows and tunes and scores the baselines. Resumable: one result file per
 * job in <run>/jobs/, a rerun with the same directory reuses the finished splits. The document
 * keeps the splits' own order (reference, cluster-1 … cluster-N) whatever order they ran in.
 */
import { join } from 'node:path';
import type { BaselineKey } from '../baselines/models.ts';
import { REFERENCE_SHA256 } from '../data/resolve.ts';
import type { Split } from '../data/split.ts';
import type { JobResultDocument } from '../jobs/spec.ts';
import { mean, meanSd } from '../math/stats.ts';
import {
  type CorrectedTTest,
  correctedResampledTTest,
  resolvableDifference,
} from '../math/student.ts';
import { Rng } from '../util/rng.ts';
import { openDataset, runDirName, throwIfCancelled, type WorkflowHooks } from './common.ts';
import { type ParallelOptions, runStudyJobs, writeStudyManifest } from './studies.ts';
import { checkPreset } from './train.ts';

export const MULTISPLIT_FILE = 'multisplit.json';

export interface MultiSplitOptions extends ParallelOptions {
  /** Dataset CSV (default: resolved as usual). */
  data?: string;
  /** Number of seeded cluster-aware splits (seeds 1 … N), besides the reference split. */
  splits: number;
  /** VIBANN preset (default 'default'). */
  preset?: string;
  /** Seed of the networks and of the baselines' searches (default 1). */
  seed?: number;
  /** Baselines to tune and score (default k-NN, random forest, gradient boosting). */
  baselines?: BaselineKey[];
  /** Search trials per baseline (default: the baselines' own budgets). */
  budget?: number;
  /** Smoke run: quick networks (5 epochs). */
  quick?: boolean;
  /** MC passes per network (default: the preset's). */
  mc?: number;
  /** Run directory (default runs/multisplit-<date>); reusing one resumes it. */
  out?: string;
  /** Replace `out` even when it holds files that are not a vibann run (default: refuse, exit 2). */
  force?: boolean;
  argv?: string[];
}

export interface SplitScore {
  split: string;
  n_train_fit: number;
  n_test: number;
  /** Test MAE, RMSE, R² per model (HV). */
  models: Record<string, { mae: number; rmse: number; r2: number }>;
}

/** What a multisplit-split job gives back (jobs/run.ts): the split's scores. */
interface SplitResult {
  name: string;
  n_train_fit: number;
  n_test: number;
  models: SplitScore['models'];
}

export interface MultiSplitDocument {
  kind: 'vibann-multisplit';
  preset: string;
  seed: number;
  splits: SplitScore[];
  /** Per model: mean and sd (n − 1) over the splits. */
  summary: Record<
    string,
    {
      mean: { mae: number; rmse: number; r2: number };
      sd: { mae: number; rmse: number; r2: number };
    }
  >;
  /** The baseline with the lowest mean MAE. */
  best_baseline: string;
  /**
   * VIBANN MAE − best baseline MAE per split, corrected resampled t-test (95 %), and the smallest
   * mean difference these splits can tell from zero at that spread: the interval's half-width, and
   * its limit at any number of splits (`resolvableDifference`; null with fewer than 2 splits).
   */
  paired_mae_difference: CorrectedTTest & {
    diffs: number[];
    resolvable: { half_width: number; limit: number } | null;
  };
  wall_s: number;
}

export async function runMultiSplit(
  o: MultiSplitOptions,
  hooks: WorkflowHooks = {},
): Promise<{ runDir: string; document: MultiSplitDocument }> {
  const t0 = performance.now();
  const preset = checkPreset(o.preset ?? 'default');
  const seed = o.seed ?? 1;
  const baselines = o.baselines ?? (['knn', 'rf', 'gb'] as BaselineKey[]);
  const { ds } = await openDataset(o.data, hooks);
  const { selectSplit } = await import('../data/select.ts');
  const { clusterSplit } = await import('../data/split.ts');
  const splits: { name: string; split: Split }[] = [];
  if (ds.sha256 === REFERENCE_SHA256) splits.push({ name: 'reference', split: selectSplit(ds) });
  for (let s = 1; s <= o.splits; s++)
    splits.push({ name: `cluster-${s}`, split: clusterSplit(ds, { rng: new Rng(s) }) });
  const { job, fitSpec, trainingCost } = await import('../jobs/build.ts');
  const fit = fitSpec({ preset, seed, quick: o.quick });
  const jobs = splits.map(({ name, split }) =>
    job('multisplit-split', ds, split, {
      fit,
      name,
      seed,
      mc: o.mc,
      baselines,
      budget: o.budget,
    }),
  );
  const runDir = o.out ?? runDirName('multisplit');
  const { prepareStudyDir } = await import('../jobs/runner.ts');
  await prepareStudyDir(runDir, { force: o.force });
  hooks.onInfo?.(
    `multisplit: ${splits.length} splits (${splits.map((s) => s.name).join(', ')}), the ${preset} ensemble and ${baselines.join(', ')} on each`,
  );
  // longest first (most training rows); the results come back in the splits' order
  const docs = (await runStudyJobs(
    jobs,
    runDir,
    o,
    hooks,
    `multi-split evaluation: ${splits.length} splits`,
    splits.map((s) => trainingCost(s.split)),
  )) as JobResultDocument<SplitResult>[];
  throwIfCancelled(hooks, 'multisplit');
  const scores: SplitScore[] = docs.map(({ result: r }) => ({
    split: r.name,
    n_train_fit: r.n_train_fit,
    n_test: r.n_test,
    models: r.models,
  }));
  for (const s of scores)
    hooks.onInfo?.(
      `split ${s.split}: ${Object.entries(s.models)
        .map(([k, m]) => `${k} MAE ${m.mae.toFixed(1)}`)
        .join(', ')}`,
    );
  const names = Object.keys(scores[0].models);
  const summary: MultiSplitDocument['summary'] = {};
  for (const k of names) {
    const col = (f: 'mae' | 'rmse' | 'r2') => meanSd(scores.map((s) => s.models[k][f]));
    const [mae, rmse, r2] = [col('mae'), col('rmse'), col('r2')];
    summary[k] = {
      mean: { mae: mae.m, rmse: rmse.m, r2: r2.m },
      sd: { mae: mae.sd, rmse: rmse.sd, r2: r2.sd },
    };
  }
  const best = names
    .filter((k) => k !== 'vibann')
    .reduce((b, k) => (summary[k].mean.mae < summary[b].mean.mae ? k : b));
  const diffs = scores.map((s) => s.models.vibann.mae - s.models[best].mae);
  const nTrain = mean(scores.map((s) => s.n_train_fit));
  const nTest = mean(scores.map((s) => s.n_test));
  const test =
    diffs.length >= 2
      ? correctedResampledTTest(diffs, nTrain, nTest)
      : ({
          n: 1,
          mean: diffs[0],
          sd: Number.NaN,
          se: Number.NaN,
          t: Number.NaN,
          df: 0,
          p: Number.NaN,
          ci: [Number.NaN, Number.NaN],
          level: 0.95,
        } as CorrectedTTest);
  const r = diffs.length >= 2 ? resolvableDifference(test.sd, test.n, nTrain, nTest) : null;
  const resolvable = r ? { half_width: r.halfWidth, limit: r.limit } : null;
  const document: MultiSplitDocument = {
    kind: 'vibann-multisplit',
    preset,
    seed,
    splits: scores,
    summary,
    best_baseline: best,
    paired_mae_difference: { ...test, diffs, resolvable },
    wall_s: (performance.now() - t0) / 1000,
  };
  const { writeJsonAtomic } = await import('../util/fs.ts');
  await writeJsonAtomic(join(runDir, MULTISPLIT_FILE), document);
  await writeStudyManifest(runDir, 'evaluate', { ...o, seed }, docs, t0);
  return { runDir, document };
}
