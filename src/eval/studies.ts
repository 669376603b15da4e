/**
 * The evaluation studies of SPEC §7, each training its own ensembles on the same split:
 * - seeds report: N seeds of the CV ensemble (trained together as one stack, scored per seed),
 *   mean ± sd of every headline test metric;
 * - ablations: the same protocol without attention, with a deterministic bottleneck, with the load
 *   joining after the bottleneck, and with the pairwise branch;
 * - learning curve: test metrics when training on 20 … 100 % of train_fit;
 * - the tuning objective: CV validation loss (mean of the fold networks' best validation MSE).
 */
import type { Dataset } from '../data/dataset.ts';
import type { Split } from '../data/split.ts';
import { type FitOptions, HardnessModel } from '../model/hardness-model.ts';
import type { VibannOptions } from '../nn/options.ts';
import type { PresetName } from '../train/presets.ts';
import type { EpochEvent } from '../train/trainer.ts';
import type { CalibrationMetrics } from '../uq/calibration.ts';
import { Rng } from '../util/rng.ts';
import { evaluateModel } from './evaluate.ts';

/** The headline test metrics a study table reports. */
export interface StudyMetrics {
  r2: number;
  mae: number;
  rmse: number;
  mean_signed_error: number;
  coverage_1sigma: number;
  mace: number;
  nll: number;
  coverage_1sigma_top10: number;
  mean_signed_error_top10: number;
}

export const STUDY_METRICS: readonly (keyof StudyMetrics)[] = [
  'r2',
  'mae',
  'rmse',
  'mean_signed_error',
  'coverage_1sigma',
  'mace',
  'nll',
  'coverage_1sigma_top10',
  'mean_signed_error_top10',
];

export function headline(m: CalibrationMetrics): StudyMetrics {
  return {
    r2: m.r2,
    mae: m.mae,
    rmse: m.rmse,
    mean_signed_error: m.mean_signed_error,
    coverage_1sigma: m.coverage_1sigma,
    mace: m.mace,
    nll: m.nll,
    coverage_1sigma_top10: m.tail.q90.coverage_1sigma,
    mean_signed_error_top10: m.tail.q90.mean_signed_error,
  };
}

/** Mean and sample standard deviation of each metric over rows. */
export function meanSd(rows: readonly StudyMetrics[]): { mean: StudyMetrics; sd: StudyMetrics } {
  const mean = {} as StudyMetrics;
  const sd = {} as StudyMetrics;
  for (const k of STUDY_METRICS) {
    const v = rows.map((r) => r[k]);
    const m = v.reduce((a, b) => a + b, 0) / v.length;
    mean[k] = m;
    sd[k] = v.length > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1)) : 0;
  }
  return { mean, sd };
}

export interface StudyOptions {
  preset: PresetName;
  seed: number;
  quick?: boolean;
  /** MC passes for scoring (default: the preset's). */
  passes?: number;
  onEpoch?: (e: EpochEvent) => void;
  training?: FitOptions['training'];
}

export interface SeedsReport {
  seeds: { seed: number; test: StudyMetrics; cv_rmse?: number }[];
  mean: StudyMetrics;
  sd: StudyMetrics;
  /** The pooled ensemble of every seed's networks. */
  pooled: StudyMetrics;
  wall_s: number;
}

/** N seeds of the CV ensemble, trained as one stack and scored seed by seed. */
export async function seedsReport(
  ds: Dataset,
  split: Split,
  n: number,
  o: StudyOptions,
): Promise<SeedsReport> {
  const t0 = performance.now();
  const { model } = await HardnessModel.fit(ds, split, {
    preset: o.preset,
    seed: o.seed,
    seeds: n,
    quick: o.quick,
    onEpoch: o.onEpoch,
    training: o.training,
  });
  const folds = Math.max(1, split.cvFolds.length);
  const seeds = model.meta.seeds.map((seed, i) => {
    const sub = model.subset(Array.from({ length: folds }, (_, k) => i * folds + k));
    const r = evaluateModel(sub, ds, split, { passes: o.passes, seed: 1 });
    return { seed, test: headline(r.test), cv_rmse: r.cv?.mean.rmse };
  });
  const pooled = headline(evaluateModel(model, ds, split, { passes: o.passes, seed: 1 }).test);
  return {
    seeds,
    ...meanSd(seeds.map((s) => s.test)),
    pooled,
    wall_s: (performance.now() - t0) / 1000,
  };
}

export interface AblationRow {
  variant: string;
  network: Partial<VibannOptions>;
  test: StudyMetrics;
  cv_rmse?: number;
  train_s: number;
}

/** SPEC §7 ablations; each variant overrides the preset's network. */
export const ABLATIONS: { variant: string; network: Partial<VibannOptions> }[] = [
  { variant: 'full model', network: {} },
  { variant: 'no attention', network: { attentionHeads: 0 } },
  { variant: 'deterministic bottleneck', network: { bottleneck: 'deterministic' } },
  { variant: 'load after the bottleneck', network: { loadJoin: 'after-bottleneck' } },
  { variant: 'pairwise branch', network: { pairwiseBranch: true } },
];

export async function ablationStudy(
  ds: Dataset,
  split: Split,
  o: StudyOptions & { onVariant?: (v: string) => void },
): Promise<AblationRow[]> {
  const rows: AblationRow[] = [];
  for (const a of ABLATIONS) {
    o.onVariant?.(a.variant);
    const t0 = performance.now();
    const { model } = await HardnessModel.fit(ds, split, {
      preset: o.preset,
      seed: o.seed,
      seeds: 1,
      quick: o.quick,
      network: a.network,
      onEpoch: o.onEpoch,
      training: o.training,
    });
    const train_s = (performance.now() - t0) / 1000;
    const r = evaluateModel(model, ds, split, { passes: o.passes, seed: 1 });
    rows.push({
      variant: a.variant,
      network: a.network,
      test: headline(r.test),
      cv_rmse: r.cv?.mean.rmse,
      train_s,
    });
  }
  return rows;
}

export interface LearningCurveRow {
  fraction: number;
  train_fit_rows: number;
  test: StudyMetrics;
}

/**
 * Test metrics when training on a seeded subset of train_fit (each CV fold subsampled by the same
 * fraction, so the protocol is unchanged); calibration and test rows stay the same.
 */
export async function learningCurve(
  ds: Dataset,
  split: Split,
  fractions: readonly number[],
  o: StudyOptions & { onFraction?: (f: number) => void },
): Promise<LearningCurveRow[]> {
  const out: LearningCurveRow[] = [];
  for (const f of fractions) {
    o.onFraction?.(f);
    const rng = new Rng(`learning-curve-${o.seed}-${f}`);
    const cvFolds = split.cvFolds.map((fold) =>
      rng
        .shuffle([...fold])
        .slice(0, Math.max(2, Math.round(f * fold.length)))
        .sort((a, b) => a - b),
    );
    const sub: Split = {
      ...split,
      trainFit: cvFolds.flat().sort((a, b) => a - b),
      cvFolds,
      description: `${split.description}; ${Math.round(f * 100)} % of train_fit`,
    };
    const { model } = await HardnessModel.fit(ds, sub, {
      preset: o.preset,
      seed: o.seed,
      seeds: 1,
      quick: o.quick,
      onEpoch: o.onEpoch,
      training: o.training,
    });
    const r = evaluateModel(model, ds, sub, { passes: o.passes, seed: 1 });
    out.push({ fraction: f, train_fit_rows: sub.trainFit.length, test: headline(r.test) });
  }
  return out;
}

/** CV validation loss of a fitted ensemble: mean over the fold networks of their best validation MSE (standardised HV²). */
export function cvValidationLoss(model: HardnessModel): number {
  const m = model.meta.training.members;
  return m.reduce((a, b) => a + b.bestValMse, 0) / m.length;
}
