/**
 * A multivariate normal "shape" N(·; m, s²Σ) with a fixed covariance Σ and any mean m and scale s:
 * Cholesky once, then O(d²) log-density and sampling. Used by the MCMC proposal (SPEC §9.3).
 */
import { CholeskyDecomposition, Matrix } from 'ml-matrix';
import type { Rng } from '../util/rng.ts';

const LOG_2PI = Math.log(2 * Math.PI);

export class GaussianShape {
  readonly dim: number;
  /** Lower-triangular Cholesky factor of Σ, row-major. */
  private readonly L: Float64Array;
  private readonly logDetSigma: number;

  /** `cov` must be symmetric positive definite; `jitter` is added to the diagonal. */
  constructor(cov: readonly (readonly number[])[], jitter = 0) {
    const d = cov.length;
    this.dim = d;
    const m = new Matrix(cov.map((r, i) => r.map((v, j) => v + (i === j ? jitter : 0))));
    const ch = new CholeskyDecomposition(m);
    if (!ch.isPositiveDefinite())
      throw new Error('GaussianShape: covariance is not positive definite');
    const Lm = ch.lowerTriangularMatrix;
    this.L = new Float64Array(d * d);
    let ld = 0;
    for (let i = 0; i < d; i++) {
      for (let j = 0; j <= i; j++) this.L[i * d + j] = Lm.get(i, j);
      ld += 2 * Math.log(Lm.get(i, i));
    }
    this.logDetSigma = ld;
  }

  /** log N(x; mean, scale²Σ). */
  logPdf(x: ArrayLike<number>, mean: ArrayLike<number>, scale = 1): number {
    const d = this.dim;
    // solve L y = (x − mean)/scale by forward substitution; the quadratic form is |y|²
    const y = new Float64Array(d);
    let q = 0;
    for (let i = 0; i < d; i++) {
      let s = (x[i] - mean[i]) / scale;
      for (let j = 0; j < i; j++) s -= this.L[i * d + j] * y[j];
      y[i] = s / this.L[i * d + i];
      q += y[i] * y[i];
    }
    return -0.5 * (d * LOG_2PI + this.logDetSigma + 2 * d * Math.log(scale) + q);
  }

  /** A draw from N(mean, scale²Σ). */
  sample(mean: ArrayLike<number>, rng: Rng, scale = 1): number[] {
    const d = this.dim;
    const e = Array.from({ length: d }, () => rng.normal());
    const out = new Array<number>(d);
    for (let i = 0; i < d; i++) {
      let s = 0;
      for (let j = 0; j <= i; j++) s += this.L[i * d + j] * e[j];
      out[i] = mean[i] + scale * s;
    }
    return out;
  }
}

/** log Σ exp(a_i), stable. */
export function logSumExp(a: readonly number[]): number {
  let m = Number.NEGATIVE_INFINITY;
  for (const v of a) if (v > m) m = v;
  if (m === Number.NEGATIVE_INFINITY) return m;
  let s = 0;
  for (const v of a) s += Math.exp(v - m);
  return m + Math.log(s);
}
