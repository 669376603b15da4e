/**
 * A multivariate normal "shape" N(·; m, s²Σ) with a fixed covariance Σ and any mean m and scale s:
 * Cholesky once, then O(d²) log-density and sampling. Used by the MCMC proposal (SPEC §9.3).
 */
import { cholesky, logDetFromCholesky, lowerMatVec, solveLowerInPlace } from '../math/linalg.ts';
import type { Rng } from '../util/rng.ts';

const LOG_2PI = Math.log(2 * Math.PI);

export class GaussianShape {
  readonly dim: number;
  /** Lower-triangular Cholesky factor of Σ, row-major. */
  private readonly L: Float64Array;
  private readonly logDetSigma: number;
  /** Scratch for the forward substitution of `logPdf`. */
  private readonly y: Float64Array;

  /** `cov` must be symmetric positive definite; `jitter` is added to the diagonal. */
  constructor(cov: readonly (readonly number[])[], jitter = 0) {
    const d = cov.length;
    this.dim = d;
    const a = new Float64Array(d * d);
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) a[i * d + j] = cov[i][j];
    for (let i = 0; i < d; i++) a[i * d + i] += jitter;
    const l = cholesky(a, d);
    if (l === null) throw new Error('GaussianShape: covariance is not positive definite');
    this.L = l;
    this.logDetSigma = logDetFromCholesky(l, d);
    this.y = new Float64Array(d);
  }

  /** log N(x; mean, scale²Σ). */
  logPdf(x: ArrayLike<number>, mean: ArrayLike<number>, scale = 1): number {
    const d = this.dim;
    // solve L y = (x − mean)/scale by forward substitution; the quadratic form is |y|²
    const y = this.y;
    for (let i = 0; i < d; i++) y[i] = (x[i] - mean[i]) / scale;
    solveLowerInPlace(this.L, d, y);
    let q = 0;
    for (let i = 0; i < d; i++) q += y[i] * y[i];
    return -0.5 * (d * LOG_2PI + this.logDetSigma + 2 * d * Math.log(scale) + q);
  }

  /** A draw from N(mean, scale²Σ). */
  sample(mean: ArrayLike<number>, rng: Rng, scale = 1): number[] {
    const d = this.dim;
    const e = Array.from({ length: d }, () => rng.normal());
    const le = lowerMatVec(this.L, d, e);
    const out = new Array<number>(d);
    for (let i = 0; i < d; i++) out[i] = mean[i] + scale * le[i];
    return out;
  }
}
