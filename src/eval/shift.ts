/**
 * Scoring of the shift benchmark (docs/uncertainty.md §4, issue 12), below the jobs layer so that a
 * shift-split job scores its split in its worker: `scoreShiftSplit` turns a model trained without
 * the held-out rows, its fitted uncertainty rows (grouped-CV out-of-fold and calibration rows, the
 * domain) and the split into the split's result — every uncertainty method on the held-out rows,
 * the GP baseline (fitted here on train_fit with its own σ), and the per-row values the pooled
 * metrics need; `poolShift` pools split results under each split's own fitted models.
 */
import type { Dataset } from '../data/dataset.ts';
import type { Split } from '../data/split.ts';
import type { HardnessModel } from '../model/hardness-model.ts';
import type { DomainModel } from '../uq/domain.ts';
import { accuracyMetrics } from '../uq/metrics.ts';
import {
  type Difficulty,
  gaussianPredictive,
  type IntervalMetrics,
  intervalMetrics,
  type Predictive,
  PredictivePool,
  type ShiftRows,
  UncertaintyModel,
  UQ_METHODS,
  type UqMethod,
} from '../uq/shift.ts';
import type { Rng } from '../util/rng.ts';

/** Metrics of one predictor on one set of rows. */
export interface ShiftMetrics extends IntervalMetrics {
  mae: number;
  rmse: number;
  mean_signed_error: number;
  mean_sigma: number;
}

/** The kinds of split of the shift benchmark. */
export type ShiftSplitKind = 'family' | 'hardest' | 'load-low' | 'load-high';

/** One split's result file (`splits/<name>.json`). */
export interface ShiftSplitResult {
  name: string;
  kind: ShiftSplitKind;
  description: string;
  n_test: number;
  /** The method this split's grouped CV chose (the split's default). */
  default_method: UqMethod;
  /** Every uncertainty method on the held-out rows. */
  methods: Record<UqMethod, ShiftMetrics>;
  gp: ShiftMetrics;
  /** Per held-out row: measured, μ, σ_MC, knn, gap; and GP μ, σ (for pooling). */
  rows: {
    row: number;
    formula: string;
    load: number;
    y: number;
    mu: number;
    sigma_mc: number;
    knn: number;
    gap: number;
    /** Difficulty feature x (absent in results written before it: 0). */
    ext?: number;
    gp_mu: number;
    gp_sigma: number;
  }[];
  /** The uncertainty model fitted in this split (so the pooled metrics can re-apply it). */
  uncertainty: Record<UqMethod, ReturnType<UncertaintyModel['toJSON']>>;
  /** Wall time of the split (its job), s. */
  wall_s: number;
}

export function metricsOf(y: number[], mu: number[], pred: Predictive): ShiftMetrics {
  const a = accuracyMetrics(y, mu);
  let s = 0;
  for (const v of pred.sigma) s += v;
  return {
    ...intervalMetrics(y, mu, pred),
    mae: a.mae,
    rmse: a.rmse,
    mean_signed_error: a.mean_signed_error,
    mean_sigma: s / y.length,
  };
}

/** What a split's uncertainty fit (jobs/uncertainty.ts `fitUncertaintyDetailed`) hands over. */
export interface ShiftFit {
  /** Grouped-CV out-of-fold rows. */
  oof: ShiftRows;
  /** Calibration rows. */
  cal: ShiftRows;
  domain: DomainModel;
  /** The method the split's grouped CV chose. */
  chosen: UqMethod;
}

/**
 * Score a split's held-out rows (`split.test`): the model's MC prediction (seeded by `o.seed`)
 * under every uncertainty method fitted on `fit`'s rows, and the GP baseline on train_fit (E
 * fractions + standardised ln L; its own σ incl. noise; `o.gpRestarts` random restarts, seeded by
 * `o.gpRng`). The result without its wall time.
 */
export async function scoreShiftSplit(
  model: HardnessModel,
  ds: Dataset,
  split: Split,
  fit: ShiftFit,
  plan: { name: string; kind: ShiftSplitKind },
  o: { seed: number; gpRestarts: number; gpRng: Rng },
): Promise<Omit<ShiftSplitResult, 'wall_s'>> {
  const test = split.test;
  const E = ds.elements.length;
  const x = new Float32Array(test.length * E);
  test.forEach((r, i) => {
    x.set(ds.x.subarray(r * E, (r + 1) * E), i * E);
  });
  const loads = test.map((r) => ds.load[r]);
  const y = test.map((r) => ds.hv[r]);
  const p = model.predictRows(x, loads, { seed: o.seed });
  const f = fit.domain.features(x, loads);
  const mu = Array.from(p.mean);
  const models = Object.fromEntries(
    UQ_METHODS.map((m) => [m, UncertaintyModel.fit(m, fit.oof, fit.cal)]),
  ) as Record<UqMethod, UncertaintyModel>;
  const methods = Object.fromEntries(
    UQ_METHODS.map((m) => [m, metricsOf(y, mu, models[m].apply(p.std, f))]),
  ) as Record<UqMethod, ShiftMetrics>;
  const { GaussianProcessRegressor } = await import('../baselines/gp.ts');
  const { foldData } = await import('../baselines/features.ts');
  const fd = foldData(ds, split.trainFit, test, 'log');
  const gp = new GaussianProcessRegressor({ restarts: o.gpRestarts }).fit(
    fd.xFit,
    fd.yFit,
    o.gpRng,
  );
  const gpp = gp.predictWithVariance(fd.xVal);
  const gpSigma = Array.from(gpp.variance, (v) => Math.sqrt(Math.max(v, 0)));
  return {
    name: plan.name,
    kind: plan.kind,
    description: split.description,
    n_test: test.length,
    default_method: fit.chosen,
    methods,
    gp: metricsOf(y, Array.from(gpp.mean), gaussianPredictive(gpSigma)),
    rows: test.map((r, i) => ({
      row: r,
      formula: ds.compositions[r].toFormula({ step: 0.1 }),
      load: loads[i],
      y: y[i],
      mu: mu[i],
      sigma_mc: p.std[i],
      knn: f.knn[i],
      gap: f.gap[i],
      ext: f.ext[i],
      gp_mu: gpp.mean[i],
      gp_sigma: gpSigma[i],
    })),
    uncertainty: Object.fromEntries(UQ_METHODS.map((m) => [m, models[m].toJSON()])) as Record<
      UqMethod,
      ReturnType<UncertaintyModel['toJSON']>
    >,
  };
}

/** Pooled metrics over splits: each split's default, every method, and the GP. */
export interface PooledShift {
  default: ShiftMetrics;
  methods: Record<UqMethod, ShiftMetrics>;
  gp: ShiftMetrics;
}

/** Pool results: each split's rows under that split's fitted models. */
export function poolShift(results: readonly Omit<ShiftSplitResult, 'wall_s'>[]): PooledShift {
  const y: number[] = [];
  const mu: number[] = [];
  const gpMu: number[] = [];
  const gpSig: number[] = [];
  const pools = new Map<string, PredictivePool>();
  const add = (key: string, pr: Predictive) => {
    const pool = pools.get(key) ?? new PredictivePool();
    pool.add(pr);
    pools.set(key, pool);
  };
  for (const r of results) {
    y.push(...r.rows.map((x) => x.y));
    mu.push(...r.rows.map((x) => x.mu));
    gpMu.push(...r.rows.map((x) => x.gp_mu));
    gpSig.push(...r.rows.map((x) => x.gp_sigma));
    const s = r.rows.map((x) => x.sigma_mc);
    const f: Difficulty = {
      knn: r.rows.map((x) => x.knn),
      gap: r.rows.map((x) => x.gap),
      ext: r.rows.map((x) => x.ext ?? 0),
    };
    for (const m of UQ_METHODS) {
      const pr = UncertaintyModel.fromJSON(r.uncertainty[m]).apply(s, f);
      add(m, pr);
      if (m === r.default_method) add('default', pr);
    }
  }
  const pooled = (key: string): Predictive => (pools.get(key) as PredictivePool).predictive();
  return {
    default: metricsOf(y, mu, pooled('default')),
    methods: Object.fromEntries(UQ_METHODS.map((m) => [m, metricsOf(y, mu, pooled(m))])) as Record<
      UqMethod,
      ShiftMetrics
    >,
    gp: metricsOf(y, gpMu, gaussianPredictive(gpSig)),
  };
}
