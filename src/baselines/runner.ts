/**
 * `runBaselines`: the SPEC §7 baseline protocol, matching ../shared/bench/baselines_sklearn.py.
 * - Features: the element fractions + the standardised load, the load scaler fitted on the fitting
 *   rows of each CV fold and on train_fit for the final fit. No sample weights.
 * - Tuning: a seeded TPE search (src/tune/tpe.ts) over the peer's search spaces; the objective is
 *   the mean over the split's 5 cvFolds of the fold RMSE (each fold model fitted on train_fit minus
 *   the fold); a trial clearly worse than the best after some folds is pruned (`pruneFactor`).
 *   Budget = trials per model (defaults in DEFAULT_BUDGET). The best trial's hyperparameters are
 *   refitted on train_fit and scored once on test.
 * - GP: no search — hyperparameters by maximising the log marginal likelihood (multi-start
 *   Nelder–Mead); its CV RMSE refits the GP (fewer restarts, `gpCvRestarts`) on each fold.
 * - The mean predictor is the floor.
 */
import type { Dataset } from '../data/dataset.ts';
import type { LoadTransform } from '../data/scalers.ts';
import type { Split } from '../data/split.ts';
import { Study, type StudyJSON, TpeSampler } from '../tune/tpe.ts';
import { type AccuracyMetrics, accuracyMetrics } from '../uq/metrics.ts';
import { InputError } from '../util/errors.ts';
import { Rng } from '../util/rng.ts';
import { type FoldData, foldData, rmse } from './features.ts';
import type { GaussianProcessRegressor } from './gp.ts';
import {
  BASELINE_KEYS,
  BASELINE_NAMES,
  type BaselineKey,
  modelSpecs,
  type Params,
} from './models.ts';

/**
 * Default search trials per model. Chosen so that the whole run takes a few minutes on one core
 * (measured with bench/baselines.ts: 200 s wall on a shared, loaded 2-core VM, about half of it the
 * MLP); a single `budget` number overrides all of them.
 */
export const DEFAULT_BUDGET: Readonly<Record<BaselineKey, number>> = {
  mean: 0,
  lasso: 30,
  ridge: 30,
  knn: 30,
  rf: 20,
  gb: 20,
  mlp: 10,
  gp: 0,
};

export interface RunBaselinesOptions {
  /** Models to run, in any order (run in BASELINE_KEYS order); default all. */
  models?: readonly BaselineKey[];
  /** Search trials per model: one number for all, or per model; default DEFAULT_BUDGET. */
  budget?: number | Partial<Record<BaselineKey, number>>;
  /** Seed of the searches and of the stochastic models (default 1). */
  seed?: number;
  /** Load standardisation (SPEC §1): 'linear' (default) or 'log'. */
  loadTransform?: LoadTransform;
  /** GP optimiser restarts for the final fit (default 5, as the peer). */
  gpRestarts?: number;
  /** GP optimiser restarts inside each CV fold (default 2). */
  gpCvRestarts?: number;
  /**
   * Stop a trial's CV early when the mean RMSE of its folds so far exceeds this factor × the best
   * complete CV RMSE (default 1.5; Infinity disables). A pruned trial keeps the mean over the folds
   * it ran (well above the best, so never chosen) and tells TPE its region is poor.
   */
  pruneFactor?: number;
  /**
   * MLP epoch cap, search and final fit (default 200). Well-set networks stop by the tolerance rule
   * after 65–120 epochs here (ours and scikit-learn's alike, measured on train_fit), so the cap binds
   * only for slow learning rates, where the peer's 2000 would cost minutes per trial.
   */
  mlpMaxIter?: number;
  /** Progress lines (e.g. to stderr). */
  onProgress?: (line: string) => void;
}

/** One row of the baselines table. */
export interface BaselineResult {
  key: BaselineKey;
  model: string;
  /** How the hyperparameters were chosen, in words. */
  tuning: string;
  /** Search trials run (0 for mean and GP). */
  trials: number;
  best_params: Params;
  /** Mean over the CV folds of the fold RMSE (HV), at the best hyperparameters. */
  cv_rmse: number;
  /** Per-fold RMSE at the best hyperparameters. */
  cv_fold_rmse: number[];
  /** Test metrics of the final fit on train_fit (HV; MAPE in %). For the GP also ±1σ coverage, mean σ, NLL. */
  test: AccuracyMetrics & Partial<{ coverage_1sigma: number; mean_sigma: number; nll: number }>;
  /** Wall time of the search (or of the GP's CV), s. */
  search_s: number;
  /** Wall time of the final fit, s. */
  fit_s: number;
  /** GP: fitted kernel and log marginal likelihood (standardised y). */
  gp?: { constant: number; length_scale: number; noise: number; log_marginal_likelihood: number };
  /** The search's trial log (absent for mean and GP). */
  study?: StudyJSON;
}

export interface BaselinesTable {
  kind: 'vibann-baselines';
  data: { source: string; sha256: string; rows: number; train_fit: number; test: number };
  split: { kind: string; description: string; cv_folds: number };
  options: {
    models: BaselineKey[];
    budget: Record<string, number>;
    seed: number;
    load_transform: LoadTransform;
    gp_restarts: number;
    gp_cv_restarts: number;
    /** MLP epoch cap. */
    mlp_max_iter: number;
    /** Trial pruning factor (see RunBaselinesOptions.pruneFactor). */
    prune_factor: number;
  };
  results: BaselineResult[];
  wall_s: number;
}

export function parseModels(spec: string | readonly string[]): BaselineKey[] {
  const list = (typeof spec === 'string' ? spec.split(',') : [...spec])
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== '');
  if (list.includes('all')) return [...BASELINE_KEYS];
  const bad = list.filter((m) => !(BASELINE_KEYS as readonly string[]).includes(m));
  if (bad.length > 0 || list.length === 0) {
    throw new InputError(
      `--models: unknown model(s) '${bad.join(',') || spec}'; choose from ${BASELINE_KEYS.join(', ')} or all`,
    );
  }
  return BASELINE_KEYS.filter((k) => list.includes(k));
}

/** Fit/validation data of every CV fold (train_fit minus the fold / the fold). */
export function cvFoldData(
  ds: Dataset,
  split: Split,
  loadTransform: LoadTransform = 'linear',
): FoldData[] {
  const inFold = new Set<number>();
  return split.cvFolds.map((fold) => {
    inFold.clear();
    for (const r of fold) inFold.add(r);
    const fitRows = split.trainFit.filter((r) => !inFold.has(r));
    return foldData(ds, fitRows, fold, loadTransform);
  });
}

export function runBaselines(
  ds: Dataset,
  split: Split,
  o: RunBaselinesOptions = {},
): BaselinesTable {
  const t0 = performance.now();
  const models = o.models ? BASELINE_KEYS.filter((k) => o.models?.includes(k)) : [...BASELINE_KEYS];
  const seed = o.seed ?? 1;
  const lt = o.loadTransform ?? 'linear';
  const gpRestarts = o.gpRestarts ?? 5;
  const gpCvRestarts = o.gpCvRestarts ?? 2;
  const mlpMaxIter = o.mlpMaxIter ?? 200;
  const pruneFactor = o.pruneFactor ?? 1.5;
  const log = o.onProgress ?? (() => {});
  if (split.cvFolds.length < 2)
    throw new InputError(
      `baselines: the split has ${split.cvFolds.length} CV folds; at least 2 are needed`,
    );
  const budget: Record<string, number> = {};
  for (const k of models) {
    const b = typeof o.budget === 'number' ? o.budget : (o.budget?.[k] ?? DEFAULT_BUDGET[k]);
    budget[k] = k === 'mean' || k === 'gp' ? 0 : b;
    if (!(Number.isInteger(budget[k]) && budget[k] >= (k === 'mean' || k === 'gp' ? 0 : 1))) {
      throw new InputError(`--budget: expected an integer ≥ 1 trials per model, got ${b} for ${k}`);
    }
  }

  const folds = cvFoldData(ds, split, lt);
  const final = foldData(ds, split.trainFit, split.test, lt);
  const root = new Rng(seed);
  const results: BaselineResult[] = [];
  log(
    `baselines on ${split.kind} split: train_fit ${split.trainFit.length} rows, test ${split.test.length}, ${folds.length} CV folds; seed ${seed}`,
  );

  for (const key of models) {
    const tm = performance.now();
    const cvSpecs = modelSpecs({ gp: { restarts: gpCvRestarts }, mlpMaxIter });
    const spec = cvSpecs[key];
    const fitRng = () => root.fork(`${key}/fit`);
    const cvScores = (params: Params): number[] =>
      folds.map((f) => rmse(f.yVal, spec.fit(params, f.xFit, f.yFit, fitRng()).predict(f.xVal)));

    let best: Params = {};
    let foldRmse: number[];
    let study: Study | undefined;
    let tuning: string;
    if (spec.space) {
      const nTrials = budget[key];
      const space = spec.space;
      study = new Study({
        name: key,
        sampler: new TpeSampler({
          seed: `${seed}/${key}`,
          nStartupTrials: Math.min(10, Math.max(1, Math.ceil(nTrials / 3))),
        }),
      });
      const st = study;
      st.optimize(
        (t) => {
          const p = space(t);
          const bestSoFar = st.nComplete > 0 ? st.bestValue : Number.POSITIVE_INFINITY;
          const s: number[] = [];
          for (const f of folds) {
            s.push(rmse(f.yVal, spec.fit(p, f.xFit, f.yFit, fitRng()).predict(f.xVal)));
            const partial = s.reduce((a, b) => a + b, 0) / s.length;
            if (s.length < folds.length && partial > pruneFactor * bestSoFar) {
              t.setUserAttr('pruned_after_folds', s.length);
              break;
            }
          }
          t.setUserAttr('fold_rmse', s);
          return s.reduce((a, b) => a + b, 0) / s.length;
        },
        nTrials,
        {
          onTrial: (r, s) =>
            log(
              `  ${key} trial ${r.number + 1}/${nTrials}: CV RMSE ${(r.value ?? Number.NaN).toFixed(1)}${r.userAttrs.pruned_after_folds ? ` (pruned after ${r.userAttrs.pruned_after_folds} folds)` : ''} (best ${s.bestValue.toFixed(1)})`,
            ),
        },
      );
      best = study.bestParams;
      foldRmse = (study.bestTrial.userAttrs.fold_rmse as number[]) ?? cvScores(best);
      tuning = `TPE, ${nTrials} trials × ${folds.length} folds${key === 'mlp' ? `, ≤ ${mlpMaxIter} epochs` : ''}`;
    } else {
      foldRmse = cvScores(best);
      tuning = key === 'gp' ? `ML-II, ${gpRestarts} restarts (CV refits: ${gpCvRestarts})` : 'none';
    }
    const searchS = (performance.now() - tm) / 1000;

    const tf = performance.now();
    const finalSpec = modelSpecs({ gp: { restarts: gpRestarts }, mlpMaxIter })[key];
    const model = finalSpec.fit(best, final.xFit, final.yFit, fitRng());
    const fitS = (performance.now() - tf) / 1000;
    let test: BaselineResult['test'];
    let gpInfo: BaselineResult['gp'];
    if (key === 'gp') {
      const gp = model as unknown as GaussianProcessRegressor;
      const { mean, variance } = gp.predictWithVariance(final.xVal);
      test = accuracyMetrics(final.yVal, mean, Array.from(variance, Math.sqrt));
      gpInfo = {
        constant: gp.params.constant,
        length_scale: gp.params.lengthScale,
        noise: gp.params.noise,
        log_marginal_likelihood: gp.logMarginalLikelihood,
      };
    } else {
      test = accuracyMetrics(final.yVal, model.predict(final.xVal));
    }
    const cvRmse = foldRmse.reduce((a, b) => a + b, 0) / foldRmse.length;
    const row: BaselineResult = {
      key,
      model: BASELINE_NAMES[key],
      tuning,
      trials: budget[key],
      best_params: best,
      cv_rmse: cvRmse,
      cv_fold_rmse: foldRmse,
      test,
      search_s: searchS,
      fit_s: fitS,
    };
    if (gpInfo) row.gp = gpInfo;
    if (study) row.study = study.toJSON();
    results.push(row);
    log(
      `${BASELINE_NAMES[key].padEnd(22)} CV RMSE ${cvRmse.toFixed(1)}  test R² ${test.r2.toFixed(4)} MAE ${test.mae.toFixed(1)} RMSE ${test.rmse.toFixed(1)}  (${searchS.toFixed(1)} s search, ${fitS.toFixed(1)} s fit)`,
    );
  }
  return {
    kind: 'vibann-baselines',
    data: {
      source: ds.source,
      sha256: ds.sha256,
      rows: ds.nRows,
      train_fit: split.trainFit.length,
      test: split.test.length,
    },
    split: { kind: split.kind, description: split.description, cv_folds: split.cvFolds.length },
    options: {
      models,
      budget,
      seed,
      load_transform: lt,
      gp_restarts: gpRestarts,
      gp_cv_restarts: gpCvRestarts,
      mlp_max_iter: mlpMaxIter,
      prune_factor: pruneFactor,
    },
    results,
    wall_s: (performance.now() - t0) / 1000,
  };
}
