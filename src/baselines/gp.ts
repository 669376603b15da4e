/**
 * Gaussian-process regression baseline (SPEC §7, and the surrogate of §10):
 * kernel k(x, x') = C · Matérn₅/₂(‖x − x'‖ / ℓ) + σ²ₙ · [x = x'] (one length scale, white noise),
 * Matérn₅/₂(r) = (1 + √5 r + 5r²/3) · exp(−√5 r); the target is standardised (scikit-learn's
 * normalize_y, population std) unless `normalizeY` is false.
 *
 * Hyperparameters maximise the log marginal likelihood
 *   log p(y | X) = −½ yᵀK⁻¹y − Σ log Lᵢᵢ − (n/2) log 2π   (K = L Lᵀ)
 * by multi-start Nelder–Mead in log space. For fixed ℓ and ratio g = σ²ₙ / C, the best C has the
 * closed form C* = yᵀA⁻¹y / n with A = M + gI, so the simplex searches (log ℓ, log g) only and C is
 * profiled out — the same maximum as a search over all three, in fewer evaluations. The bounds are
 * scikit-learn's (C ∈ [1e-3, 1e3], ℓ ∈ [1e-3, 1e3], σ²ₙ ∈ [1e-6, 10]); a profiled C or σ²ₙ outside
 * them is clamped and the likelihood evaluated at the clamped values. The first start is
 * scikit-learn's initial kernel (C = 1, ℓ = 1, σ²ₙ = 0.01); the others are drawn log-uniformly in
 * the bounds from the seeded Rng.
 *
 * Predictive mean μ* = k*ᵀK⁻¹y and variance k(x*, x*) − k*ᵀK⁻¹k* (latent); `includeNoise` adds σ²ₙ,
 * as scikit-learn's `predict(return_std=True)` does (its WhiteKernel contributes to diag(X*)).
 */
import {
  choleskyInPlace,
  logDetFromCholesky,
  solveLower,
  solveLowerTransposed,
} from '../math/linalg.ts';
import { mean, stdPop } from '../math/stats.ts';
import { InputError, VibannError } from '../util/errors.ts';
import type { Rng } from '../util/rng.ts';
import type { DenseMatrix } from './features.ts';
import { nelderMead } from './nelderMead.ts';

const SQRT5 = Math.sqrt(5);
const LOG_2PI = Math.log(2 * Math.PI);

export interface GpKernelParams {
  /** Signal variance C (in standardised target units when normalizeY). */
  constant: number;
  /** Matérn length scale ℓ (feature units). */
  lengthScale: number;
  /** White-noise variance σ²ₙ (standardised target units when normalizeY). */
  noise: number;
}

export interface GpBounds {
  constant: [number, number];
  lengthScale: [number, number];
  noise: [number, number];
}

export interface GpOptions {
  /** Random restarts after the first start (default 5, as the peer's n_restarts_optimizer). */
  restarts?: number;
  /** Standardise y before fitting (default true, as the peer's normalize_y). */
  normalizeY?: boolean;
  /** Hyperparameter bounds (default scikit-learn's, as in the peer). */
  bounds?: GpBounds;
  /** First start (default C 1, ℓ 1, σ²ₙ 0.01). */
  initial?: GpKernelParams;
  /** Keep these hyperparameters instead of optimising them. */
  fixed?: GpKernelParams;
  /** Nelder–Mead evaluations per start (default 400). */
  maxEvalPerStart?: number;
}

export interface GpJSON {
  kind: 'gp-matern52-white';
  params: GpKernelParams;
  normalizeY: boolean;
  yMean: number;
  yStd: number;
  rows: number;
  cols: number;
  x: number[];
  y: number[];
  logMarginalLikelihood: number;
}

const DEFAULT_BOUNDS: GpBounds = {
  constant: [1e-3, 1e3],
  lengthScale: [1e-3, 1e3],
  noise: [1e-6, 10],
};

export function matern52(r: number, lengthScale: number): number {
  const s = (SQRT5 * r) / lengthScale;
  return (1 + s + (s * s) / 3) * Math.exp(-s);
}

/** Pairwise Euclidean distances of the rows of a (n × n, row-major, symmetric). */
export function pairwiseDistances(a: DenseMatrix): Float64Array {
  const { rows: n, cols: d, data } = a;
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) {
        const v = data[i * d + k] - data[j * d + k];
        s += v * v;
      }
      const r = Math.sqrt(s);
      out[i * n + j] = r;
      out[j * n + i] = r;
    }
  }
  return out;
}

interface Factor {
  l: Float64Array;
  alpha: Float64Array;
  lml: number;
}

/** Cholesky of K = C·M + σ²ₙ·I and the log marginal likelihood, or null if K is not SPD. */
function factor(dist: Float64Array, n: number, y: Float64Array, p: GpKernelParams): Factor | null {
  const k = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++)
      k[i * n + j] = p.constant * matern52(dist[i * n + j], p.lengthScale);
    k[i * n + i] = p.constant + p.noise;
  }
  if (!choleskyInPlace(k, n)) return null;
  const z = solveLower(k, n, y);
  const alpha = solveLowerTransposed(k, n, z);
  let quad = 0;
  for (let i = 0; i < n; i++) quad += z[i] * z[i];
  // ½ ln|K| = Σ ln L_ii (halving the doubled sum is exact, so the bits are the former loop's)
  const halfLogDet = 0.5 * logDetFromCholesky(k, n);
  return { l: k, alpha, lml: -0.5 * quad - halfLogDet - 0.5 * n * LOG_2PI };
}

export class GaussianProcessRegressor {
  readonly options: Required<Omit<GpOptions, 'fixed'>> & { fixed?: GpKernelParams };
  params: GpKernelParams = { constant: 1, lengthScale: 1, noise: 1e-2 };
  /** log marginal likelihood of the fitted hyperparameters (standardised y when normalizeY). */
  logMarginalLikelihood = Number.NaN;
  yMean = 0;
  yStd = 1;
  /** Objective evaluations used by the last fit. */
  evaluations = 0;
  private x: DenseMatrix | null = null;
  private y = new Float64Array(0);
  private yn = new Float64Array(0);
  private chol: Float64Array | null = null;
  private alpha: Float64Array = new Float64Array(0);

  constructor(o: GpOptions = {}) {
    this.options = {
      restarts: o.restarts ?? 5,
      normalizeY: o.normalizeY ?? true,
      bounds: o.bounds ?? DEFAULT_BOUNDS,
      initial: o.initial ?? { constant: 1, lengthScale: 1, noise: 1e-2 },
      maxEvalPerStart: o.maxEvalPerStart ?? 400,
      fixed: o.fixed,
    };
    if (!(Number.isInteger(this.options.restarts) && this.options.restarts >= 0)) {
      throw new InputError(`GP: restarts must be an integer ≥ 0, got ${o.restarts}`);
    }
  }

  /** Fit; `rng` draws the restarts (not needed with `fixed` hyperparameters or 0 restarts). */
  fit(x: DenseMatrix, y: ArrayLike<number>, rng?: Rng): this {
    const n = x.rows;
    if (y.length !== n) throw new InputError(`GP: X has ${n} rows but y has ${y.length} values`);
    if (n === 0) throw new InputError('GP: no rows to fit');
    this.x = { rows: n, cols: x.cols, data: Float64Array.from(x.data) };
    this.y = Float64Array.from(y);
    if (this.options.normalizeY) {
      this.yMean = mean(y);
      this.yStd = stdPop(y) || 1;
    } else {
      this.yMean = 0;
      this.yStd = 1;
    }
    const yn = Float64Array.from(this.y, (v) => (v - this.yMean) / this.yStd);
    this.yn = yn;
    const dist = pairwiseDistances(this.x);
    this.evaluations = 0;
    if (this.options.fixed) {
      this.params = { ...this.options.fixed };
    } else {
      this.params = this.optimise(dist, n, yn, rng);
    }
    const fa = factor(dist, n, yn, this.params);
    if (!fa)
      throw new VibannError(
        `GP: kernel matrix not positive definite at ${JSON.stringify(this.params)}`,
      );
    this.chol = fa.l;
    this.alpha = fa.alpha;
    this.logMarginalLikelihood = fa.lml;
    return this;
  }

  /** Hyperparameters from (log ℓ, log g) with C profiled out and clamped to the bounds. */
  private profiled(
    dist: Float64Array,
    n: number,
    y: Float64Array,
    t: number[],
  ): { p: GpKernelParams; lml: number } {
    const b = this.options.bounds;
    const lengthScale = Math.exp(t[0]);
    const g = Math.exp(t[1]);
    const unit = factor(dist, n, y, { constant: 1, lengthScale, noise: g });
    if (!unit) return { p: { constant: 1, lengthScale, noise: g }, lml: Number.NEGATIVE_INFINITY };
    let quad = 0;
    for (let i = 0; i < n; i++) quad += y[i] * unit.alpha[i];
    const cStar = quad / n;
    const constant = Math.min(b.constant[1], Math.max(b.constant[0], cStar));
    const noise = Math.min(b.noise[1], Math.max(b.noise[0], constant * g));
    if (constant === cStar && noise === constant * g) {
      // Interior: log p = −n/2 − ½ log|A| − (n/2) log C* − (n/2) log 2π, with ½ log|A| from `unit`.
      const halfLogDetA = -(unit.lml + 0.5 * quad + 0.5 * n * LOG_2PI);
      return {
        p: { constant, lengthScale, noise },
        lml: -0.5 * n - halfLogDetA - 0.5 * n * Math.log(cStar) - 0.5 * n * LOG_2PI,
      };
    }
    const p = { constant, lengthScale, noise };
    const fa = factor(dist, n, y, p);
    return { p, lml: fa ? fa.lml : Number.NEGATIVE_INFINITY };
  }

  private optimise(dist: Float64Array, n: number, y: Float64Array, rng?: Rng): GpKernelParams {
    const b = this.options.bounds;
    const lower = [Math.log(b.lengthScale[0]), Math.log(b.noise[0] / b.constant[1])];
    const upper = [Math.log(b.lengthScale[1]), Math.log(b.noise[1] / b.constant[0])];
    const init = this.options.initial;
    const starts: number[][] = [[Math.log(init.lengthScale), Math.log(init.noise / init.constant)]];
    if (this.options.restarts > 0 && !rng) throw new InputError('GP: restarts need an Rng');
    for (let r = 0; r < this.options.restarts; r++) {
      const rr = rng as Rng;
      // Log-uniform draws over the ℓ bounds and over the noise-to-signal bounds of the peer.
      const l = lower[0] + (upper[0] - lower[0]) * rr.uniform();
      const ln =
        Math.log(b.noise[0]) + (Math.log(b.noise[1]) - Math.log(b.noise[0])) * rr.uniform();
      const lc =
        Math.log(b.constant[0]) +
        (Math.log(b.constant[1]) - Math.log(b.constant[0])) * rr.uniform();
      starts.push([l, ln - lc]);
    }
    let best: { p: GpKernelParams; lml: number } | null = null;
    for (const s of starts) {
      const res = nelderMead((t) => -this.profiled(dist, n, y, t).lml, s, {
        step: 1,
        lower,
        upper,
        maxEval: this.options.maxEvalPerStart,
        fTol: 1e-6,
        xTol: 1e-3,
      });
      this.evaluations += res.evaluations;
      const r = this.profiled(dist, n, y, res.x);
      if (!best || r.lml > best.lml) best = r;
    }
    if (!best || !Number.isFinite(best.lml)) {
      throw new VibannError('GP: no start gave a finite log marginal likelihood');
    }
    return best.p;
  }

  /** Log marginal likelihood of the training data at other hyperparameters (same y scaling). */
  logMarginalLikelihoodAt(p: GpKernelParams): number {
    const x = this.x;
    if (!x) throw new InputError('GP: not fitted');
    const fa = factor(pairwiseDistances(x), x.rows, this.yn, p);
    return fa ? fa.lml : Number.NEGATIVE_INFINITY;
  }

  /** Cross-covariances k(x*, X) for the rows of q (q.rows × n). */
  private crossKernel(q: DenseMatrix): Float64Array {
    const t = this.x as DenseMatrix;
    if (q.cols !== t.cols) throw new InputError(`GP: expected ${t.cols} features, got ${q.cols}`);
    const n = t.rows;
    const out = new Float64Array(q.rows * n);
    for (let r = 0; r < q.rows; r++) {
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let k = 0; k < q.cols; k++) {
          const v = q.data[r * q.cols + k] - t.data[i * t.cols + k];
          s += v * v;
        }
        out[r * n + i] = this.params.constant * matern52(Math.sqrt(s), this.params.lengthScale);
      }
    }
    return out;
  }

  predict(q: DenseMatrix): Float64Array {
    return this.predictWithVariance(q).mean;
  }

  /**
   * Predictive mean and variance in target units. `includeNoise` (default true, as scikit-learn)
   * adds the white-noise variance to the latent variance.
   */
  predictWithVariance(
    q: DenseMatrix,
    o: { includeNoise?: boolean } = {},
  ): { mean: Float64Array; variance: Float64Array } {
    if (!this.x || !this.chol) throw new InputError('GP: predict before fit');
    const n = this.x.rows;
    const ks = this.crossKernel(q);
    const mean = new Float64Array(q.rows);
    const variance = new Float64Array(q.rows);
    const noise = (o.includeNoise ?? true) ? this.params.noise : 0;
    for (let r = 0; r < q.rows; r++) {
      const kr = ks.subarray(r * n, (r + 1) * n);
      let m = 0;
      for (let i = 0; i < n; i++) m += kr[i] * this.alpha[i];
      const v = solveLower(this.chol, n, kr);
      let vv = 0;
      for (let i = 0; i < n; i++) vv += v[i] * v[i];
      mean[r] = m * this.yStd + this.yMean;
      variance[r] =
        Math.max(this.params.constant - vv, 0) * this.yStd ** 2 + noise * this.yStd ** 2;
    }
    return { mean, variance };
  }

  toJSON(): GpJSON {
    const x = this.x;
    if (!x) throw new InputError('GP: toJSON before fit');
    return {
      kind: 'gp-matern52-white',
      params: { ...this.params },
      normalizeY: this.options.normalizeY,
      yMean: this.yMean,
      yStd: this.yStd,
      rows: x.rows,
      cols: x.cols,
      x: [...x.data],
      y: [...this.y],
      logMarginalLikelihood: this.logMarginalLikelihood,
    };
  }

  /** Rebuilds the fitted GP (re-factorises K at the stored hyperparameters). */
  static fromJSON(j: GpJSON): GaussianProcessRegressor {
    const m = new GaussianProcessRegressor({ normalizeY: j.normalizeY, fixed: j.params });
    return m.fit({ rows: j.rows, cols: j.cols, data: Float64Array.from(j.x) }, j.y);
  }
}
