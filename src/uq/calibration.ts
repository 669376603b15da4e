/**
 * Calibration of predictive uncertainty and σ recalibration — SPEC §6.
 *
 * Three families of calibration metrics, all on measured y, predicted mean μ and σ:
 * 1. Gaussian-interval calibration exactly as uncertainty-toolbox
 *    (`get_proportion_lists_vectorized`, `prop_type='interval'`, no recalibration model):
 *    expected proportions p = linspace(0, 1, numBins) (the toolbox's grid; its 3-point fixture pins
 *    this choice — linspace(0.01, 0.99) would give MACE 0.38, not 0.3733); observed = fraction of
 *    normalised residuals r = (μ − y)/σ with Φ⁻¹(0.5 − p/2) ≤ r ≤ Φ⁻¹(0.5 + p/2); MACE, RMSCE and
 *    the miscalibration area (see `miscalibrationArea`), and sharpness = sqrt(mean σ²).
 * 2. Sample-quantile calibration from MC samples, as in the original code: levels c = 0.05 … 0.95;
 *    interval = numpy 'linear' sample quantiles (1−c)/2 and (1+c)/2 of a row's samples; coverage per
 *    level; MACE = mean |cov − c|; IMCE = trapezoid ∫|cov − c| dc over [0.05, 0.95]; PIT_i = fraction
 *    of samples strictly below y_i.
 * 3. ±1σ coverage, Gaussian NLL and interval widths; tail statistics on y ≥ q0.80 and y ≥ q0.90.
 *
 * Recalibration: one σ scale s fitted in closed form (s² = mean((y−μ)²/σ²), the Gaussian-NLL
 * minimiser), fitted on the calibration set only (SPEC §6).
 */
import { normalCdf, normalInv } from '../math/normal.ts';
import { quantile, quantileSorted, sortedCopy } from '../math/quantile.ts';
import { InputError, VibannError } from '../util/errors.ts';
import {
  type AccuracyMetrics,
  accuracyMetrics,
  checkSameLength,
  SIGMA_FLOOR,
  type UncertaintyMetrics,
  type Vec,
} from './metrics.ts';

/** ∫ y dx by the trapezoid rule on the points (x_i, y_i) (numpy.trapezoid). */
export function trapezoid(yv: Vec, x: Vec): number {
  let s = 0;
  for (let i = 1; i < x.length; i++) s += 0.5 * (x[i] - x[i - 1]) * (yv[i] + yv[i - 1]);
  return s;
}

// ---------------------------------------------------------------------------------------------
// 1. Gaussian-interval calibration (uncertainty-toolbox)
// ---------------------------------------------------------------------------------------------

export interface CalibrationCurve {
  /** Nominal (expected) proportions p. */
  expected: number[];
  /** Observed fraction of rows inside the central p-interval. */
  observed: number[];
}

export interface GaussianIntervalCalibration extends CalibrationCurve {
  /** Mean |observed − expected| over the grid (toolbox `mean_absolute_calibration_error`). */
  mace: number;
  /** Root mean squared calibration error (toolbox `root_mean_squared_calibration_error`). */
  rmsce: number;
  /** Area between the calibration curve and the diagonal (toolbox `miscalibration_area`). */
  miscal_area: number;
}

/** numpy.linspace(start, stop, num) with endpoint (last value set to stop exactly, as numpy). */
export function linspace(start: number, stop: number, num: number): number[] {
  if (num === 1) return [start];
  const step = (stop - start) / (num - 1);
  const out = Array.from({ length: num }, (_, i) => i * step + start);
  out[num - 1] = stop;
  return out;
}

/**
 * Expected and observed proportions for centred Gaussian intervals, as uncertainty-toolbox's
 * `get_proportion_lists_vectorized(..., prop_type='interval', recal_model=None)`: p on
 * linspace(0, 1, numBins); row i is inside when Φ⁻¹(0.5 − p/2) ≤ (μ_i − y_i)/σ_i ≤ Φ⁻¹(0.5 + p/2).
 * (At p = 0 both bounds are 0; at p = 1 they are ±∞ and every row is inside.)
 */
export function gaussianIntervalProportions(
  y: Vec,
  mu: Vec,
  sigma: Vec,
  numBins = 100,
): CalibrationCurve {
  const n = checkSameLength(
    'gaussianIntervalProportions',
    { name: 'y', v: y },
    { name: 'mu', v: mu },
    { name: 'sigma', v: sigma },
  );
  if (!Number.isInteger(numBins) || numBins < 2) {
    throw new InputError(
      `gaussianIntervalProportions: numBins = ${numBins}; expected an integer ≥ 2`,
    );
  }
  const r = new Float64Array(n);
  for (let i = 0; i < n; i++) r[i] = (mu[i] - y[i]) / Math.max(sigma[i], SIGMA_FLOOR);
  const expected = linspace(0, 1, numBins);
  const observed = expected.map((p) => {
    const lo = normalInv(0.5 - p / 2);
    const hi = normalInv(0.5 + p / 2);
    let inside = 0;
    for (let i = 0; i < n; i++) if (r[i] >= lo && r[i] <= hi) inside++;
    return inside / n;
  });
  return { expected, observed };
}

/**
 * uncertainty-toolbox's miscalibration area. The toolbox builds the ring (p_i, obs_i) forward, then
 * the diagonal (p_i, p_i) backward, nodes it with shapely (`unary_union`) and sums the areas of the
 * faces `polygonize` returns. Both curves are graphs of functions of p on the same grid, so those
 * faces are exactly the regions between the piecewise-linear curve and the diagonal, split where
 * they cross; their total area is ∫|obs(p) − p| dp with obs linearly interpolated. We compute that
 * integral exactly segment by segment: a segment whose difference d keeps its sign contributes the
 * trapezoid h(|d₀| + |d₁|)/2; a segment where d changes sign is split at the crossing into two
 * triangles, h(d₀² + d₁²)/(2(|d₀| + |d₁|)). (A plain trapezoid of |d| would over-count crossings.)
 */
export function miscalibrationArea(expected: Vec, observed: Vec): number {
  let area = 0;
  for (let i = 0; i + 1 < expected.length; i++) {
    const h = expected[i + 1] - expected[i];
    const d0 = observed[i] - expected[i];
    const d1 = observed[i + 1] - expected[i + 1];
    if (d0 * d1 >= 0) area += (h * (Math.abs(d0) + Math.abs(d1))) / 2;
    else area += (h * (d0 * d0 + d1 * d1)) / (2 * (Math.abs(d0) + Math.abs(d1)));
  }
  return area;
}

/** Gaussian-interval calibration: curve, MACE, RMSCE and miscalibration area (uncertainty-toolbox). */
export function gaussianIntervalCalibration(
  y: Vec,
  mu: Vec,
  sigma: Vec,
  numBins = 100,
): GaussianIntervalCalibration {
  const curve = gaussianIntervalProportions(y, mu, sigma, numBins);
  let abs = 0;
  let sq = 0;
  for (let j = 0; j < curve.expected.length; j++) {
    const d = curve.observed[j] - curve.expected[j];
    abs += Math.abs(d);
    sq += d * d;
  }
  const m = curve.expected.length;
  return {
    ...curve,
    mace: abs / m,
    rmsce: Math.sqrt(sq / m),
    miscal_area: miscalibrationArea(curve.expected, curve.observed),
  };
}

/** Sharpness as uncertainty-toolbox: sqrt(mean σ²) (units of y). */
export function sharpness(sigma: Vec): number {
  if (sigma.length === 0)
    throw new InputError('sharpness: sigma is empty; expected at least 1 value');
  let s = 0;
  for (let i = 0; i < sigma.length; i++) s += sigma[i] * sigma[i];
  return Math.sqrt(s / sigma.length);
}

// ---------------------------------------------------------------------------------------------
// 2. Sample-quantile calibration (MC samples)
// ---------------------------------------------------------------------------------------------

/** Nominal levels of the sample-quantile calibration, c = 0.05, 0.15, …, 0.95 (SPEC §6). */
export const QUANTILE_LEVELS: readonly number[] = Object.freeze([
  0.05, 0.15, 0.25, 0.35, 0.45, 0.55, 0.65, 0.75, 0.85, 0.95,
]);

/** MC samples arranged per evaluated row: samples[i] holds the S draws for row i. */
export type SampleRows = readonly Vec[];

/** Transposes an S×n matrix (one array per MC pass) into per-row sample arrays. */
export function samplesByRow(passes: readonly Vec[]): Float64Array[] {
  const s = passes.length;
  if (s === 0) throw new InputError('samplesByRow: no MC passes; expected at least 1');
  const n = passes[0].length;
  const rows = Array.from({ length: n }, () => new Float64Array(s));
  for (let k = 0; k < s; k++) {
    if (passes[k].length !== n) {
      throw new InputError(
        `samplesByRow: pass ${k + 1} has ${passes[k].length} values; expected ${n}`,
      );
    }
    for (let i = 0; i < n; i++) rows[i][k] = passes[k][i];
  }
  return rows;
}

/**
 * Per-row samples from a flat buffer holding S passes × n rows pass-major (flat[k·n + i]), the layout
 * of a tiled batched forward pass (SPEC §5).
 */
export function samplesFromFlat(flat: Vec, passes: number, n: number): Float64Array[] {
  if (flat.length !== passes * n) {
    throw new InputError(
      `samplesFromFlat: ${flat.length} values; expected passes × rows = ${passes * n}`,
    );
  }
  const rows = Array.from({ length: n }, () => new Float64Array(passes));
  for (let k = 0; k < passes; k++) for (let i = 0; i < n; i++) rows[i][k] = flat[k * n + i];
  return rows;
}

export interface LevelCalibration {
  /** Nominal levels c. */
  levels: number[];
  /** Observed coverage of the central c-interval at each level. */
  coverage: number[];
  /** Mean |coverage − c| over the levels. */
  mace: number;
  /** Trapezoid ∫|coverage − c| dc over the levels' range (0.05 … 0.95 by default). */
  imce: number;
  /** Mean width of the central 95 % interval (units of y). */
  mean_interval_width_95: number;
  /** Probability integral transform per row (fraction of samples below y_i, or Φ((y−μ)/σ)). */
  pit: number[];
}

function levelSummary(
  levels: readonly number[],
  coverage: number[],
): { mace: number; imce: number } {
  const absDev = coverage.map((c, j) => Math.abs(c - levels[j]));
  return {
    mace: absDev.reduce((a, b) => a + b, 0) / absDev.length,
    imce: trapezoid(absDev, levels),
  };
}

function checkLevels(levels: readonly number[]): void {
  if (levels.length === 0)
    throw new InputError('calibration levels: empty; expected at least one level');
  for (const c of levels) {
    if (!(c > 0 && c < 1)) throw new InputError(`calibration level ${c}; expected 0 < c < 1`);
  }
}

/**
 * Sample-quantile calibration (SPEC §6, as the original code): for each level c, the interval
 * between the numpy-'linear' sample quantiles (1−c)/2 and (1+c)/2 of each row's MC samples; a row
 * is covered when lo ≤ y ≤ hi. PIT_i = (number of samples < y_i) / S.
 */
export function sampleQuantileCalibration(
  y: Vec,
  samples: SampleRows,
  levels: readonly number[] = QUANTILE_LEVELS,
): LevelCalibration {
  const n = y.length;
  if (n === 0)
    throw new InputError('sampleQuantileCalibration: y is empty; expected at least 1 row');
  if (samples.length !== n) {
    throw new InputError(
      `sampleQuantileCalibration: ${samples.length} sample rows for ${n} values of y`,
    );
  }
  checkLevels(levels);
  const covered = new Array<number>(levels.length).fill(0);
  const pit = new Array<number>(n);
  let width95 = 0;
  for (let i = 0; i < n; i++) {
    if (samples[i].length === 0)
      throw new InputError(`sampleQuantileCalibration: row ${i + 1} has no samples`);
    const s = sortedCopy(samples[i]);
    for (let j = 0; j < levels.length; j++) {
      const c = levels[j];
      const lo = quantileSorted(s, (1 - c) / 2);
      const hi = quantileSorted(s, (1 + c) / 2);
      if (y[i] >= lo && y[i] <= hi) covered[j]++;
    }
    width95 += quantileSorted(s, 0.975) - quantileSorted(s, 0.025);
    let below = 0;
    while (below < s.length && s[below] < y[i]) below++;
    pit[i] = below / s.length;
  }
  const coverage = covered.map((c) => c / n);
  return {
    levels: [...levels],
    coverage,
    ...levelSummary(levels, coverage),
    mean_interval_width_95: width95 / n,
    pit,
  };
}

/**
 * The same level-grid calibration with Gaussian intervals μ ± Φ⁻¹((1+c)/2)·σ instead of sample
 * quantiles (used when no MC samples are available); PIT_i = Φ((y_i − μ_i)/σ_i).
 */
export function gaussianLevelCalibration(
  y: Vec,
  mu: Vec,
  sigma: Vec,
  levels: readonly number[] = QUANTILE_LEVELS,
): LevelCalibration {
  const n = checkSameLength(
    'gaussianLevelCalibration',
    { name: 'y', v: y },
    { name: 'mu', v: mu },
    { name: 'sigma', v: sigma },
  );
  checkLevels(levels);
  const z = levels.map((c) => normalInv((1 + c) / 2));
  const z95 = normalInv(0.975);
  const covered = new Array<number>(levels.length).fill(0);
  const pit = new Array<number>(n);
  let width95 = 0;
  for (let i = 0; i < n; i++) {
    const s = Math.max(sigma[i], SIGMA_FLOOR);
    const absErr = Math.abs(y[i] - mu[i]);
    for (let j = 0; j < levels.length; j++) if (absErr <= z[j] * s) covered[j]++;
    width95 += 2 * z95 * s;
    pit[i] = normalCdf((y[i] - mu[i]) / s);
  }
  const coverage = covered.map((c) => c / n);
  return {
    levels: [...levels],
    coverage,
    ...levelSummary(levels, coverage),
    mean_interval_width_95: width95 / n,
    pit,
  };
}

/** Histogram of PIT values on [0, 1] in `bins` equal bins, as fractions (1.0 falls in the last). */
export function pitHistogram(pit: Vec, bins = 10): number[] {
  const h = new Array<number>(bins).fill(0);
  if (pit.length === 0) return h;
  for (let i = 0; i < pit.length; i++)
    h[Math.min(bins - 1, Math.max(0, Math.floor(pit[i] * bins)))]++;
  return h.map((c) => c / pit.length);
}

// ---------------------------------------------------------------------------------------------
// Recalibration
// ---------------------------------------------------------------------------------------------

/**
 * Closed-form σ scale minimising the mean Gaussian NLL of (y, μ, s·σ) over s (SPEC §6):
 * s² = mean((y − μ)² / σ²), σ floored at 1e-12.
 */
export function fitSigmaScale(y: Vec, mu: Vec, sigma: Vec): number {
  const n = checkSameLength(
    'fitSigmaScale',
    { name: 'y', v: y },
    { name: 'mu', v: mu },
    { name: 'sigma', v: sigma },
  );
  let s2 = 0;
  for (let i = 0; i < n; i++) {
    const s = Math.max(sigma[i], SIGMA_FLOOR);
    const e = y[i] - mu[i];
    s2 += (e * e) / (s * s);
  }
  return Math.sqrt(s2 / n);
}

/** Serialised SigmaRecalibrator. */
export interface SigmaRecalibratorJSON {
  kind: 'SigmaRecalibrator';
  version: 1;
  /** σ multiplier s (dimensionless). */
  scale: number;
  /** Number of rows it was fitted on. */
  nFit: number;
}

/** A fitted single-factor σ recalibration (SPEC §6): σ' = s·σ, MC samples μ + s·(x − μ). */
export class SigmaRecalibrator {
  /** σ multiplier s (dimensionless, > 0). */
  readonly scale: number;
  /** Number of calibration rows it was fitted on (0 if constructed by hand). */
  readonly nFit: number;

  constructor(scale: number, nFit = 0) {
    if (!(scale > 0 && Number.isFinite(scale))) {
      throw new VibannError(`SigmaRecalibrator: scale ${scale}; expected a finite positive number`);
    }
    this.scale = scale;
    this.nFit = nFit;
  }

  /** Fits s on the calibration set (never on test). */
  static fit(y: Vec, mu: Vec, sigma: Vec): SigmaRecalibrator {
    return new SigmaRecalibrator(fitSigmaScale(y, mu, sigma), y.length);
  }

  /** Scaled σ. */
  apply(sigma: Vec): Float64Array {
    const out = new Float64Array(sigma.length);
    for (let i = 0; i < sigma.length; i++) out[i] = sigma[i] * this.scale;
    return out;
  }

  /**
   * MC samples stretched about each row's centre by s, so their spread scales like σ. The centre is
   * mu[i] when given (the pooled ensemble mean), else the row's sample mean.
   */
  applySamples(samples: SampleRows, mu?: Vec): Float64Array[] {
    return samples.map((row, i) => {
      let centre: number;
      if (mu) centre = mu[i];
      else {
        centre = 0;
        for (let k = 0; k < row.length; k++) centre += row[k];
        centre /= row.length;
      }
      const out = new Float64Array(row.length);
      for (let k = 0; k < row.length; k++) out[k] = centre + this.scale * (row[k] - centre);
      return out;
    });
  }

  toJSON(): SigmaRecalibratorJSON {
    return { kind: 'SigmaRecalibrator', version: 1, scale: this.scale, nFit: this.nFit };
  }

  static fromJSON(json: SigmaRecalibratorJSON): SigmaRecalibrator {
    if (json?.kind !== 'SigmaRecalibrator' || json.version !== 1) {
      throw new InputError(
        'SigmaRecalibrator.fromJSON: expected { kind: "SigmaRecalibrator", version: 1 }',
      );
    }
    return new SigmaRecalibrator(json.scale, json.nFit);
  }
}

// ---------------------------------------------------------------------------------------------
// The metrics object M of docs/architecture.md (`evaluate --json`)
// ---------------------------------------------------------------------------------------------

/** Where `mace`, `imce`, `coverage_curve` and the PIT come from. */
export type CalibrationSource = 'mc_samples' | 'gaussian' | 'predictive';

/** M' — every metric of SPEC §6 on one set of rows (no tail block). */
export interface CalibrationMetricsCore extends AccuracyMetrics, UncertaintyMetrics {
  /** Mean |coverage − c| over c = 0.05 … 0.95 (sample quantiles, or Gaussian intervals without samples). */
  mace: number;
  /** Trapezoid ∫|coverage − c| dc over [0.05, 0.95], same source as `mace`. */
  imce: number;
  /** Toolbox RMSCE (Gaussian intervals, 100-bin grid on [0, 1]). */
  rmsce: number;
  /** Toolbox miscalibration area (Gaussian intervals, 100-bin grid). */
  miscal_area: number;
  /** Toolbox MACE (Gaussian intervals, 100-bin grid) — differs from `mace` in grid and source. */
  mace_toolbox: number;
  /** 'mc_samples' when MC samples were given; 'gaussian' when mace/imce/PIT use μ ± zσ instead. */
  calibration_source: CalibrationSource;
  /** Toolbox sharpness sqrt(mean σ²) (units of y). */
  sharpness: number;
  /** Mean width of the central 95 % interval (units of y), same source as `mace`. */
  mean_interval_width_95: number;
  /**
   * Fraction of rows inside the central 90 % interval of the predictive distribution (the
   * `halfWidth` option when given, else μ ± Φ⁻¹(0.95)·σ; never raw MC samples).
   */
  coverage_90: number;
  /** Mean width of that 90 % interval (units of y). */
  mean_width_90: number;
  /** Coverage per nominal level, same source as `mace`. */
  coverage_curve: { levels: number[]; observed: number[] };
  /** PIT histogram, 10 equal bins on [0, 1], fractions of rows. */
  pit_histogram: number[];
}

/** M — the metrics object of `evaluate --json`, with the tail blocks. */
export interface CalibrationMetrics extends CalibrationMetricsCore {
  tail: {
    /** Rows with y ≥ q0.80(y) of the evaluated set (numpy 'linear' quantile). */
    q80: CalibrationMetricsCore;
    /** Rows with y ≥ q0.90(y). */
    q90: CalibrationMetricsCore;
  };
}

export interface CalibrationOptions {
  /** MC samples per row (row i: its S draws); enables the sample-quantile mace/imce/PIT. */
  samples?: SampleRows;
  /** Bins of the toolbox Gaussian-interval grid on [0, 1]; default 100. */
  numBins?: number;
  /** Nominal levels for coverage/mace/imce; default 0.05, 0.15, …, 0.95. */
  levels?: readonly number[];
  /** Bins of the PIT histogram; default 10. */
  pitBins?: number;
  /**
   * The predictive distribution's central half-width per row at level p (docs/uncertainty.md):
   * when given, coverage/mace/imce/95 % width use these intervals instead of samples or μ ± zσ.
   */
  halfWidth?: (p: number) => Vec;
}

/** Level-grid calibration with given central half-widths per level; PIT from the Gaussian σ. */
export function halfWidthLevelCalibration(
  y: Vec,
  mu: Vec,
  sigma: Vec,
  halfWidth: (p: number) => Vec,
  levels: readonly number[] = QUANTILE_LEVELS,
): LevelCalibration {
  const n = checkSameLength(
    'halfWidthLevelCalibration',
    { name: 'y', v: y },
    { name: 'mu', v: mu },
  );
  checkLevels(levels);
  const coverage = levels.map((c) => {
    const h = halfWidth(c);
    let k = 0;
    for (let i = 0; i < n; i++) if (Math.abs(y[i] - mu[i]) <= h[i]) k++;
    return k / n;
  });
  const h95 = halfWidth(0.95);
  let width95 = 0;
  for (let i = 0; i < n; i++) width95 += 2 * h95[i];
  const pit = Array.from({ length: n }, (_, i) =>
    normalCdf((y[i] - mu[i]) / Math.max(sigma[i], SIGMA_FLOOR)),
  );
  return {
    levels: [...levels],
    coverage,
    ...levelSummary(levels, coverage),
    mean_interval_width_95: width95 / n,
    pit,
  };
}

/** Coverage and mean width of the central 90 % interval (halfWidth(0.9), else 1.6449·σ). */
export function interval90(
  y: Vec,
  mu: Vec,
  sigma: Vec,
  halfWidth?: (p: number) => Vec,
): { coverage_90: number; mean_width_90: number } {
  const n = y.length;
  const z = normalInv(0.95);
  const h = halfWidth
    ? halfWidth(0.9)
    : Array.from(sigma as ArrayLike<number>, (s) => z * Math.max(s, SIGMA_FLOOR));
  let c = 0;
  let w = 0;
  for (let i = 0; i < n; i++) {
    if (Math.abs(y[i] - mu[i]) <= h[i]) c++;
    w += 2 * h[i];
  }
  return { coverage_90: c / n, mean_width_90: w / n };
}

/** Every SPEC §6 metric on one set of rows (no tail block). */
export function calibrationMetricsCore(
  y: Vec,
  mu: Vec,
  sigma: Vec,
  options: CalibrationOptions = {},
): CalibrationMetricsCore {
  const { samples, numBins = 100, levels = QUANTILE_LEVELS, pitBins = 10, halfWidth } = options;
  const acc = accuracyMetrics(y, mu, sigma);
  const tb = gaussianIntervalCalibration(y, mu, sigma, numBins);
  const lv = halfWidth
    ? halfWidthLevelCalibration(y, mu, sigma, halfWidth, levels)
    : samples
      ? sampleQuantileCalibration(y, samples, levels)
      : gaussianLevelCalibration(y, mu, sigma, levels);
  const floored = Array.from(sigma as ArrayLike<number>, (s) => Math.max(s, SIGMA_FLOOR));
  return {
    ...acc,
    mace: lv.mace,
    imce: lv.imce,
    rmsce: tb.rmsce,
    miscal_area: tb.miscal_area,
    mace_toolbox: tb.mace,
    calibration_source: halfWidth ? 'predictive' : samples ? 'mc_samples' : 'gaussian',
    sharpness: sharpness(floored),
    mean_interval_width_95: lv.mean_interval_width_95,
    ...interval90(y, mu, sigma, halfWidth),
    coverage_curve: { levels: lv.levels, observed: lv.coverage },
    pit_histogram: pitHistogram(lv.pit, pitBins),
  };
}

/** Indices of the rows with y ≥ numpy-'linear' quantile q of y (the tail of SPEC §6). */
export function tailIndices(y: Vec, q: number): number[] {
  const thr = quantile(y, q);
  const idx: number[] = [];
  for (let i = 0; i < y.length; i++) if (y[i] >= thr) idx.push(i);
  return idx;
}

function pick(v: Vec, idx: readonly number[]): number[] {
  return idx.map((i) => v[i]);
}

/**
 * The metrics object M of docs/architecture.md: accuracy, ±1σ coverage, NLL, MACE/IMCE (MC samples when
 * given, else Gaussian intervals — `calibration_source` says which), toolbox RMSCE/miscalibration
 * area/MACE/sharpness, coverage curve, PIT histogram, and the same on the tails y ≥ q0.80, y ≥ q0.90.
 * Tail R² is NaN (serialised as null) when a tail's y is constant.
 */
export function calibrationMetrics(
  y: Vec,
  mu: Vec,
  sigma: Vec,
  options: CalibrationOptions = {},
): CalibrationMetrics {
  const core = calibrationMetricsCore(y, mu, sigma, options);
  const tailAt = (q: number): CalibrationMetricsCore => {
    const idx = tailIndices(y, q);
    const hw = options.halfWidth;
    return calibrationMetricsCore(pick(y, idx), pick(mu, idx), pick(sigma, idx), {
      ...options,
      samples: options.samples ? idx.map((i) => options.samples![i]) : undefined,
      halfWidth: hw ? (p: number) => pick(hw(p), idx) : undefined,
    });
  };
  return { ...core, tail: { q80: tailAt(0.8), q90: tailAt(0.9) } };
}

/** Raw and recalibrated metrics side by side (SPEC §6); `recal` must be fitted on calibration rows. */
export function rawAndRecalibrated(
  y: Vec,
  mu: Vec,
  sigma: Vec,
  recal: SigmaRecalibrator,
  options: CalibrationOptions = {},
): { raw: CalibrationMetrics; recalibrated: CalibrationMetrics; sigma_scale: number } {
  return {
    raw: calibrationMetrics(y, mu, sigma, options),
    recalibrated: calibrationMetrics(y, mu, recal.apply(sigma), {
      ...options,
      samples: options.samples ? recal.applySamples(options.samples, mu) : undefined,
    }),
    sigma_scale: recal.scale,
  };
}
