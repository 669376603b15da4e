/**
 * Uncertainty under distribution shift (docs/uncertainty.md §2–§3).
 *
 * The MC-dropout + ensemble σ (SPEC §5) is the in-distribution part; four ways to turn it into the
 * model's predictive distribution are compared, and the default is chosen by grouped
 * (family-held-out) cross-validation inside the training data:
 *
 * - `mc`: σ as it is (a);
 * - `recalibrated`: σ·s, s fitted on the calibration rows (SPEC §6) (b);
 * - `distance`: σ² = (a·σ_mc)² + (b·δ)² + (c·g)² + (d·x)², with δ the mean fraction-vector
 *   distance to the k nearest distinct training compositions, g the ln-load gap to their loads and
 *   x the distance of ln L outside the training load range (`Difficulty`, uq/domain.ts); a … d ≥ 0
 *   maximise the Gaussian likelihood of grouped-CV out-of-fold residuals plus the calibration rows
 *   (c);
 * - `conformal`: normalised split conformal with the `distance` σ as the difficulty u: scores
 *   |y − μ|/u on the grouped-CV out-of-fold rows (new families) and the calibration rows (in
 *   distribution); the half-width at level p is the finite-sample conformal quantile q̂_p (the
 *   ⌈(n+1)p⌉-th smallest score) times u, and σ := q̂_{0.6827}·u (d).
 *
 * A predictive distribution gives σ (for ±1σ, NLL and the LCB) and the central half-width at any
 * level p (Gaussian: Φ⁻¹((1+p)/2)·σ; conformal: q̂_p·u).
 */
import { normalInv } from '../math/normal.ts';
import { InputError } from '../util/errors.ts';
import { fitSigmaScale } from './calibration.ts';
import { gaussianNll, SIGMA_FLOOR, type Vec } from './metrics.ts';

export type UqMethod = 'mc' | 'recalibrated' | 'distance' | 'conformal';
export const UQ_METHODS: readonly UqMethod[] = ['mc', 'recalibrated', 'distance', 'conformal'];

/** Nominal levels of the calibration error `mace` (0.05, 0.15, …, 0.95, as evaluate's). */
export const MACE_LEVELS: readonly number[] = [
  0.05, 0.15, 0.25, 0.35, 0.45, 0.55, 0.65, 0.75, 0.85, 0.95,
];

/** Levels at which a conformal model stores its score quantiles (0.05, 0.1, …, 0.95 and ±1σ). */
export const CONFORMAL_LEVELS: readonly number[] = [
  0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.6827, 0.7, 0.75, 0.8,
  0.85, 0.9, 0.95,
];
const ONE_SIGMA = 0.6827;

/** The difficulty features of rows (uq/domain.ts `DomainModel.features`). */
export interface Difficulty {
  /** δ: mean distance to the k nearest training compositions. */
  knn: Vec;
  /** g: ln-load gap to those compositions' loads. */
  gap: Vec;
  /** x: distance of ln L outside the training load range, ln units (0 inside it). */
  ext: Vec;
}

/** What the methods see per row. */
export interface ShiftRows extends Difficulty {
  /** Measured HV. */
  y: Vec;
  /** Predicted μ, HV. */
  mu: Vec;
  /** MC-dropout + ensemble σ, HV. */
  sigma: Vec;
}

/** Coefficients of the `distance` σ (HV per unit of each feature; a is dimensionless, d too). */
export interface DistanceCoefficients {
  a: number;
  b: number;
  c: number;
  /** Of x, HV per ln unit (absent in models fitted before it: 0). */
  d?: number;
}

/** Serialised UncertaintyModel. */
export interface UncertaintyModelJSON {
  kind: 'UncertaintyModel';
  version: 1;
  method: UqMethod;
  /** σ multiplier of `recalibrated`. */
  scale: number;
  /** Variance-component coefficients of `distance` (σ² = a²σ² + b²δ² + c²g² + d²x²; b in HV per unit δ, c and d in HV per ln unit). */
  distance: DistanceCoefficients;
  /** Conformal score quantiles (`conformal`), at `levels`. */
  conformal: { levels: number[]; q: number[]; n: number };
}

/** A predictive distribution per row. */
export interface Predictive {
  sigma: Float64Array;
  /** Central half-width at level p per row. */
  halfWidth(p: number): Float64Array;
}

/** A Gaussian predictive distribution with σ per row: half-width Φ⁻¹((1+p)/2)·σ at level p. */
export function gaussianPredictive(sigma: Vec): Predictive {
  const s = Float64Array.from(sigma);
  return {
    sigma: s,
    halfWidth: (p) => {
      const z = normalInv((1 + p) / 2);
      return s.map((v) => z * v);
    },
  };
}

/** Finite-sample conformal quantile: the ⌈(n+1)p⌉-th smallest score (∞ when it exceeds n). */
export function conformalQuantile(scores: Vec, p: number): number {
  const s = Float64Array.from(scores).sort();
  const n = s.length;
  const k = Math.ceil((n + 1) * p);
  if (k > n) return Number.POSITIVE_INFINITY;
  return s[Math.max(0, k - 1)];
}

/**
 * Non-negative variance components A, B, C of v_i = A s_i² + B δ_i² + C g_i² maximising the
 * Gaussian likelihood of residuals r_i: the fixed point of ∂NLL/∂A = ½Σ s_i²(1/v_i − r_i²/v_i²) = 0
 * iterated multiplicatively (A ← A·Σ s_i² r_i²/v_i² / Σ s_i²/v_i, the EM-type update for variance
 * components; it keeps A ≥ 0 and decreases the NLL in practice).
 */
export function fitVarianceComponents(r: Vec, feats: readonly Vec[], iterations = 2000): number[] {
  const n = r.length;
  const m = feats.length;
  const F = feats.map((f) => Float64Array.from(f, (v) => v * v));
  const meanR2 = Array.from(r).reduce((a, v) => a + v * v, 0) / n;
  const coef = F.map((f) => {
    const mf = f.reduce((a, v) => a + v, 0) / n;
    return mf > 0 ? meanR2 / (m * mf) : 0;
  });
  const v = new Float64Array(n);
  for (let it = 0; it < iterations; it++) {
    v.fill(0);
    for (let j = 0; j < m; j++) for (let i = 0; i < n; i++) v[i] += coef[j] * F[j][i];
    for (let i = 0; i < n; i++) v[i] = Math.max(v[i], SIGMA_FLOOR);
    let change = 0;
    for (let j = 0; j < m; j++) {
      if (coef[j] === 0) continue;
      let num = 0;
      let den = 0;
      for (let i = 0; i < n; i++) {
        num += (F[j][i] * r[i] * r[i]) / (v[i] * v[i]);
        den += F[j][i] / v[i];
      }
      const next = den > 0 ? (coef[j] * num) / den : 0;
      change = Math.max(change, Math.abs(next - coef[j]) / Math.max(coef[j], 1e-300));
      coef[j] = next;
    }
    if (change < 1e-9) break;
  }
  return coef;
}

export class UncertaintyModel {
  readonly method: UqMethod;
  readonly scale: number;
  readonly distance: Required<DistanceCoefficients>;
  readonly conformal: { levels: number[]; q: number[]; n: number };

  constructor(j: Omit<UncertaintyModelJSON, 'kind' | 'version'>) {
    if (!UQ_METHODS.includes(j.method))
      throw new InputError(`UncertaintyModel: unknown method ${JSON.stringify(j.method)}`);
    this.method = j.method;
    this.scale = j.scale;
    this.distance = { d: 0, ...j.distance };
    this.conformal = j.conformal;
  }

  /** The `distance` σ (also the conformal difficulty u). */
  private distanceSigma(sigma: Vec, f: Difficulty): Float64Array {
    const { a, b, c, d } = this.distance;
    return Float64Array.from(sigma, (s, i) =>
      Math.sqrt((a * s) ** 2 + (b * f.knn[i]) ** 2 + (c * f.gap[i]) ** 2 + (d * f.ext[i]) ** 2),
    );
  }

  /** The conformal quantile at level p (linear between stored levels). */
  conformalQ(p: number): number {
    const { levels, q } = this.conformal;
    if (p <= levels[0]) return (q[0] * p) / levels[0];
    for (let i = 1; i < levels.length; i++) {
      if (p <= levels[i]) {
        const t = (p - levels[i - 1]) / (levels[i] - levels[i - 1]);
        return q[i - 1] + t * (q[i] - q[i - 1]);
      }
    }
    return q[q.length - 1];
  }

  /** The predictive distribution of rows with MC σ and difficulty features. */
  apply(sigma: Vec, f: Difficulty): Predictive {
    const gauss = gaussianPredictive;
    switch (this.method) {
      case 'mc':
        return gauss(Float64Array.from(sigma));
      case 'recalibrated':
        return gauss(Float64Array.from(sigma, (s) => s * this.scale));
      case 'distance':
        return gauss(this.distanceSigma(sigma, f));
      case 'conformal': {
        const u = this.distanceSigma(sigma, f);
        const q1 = this.conformalQ(ONE_SIGMA);
        return {
          sigma: u.map((v) => v * q1),
          halfWidth: (p) => {
            const q = this.conformalQ(p);
            return u.map((v) => v * q);
          },
        };
      }
    }
  }

  /**
   * Fit `method` on grouped-CV out-of-fold rows (`oof`) and calibration rows (`cal`): the
   * recalibration scale on `cal`; the variance components and the conformal scores on both.
   */
  static fit(method: UqMethod, oof: ShiftRows, cal: ShiftRows): UncertaintyModel {
    const scale = fitSigmaScale(cal.y, cal.mu, cal.sigma);
    const all = concatRows(oof, cal);
    const r = Float64Array.from(all.y, (y, i) => y - all.mu[i]);
    const [A, B, C, D] = fitVarianceComponents(r, [all.sigma, all.knn, all.gap, all.ext]);
    const distance = {
      a: Math.sqrt(A),
      b: Math.sqrt(B),
      c: Math.sqrt(C),
      d: Math.sqrt(D),
    };
    let conformal = { levels: [...CONFORMAL_LEVELS], q: CONFORMAL_LEVELS.map(() => 1), n: 0 };
    if (method === 'conformal') {
      const u = new UncertaintyModel({ method: 'distance', scale, distance, conformal }).apply(
        all.sigma,
        all,
      ).sigma;
      const scores = Float64Array.from(
        all.y,
        (y, i) => Math.abs(y - all.mu[i]) / Math.max(u[i], SIGMA_FLOOR),
      );
      const q = CONFORMAL_LEVELS.map((p) => conformalQuantile(scores, p));
      // an infinite quantile (too few rows) falls back to the largest score
      const max = scores.reduce((a, v) => Math.max(a, v), 0);
      conformal = {
        levels: [...CONFORMAL_LEVELS],
        q: q.map((v) => (Number.isFinite(v) ? v : max)),
        n: scores.length,
      };
    }
    return new UncertaintyModel({ method, scale, distance, conformal });
  }

  toJSON(): UncertaintyModelJSON {
    return {
      kind: 'UncertaintyModel',
      version: 1,
      method: this.method,
      scale: this.scale,
      distance: { ...this.distance },
      conformal: {
        levels: [...this.conformal.levels],
        q: [...this.conformal.q],
        n: this.conformal.n,
      },
    };
  }

  static fromJSON(j: UncertaintyModelJSON): UncertaintyModel {
    if (j?.kind !== 'UncertaintyModel' || j.version !== 1)
      throw new InputError(
        'UncertaintyModel.fromJSON: expected { kind: "UncertaintyModel", version: 1 }',
      );
    return new UncertaintyModel(j);
  }
}

function concatRows(a: ShiftRows, b: ShiftRows): ShiftRows {
  const c = (u: Vec, v: Vec) => Float64Array.from([...Array.from(u), ...Array.from(v)]);
  return {
    y: c(a.y, b.y),
    mu: c(a.mu, b.mu),
    sigma: c(a.sigma, b.sigma),
    knn: c(a.knn, b.knn),
    gap: c(a.gap, b.gap),
    ext: c(a.ext, b.ext),
  };
}

function pickRows(r: ShiftRows, idx: readonly number[]): ShiftRows {
  const p = (v: Vec) => Float64Array.from(idx, (i) => v[i]);
  return {
    y: p(r.y),
    mu: p(r.mu),
    sigma: p(r.sigma),
    knn: p(r.knn),
    gap: p(r.gap),
    ext: p(r.ext),
  };
}

/** Interval metrics of a predictive distribution on rows (y, μ). */
export interface IntervalMetrics {
  n: number;
  coverage_1sigma: number;
  coverage_90: number;
  mean_width_90: number;
  /** Gaussian NLL with the distribution's σ (nats). */
  nll: number;
  /** Winkler interval score of the central 90 % interval (HV; lower is better, proper). */
  interval_score_90: number;
  /** Mean |observed − nominal| coverage of the central intervals at `MACE_LEVELS`. */
  mace: number;
  /** Coverage at nominal 0.1 … 0.9. */
  coverage_curve: { levels: number[]; observed: number[] };
}

export const CURVE_LEVELS: readonly number[] = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];

/** The levels whose half-widths pooled interval metrics need (coverage curve, 90 %, MACE). */
export const POOL_LEVELS: readonly number[] = [...new Set([...CURVE_LEVELS, ...MACE_LEVELS, 0.9])];

/**
 * Predictive distributions of several row sets pooled into one (their σ and their half-widths at
 * `POOL_LEVELS`, concatenated), for interval metrics over all the rows.
 */
export class PredictivePool {
  private readonly sigma: number[] = [];
  private readonly h = new Map<number, number[]>(POOL_LEVELS.map((lv) => [lv, []]));

  add(pr: Predictive): void {
    this.sigma.push(...pr.sigma);
    for (const [lv, a] of this.h) a.push(...pr.halfWidth(lv));
  }

  predictive(): Predictive {
    return {
      sigma: Float64Array.from(this.sigma),
      halfWidth: (p) => Float64Array.from(this.h.get(p) ?? []),
    };
  }
}

export function intervalMetrics(y: Vec, mu: Vec, pred: Predictive): IntervalMetrics {
  const n = y.length;
  if (n === 0) throw new InputError('intervalMetrics: no rows');
  const h90 = pred.halfWidth(0.9);
  let c1 = 0;
  let c90 = 0;
  let w = 0;
  let is = 0;
  const alpha = 0.1;
  for (let i = 0; i < n; i++) {
    const e = Math.abs(y[i] - mu[i]);
    if (e <= Math.max(pred.sigma[i], SIGMA_FLOOR)) c1++;
    if (e <= h90[i]) c90++;
    w += 2 * h90[i];
    is += 2 * h90[i] + (e > h90[i] ? (2 / alpha) * (e - h90[i]) : 0);
  }
  const coverage = (p: number) => {
    const h = pred.halfWidth(p);
    let c = 0;
    for (let i = 0; i < n; i++) if (Math.abs(y[i] - mu[i]) <= h[i]) c++;
    return c / n;
  };
  const observed = CURVE_LEVELS.map(coverage);
  const mace = MACE_LEVELS.reduce((a, p) => a + Math.abs(coverage(p) - p), 0) / MACE_LEVELS.length;
  return {
    n,
    coverage_1sigma: c1 / n,
    coverage_90: c90 / n,
    mean_width_90: w / n,
    nll: gaussianNll(y, mu, pred.sigma),
    interval_score_90: is / n,
    mace,
    coverage_curve: { levels: [...CURVE_LEVELS], observed },
  };
}

/** One row of the method comparison (grouped CV). */
export interface MethodComparison {
  method: UqMethod;
  /** Pooled over the held-out folds' out-of-fold rows (new families: shift). */
  metrics: IntervalMetrics;
  /** The calibration rows (in distribution), cross-fitted over the same folds. */
  calibration: IntervalMetrics;
}

/** Calibration-error tolerance of the default's choice (`compareMethods`), both regimes. */
export const CHOICE_MAX_MACE = 0.05;
/** Minimum out-of-fold 90 % coverage of the default's choice. */
export const CHOICE_MIN_COVERAGE_90 = 0.85;

/**
 * Nested grouped CV of the four methods: for each fold f of the out-of-fold rows, fit every method
 * on the other folds' rows and on the calibration rows outside fold f (calibration row i is in fold
 * i mod k), score it on fold f's out-of-fold rows (shift) and on fold f's calibration rows (in
 * distribution); pooled metrics per regime. The default is the sharpest (lowest out-of-fold 90 %
 * interval score) of the methods calibrated in both regimes — `mace` ≤ `CHOICE_MAX_MACE` on the
 * out-of-fold and on the calibration rows, out-of-fold 90 % coverage ≥ `CHOICE_MIN_COVERAGE_90`;
 * if none is, the one with the smallest worse-regime `mace`.
 */
export function compareMethods(
  oof: ShiftRows,
  fold: readonly number[],
  cal: ShiftRows,
): { table: MethodComparison[]; chosen: UqMethod } {
  const folds = [...new Set(fold)].sort((a, b) => a - b);
  if (folds.length < 2) throw new InputError('compareMethods: need at least 2 folds');
  const nc = cal.y.length;
  const calFold = Array.from({ length: nc }, (_, i) => folds[i % folds.length]);
  const table = UQ_METHODS.map((method) => {
    const acc = () => ({ y: [] as number[], mu: [] as number[], pool: new PredictivePool() });
    const out = { oof: acc(), cal: acc() };
    for (const f of folds) {
      const tr = fold.flatMap((g, i) => (g !== f ? [i] : []));
      const calTr = calFold.flatMap((g, i) => (g !== f ? [i] : []));
      const m = UncertaintyModel.fit(method, pickRows(oof, tr), pickRows(cal, calTr));
      const parts: [typeof out.oof, ShiftRows][] = [
        [
          out.oof,
          pickRows(
            oof,
            fold.flatMap((g, i) => (g === f ? [i] : [])),
          ),
        ],
        [
          out.cal,
          pickRows(
            cal,
            calFold.flatMap((g, i) => (g === f ? [i] : [])),
          ),
        ],
      ];
      for (const [o, t] of parts) {
        o.y.push(...Array.from(t.y));
        o.mu.push(...Array.from(t.mu));
        o.pool.add(m.apply(t.sigma, t));
      }
    }
    const pooled = (o: typeof out.oof): IntervalMetrics =>
      intervalMetrics(o.y, o.mu, o.pool.predictive());
    return { method, metrics: pooled(out.oof), calibration: pooled(out.cal) };
  });
  const worse = (t: MethodComparison) => Math.max(t.metrics.mace, t.calibration.mace);
  const ok = table.filter(
    (t) => worse(t) <= CHOICE_MAX_MACE && t.metrics.coverage_90 >= CHOICE_MIN_COVERAGE_90,
  );
  const chosen = (
    ok.length > 0
      ? ok.reduce((b, t) => (t.metrics.interval_score_90 < b.metrics.interval_score_90 ? t : b))
      : table.reduce((b, t) => (worse(t) < worse(b) ? t : b))
  ).method;
  return { table, chosen };
}
