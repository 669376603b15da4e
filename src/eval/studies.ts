/**
 * The evaluation studies of SPEC §7, each training its own ensembles on the same split:
 * - seeds report: N seeds of the CV ensemble (each trained on its own, so the seeds can run in
 *   parallel as jobs, src/jobs), mean ± sd of every headline test metric, and the pooled ensemble
 *   of all seeds' networks from their test MC samples;
 * - ablations: the same protocol without attention, with a deterministic bottleneck, with the load
 *   joining after the bottleneck, and with the pairwise branch;
 * - learning curve: test metrics when training on 20 … 100 % of train_fit;
 * - the tuning objective: CV validation loss (mean of the fold networks' best validation MSE).
 * Each study is made of units (`seedRun`, `ablationRun`, `learningCurvePoint`) that the job model
 * (src/jobs) runs one per job; the sequential loops below are for library use in one process.
 */
import { type Dataset, rowsX } from '../data/dataset.ts';
import type { Split } from '../data/split.ts';
import { meanSd as columnMeanSd } from '../math/stats.ts';
import { type FitOptions, HardnessModel } from '../model/hardness-model.ts';
import type { VibannOptions } from '../nn/options.ts';
import type { PresetName } from '../train/presets.ts';
import type { EpochEvent } from '../train/trainer.ts';
import { type CalibrationMetrics, calibrationMetrics, samplesFromFlat } from '../uq/calibration.ts';
import { poolMembers } from '../uq/predict.ts';
import { InputError } from '../util/errors.ts';
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
    const c = columnMeanSd(v);
    mean[k] = c.m;
    sd[k] = c.sd;
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

/** One seed's row of the seeds report. */
export interface SeedRow {
  seed: number;
  test: StudyMetrics;
  cv_rmse?: number;
}

export interface SeedsReport {
  seeds: SeedRow[];
  mean: StudyMetrics;
  sd: StudyMetrics;
  /** The pooled ensemble of every seed's networks. */
  pooled: StudyMetrics;
  wall_s: number;
}

/**
 * The MC samples of one seed's ensemble on the test rows, kept so that the seeds can be pooled
 * after they were trained apart (in other threads or on other machines).
 */
export interface TestSamples {
  /** Networks M, MC passes S, test rows n. */
  members: number;
  passes: number;
  n: number;
  /** The samples (HV) as little-endian float32, [(k·S + s)·n + i], base64. */
  samples_f32: string;
}

export function encodeSamples(a: Float32Array): string {
  const b = Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  return (
    new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? b : Buffer.from(b).swap32()
  ).toString('base64');
}

export function decodeSamples(s: string): Float32Array {
  const b = Buffer.from(s, 'base64');
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) b.swap32();
  const out = new Float32Array(b.length / 4);
  new Uint8Array(out.buffer).set(b);
  return out;
}

/**
 * One seed of the seeds report: the CV ensemble of seed `o.seed` (one network per fold), scored on
 * the test set, with its test MC samples for pooling (`pooledMetrics`).
 */
export async function seedRun(
  ds: Dataset,
  split: Split,
  o: StudyOptions,
): Promise<SeedRow & { samples: TestSamples }> {
  const { model } = await HardnessModel.fit(ds, split, {
    preset: o.preset,
    seed: o.seed,
    seeds: 1,
    quick: o.quick,
    onEpoch: o.onEpoch,
    training: o.training,
  });
  const r = evaluateModel(model, ds, split, { passes: o.passes, seed: 1 });
  const p = model.predictRows(
    rowsX(ds, split.test),
    split.test.map((i) => ds.load[i]),
    { passes: o.passes, seed: 1, returnSamples: true },
  );
  const samples: TestSamples = {
    members: p.nMembers,
    passes: p.passes,
    n: p.n,
    samples_f32: encodeSamples(p.samples as Float32Array),
  };
  return { seed: o.seed, test: headline(r.test), cv_rmse: r.cv?.mean.rmse, samples };
}

/**
 * The test metrics of the pooled ensemble of several seeds' networks, from their MC samples: per
 * network the MC mean and (population) variance, pooled by the law of total variance (SPEC §5),
 * and the sample-quantile calibration from all samples together.
 */
export function pooledMetrics(
  ds: Dataset,
  split: Split,
  parts: readonly TestSamples[],
): StudyMetrics {
  const n = split.test.length;
  const means: Float64Array[] = [];
  const vars: Float64Array[] = [];
  const flats: Float32Array[] = [];
  for (const part of parts) {
    if (part.n !== n)
      throw new InputError(`pooling: a seed has samples of ${part.n} test rows, expected ${n}`);
    const f = decodeSamples(part.samples_f32);
    flats.push(f);
    const S = part.passes;
    for (let k = 0; k < part.members; k++) {
      const m = new Float64Array(n);
      const v = new Float64Array(n);
      for (let s = 0; s < S; s++)
        for (let i = 0; i < n; i++) {
          const x = f[(k * S + s) * n + i];
          m[i] += x;
          v[i] += x * x;
        }
      for (let i = 0; i < n; i++) {
        m[i] /= S;
        v[i] = Math.max(0, v[i] / S - m[i] * m[i]);
      }
      means.push(m);
      vars.push(v);
    }
  }
  const all = new Float32Array(flats.reduce((a, f) => a + f.length, 0));
  let at = 0;
  for (const f of flats) {
    all.set(f, at);
    at += f.length;
  }
  const { mean, std } = poolMembers(means, vars);
  const y = Float64Array.from(split.test, (r) => ds.hv[r]);
  const samples = samplesFromFlat(all, all.length / n, n);
  return headline(calibrationMetrics(y, mean, std, { samples }));
}

/** The seeds report from its seed rows (mean ± sample sd) and the pooled metrics. */
export function seedsSummary(rows: SeedRow[], pooled: StudyMetrics, wall_s: number): SeedsReport {
  return { seeds: rows, ...meanSd(rows.map((s) => s.test)), pooled, wall_s };
}

/** N seeds of the CV ensemble (o.seed … o.seed + n − 1), trained one after another and pooled. */
export async function seedsReport(
  ds: Dataset,
  split: Split,
  n: number,
  o: StudyOptions,
): Promise<SeedsReport> {
  const t0 = performance.now();
  const runs = [];
  for (let i = 0; i < n; i++) runs.push(await seedRun(ds, split, { ...o, seed: o.seed + i }));
  const pooled = pooledMetrics(
    ds,
    split,
    runs.map((r) => r.samples),
  );
  const rows = runs.map(({ samples: _s, ...r }) => r);
  return seedsSummary(rows, pooled, (performance.now() - t0) / 1000);
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

/** One ablation variant: the protocol with the variant's network overrides. */
export async function ablationRun(
  ds: Dataset,
  split: Split,
  a: { variant: string; network: Partial<VibannOptions> },
  o: StudyOptions,
): Promise<AblationRow> {
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
  return {
    variant: a.variant,
    network: a.network,
    test: headline(r.test),
    cv_rmse: r.cv?.mean.rmse,
    train_s,
  };
}

export async function ablationStudy(
  ds: Dataset,
  split: Split,
  o: StudyOptions & { onVariant?: (v: string) => void },
): Promise<AblationRow[]> {
  const rows: AblationRow[] = [];
  for (const a of ABLATIONS) {
    o.onVariant?.(a.variant);
    rows.push(await ablationRun(ds, split, a, o));
  }
  return rows;
}

export interface LearningCurveRow {
  fraction: number;
  train_fit_rows: number;
  test: StudyMetrics;
}

/**
 * The split of a learning-curve point: each CV fold subsampled to `f` of its rows (at least 2),
 * seeded by the study seed and `f`, so the protocol is unchanged; calibration and test stay.
 */
export function learningCurveSplit(split: Split, f: number, seed: number): Split {
  const rng = new Rng(`learning-curve-${seed}-${f}`);
  const cvFolds = split.cvFolds.map((fold) =>
    rng
      .shuffle([...fold])
      .slice(0, Math.max(2, Math.round(f * fold.length)))
      .sort((a, b) => a - b),
  );
  return {
    ...split,
    trainFit: cvFolds.flat().sort((a, b) => a - b),
    cvFolds,
    description: `${split.description}; ${Math.round(f * 100)} % of train_fit`,
  };
}

/** One learning-curve point: test metrics when training on `f` of train_fit. */
export async function learningCurvePoint(
  ds: Dataset,
  split: Split,
  f: number,
  o: StudyOptions,
): Promise<LearningCurveRow> {
  const sub = learningCurveSplit(split, f, o.seed);
  const { model } = await HardnessModel.fit(ds, sub, {
    preset: o.preset,
    seed: o.seed,
    seeds: 1,
    quick: o.quick,
    onEpoch: o.onEpoch,
    training: o.training,
  });
  const r = evaluateModel(model, ds, sub, { passes: o.passes, seed: 1 });
  return { fraction: f, train_fit_rows: sub.trainFit.length, test: headline(r.test) };
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
    out.push(await learningCurvePoint(ds, split, f, o));
  }
  return out;
}

/** CV validation loss of a fitted ensemble: mean over the fold networks of their best validation MSE (standardised HV²). */
export function cvValidationLoss(model: HardnessModel): number {
  const m = model.meta.training.members;
  return m.reduce((a, b) => a + b.bestValMse, 0) / m.length;
}
