/**
 * Standard-normal helpers for the TPE sampler's truncated Parzen estimators (SPEC §7): the
 * probability of an interval and sampling a truncated normal by inverse CDF, on top of the accurate
 * Φ, Q = 1 − Φ and Φ⁻¹ of src/math/normal.ts.
 */
import { normalCdf, normalInv, normalSf } from '../math/normal.ts';

/**
 * Φ(b) − Φ(a) for a ≤ b, computed on the side of the distribution where it does not cancel
 * (both bounds in the upper tail: through the survival function).
 */
export function normIntervalMass(a: number, b: number): number {
  if (a >= 0) return normalSf(a) - normalSf(b);
  if (b <= 0) return normalCdf(b) - normalCdf(a);
  return 1 - normalCdf(a) - (1 - normalCdf(b));
}

/** Φ⁻¹(p) with p clamped to [1e-300, 1 − 1e-16], so a draw at the edge stays finite. */
function clampedInv(p: number): number {
  return normalInv(Math.min(Math.max(p, 1e-300), 1 - 1e-16));
}

/**
 * A draw from N(mu, sigma²) truncated to [low, high], by inverse CDF of a uniform u ∈ [0, 1).
 * The result is clamped into [low, high] against rounding.
 */
export function truncNormalSample(
  mu: number,
  sigma: number,
  low: number,
  high: number,
  u: number,
): number {
  const a = (low - mu) / sigma;
  const b = (high - mu) / sigma;
  let x: number;
  if (a >= 0) {
    // Upper tail: work with survival probabilities to avoid Φ(a) ≈ 1.
    const sa = normalSf(a);
    const sb = normalSf(b);
    x = -clampedInv(sa - u * (sa - sb));
  } else {
    const pa = normalCdf(a);
    const pb = normalCdf(b);
    x = clampedInv(pa + u * (pb - pa));
  }
  const v = mu + sigma * x;
  return Math.min(high, Math.max(low, Number.isFinite(v) ? v : mu));
}
