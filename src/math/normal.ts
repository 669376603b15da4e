/**
 * The standard normal distribution: density, CDF Φ, survival function Q = 1 − Φ and quantile Φ⁻¹,
 * all to ~1e-15 relative (Φ⁻¹: Wichura's AS241). The code base's only implementation: the
 * calibration metrics (uq/calibration.ts), the TPE sampler's truncated normals (tune/normal.ts) and
 * the GP-BO acquisition use these.
 */

const INV_SQRT_2PI = 0.3989422804014327; // 1/√(2π)
const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

/** Standard normal density φ(x). */
export function normalPdf(x: number): number {
  return INV_SQRT_2PI * Math.exp(-0.5 * x * x);
}

/** ln φ(x) (finite for every finite x, where φ itself underflows beyond |x| ≈ 38.6). */
export function normalLogPdf(x: number): number {
  return -0.5 * x * x - LOG_SQRT_2PI;
}

/**
 * Standard normal CDF Φ(x), accurate to ~1e-15 relative (checked against scipy.stats.norm.cdf).
 * |x| ≤ 3: Φ = ½ + φ(x)·Σ x^(2k+1)/(2k+1)!! (all terms of one sign, no cancellation inside the
 * sum); |x| > 3: upper tail Q(|x|) = φ/(x + 1/(x + 2/(x + 3/(x + …)))) by the modified Lentz method
 * (no cancellation, full relative accuracy deep in the tail, so Φ(−40) ≈ 3.7e-350 underflows only
 * where a double must).
 */
export function normalCdf(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  const ax = Math.abs(x);
  if (ax <= 3) {
    const x2 = x * x;
    let term = x;
    let sum = x;
    for (let k = 1; k < 500; k++) {
      term *= x2 / (2 * k + 1);
      sum += term;
      if (Math.abs(term) <= 1e-17 * Math.abs(sum)) break;
    }
    return 0.5 + normalPdf(x) * sum;
  }
  const q = upperTail(ax);
  return x > 0 ? 1 - q : q;
}

/**
 * Survival function Q(x) = 1 − Φ(x) = Φ(−x), computed without the cancellation of 1 − Φ(x): full
 * relative accuracy in the upper tail (Q(8) = 6.2e-16, where 1 − Φ(8) is 0 in doubles).
 */
export function normalSf(x: number): number {
  return normalCdf(-x);
}

/** Q(x) = 1 − Φ(x) for x > 3 by the Mills-ratio continued fraction (modified Lentz). */
function upperTail(x: number): number {
  if (x === Number.POSITIVE_INFINITY) return 0;
  const tiny = 1e-300;
  // CF: x + 1/(x + 2/(x + 3/(x + …))), i.e. b0 = x, a_k = k, b_k = x.
  let f = x;
  let c = x;
  let d = 0;
  for (let k = 1; k < 5000; k++) {
    d = x + k * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = x + k / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return normalPdf(x) / f;
}

// AS241 (PPND16) coefficients, lowest degree first. Wichura's published 20-digit constants written
// as the nearest doubles (what the 20-digit literals parse to), so no literal loses precision.
const AS241_A = [
  3.3871328727963665, 133.14166789178438, 1971.5909503065513, 13731.69376550946, 45921.95393154987,
  67265.7709270087, 33430.57558358813, 2509.0809287301227,
];
const AS241_B = [
  1, 42.31333070160091, 687.1870074920579, 5394.196021424751, 21213.794301586597, 39307.89580009271,
  28729.085735721943, 5226.495278852854,
];
const AS241_C = [
  1.4234371107496835, 4.630337846156546, 5.769497221460691, 3.6478483247632045, 1.2704582524523684,
  0.2417807251774506, 0.022723844989269184, 0.0007745450142783414,
];
const AS241_D = [
  1, 2.053191626637759, 1.6763848301838038, 0.6897673349851, 0.14810397642748008,
  0.015198666563616457, 0.0005475938084995345, 1.0507500716444169e-9,
];
const AS241_E = [
  6.657904643501103, 5.463784911164114, 1.7848265399172913, 0.29656057182850487,
  0.026532189526576124, 0.0012426609473880784, 0.000027115555687434876, 2.0103343992922881e-7,
];
const AS241_F = [
  1, 0.599832206555888, 0.1369298809227358, 0.014875361290850615, 0.0007868691311456133,
  0.000018463183175100548, 1.421511758316446e-7, 2.0442631033899397e-15,
];

/** Horner evaluation of Σ c[k]·x^k. */
function horner(c: readonly number[], x: number): number {
  let v = c[c.length - 1];
  for (let k = c.length - 2; k >= 0; k--) v = v * x + c[k];
  return v;
}

/**
 * Inverse standard normal CDF Φ⁻¹(p): Wichura's AS241 (PPND16), relative accuracy ~1e-16.
 * Returns −∞ at p = 0, +∞ at p = 1 (as scipy's `norm.ppf`), NaN outside [0, 1].
 */
export function normalInv(p: number): number {
  if (Number.isNaN(p) || p < 0 || p > 1) return Number.NaN;
  if (p === 0) return Number.NEGATIVE_INFINITY;
  if (p === 1) return Number.POSITIVE_INFINITY;
  const q = p - 0.5;
  if (Math.abs(q) <= 0.425) {
    const r = 0.180625 - q * q;
    return (q * horner(AS241_A, r)) / horner(AS241_B, r);
  }
  let r = Math.sqrt(-Math.log(q < 0 ? p : 1 - p));
  let val: number;
  if (r <= 5) {
    r -= 1.6;
    val = horner(AS241_C, r) / horner(AS241_D, r);
  } else {
    r -= 5;
    val = horner(AS241_E, r) / horner(AS241_F, r);
  }
  return q < 0 ? -val : val;
}
