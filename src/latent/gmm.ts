/**
 * Gaussian mixture with full covariances for the latent density of SPEC §9.1 (its support
 * threshold's weighted quantile, the k-means initialisation and the Cholesky algebra live in
 * src/math).
 *
 * Conventions follow scikit-learn's `GaussianMixture(covariance_type='full', init_params='kmeans')`:
 * - each restart: weighted k-means++ seeding (greedy, 2 + ⌊ln K⌋ local trials) + weighted Lloyd,
 *   hard labels → one M-step → EM; `nInit` restarts (default 10), the fit with the highest weighted
 *   mean log-likelihood is kept;
 * - `regCovar` (1e-6) added to every covariance diagonal; N_k gets + 10·ε like sklearn, so an empty
 *   component stays finite;
 * - convergence when the mean per-sample weighted log-likelihood (Σ w_i log p(x_i) / Σ w_i, from the
 *   E-step) changes by less than `tol` (1e-3), at most `maxIter` (100) EM iterations.
 * Weighted EM: sample weight w_i multiplies row i's responsibilities in every sum (N_k, means,
 * covariances, the log-likelihood) and its probability in the k-means++ draws and Lloyd means, so a
 * fit with integer weights equals the unweighted fit on rows duplicated w_i times (same seed).
 * The restart's score is the mean weighted log-likelihood of its *final* parameters (sklearn keeps the
 * E-step value before the last M-step; ours is the likelihood of the model actually returned); a later
 * restart must beat the best by more than 1e-10 relative (ties keep the earliest). Two deliberate
 * departures from sklearn, both far below the EM tolerance: responsibilities < 1e-14 are left out of
 * the M-step sums (`RESP_SKIP`), and those two tie rules.
 *
 * Numerics: per component the Cholesky factor L of Σ_k and U = L⁻¹ (lower triangular, the
 * "precision Cholesky") are precomputed, so log N(x | μ_k, Σ_k) = −½(d ln 2π + ln|Σ_k| + ‖Ux − Uμ_k‖²)
 * costs d²/2 multiply-adds and no division; mixtures use log-sum-exp throughout.
 */
import {
  checkWeights,
  cumulativeSum,
  flattenRows,
  kmeansPlusPlus,
  lloyd,
  searchCumulative,
} from '../math/kmeans.ts';
import { cholesky, invertLower, logDetFromCholesky, lowerMatVec } from '../math/linalg.ts';
import { logSumExp } from '../math/logsumexp.ts';
import { InputError, VibannError } from '../util/errors.ts';
import type { Rng } from '../util/rng.ts';

const LOG_2PI = Math.log(2 * Math.PI);
const EPS = 2.220446049250313e-16;
/**
 * Responsibilities below this are left out of the M-step sums. Such a row lies ≳ 8 Mahalanobis units
 * further from the component than from another one; leaving it out changes N_k, μ_k, Σ_k by
 * < n·1e-14·(its scaled squared distance)/N_k — far below the EM tolerance — and skips most of the
 * O(n·K·d²) covariance work when components are separated (nearly hard responsibilities in 16–64-D).
 * The rule depends on r only (not on the weight), so weighted and duplicated-row fits stay equal.
 */
const RESP_SKIP = 1e-14;

/** Options of a Gaussian-mixture fit (scikit-learn names and defaults). */
export interface GmmOptions {
  /** Number of mixture components K (integer ≥ 1). */
  nComponents: number;
  /** Independent k-means++/EM restarts; the best weighted log-likelihood is kept. Default 10. */
  nInit?: number;
  /** Maximum EM iterations per restart. Default 100. */
  maxIter?: number;
  /** Convergence tolerance on the change of the weighted mean log-likelihood per row (nats). Default 1e-3. */
  tol?: number;
  /** Added to each covariance diagonal (units of x²), keeps Σ_k positive definite. Default 1e-6. */
  regCovar?: number;
  /** Maximum Lloyd iterations of the k-means initialisation. Default 300 (sklearn KMeans). */
  kmeansMaxIter?: number;
}

/** Fit options: the GMM options plus sample weights and the random stream. */
export interface GmmFitOptions extends GmmOptions {
  /** Sample weights (≥ 0, not all 0), one per row; default all 1. Only their ratios matter. */
  weights?: ArrayLike<number>;
  /** Random stream for the k-means++ seeding; restart r uses rng.fork(`restart-${r}`). */
  rng: Rng;
}

/** Resolved options recorded with a fitted mixture. */
export type GmmResolvedOptions = Required<GmmOptions>;

/** What the fit did (provenance). */
export interface GmmFitInfo {
  /** Whether the kept restart met the tolerance before maxIter. */
  converged: boolean;
  /** EM iterations of the kept restart. */
  nIter: number;
  /** Weighted mean log-likelihood per row of the returned model on the training rows (nats). */
  meanLogLikelihood: number;
  /** 0-based index of the kept restart. */
  bestRestart: number;
  /** Number of training rows. */
  nRows: number;
  /** Whether non-uniform sample weights were given. */
  weighted: boolean;
}

/** Serialised mixture (exact round trip: JSON numbers are the same doubles). */
export interface GaussianMixtureJSON {
  kind: 'GaussianMixture';
  version: 1;
  /** Dimension d. */
  dim: number;
  /** Mixing weights π_k (sum 1). */
  weights: number[];
  /** Means μ_k, K × d. */
  means: number[][];
  /** Covariances Σ_k (regCovar already added), K × d × d. */
  covariances: number[][][];
  /** Fit options, if fitted. */
  options: GmmResolvedOptions | null;
  /** Fit provenance, if fitted. */
  fit: GmmFitInfo | null;
}

/** One BIC-curve point. */
export interface BicPoint {
  /** Number of components. */
  k: number;
  /** BIC = −2·logL + p·ln n. */
  bic: number;
  /** logL used in the BIC (weights normalised to sum n). */
  logLikelihood: number;
  /** Free parameters p = (K−1) + K·d + K·d(d+1)/2. */
  nParameters: number;
}

type Rows = readonly ArrayLike<number>[];

function resolveOptions(o: GmmOptions): GmmResolvedOptions {
  const r: GmmResolvedOptions = {
    nComponents: o.nComponents,
    nInit: o.nInit ?? 10,
    maxIter: o.maxIter ?? 100,
    tol: o.tol ?? 1e-3,
    regCovar: o.regCovar ?? 1e-6,
    kmeansMaxIter: o.kmeansMaxIter ?? 300,
  };
  const posInt = (name: string, v: number) => {
    if (!Number.isInteger(v) || v < 1)
      throw new InputError(`GaussianMixture: ${name} = ${v}; expected an integer ≥ 1`);
  };
  posInt('nComponents', r.nComponents);
  posInt('nInit', r.nInit);
  posInt('maxIter', r.maxIter);
  posInt('kmeansMaxIter', r.kmeansMaxIter);
  if (!(r.tol >= 0)) throw new InputError(`GaussianMixture: tol = ${r.tol}; expected ≥ 0`);
  if (!(r.regCovar >= 0))
    throw new InputError(`GaussianMixture: regCovar = ${r.regCovar}; expected ≥ 0`);
  return r;
}

/** The math layer's checks throw RangeError; rows and weights given to the mixture are input (exit 2). */
function asInput<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof RangeError) throw new InputError(e.message, { cause: e });
    throw e;
  }
}

/** Rows → flat row-major Float64Array (n × d), validating shape and finiteness (InputError). */
function flatten(
  X: Rows,
  what: string,
  dim?: number,
): { data: Float64Array; n: number; d: number } {
  return asInput(() => flattenRows(X, what, dim));
}

/** Sample weights, all 1 when undefined; InputError unless finite, ≥ 0, with a positive total. */
function resolveWeights(
  weights: ArrayLike<number> | undefined,
  n: number,
  what: string,
): Float64Array {
  return asInput(() => checkWeights(weights, n, what));
}

// ---------------------------------------------------------------------------------------------
// The mixture
// ---------------------------------------------------------------------------------------------

interface Params {
  weights: Float64Array;
  means: Float64Array; // K × d
  covs: Float64Array; // K × d × d
}

interface FitResult {
  params: Params;
  converged: boolean;
  nIter: number;
  meanLogLik: number;
}

/** A Gaussian mixture with full covariances (SPEC §9.1). Immutable once built. */
export class GaussianMixture {
  /** Number of components K. */
  readonly nComponents: number;
  /** Dimension d. */
  readonly dim: number;
  /** Fit options (null if built from parameters). */
  readonly options: GmmResolvedOptions | null;
  /** Fit provenance (null if built from parameters). */
  readonly fitInfo: GmmFitInfo | null;

  private readonly pi: Float64Array;
  private readonly mu: Float64Array;
  private readonly cov: Float64Array;
  private readonly chol: Float64Array[]; // L_k
  private readonly precChol: Float64Array[]; // U_k = L_k⁻¹
  private readonly precMu: Float64Array[]; // U_k μ_k
  private readonly logConst: Float64Array; // ln π_k − ½(d ln 2π + ln|Σ_k|)
  private readonly scratch: Float64Array; // one point, for the single-point methods

  /**
   * Builds a mixture from parameters (weights sum to 1; covariances symmetric positive definite,
   * regularisation already included). Throws VibannError if a covariance is not positive definite.
   */
  constructor(
    params: { weights: ArrayLike<number>; means: Rows; covariances: readonly Rows[] },
    options: GmmResolvedOptions | null = null,
    fitInfo: GmmFitInfo | null = null,
  ) {
    const K = params.weights.length;
    if (K < 1 || params.means.length !== K || params.covariances.length !== K) {
      throw new InputError(
        'GaussianMixture: weights, means and covariances must have the same number K ≥ 1 of components',
      );
    }
    const d = params.means[0].length;
    const mu = flatten(params.means, 'GaussianMixture means', d).data;
    const cov = new Float64Array(K * d * d);
    for (let k = 0; k < K; k++)
      cov.set(
        flatten(params.covariances[k], `GaussianMixture covariance ${k + 1}`, d).data,
        k * d * d,
      );
    const pi = Float64Array.from(params.weights);
    this.nComponents = K;
    this.dim = d;
    this.options = options;
    this.fitInfo = fitInfo;
    this.pi = pi;
    this.mu = mu;
    this.cov = cov;
    this.chol = [];
    this.precChol = [];
    this.precMu = [];
    this.logConst = new Float64Array(K);
    this.scratch = new Float64Array(d);
    for (let k = 0; k < K; k++) {
      const l = cholesky(cov.subarray(k * d * d, (k + 1) * d * d), d);
      if (l === null)
        throw new VibannError(
          `GaussianMixture: covariance of component ${k + 1} is not positive definite`,
        );
      const u = invertLower(l, d);
      const um = new Float64Array(d);
      for (let a = 0; a < d; a++) {
        let s = 0;
        for (let b = 0; b <= a; b++) s += u[a * d + b] * mu[k * d + b];
        um[a] = s;
      }
      const logDet = logDetFromCholesky(l, d);
      this.chol.push(l);
      this.precChol.push(u);
      this.precMu.push(um);
      this.logConst[k] = Math.log(pi[k]) - 0.5 * (d * LOG_2PI + logDet);
    }
  }

  // ----- fitting ---------------------------------------------------------------------------

  /**
   * Fits by weighted EM with `nInit` seeded k-means++ restarts (see the module comment). X: n rows
   * of d numbers (n ≥ nComponents rows with positive weight).
   */
  static fit(X: Rows, options: GmmFitOptions): GaussianMixture {
    const opts = resolveOptions(options);
    const { data, n, d } = flatten(X, 'GaussianMixture.fit');
    const w = resolveWeights(options.weights, n, 'GaussianMixture.fit');
    let positive = 0;
    for (let i = 0; i < n; i++) if (w[i] > 0) positive++;
    if (opts.nComponents > positive) {
      throw new InputError(
        `GaussianMixture.fit: ${opts.nComponents} components but only ${positive} rows with positive weight`,
      );
    }
    let best: FitResult | null = null;
    let bestRestart = 0;
    for (let r = 0; r < opts.nInit; r++) {
      const res = fitOnce(data, n, d, w, opts, options.rng.fork(`restart-${r}`));
      // A later restart must beat the best by more than rounding: restarts that reach the same
      // optimum (often with permuted components) then keep the earliest, so results do not hinge
      // on last-bit differences (e.g. weighted vs duplicated rows).
      if (
        best === null ||
        res.meanLogLik > best.meanLogLik + 1e-10 * (1 + Math.abs(best.meanLogLik))
      ) {
        best = res;
        bestRestart = r;
      }
    }
    const weighted = options.weights !== undefined && !w.every((v) => v === w[0]);
    const p = best!.params;
    return new GaussianMixture(
      {
        weights: p.weights,
        means: splitRows(p.means, opts.nComponents, d),
        covariances: Array.from({ length: opts.nComponents }, (_, k) =>
          splitRows(p.covs.subarray(k * d * d, (k + 1) * d * d), d, d),
        ),
      },
      opts,
      {
        converged: best!.converged,
        nIter: best!.nIter,
        meanLogLikelihood: best!.meanLogLik,
        bestRestart,
        nRows: n,
        weighted,
      },
    );
  }

  /**
   * Fits K = kMin … kMax (each with rng.fork(`k-${K}`)) and keeps the lowest BIC (SPEC §9.1).
   * K above the number of positive-weight rows is skipped. The BIC uses the same weights as the fit.
   */
  static selectByBic(
    X: Rows,
    options: Omit<GmmFitOptions, 'nComponents'> & { kMin?: number; kMax?: number },
  ): { best: GaussianMixture; bestK: number; curve: BicPoint[] } {
    const kMin = options.kMin ?? 1;
    const kMax = options.kMax ?? 6;
    if (!Number.isInteger(kMin) || !Number.isInteger(kMax) || kMin < 1 || kMax < kMin) {
      throw new InputError(
        `GaussianMixture.selectByBic: kMin = ${kMin}, kMax = ${kMax}; expected integers 1 ≤ kMin ≤ kMax`,
      );
    }
    const nPositive = options.weights
      ? Array.from(options.weights).filter((v) => v > 0).length
      : X.length;
    const curve: BicPoint[] = [];
    let best: GaussianMixture | null = null;
    let bestBic = Number.POSITIVE_INFINITY;
    for (let k = kMin; k <= Math.min(kMax, nPositive); k++) {
      const g = GaussianMixture.fit(X, {
        ...options,
        nComponents: k,
        rng: options.rng.fork(`k-${k}`),
      });
      const point = g.bicDetails(X, options.weights);
      curve.push(point);
      if (point.bic < bestBic) {
        bestBic = point.bic;
        best = g;
      }
    }
    if (best === null)
      throw new InputError('GaussianMixture.selectByBic: no K in range could be fitted');
    return { best, bestK: best.nComponents, curve };
  }

  // ----- evaluation ------------------------------------------------------------------------

  /** ln π_k + ln N(x | μ_k, Σ_k) for every k, written into `out` (length ≥ K). */
  componentLogProbs(
    x: ArrayLike<number>,
    out: Float64Array = new Float64Array(this.nComponents),
  ): Float64Array {
    const d = this.dim;
    if (x.length !== d)
      throw new InputError(`GaussianMixture: point has ${x.length} values; expected ${d}`);
    const xs = this.scratchOf(x);
    for (let k = 0; k < this.nComponents; k++)
      out[k] = this.logConst[k] - 0.5 * this.maha(xs, 0, k);
    return out;
  }

  /** Log mixture density ln p(x) of one point. */
  logPdfOne(x: ArrayLike<number>): number {
    const buf = this.componentLogProbs(x);
    return logSumExp(buf);
  }

  /** Log mixture density ln p(x_i) of every row. */
  logPdf(X: Rows): Float64Array {
    const { data, n } = flatten(X, 'GaussianMixture.logPdf', this.dim);
    return this.logPdfFlat(data, n);
  }

  /** Log mixture density of n points stored row-major in `data` (n × d). */
  logPdfFlat(data: ArrayLike<number>, n: number): Float64Array {
    const lp = this.componentLogProbsFlat(data, n);
    const out = new Float64Array(n);
    const K = this.nComponents;
    for (let i = 0; i < n; i++) out[i] = logSumExp(lp.subarray(i * K, (i + 1) * K));
    return out;
  }

  /** Posterior component probabilities r_ik = P(k | x_i), rows sum to 1. */
  responsibilities(X: Rows): number[][] {
    const { data, n } = flatten(X, 'GaussianMixture.responsibilities', this.dim);
    const K = this.nComponents;
    const lp = this.componentLogProbsFlat(data, n);
    const out: number[][] = [];
    for (let i = 0; i < n; i++) {
      const row = lp.subarray(i * K, (i + 1) * K);
      const lse = logSumExp(row);
      out.push(Array.from(row, (v) => Math.exp(v - lse)));
    }
    return out;
  }

  /** Squared Mahalanobis distance (x − μ_k)ᵀ Σ_k⁻¹ (x − μ_k). */
  mahalanobisSq(x: ArrayLike<number>, k: number): number {
    if (x.length !== this.dim)
      throw new InputError(`GaussianMixture: point has ${x.length} values; expected ${this.dim}`);
    return this.maha(this.scratchOf(x), 0, k);
  }

  /** ‖U_k x − U_k μ_k‖² for x = data[off … off+d). */
  /** x copied into a reusable Float64Array, so `maha` only ever sees one array type (fast path). */
  private scratchOf(x: ArrayLike<number>): Float64Array {
    this.scratch.set(x);
    return this.scratch;
  }

  private maha(data: Float64Array, off: number, k: number): number {
    const d = this.dim;
    const u = this.precChol[k];
    const um = this.precMu[k];
    let m = 0;
    for (let a = 0; a < d; a++) {
      const row = a * d;
      // four independent partial sums (instruction-level parallelism; ~2× faster in V8)
      let s0 = -um[a];
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      let b = 0;
      for (; b + 3 <= a; b += 4) {
        s0 += u[row + b] * data[off + b];
        s1 += u[row + b + 1] * data[off + b + 1];
        s2 += u[row + b + 2] * data[off + b + 2];
        s3 += u[row + b + 3] * data[off + b + 3];
      }
      for (; b <= a; b++) s0 += u[row + b] * data[off + b];
      const s = s0 + s1 + (s2 + s3);
      m += s * s;
    }
    return m;
  }

  /**
   * Batched ln π_k + ln N(x_i | μ_k, Σ_k) for n points stored row-major in `data` (n × d); returns an
   * n × K row-major matrix. The allocation-light path for many points (e.g. MCMC chains in lock-step).
   */
  componentLogProbsFlat(data: ArrayLike<number>, n: number): Float64Array {
    const flat = data instanceof Float64Array ? data : Float64Array.from(data);
    if (data.length < n * this.dim)
      throw new InputError(
        `GaussianMixture: ${data.length} values for ${n} points of dimension ${this.dim}`,
      );
    const K = this.nComponents;
    const d = this.dim;
    const out = new Float64Array(n * K);
    for (let k = 0; k < K; k++) {
      const c = this.logConst[k];
      for (let i = 0; i < n; i++) out[i * K + k] = c - 0.5 * this.maha(flat, i * d, k);
    }
    return out;
  }

  /**
   * n independent draws: component k with probability π_k (one uniform), then μ_k + L_k ε with ε
   * standard normal (d normals).
   */
  sample(n: number, rng: Rng): number[][] {
    if (!Number.isInteger(n) || n < 0)
      throw new InputError(`GaussianMixture.sample: n = ${n}; expected an integer ≥ 0`);
    const cum = cumulativeSum(this.pi);
    const total = cum[cum.length - 1];
    const out: number[][] = [];
    for (let s = 0; s < n; s++) {
      const k = searchCumulative(cum, rng.uniform() * total);
      out.push(this.sampleComponent(k, rng));
    }
    return out;
  }

  /** One draw from component k scaled about its mean: μ_k + scale · L_k ε (e.g. an MCMC step). */
  sampleComponent(k: number, rng: Rng, scale = 1): number[] {
    const d = this.dim;
    const l = this.chol[k];
    const eps = new Float64Array(d);
    for (let j = 0; j < d; j++) eps[j] = rng.normal();
    const le = lowerMatVec(l, d, eps);
    const x = new Array<number>(d);
    for (let a = 0; a < d; a++) x[a] = this.mu[k * d + a] + scale * le[a];
    return x;
  }

  /** Number of free parameters p = (K−1) + K·d + K·d(d+1)/2. */
  nParameters(): number {
    const K = this.nComponents;
    const d = this.dim;
    return K - 1 + K * d + (K * d * (d + 1)) / 2;
  }

  /**
   * BIC = −2·logL + p·ln n. Without weights logL = Σ ln p(x_i). With weights (SPEC §9.1: the same
   * weights as the fit) logL = Σ w̃_i ln p(x_i) with w̃ = w · n / Σw, i.e. the weights are normalised
   * to sum to n so the penalty's sample size stays the number of rows and uniform weights give the
   * unweighted BIC.
   */
  bic(X: Rows, weights?: ArrayLike<number>): number {
    return this.bicDetails(X, weights).bic;
  }

  /** BIC with its parts. */
  bicDetails(X: Rows, weights?: ArrayLike<number>): BicPoint {
    const lp = this.logPdf(X);
    const n = lp.length;
    const w = resolveWeights(weights, n, 'GaussianMixture.bic');
    let wSum = 0;
    for (let i = 0; i < n; i++) wSum += w[i];
    const f = n / wSum;
    let ll = 0;
    for (let i = 0; i < n; i++) ll += w[i] * f * lp[i];
    const p = this.nParameters();
    return {
      k: this.nComponents,
      bic: -2 * ll + p * Math.log(n),
      logLikelihood: ll,
      nParameters: p,
    };
  }

  // ----- accessors -------------------------------------------------------------------------

  /** Mixing weights π_k (copy). */
  get weights(): number[] {
    return Array.from(this.pi);
  }

  /** Means μ_k (copy), K × d. */
  get means(): number[][] {
    return splitRows(this.mu, this.nComponents, this.dim);
  }

  /** Covariances Σ_k (copy, regularisation included), K × d × d. */
  get covariances(): number[][][] {
    const d = this.dim;
    return Array.from({ length: this.nComponents }, (_, k) =>
      splitRows(this.cov.subarray(k * d * d, (k + 1) * d * d), d, d),
    );
  }

  /** Lower Cholesky factor L_k of Σ_k (copy), d × d. */
  choleskyFactor(k: number): number[][] {
    return splitRows(this.chol[k], this.dim, this.dim);
  }

  toJSON(): GaussianMixtureJSON {
    return {
      kind: 'GaussianMixture',
      version: 1,
      dim: this.dim,
      weights: this.weights,
      means: this.means,
      covariances: this.covariances,
      options: this.options ? { ...this.options } : null,
      fit: this.fitInfo ? { ...this.fitInfo } : null,
    };
  }

  static fromJSON(json: GaussianMixtureJSON): GaussianMixture {
    if (json?.kind !== 'GaussianMixture' || json.version !== 1) {
      throw new InputError(
        'GaussianMixture.fromJSON: expected { kind: "GaussianMixture", version: 1 }',
      );
    }
    if (json.means.some((m) => m.length !== json.dim)) {
      throw new InputError(`GaussianMixture.fromJSON: means must have dim = ${json.dim} columns`);
    }
    return new GaussianMixture(
      { weights: json.weights, means: json.means, covariances: json.covariances },
      json.options ? { ...json.options } : null,
      json.fit ? { ...json.fit } : null,
    );
  }
}

function splitRows(a: Float64Array, rows: number, cols: number): number[][] {
  return Array.from({ length: rows }, (_, r) => Array.from(a.subarray(r * cols, (r + 1) * cols)));
}

// ---------------------------------------------------------------------------------------------
// EM internals
// ---------------------------------------------------------------------------------------------

/** M-step: weighted N_k (+10ε as sklearn), π_k = N_k/ΣN, μ_k, Σ_k + reg·I. resp is n × K. */
function mStep(
  data: Float64Array,
  n: number,
  d: number,
  w: Float64Array,
  resp: Float64Array,
  K: number,
  reg: number,
): Params {
  const nk = new Float64Array(K);
  const means = new Float64Array(K * d);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < K; k++) {
      const r = resp[i * K + k];
      if (r < RESP_SKIP) continue;
      const wr = w[i] * r;
      nk[k] += wr;
      for (let j = 0; j < d; j++) means[k * d + j] += wr * data[i * d + j];
    }
  }
  for (let k = 0; k < K; k++) {
    nk[k] += 10 * EPS;
    for (let j = 0; j < d; j++) means[k * d + j] /= nk[k];
  }
  const covs = new Float64Array(K * d * d);
  const diffA = new Float64Array(d);
  const diffB = new Float64Array(d);
  const rows = new Int32Array(n);
  const rowW = new Float64Array(n);
  for (let k = 0; k < K; k++) {
    const base = k * d * d;
    let m = 0;
    for (let i = 0; i < n; i++) {
      const r = resp[i * K + k];
      if (r < RESP_SKIP) continue;
      const wr = w[i] * r;
      if (wr === 0) continue;
      rows[m] = i;
      rowW[m++] = wr;
    }
    // lower triangle of Σ w r (x − μ)(x − μ)ᵀ by rank-2 updates (halves the loads/stores of covs)
    for (let p = 0; p < m; p += 2) {
      const iA = rows[p];
      const wA = rowW[p];
      for (let j = 0; j < d; j++) diffA[j] = data[iA * d + j] - means[k * d + j];
      if (p + 1 < m) {
        const iB = rows[p + 1];
        const wB = rowW[p + 1];
        for (let j = 0; j < d; j++) diffB[j] = data[iB * d + j] - means[k * d + j];
        for (let a = 0; a < d; a++) {
          const da = wA * diffA[a];
          const db = wB * diffB[a];
          const row = base + a * d;
          for (let b = 0; b <= a; b++) covs[row + b] += da * diffA[b] + db * diffB[b];
        }
      } else {
        for (let a = 0; a < d; a++) {
          const da = wA * diffA[a];
          const row = base + a * d;
          for (let b = 0; b <= a; b++) covs[row + b] += da * diffA[b];
        }
      }
    }
    for (let a = 0; a < d; a++) {
      for (let b = 0; b <= a; b++) {
        const v = covs[base + a * d + b] / nk[k];
        covs[base + a * d + b] = v;
        covs[base + b * d + a] = v;
      }
      covs[base + a * d + a] += reg;
    }
  }
  let total = 0;
  for (let k = 0; k < K; k++) total += nk[k];
  const weights = new Float64Array(K);
  for (let k = 0; k < K; k++) weights[k] = nk[k] / total;
  return { weights, means, covs };
}

function paramsToMixture(p: Params, K: number, d: number): GaussianMixture {
  return new GaussianMixture({
    weights: p.weights,
    means: splitRows(p.means, K, d),
    covariances: Array.from({ length: K }, (_, k) =>
      splitRows(p.covs.subarray(k * d * d, (k + 1) * d * d), d, d),
    ),
  });
}

/** E-step: writes responsibilities into resp, returns Σ w_i ln p(x_i) / Σ w_i. */
function eStep(
  g: GaussianMixture,
  data: Float64Array,
  n: number,
  w: Float64Array,
  resp: Float64Array,
): number {
  const K = g.nComponents;
  const lp = g.componentLogProbsFlat(data, n);
  let ll = 0;
  let wsum = 0;
  for (let i = 0; i < n; i++) {
    const row = lp.subarray(i * K, (i + 1) * K);
    const lse = logSumExp(row);
    for (let k = 0; k < K; k++) resp[i * K + k] = Math.exp(row[k] - lse);
    ll += w[i] * lse;
    wsum += w[i];
  }
  return ll / wsum;
}

function fitOnce(
  data: Float64Array,
  n: number,
  d: number,
  w: Float64Array,
  o: GmmResolvedOptions,
  rng: Rng,
): FitResult {
  const K = o.nComponents;
  const centres = kmeansPlusPlus(data, n, d, w, K, rng);
  const { labels } = lloyd(data, n, d, w, centres, K, o.kmeansMaxIter);
  const resp = new Float64Array(n * K);
  for (let i = 0; i < n; i++) resp[i * K + labels[i]] = 1;
  let params = mStep(data, n, d, w, resp, K, o.regCovar);
  let lowerBound = Number.NEGATIVE_INFINITY;
  let converged = false;
  let nIter = 0;
  for (let it = 1; it <= o.maxIter; it++) {
    nIter = it;
    const prev = lowerBound;
    lowerBound = eStep(paramsToMixture(params, K, d), data, n, w, resp);
    params = mStep(data, n, d, w, resp, K, o.regCovar);
    if (Math.abs(lowerBound - prev) < o.tol) {
      converged = true;
      break;
    }
  }
  const final = eStep(paramsToMixture(params, K, d), data, n, w, resp);
  return { params, converged, nIter, meanLogLik: final };
}
