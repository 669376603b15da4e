/**
 * Multi-split evaluation (issue 11, `vibann evaluate --splits N`): one test split moves the MAE by
 * ±6–12 HV with its seed alone, so a claim of "better" needs several. The VIBANN ensemble of a
 * preset and the tuned baselines are trained and scored on the reference split (when the dataset
 * has one) plus N seeded cluster-aware splits (SPEC §2); per model the mean ± sd of test MAE, RMSE
 * and R², and the paired MAE difference to the best baseline (lowest mean MAE) with the
 * Nadeau–Bengio corrected resampled t interval (src/math/student.ts), which accounts for the
 * overlap of the training sets between splits. Writes multisplit.json and manifest.json.
 */
import { join } from 'node:path';
import type { BaselineKey } from '../baselines/models.ts';
import { REFERENCE_SHA256 } from '../data/resolve.ts';
import type { Split } from '../data/split.ts';
import { type CorrectedTTest, correctedResampledTTest } from '../math/student.ts';
import { parsePresetName } from '../train/presets.ts';
import { accuracyMetrics } from '../uq/metrics.ts';
import { claimOutputDir } from '../util/fs.ts';
import { Rng } from '../util/rng.ts';
import { openDataset, runDirName, throwIfCancelled, type WorkflowHooks } from './common.ts';

export const MULTISPLIT_FILE = 'multisplit.json';

export interface MultiSplitOptions {
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
  /** Run directory (default runs/multisplit-<date>). */
  out?: string;
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
  /** VIBANN MAE − best baseline MAE per split, corrected resampled t-test (95 %). */
  paired_mae_difference: CorrectedTTest & { diffs: number[] };
  wall_s: number;
}

export async function runMultiSplit(
  o: MultiSplitOptions,
  hooks: WorkflowHooks = {},
): Promise<{ runDir: string; document: MultiSplitDocument }> {
  const t0 = performance.now();
  const preset = parsePresetName(o.preset ?? 'default');
  const seed = o.seed ?? 1;
  const baselines = o.baselines ?? (['knn', 'rf', 'gb'] as BaselineKey[]);
  const { ds } = await openDataset(o.data, hooks);
  const { selectSplit } = await import('../data/select.ts');
  const { clusterSplit } = await import('../data/split.ts');
  const splits: { name: string; split: Split }[] = [];
  if (ds.sha256 === REFERENCE_SHA256) splits.push({ name: 'reference', split: selectSplit(ds) });
  for (let s = 1; s <= o.splits; s++)
    splits.push({ name: `cluster-${s}`, split: clusterSplit(ds, { rng: new Rng(s) }) });
  const runDir = o.out ?? runDirName('multisplit');
  await claimOutputDir(runDir, { force: o.force, kind: 'run' });
  const { HardnessModel } = await import('../model/hardness-model.ts');
  const { runBaselines } = await import('../baselines/runner.ts');
  const scores: SplitScore[] = [];
  for (const [i, { name, split }] of splits.entries()) {
    throwIfCancelled(hooks, 'multisplit');
    hooks.onInfo?.(`split ${i + 1}/${splits.length} (${name}): training the ${preset} ensemble`);
    const { model } = await HardnessModel.fit(ds, split, {
      preset,
      seed,
      seeds: 1,
      quick: o.quick,
    });
    const p = model.predictWithUncertainty(
      {
        compositions: split.test.map((r) => ds.compositions[r]),
        loads: split.test.map((r) => ds.load[r]),
      },
      { passes: o.mc, seed },
    );
    const y = split.test.map((r) => ds.hv[r]);
    const a = accuracyMetrics(y, p.mean);
    const models: SplitScore['models'] = { vibann: { mae: a.mae, rmse: a.rmse, r2: a.r2 } };
    hooks.onInfo?.(`split ${name}: vibann MAE ${a.mae.toFixed(1)}; tuning baselines`);
    const table = runBaselines(ds, split, {
      models: baselines,
      seed,
      loadTransform: 'log',
      ...(o.budget !== undefined ? { budget: o.budget } : {}),
    });
    for (const r of table.results)
      models[r.key] = { mae: r.test.mae, rmse: r.test.rmse, r2: r.test.r2 };
    scores.push({
      split: name,
      n_train_fit: split.trainFit.length,
      n_test: split.test.length,
      models,
    });
  }
  const names = Object.keys(scores[0].models);
  const stat = (v: number[]) => {
    const m = v.reduce((a, b) => a + b, 0) / v.length;
    const sd =
      v.length > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1)) : 0;
    return { m, sd };
  };
  const summary: MultiSplitDocument['summary'] = {};
  for (const k of names) {
    const col = (f: 'mae' | 'rmse' | 'r2') => stat(scores.map((s) => s.models[k][f]));
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
  const nTrain = stat(scores.map((s) => s.n_train_fit)).m;
  const nTest = stat(scores.map((s) => s.n_test)).m;
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
  const document: MultiSplitDocument = {
    kind: 'vibann-multisplit',
    preset,
    seed,
    splits: scores,
    summary,
    best_baseline: best,
    paired_mae_difference: { ...test, diffs },
    wall_s: (performance.now() - t0) / 1000,
  };
  const { writeJsonAtomic } = await import('../util/fs.ts');
  await writeJsonAtomic(join(runDir, MULTISPLIT_FILE), document);
  return { runDir, document };
}
