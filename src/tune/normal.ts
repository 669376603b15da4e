/**
 * Standard-normal helpers for the TPE sampler's truncated Parzen estimators (SPEC §7): Φ, Φ⁻¹,
 * the log-probability of an interval, and sampling a truncated normal by inverse CDF.
 */

const SQRT1_2 = Math.SQRT1_2;
const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

/**
 * Complementary error function, Chebyshev fit (Numerical Recipes `erfcc`), fractional error
 * < 1.2e-7 everywhere; accurate in the far tail, where 1 − erf would cancel.
 */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 +
                            t *
                              (-1.13520398 +
                                t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/** Standard normal CDF Φ(x). */
export function normCdf(x: number): number {
  return 0.5 * erfc(-x * SQRT1_2);
}

/** log of the standard normal density. */
export function normLogPdf(x: number): number {
  return -0.5 * x * x - LOG_SQRT_2PI;
}

/**
 * Φ(b) − Φ(a) for a ≤ b, computed on the side of the distribution where it does not cancel
 * (both bounds in the upper tail: through the survival function).
 */
export function normIntervalMass(a: number, b: number): number {
  if (a >= 0) return 0.5 * (erfc(a * SQRT1_2) - erfc(b * SQRT1_2));
  if (b <= 0) return 0.5 * (erfc(-b * SQRT1_2) - erfc(-a * SQRT1_2));
  return 1 - normCdf(a) - (1 - normCdf(b));
}

/**
 * Inverse standard normal CDF (Acklam's rational approximation, relative error 1.15e-9, with one
 * Halley refinement step). p is clamped to (1e-300, 1 − 1e-16).
 */
export function normPpf(p: number): number {
  const pp = Math.min(Math.max(p, 1e-300), 1 - 1e-16);
  const a = [
    -3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2,
    -3.066479806614716e1, 2.506628277459239,
  ];
  const b = [
    -5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1,
    -1.328068155288572e1,
  ];
  const c = [
    -7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734,
    4.374664141464968, 2.938163982698783,
  ];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const plow = 0.02425;
  let x: number;
  if (pp < plow) {
    const q = Math.sqrt(-2 * Math.log(pp));
    x =
      (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
      ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else if (pp <= 1 - plow) {
    const q = pp - 0.5;
    const r = q * q;
    x =
      ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) /
      (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  } else {
    const q = Math.sqrt(-2 * Math.log(1 - pp));
    x =
      -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
      ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  // One Halley step against the erfc-based CDF.
  const e = normCdf(x) - pp;
  const u = e * Math.sqrt(2 * Math.PI) * Math.exp(0.5 * x * x);
  const refined = x - u / (1 + 0.5 * x * u);
  return Number.isFinite(refined) ? refined : x;
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
    const sa = 0.5 * erfc(a * SQRT1_2);
    const sb = 0.5 * erfc(b * SQRT1_2);
    x = -normPpf(sa - u * (sa - sb));
  } else {
    const pa = normCdf(a);
    const pb = normCdf(b);
    x = normPpf(pa + u * (pb - pa));
  }
  const v = mu + sigma * x;
  return Math.min(high, Math.max(low, Number.isFinite(v) ? v : mu));
}

/** log Σ exp(v_i), stable. */
export function logSumExp(v: ArrayLike<number>): number {
  let m = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < v.length; i++) if (v[i] > m) m = v[i];
  if (m === Number.NEGATIVE_INFINITY) return m;
  let s = 0;
  for (let i = 0; i < v.length; i++) s += Math.exp(v[i] - m);
  return m + Math.log(s);
}
