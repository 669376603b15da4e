/**
 * Student's t distribution (CDF and quantile) and the Nadeau–Bengio corrected resampled t-test.
 *
 * CDF through the regularised incomplete beta function, I_x(a, b) by its continued fraction
 * (modified Lentz; Press et al., Numerical Recipes, 3rd ed., section 6.4):
 *   F(t; ν) = 1 − ½ I_{ν/(ν+t²)}(ν/2, ½) for t ≥ 0, symmetric for t < 0.
 * Quantile: bisection on the CDF to machine precision (monotone, bracketed), checked against
 * scipy.stats.t.ppf in test/math/student.test.ts.
 */
import { normalInv } from './normal.ts';

/**
 * ln Γ(x), x > 0: the recurrence Γ(x) = Γ(x + n)/(x(x+1)…(x+n−1)) up to x ≥ 15, then Stirling's
 * series with Bernoulli terms to x⁻¹¹ (truncation error < 1e-17 at x ≥ 15).
 */
export function lnGamma(x: number): number {
  let shift = 0;
  let y = x;
  while (y < 15) {
    shift += Math.log(y);
    y += 1;
  }
  const y2 = 1 / (y * y);
  const series =
    (1 / y) *
    (1 / 12 -
      y2 * (1 / 360 - y2 * (1 / 1260 - y2 * (1 / 1680 - y2 * (1 / 1188 - y2 * (691 / 360360))))));
  return (y - 0.5) * Math.log(y) - y + 0.5 * Math.log(2 * Math.PI) + series - shift;
}

/** Continued fraction of I_x(a, b) (Numerical Recipes betacf). */
function betaCf(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-16) break;
  }
  return h;
}

/** Regularised incomplete beta I_x(a, b), 0 ≤ x ≤ 1. */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const lbt = lnGamma(a + b) - lnGamma(a) - lnGamma(b) + a * Math.log(x) + b * Math.log(1 - x);
  const bt = Math.exp(lbt);
  if (x < (a + 1) / (a + b + 2)) return (bt * betaCf(a, b, x)) / a;
  return 1 - (bt * betaCf(b, a, 1 - x)) / b;
}

/** CDF of Student's t with ν > 0 degrees of freedom. */
export function studentTCdf(t: number, nu: number): number {
  if (!(nu > 0)) throw new RangeError(`Student t: degrees of freedom must be > 0, got ${nu}`);
  const tail = 0.5 * incompleteBeta(nu / (nu + t * t), nu / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/** Quantile (inverse CDF) of Student's t, 0 < p < 1. */
export function studentTQuantile(p: number, nu: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`Student t quantile: p must be in (0, 1), got ${p}`);
  if (p === 0.5) return 0;
  if (p < 0.5) return -studentTQuantile(1 - p, nu);
  let lo = 0;
  let hi = 1;
  while (studentTCdf(hi, nu) < p) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-15 * hi; i++) {
    const mid = 0.5 * (lo + hi);
    if (studentTCdf(mid, nu) < p) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
}

/** Result of the corrected resampled t-test on paired differences. */
export interface CorrectedTTest {
  /** Number of resamples J. */
  n: number;
  /** Mean difference d̄. */
  mean: number;
  /** Sample standard deviation of the differences (J − 1 denominator). */
  sd: number;
  /** Corrected standard error √((1/J + n_test/n_train)·s²). */
  se: number;
  /** t = d̄ / se (NaN when se = 0). */
  t: number;
  /** Degrees of freedom J − 1. */
  df: number;
  /** Two-sided p-value. */
  p: number;
  /** Two-sided confidence interval of the mean difference at `level`. */
  ci: [number, number];
  level: number;
}

/**
 * Nadeau & Bengio's corrected resampled t-test (Machine Learning 52 (2003) 239–281, eq. for the
 * "corrected resampled t"): J paired differences d_j of a score over J train/test resamples whose
 * training sets overlap; the variance of d̄ is (1/J + n_test/n_train)·s² instead of s²/J.
 */
export function correctedResampledTTest(
  diffs: readonly number[],
  nTrain: number,
  nTest: number,
  level = 0.95,
): CorrectedTTest {
  const J = diffs.length;
  if (J < 2) throw new RangeError(`corrected resampled t-test: needs ≥ 2 resamples, got ${J}`);
  if (!(nTrain > 0 && nTest > 0))
    throw new RangeError('corrected resampled t-test: n_train and n_test must be > 0');
  const mean = diffs.reduce((a, b) => a + b, 0) / J;
  const s2 = diffs.reduce((a, b) => a + (b - mean) ** 2, 0) / (J - 1);
  const se = Math.sqrt((1 / J + nTest / nTrain) * s2);
  const df = J - 1;
  const t = se > 0 ? mean / se : Number.NaN;
  const p = se > 0 ? 2 * (1 - studentTCdf(Math.abs(t), df)) : Number.NaN;
  const q = studentTQuantile(0.5 + level / 2, df);
  return { n: J, mean, sd: Math.sqrt(s2), se, t, df, p, ci: [mean - q * se, mean + q * se], level };
}

/** What a corrected resampled t-test can tell from zero (`resolvableDifference`). */
export interface ResolvableDifference {
  /** Half-width of the two-sided interval at J resamples: |d̄| must exceed it to exclude zero. */
  halfWidth: number;
  /**
   * The half-width's limit at any number of resamples, z·s·√(n_test/n_train): the correction's
   * n_test/n_train term does not shrink with J, so no number of splits resolves a smaller mean.
   */
  limit: number;
}

/**
 * The smallest mean paired difference that `correctedResampledTTest` can tell from zero, for a
 * spread s of the differences: t_{(1+level)/2, J−1}·√((1/J + n_test/n_train)·s²) at J resamples,
 * and z_{(1+level)/2}·s·√(n_test/n_train) as J → ∞ (Nadeau & Bengio 2003, the same variance).
 */
export function resolvableDifference(
  sd: number,
  J: number,
  nTrain: number,
  nTest: number,
  level = 0.95,
): ResolvableDifference {
  if (!(J >= 2) || !(nTrain > 0 && nTest > 0) || !(sd >= 0))
    throw new RangeError('resolvableDifference: needs J ≥ 2, n_train, n_test > 0 and sd ≥ 0');
  const r = nTest / nTrain;
  return {
    halfWidth: studentTQuantile(0.5 + level / 2, J - 1) * Math.sqrt((1 / J + r) * sd * sd),
    limit: normalInv(0.5 + level / 2) * sd * Math.sqrt(r),
  };
}
