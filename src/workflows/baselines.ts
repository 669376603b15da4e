/**
 * The baselines workflow (SPEC §7): mean, Lasso, Ridge, k-NN, random forest, gradient boosting,
 * MLP and GP on the same split and features as VIBANN, tuned by 5-fold CV over train_fit with a
 * seeded TPE search, scored on test (baselines/runner.ts); plus the trained VIBANN ensemble
 * evaluated on the same split when one is given (or models/default exists) and was trained on it.
 * Writes baselines.json (`BaselinesRunDocument`, read back by `readBaselinesRun`), the bar figure
 * and manifest.json into a run directory.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { LoadTransform } from '../data/scalers.ts';
import {
  BASELINES_FILE,
  type BaselinesRunDocument,
  type VibannBaselineRow,
} from '../runs/baselines.ts';
import { InputError } from '../util/errors.ts';
import { claimOutputDir } from '../util/fs.ts';
import type { RunManifest } from '../util/manifest.ts';
import { completeRun } from '../util/manifest.ts';
import {
  DEFAULT_MODEL_DIR,
  openDataset,
  openModel,
  runDirName,
  throwIfCancelled,
  type WorkflowHooks,
  withDefaults,
} from './common.ts';

export interface BaselinesOptions {
  /** Dataset CSV (default: the reference dataset). */
  data?: string;
  /** 'reference' | 'cluster' | FILE (default: reference for the reference dataset). */
  split?: string;
  /** Comma list of mean,lasso,ridge,knn,rf,gb,mlp,gp, or 'all'. */
  models?: string;
  /** TPE trials per tuned model (default: baselines/runner.ts DEFAULT_BUDGET). */
  budget?: number;
  /** Seed of the split, the searches and the stochastic models. */
  seed?: number;
  /** Load standardisation: 'linear' | 'log'. */
  loadTransform?: string;
  /** GP marginal-likelihood restarts of the final fit. */
  gpRestarts?: number;
  /** MLP epoch cap. */
  mlpMaxIter?: number;
  /** A trained VIBANN model to add as a row (default: models/default when it exists). */
  model?: string;
  /** Run directory (default runs/baselines-<UTC date>). */
  out?: string;
  /** Replace `out` even when it holds files that are not a vibann run (default: refuse, exit 2). */
  force?: boolean;
  /** The command line recorded in the manifest (default: this process's arguments). */
  argv?: string[];
}

export const BASELINES_DEFAULTS: Required<
  Pick<BaselinesOptions, 'models' | 'seed' | 'loadTransform' | 'gpRestarts' | 'mlpMaxIter'>
> = { models: 'all', seed: 1, loadTransform: 'linear', gpRestarts: 5, mlpMaxIter: 200 };

export interface BaselinesResult {
  runDir: string;
  document: BaselinesRunDocument;
  manifest: RunManifest;
}

export async function runBaselines(
  options: BaselinesOptions = {},
  hooks: WorkflowHooks = {},
): Promise<BaselinesResult> {
  const o = withDefaults(BASELINES_DEFAULTS, options);
  const t0 = performance.now();
  const d = await import('../data/index.ts');
  const b = await import('../baselines/index.ts');
  if (o.loadTransform !== 'linear' && o.loadTransform !== 'log')
    throw new InputError(`--load-transform expects 'linear' or 'log', got '${o.loadTransform}'`);
  const models = b.parseModels(o.models);
  const { ds } = await openDataset(o.data, hooks);
  const split = d.selectSplit(ds, { spec: o.split, seed: o.seed });
  throwIfCancelled(hooks, 'the baselines');
  const table = b.runBaselines(ds, split, {
    models,
    budget: o.budget,
    seed: o.seed,
    loadTransform: o.loadTransform as LoadTransform,
    gpRestarts: o.gpRestarts,
    mlpMaxIter: o.mlpMaxIter,
    onProgress: (line) => hooks.onInfo?.(line),
  });
  throwIfCancelled(hooks, 'the baselines');
  // The VIBANN row: the trained ensemble on the same split (refused if it was trained on another).
  const modelDir =
    o.model ??
    (existsSync(join(DEFAULT_MODEL_DIR, 'manifest.json')) ? DEFAULT_MODEL_DIR : undefined);
  let vibann: VibannBaselineRow | undefined;
  if (modelDir) {
    const model = await openModel(modelDir);
    const same =
      model.meta.data.sha256 === ds.sha256 &&
      JSON.stringify(model.meta.split.test) === JSON.stringify(split.test) &&
      JSON.stringify(model.meta.split.train_fit) === JSON.stringify(split.trainFit);
    if (!same) {
      hooks.onWarn?.(
        `the model in ${modelDir} was trained on another dataset or split; no VIBANN row (train it with the same --split)`,
      );
    } else {
      hooks.onInfo?.(`VIBANN: evaluating ${modelDir} on the same split…`);
      const { evaluateModel } = await import('../eval/evaluate.ts');
      const r = evaluateModel(model, ds, split);
      vibann = {
        model_dir: modelDir,
        preset: model.meta.preset.name,
        networks: model.meta.training.members.length,
        test: r.test,
        recalibrated_test: r.recalibrated.test,
        sigma_scale: r.recalibrated.sigma_scale,
        cv_rmse: r.cv?.mean.rmse,
      };
    }
  }
  const document: BaselinesRunDocument = { ...table, vibann };
  const runDir = o.out ?? runDirName('baselines');
  await claimOutputDir(runDir, { force: o.force, kind: 'run' });
  const { writeJsonAtomic } = await import('../util/fs.ts');
  const { newManifest, writeManifest, dataRecord } = await import('../util/manifest.ts');
  const { baselinesPlot } = await import('../plots/index.ts');
  const { writeFigures } = await import('../eval/figures.ts');
  await writeJsonAtomic(join(runDir, BASELINES_FILE), document);
  const bars = table.results.map((r) => ({ model: r.model, mae: r.test.mae, rmse: r.test.rmse }));
  if (vibann) bars.push({ model: 'VIBANN', mae: vibann.test.mae, rmse: vibann.test.rmse });
  await writeFigures(
    runDir,
    { baselines: baselinesPlot({ models: bars, set: 'test' }) },
    hooks.onWarn,
  );
  const manifest = newManifest(
    'baselines',
    o.argv ?? process.argv.slice(2),
    { ...table.options, model: modelDir },
    { seed: o.seed },
  );
  manifest.data = dataRecord(ds, split);
  manifest.timings.total = (performance.now() - t0) / 1000;
  await writeManifest(runDir, manifest);
  await completeRun(runDir, manifest);
  return { runDir, document, manifest };
}
