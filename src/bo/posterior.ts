/**
 * The GP-BO surrogate's posterior at fixed hyperparameters (SPEC §10), built from a fitted
 * `GaussianProcessRegressor` through its public state (hyperparameters, y scaling, and the training
 * rows in `toJSON()`), with what BO needs and the regressor does not expose:
 *
 * - the predictive mean and standard deviation *with their gradients* w.r.t. the input features
 *   (analytic, for gradient ascent of the acquisition);
 * - cheap *fantasy updates*: appending one observation extends the Cholesky factor by one row,
 *   O(n²), instead of refactorising, O(n³).
 *
 * Kernel and scaling are the regressor's: k(x, x') = C·Matérn₅/₂(‖x − x'‖/ℓ) + σ²ₙ·[x = x'], on
 * y standardised with the *training* mean and std. The y scaling is frozen when observations are
 * added (the original refits `normalize_y` on the augmented data; with the GP mean as the fantasy
 * that would shift the prior mean slightly). Frozen, a fantasy y = μ(x) leaves the posterior mean
 * unchanged *everywhere* (the innovation y − μ(x) is zero) and shrinks the variance near x: the
 * "kriging believer" update.
 *
 * Gradients: with s = √5·r/ℓ and r = ‖q − xᵢ‖, ∂kᵢ/∂q = −C·(5/(3ℓ²))·(1 + s)·e^(−s)·(q − xᵢ)
 * (smooth at r = 0). μ = ȳ + s_y·kᵀα ⇒ ∂μ/∂q = s_y Σ αᵢ ∂kᵢ/∂q; v = s_y²(C − kᵀK⁻¹k [+ σ²ₙ]) ⇒
 * ∂v/∂q = −2 s_y² Σ wᵢ ∂kᵢ/∂q with w = K⁻¹k; ∂σ/∂q = ∂v/∂q / (2σ).
 */
import type { GaussianProcessRegressor, GpKernelParams } from '../baselines/gp.ts';
import { solveLowerInPlace, solveLowerTransposedInPlace } from '../math/linalg.ts';
import { InputError, VibannError } from '../util/errors.ts';

const SQRT5 = Math.sqrt(5);

export interface GpPosteriorJSON {
  kind: 'gp-posterior';
  /** Kernel hyperparameters (standardised-y units), fixed. */
  params: GpKernelParams;
  /** Mean and std of the training y (HV) used to standardise every observation. */
  yMean: number;
  yStd: number;
  /** Whether σ includes the white-noise variance σ²ₙ. */
  includeNoise: boolean;
  /** Feature dimension. */
  cols: number;
  /** Observations, rows × cols, row-major. */
  x: number[];
  /** Observed y (HV), one per row. */
  y: number[];
  /** How many of the rows (the last ones) are fantasies. */
  fantasies: number;
}

export interface PosteriorOptions {
  /** σ includes the white-noise variance σ²ₙ, as scikit-learn's predict(return_std) (default true). */
  includeNoise?: boolean;
  /** Rows to reserve for later observations (grows automatically; default 0). */
  capacity?: number;
}

export interface PointPrediction {
  /** Predictive mean, HV. */
  mean: number;
  /** Predictive variance, HV². */
  variance: number;
  /** Predictive standard deviation, HV. */
  sd: number;
}

export interface PointPredictionWithGradient extends PointPrediction {
  /** ∂μ/∂q per feature, HV per feature unit. */
  dMean: Float64Array;
  /** ∂σ/∂q per feature, HV per feature unit (0 where σ = 0). */
  dSd: Float64Array;
}

export class GpPosterior {
  readonly params: GpKernelParams;
  readonly yMean: number;
  readonly yStd: number;
  readonly cols: number;
  readonly includeNoise: boolean;
  private n = 0;
  private cap: number;
  private xs: Float64Array;
  private ys: Float64Array; // raw y (HV)
  private yn: Float64Array; // standardised y
  private l: Float64Array; // lower Cholesky factor, row-major with stride `cap`
  private alpha: Float64Array = new Float64Array(0);
  private alphaValid = false;
  private nFantasies = 0;
  // scratch buffers
  private kBuf: Float64Array;
  private vBuf: Float64Array;

  constructor(
    params: GpKernelParams,
    yMean: number,
    yStd: number,
    cols: number,
    o: PosteriorOptions = {},
  ) {
    if (!(params.constant > 0 && params.lengthScale > 0 && params.noise >= 0))
      throw new InputError(`GpPosterior: invalid kernel parameters ${JSON.stringify(params)}`);
    if (!(yStd > 0)) throw new InputError(`GpPosterior: y std must be > 0, got ${yStd}`);
    this.params = { ...params };
    this.yMean = yMean;
    this.yStd = yStd;
    this.cols = cols;
    this.includeNoise = o.includeNoise ?? true;
    this.cap = Math.max(1, o.capacity ?? 0);
    this.xs = new Float64Array(this.cap * cols);
    this.ys = new Float64Array(this.cap);
    this.yn = new Float64Array(this.cap);
    this.l = new Float64Array(this.cap * this.cap);
    this.kBuf = new Float64Array(this.cap);
    this.vBuf = new Float64Array(this.cap);
  }

  /** The posterior of a fitted regressor (its hyperparameters, y scaling and training rows). */
  static fromRegressor(gp: GaussianProcessRegressor, o: PosteriorOptions = {}): GpPosterior {
    const j = gp.toJSON();
    const p = new GpPosterior(j.params, j.yMean, j.yStd, j.cols, {
      ...o,
      capacity: j.rows + (o.capacity ?? 0),
    });
    for (let i = 0; i < j.rows; i++) p.append(j.x.slice(i * j.cols, (i + 1) * j.cols), j.y[i]);
    return p;
  }

  /** Number of observations (training rows plus fantasies). */
  get size(): number {
    return this.n;
  }

  /** Number of fantasy observations appended by `fantasize`. */
  get fantasies(): number {
    return this.nFantasies;
  }

  /** Feature row i (a copy). */
  row(i: number): Float64Array {
    return this.xs.slice(i * this.cols, (i + 1) * this.cols);
  }

  private grow(need: number): void {
    if (need <= this.cap) return;
    const cap = Math.max(need, Math.ceil(this.cap * 1.5));
    const xs = new Float64Array(cap * this.cols);
    xs.set(this.xs.subarray(0, this.n * this.cols));
    const ys = new Float64Array(cap);
    ys.set(this.ys.subarray(0, this.n));
    const yn = new Float64Array(cap);
    yn.set(this.yn.subarray(0, this.n));
    const l = new Float64Array(cap * cap);
    for (let i = 0; i < this.n; i++)
      l.set(this.l.subarray(i * this.cap, i * this.cap + i + 1), i * cap);
    this.xs = xs;
    this.ys = ys;
    this.yn = yn;
    this.l = l;
    this.cap = cap;
    this.kBuf = new Float64Array(cap);
    this.vBuf = new Float64Array(cap);
  }

  /** Standardised-unit kernel values k(q, xᵢ) for every stored row, into `out`. */
  private cross(q: ArrayLike<number>, out: Float64Array): void {
    const { constant: c, lengthScale: ls } = this.params;
    const d = this.cols;
    const xs = this.xs;
    for (let i = 0; i < this.n; i++) {
      let s2 = 0;
      const o = i * d;
      for (let k = 0; k < d; k++) {
        const v = q[k] - xs[o + k];
        s2 += v * v;
      }
      const s = (SQRT5 * Math.sqrt(s2)) / ls;
      out[i] = c * (1 + s + (s * s) / 3) * Math.exp(-s);
    }
  }

  /** Solve L v = b in place (b has length ≥ n; only the first n entries are used). */
  private forward(b: Float64Array): void {
    solveLowerInPlace(this.l, this.n, b, this.cap);
  }

  /** Solve Lᵀ w = b in place. */
  private backward(b: Float64Array): void {
    solveLowerTransposedInPlace(this.l, this.n, b, this.cap);
  }

  private ensureAlpha(): void {
    if (this.alphaValid) return;
    const a = Float64Array.from(this.yn.subarray(0, this.n));
    this.forward(a);
    this.backward(a);
    this.alpha = a;
    this.alphaValid = true;
  }

  /** Append an observation (features `x`, y in HV): one new row of the Cholesky factor, O(n²). */
  private append(x: ArrayLike<number>, y: number): void {
    if (x.length !== this.cols)
      throw new InputError(`GpPosterior: expected ${this.cols} features, got ${x.length}`);
    if (!Number.isFinite(y)) throw new InputError(`GpPosterior: observation y = ${y}`);
    this.grow(this.n + 1);
    const k = this.kBuf;
    this.cross(x, k);
    this.forward(k); // k ← L⁻¹ k
    let kk = 0;
    for (let i = 0; i < this.n; i++) kk += k[i] * k[i];
    const diag = this.params.constant + this.params.noise - kk;
    if (!(diag > 0))
      throw new VibannError(
        `GpPosterior: kernel matrix not positive definite after ${this.n} rows (pivot ${diag})`,
      );
    const r = this.n * this.cap;
    this.l.set(k.subarray(0, this.n), r);
    this.l[r + this.n] = Math.sqrt(diag);
    this.xs.set(Array.from(x), this.n * this.cols);
    this.ys[this.n] = y;
    this.yn[this.n] = (y - this.yMean) / this.yStd;
    this.n++;
    this.alphaValid = false;
  }

  /** Add a real observation (y in HV). */
  addObservation(x: ArrayLike<number>, y: number): void {
    if (this.nFantasies > 0)
      throw new InputError('GpPosterior: real observations must come before fantasies');
    this.append(x, y);
  }

  /**
   * Fantasy update (SPEC §10): observe the current posterior mean at `x`. Returns the prediction
   * at `x` before the update.
   */
  fantasize(x: ArrayLike<number>): PointPrediction {
    const p = this.predict(x);
    this.append(x, p.mean);
    this.nFantasies++;
    return p;
  }

  /** Predictive mean, variance and σ at one feature vector. */
  predict(q: ArrayLike<number>): PointPrediction {
    if (this.n === 0) throw new InputError('GpPosterior: no observations');
    this.ensureAlpha();
    const k = this.kBuf;
    this.cross(q, k);
    let m = 0;
    for (let i = 0; i < this.n; i++) m += k[i] * this.alpha[i];
    this.forward(k);
    let kk = 0;
    for (let i = 0; i < this.n; i++) kk += k[i] * k[i];
    const vn = Math.max(this.params.constant - kk, 0) + (this.includeNoise ? this.params.noise : 0);
    const variance = vn * this.yStd * this.yStd;
    return { mean: this.yMean + this.yStd * m, variance, sd: Math.sqrt(variance) };
  }

  /** Prediction with ∂μ/∂q and ∂σ/∂q (analytic; see the module comment). */
  predictWithGradient(q: ArrayLike<number>): PointPredictionWithGradient {
    if (this.n === 0) throw new InputError('GpPosterior: no observations');
    this.ensureAlpha();
    const n = this.n;
    const d = this.cols;
    const { constant: c, lengthScale: ls, noise } = this.params;
    const k = this.kBuf;
    const coef = new Float64Array(n); // ∂kᵢ/∂q = coefᵢ · (q − xᵢ)
    const xs = this.xs;
    for (let i = 0; i < n; i++) {
      let s2 = 0;
      const o = i * d;
      for (let j = 0; j < d; j++) {
        const v = q[j] - xs[o + j];
        s2 += v * v;
      }
      const s = (SQRT5 * Math.sqrt(s2)) / ls;
      const e = Math.exp(-s);
      k[i] = c * (1 + s + (s * s) / 3) * e;
      coef[i] = (-c * 5 * (1 + s) * e) / (3 * ls * ls);
    }
    let m = 0;
    for (let i = 0; i < n; i++) m += k[i] * this.alpha[i];
    const w = this.vBuf;
    w.set(k.subarray(0, n));
    this.forward(w);
    let kk = 0;
    for (let i = 0; i < n; i++) kk += w[i] * w[i];
    this.backward(w); // w = K⁻¹ k
    const latent = c - kk;
    const vn = Math.max(latent, 0) + (this.includeNoise ? noise : 0);
    const ys2 = this.yStd * this.yStd;
    const variance = vn * ys2;
    const sd = Math.sqrt(variance);
    // ∂μ = s_y Σ αᵢ coefᵢ (q − xᵢ);  ∂v = −2 s_y² Σ wᵢ coefᵢ (q − xᵢ)  (0 when the latent part is clamped)
    const dMean = new Float64Array(d);
    const dVar = new Float64Array(d);
    let sa = 0;
    let sw = 0;
    const useVar = latent > 0;
    for (let i = 0; i < n; i++) {
      const a = this.yStd * this.alpha[i] * coef[i];
      const b = useVar ? -2 * ys2 * w[i] * coef[i] : 0;
      sa += a;
      sw += b;
      const o = i * d;
      for (let j = 0; j < d; j++) {
        dMean[j] -= a * xs[o + j];
        dVar[j] -= b * xs[o + j];
      }
    }
    for (let j = 0; j < d; j++) {
      dMean[j] += sa * q[j];
      dVar[j] += sw * q[j];
    }
    const dSd = new Float64Array(d);
    if (sd > 0) for (let j = 0; j < d; j++) dSd[j] = dVar[j] / (2 * sd);
    return { mean: this.yMean + this.yStd * m, variance, sd, dMean, dSd };
  }

  /** An independent copy (same observations, same factor). */
  clone(): GpPosterior {
    const p = new GpPosterior(this.params, this.yMean, this.yStd, this.cols, {
      includeNoise: this.includeNoise,
      capacity: this.cap,
    });
    p.n = this.n;
    p.nFantasies = this.nFantasies;
    p.xs.set(this.xs);
    p.ys.set(this.ys);
    p.yn.set(this.yn);
    p.l.set(this.l);
    return p;
  }

  toJSON(): GpPosteriorJSON {
    return {
      kind: 'gp-posterior',
      params: { ...this.params },
      yMean: this.yMean,
      yStd: this.yStd,
      includeNoise: this.includeNoise,
      cols: this.cols,
      x: Array.from(this.xs.subarray(0, this.n * this.cols)),
      y: Array.from(this.ys.subarray(0, this.n)),
      fantasies: this.nFantasies,
    };
  }

  /** Rebuilds the posterior row by row, which reproduces the factor bit for bit. */
  static fromJSON(j: GpPosteriorJSON): GpPosterior {
    if (j.kind !== 'gp-posterior') throw new InputError(`not a GP posterior: ${j.kind}`);
    const rows = j.y.length;
    if (j.x.length !== rows * j.cols)
      throw new InputError(`GP posterior: ${j.x.length} features for ${rows} rows × ${j.cols}`);
    const p = new GpPosterior(j.params, j.yMean, j.yStd, j.cols, {
      includeNoise: j.includeNoise,
      capacity: rows,
    });
    for (let i = 0; i < rows; i++) {
      p.append(j.x.slice(i * j.cols, (i + 1) * j.cols), j.y[i]);
      if (i >= rows - j.fantasies) p.nFantasies++;
    }
    return p;
  }
}
