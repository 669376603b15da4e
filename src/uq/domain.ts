/**
 * Domain of applicability of a trained model (docs/uncertainty.md §1): for a query (composition x,
 * load L) how close it is to the data the model was trained on, and a verdict `in_domain` with the
 * reasons it fails.
 *
 * Quantities (all against the model's train_fit rows, stored in the model directory):
 * - nearest training alloy: Euclidean distance between fraction vectors (x on the simplex, so the
 *   distance is in [0, √2]) to the nearest *distinct* training composition, with its formula, and
 *   the HV and load of its row whose ln L is closest to the query's;
 * - element support: for each element of the query, the number of training rows containing it;
 * - load gap (the verdict's `load_gap`): min |ln L − ln L_j| over the training rows of the alloys
 *   similar to the query — every distinct training composition within the `far_in_composition`
 *   radius of it, or the nearest one when none is — i.e. how far the query load is from any load a
 *   similar alloy was measured at;
 * - the difficulty features of the σ model (uq/shift.ts): δ, the mean distance to the k nearest
 *   distinct training compositions, and g, min |ln L − ln L_j| over their rows;
 * - latent log-density percentile: the fraction of training rows whose latent log-density (GMM in
 *   the principal frame of the design network's latents, computed by the caller — this module does
 *   not run networks) is at most the query's.
 *
 * Thresholds come from the calibration rows (never test): the same quantities are computed for
 * each calibration row against train_fit and the verdict uses their quantiles (`DOMAIN_QUANTILES`):
 * `far_in_composition` when the nearest distance exceeds the calibration q0.95, `low_density` when
 * the percentile is below the calibration q0.05, `unsupported_element` when an element has fewer
 * training rows than the calibration q0.05 of the least-supported element (at least 1), and
 * `load_extrapolation` when the load is outside the training load range, or when its load gap
 * exceeds the coarsest step of the training load grid (the largest ln-ratio between adjacent
 * distinct training loads: ln(0.1/0.01) = 2.30 on the reference data) — the load is farther from
 * every load a similar alloy was measured at than the data's own loads are from each other. The
 * indentation-size effect is learned across alloys, so a load between the data's loads near
 * similar alloys' loads is interpolation, not extrapolation. So about 5 % of in-distribution rows
 * fail each of the other three tests by construction.
 *
 * Which loads may be asked about at all is the load rule of data/loads.ts (`checkLoad`); a load it
 * accepts outside the training range is marked `load_extrapolation` here.
 *
 * Pure functions on arrays; `DomainModel` is a fitted object with toJSON/fromJSON.
 */
import { quantile } from '../math/quantile.ts';
import { InputError } from '../util/errors.ts';

/** The reasons a query is out of domain (exact strings of the `predict --json` contract). */
export type DomainReason =
  | 'unsupported_element'
  | 'far_in_composition'
  | 'load_extrapolation'
  | 'low_density';

export const DOMAIN_REASONS: readonly DomainReason[] = [
  'unsupported_element',
  'far_in_composition',
  'load_extrapolation',
  'low_density',
];

/** Quantiles of the calibration rows' quantities that set the thresholds. */
export const DOMAIN_QUANTILES = { distance: 0.95, support: 0.05, density: 0.05 };

/**
 * The coarsest step of a load grid: the largest ln-ratio between adjacent distinct loads (0 for a
 * single load) — the `load_extrapolation` threshold on the load gap.
 */
export function loadGridStep(loads: ArrayLike<number>): number {
  const u = [...new Set(Array.from(loads))].sort((a, b) => a - b);
  let m = 0;
  for (let i = 1; i < u.length; i++) m = Math.max(m, Math.log(u[i] / u[i - 1]));
  return m;
}

/** Nearest distinct training compositions used for the load gap and the difficulty score. */
export const DOMAIN_K = 5;

/** The verdict on one query (`domain` of a `predict --json` row). */
export interface DomainVerdict {
  in_domain: boolean;
  reasons: DomainReason[];
  nearest: { formula: string; distance: number; hv: number; load: number };
  /** Training rows containing each element of the query. */
  element_support: Record<string, number>;
  /** min |ln L − ln L_j| over the rows of the training alloys within the far_in_composition radius (the nearest alone if none is), ln units. */
  load_gap: number;
  /** Fraction of training rows with latent log-density ≤ the query's (null when not computed). */
  log_density_percentile: number | null;
}

/** Thresholds of the verdict (derived in `DomainModel.fit`). */
export interface DomainThresholds {
  /** far_in_composition when the nearest distance exceeds this (fraction-vector Euclidean). */
  max_distance: number;
  /** load_extrapolation when the load gap exceeds this (ln units; the coarsest step of the training load grid). */
  max_load_gap: number;
  /** unsupported_element when an element has fewer training rows than this (≥ 1). */
  min_support: number;
  /** low_density when the latent percentile is below this. */
  min_density_percentile: number;
  /** Training load range, N. */
  load_min: number;
  load_max: number;
}

/** Serialised DomainModel. */
export interface DomainModelJSON {
  kind: 'DomainModel';
  version: 1;
  elements: string[];
  /** Training rows: fraction vectors (row-major, n × E), loads (N), HV, formulas. */
  x: number[];
  loads: number[];
  hv: number[];
  formulas: string[];
  /** Sorted latent log-densities of the training rows (empty: no latent density). */
  train_log_density: number[];
  thresholds: DomainThresholds;
  /** The calibration quantities the thresholds were taken from (summary). */
  n_calibration: number;
}

/** The training rows a DomainModel measures against. */
export interface DomainTrainingRows {
  elements: readonly string[];
  /** n × E fractions, row-major. */
  x: ArrayLike<number>;
  loads: ArrayLike<number>;
  hv: ArrayLike<number>;
  formulas: readonly string[];
}

/** Per-query quantities before thresholds. */
export interface DomainQuantities {
  nearestRow: number;
  distance: number;
  /** Mean distance to the k nearest distinct training compositions (difficulty score). */
  knnDistance: number;
  /** σ feature g: min |ln L − ln L_j| over the rows of the k nearest distinct compositions. */
  loadGap: number;
  /** The verdict's load gap: over the rows of the compositions within `max_distance` (else the nearest). */
  similarLoadGap: number;
  support: Record<string, number>;
  minSupport: number;
}

/** A DomainModel without thresholds (only its quantities are meaningful), e.g. for CV folds. */
export function domainReference(train: DomainTrainingRows): DomainModel {
  const loads = Array.from(train.loads);
  return new DomainModel({
    elements: [...train.elements],
    x: Array.from(train.x),
    loads,
    hv: Array.from(train.hv),
    formulas: [...train.formulas],
    train_log_density: [],
    thresholds: {
      max_distance: Number.POSITIVE_INFINITY,
      max_load_gap: Number.POSITIVE_INFINITY,
      min_support: 1,
      min_density_percentile: 0,
      load_min: Math.min(...loads),
      load_max: Math.max(...loads),
    },
    n_calibration: 0,
  });
}

export class DomainModel {
  readonly elements: readonly string[];
  private readonly x: Float64Array;
  readonly loads: Float64Array;
  readonly hv: Float64Array;
  readonly formulas: readonly string[];
  readonly trainLogDensity: Float64Array;
  readonly thresholds: DomainThresholds;
  readonly nCalibration: number;
  /** Distinct compositions: the first row of each and the rows sharing it. */
  private readonly uniq: { row: number; rows: number[] }[];
  private readonly supportCount: Int32Array;
  /** ln of the smallest and of the largest training load (the `ext` feature's range). */
  private readonly lnLoadRange: readonly [number, number];

  constructor(j: Omit<DomainModelJSON, 'kind' | 'version'>) {
    const E = j.elements.length;
    const n = j.loads.length;
    if (n === 0) throw new InputError('DomainModel: no training rows');
    if (j.x.length !== n * E || j.hv.length !== n || j.formulas.length !== n)
      throw new InputError('DomainModel: x, loads, hv and formulas disagree in length');
    this.elements = j.elements;
    this.x = Float64Array.from(j.x);
    this.loads = Float64Array.from(j.loads);
    this.hv = Float64Array.from(j.hv);
    this.formulas = j.formulas;
    this.trainLogDensity = Float64Array.from(j.train_log_density).sort();
    this.thresholds = j.thresholds;
    this.nCalibration = j.n_calibration;
    this.lnLoadRange = [Math.log(Math.min(...this.loads)), Math.log(Math.max(...this.loads))];
    const byKey = new Map<string, { row: number; rows: number[] }>();
    for (let r = 0; r < n; r++) {
      const key = Array.from(this.x.subarray(r * E, (r + 1) * E)).join(',');
      const u = byKey.get(key);
      if (u) u.rows.push(r);
      else byKey.set(key, { row: r, rows: [r] });
    }
    this.uniq = [...byKey.values()];
    this.supportCount = new Int32Array(E);
    for (let r = 0; r < n; r++)
      for (let e = 0; e < E; e++) if (this.x[r * E + e] > 0) this.supportCount[e]++;
  }

  get nRows(): number {
    return this.loads.length;
  }

  /** Training rows containing element `e` (0 for an element outside the basis). */
  support(e: string): number {
    const k = this.elements.indexOf(e);
    return k < 0 ? 0 : this.supportCount[k];
  }

  /** Distances, support and load gap of query (x: E fractions in this basis, load N). */
  quantities(
    x: ArrayLike<number>,
    load: number,
    k = DOMAIN_K,
    excludeSelf = false,
  ): DomainQuantities {
    const E = this.elements.length;
    if (x.length !== E)
      throw new InputError(`domain: query has ${x.length} fractions, expected ${E}`);
    const d = this.uniq.map((u) => {
      let s = 0;
      const o = u.row * E;
      for (let e = 0; e < E; e++) s += (x[e] - this.x[o + e]) ** 2;
      return Math.sqrt(s);
    });
    const order = d
      .map((_, i) => i)
      .filter((i) => !excludeSelf || d[i] > 0)
      .sort((a, b) => d[a] - d[b]);
    if (order.length === 0) throw new InputError('domain: no other training composition');
    const kk = Math.min(k, order.length);
    let knn = 0;
    for (let i = 0; i < kk; i++) knn += d[order[i]];
    knn /= kk;
    const lnL = Math.log(load);
    let gap = Number.POSITIVE_INFINITY;
    for (let i = 0; i < kk; i++)
      for (const r of this.uniq[order[i]].rows)
        gap = Math.min(gap, Math.abs(lnL - Math.log(this.loads[r])));
    // the verdict's gap: every composition within the far_in_composition radius, else the nearest
    let similarLoadGap = Number.POSITIVE_INFINITY;
    const radius = this.thresholds.max_distance;
    for (let i = 0; i < order.length && (i === 0 || d[order[i]] <= radius); i++)
      for (const r of this.uniq[order[i]].rows)
        similarLoadGap = Math.min(similarLoadGap, Math.abs(lnL - Math.log(this.loads[r])));
    // the nearest alloy's row closest in load
    let nearestRow = this.uniq[order[0]].row;
    for (const r of this.uniq[order[0]].rows)
      if (
        Math.abs(lnL - Math.log(this.loads[r])) < Math.abs(lnL - Math.log(this.loads[nearestRow]))
      )
        nearestRow = r;
    const support: Record<string, number> = {};
    let minSupport = Number.POSITIVE_INFINITY;
    for (let e = 0; e < E; e++) {
      if (x[e] > 0) {
        support[this.elements[e]] = this.supportCount[e];
        minSupport = Math.min(minSupport, this.supportCount[e]);
      }
    }
    if (!Number.isFinite(minSupport)) throw new InputError('domain: empty composition');
    return {
      nearestRow,
      distance: d[order[0]],
      knnDistance: knn,
      loadGap: gap,
      similarLoadGap,
      support,
      minSupport,
    };
  }

  /**
   * Difficulty features (uq/shift.ts `Difficulty`) of many rows (x: n × E row-major): kNN
   * distance δ, load gap g, and the distance x of ln L outside the training load range (ln units).
   */
  features(
    x: ArrayLike<number>,
    loads: ArrayLike<number>,
  ): { knn: Float64Array; gap: Float64Array; ext: Float64Array } {
    const E = this.elements.length;
    const n = loads.length;
    const knn = new Float64Array(n);
    const gap = new Float64Array(n);
    const ext = new Float64Array(n);
    const xi = new Float64Array(E);
    const [lo, hi] = this.lnLoadRange;
    for (let i = 0; i < n; i++) {
      for (let e = 0; e < E; e++) xi[e] = x[i * E + e];
      const q = this.quantities(xi, loads[i]);
      knn[i] = q.knnDistance;
      gap[i] = q.loadGap;
      const l = Math.log(loads[i]);
      ext[i] = Math.max(0, lo - l, l - hi);
    }
    return { knn, gap, ext };
  }

  /** Fraction of training rows with latent log-density ≤ logp (null when there is no density). */
  densityPercentile(logp: number | undefined): number | null {
    const t = this.trainLogDensity;
    if (logp === undefined || t.length === 0 || !Number.isFinite(logp)) return null;
    let lo = 0;
    let hi = t.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (t[mid] <= logp) lo = mid + 1;
      else hi = mid;
    }
    return lo / t.length;
  }

  /** The verdict on one query; `logp` is its latent log-density (optional). */
  assess(x: ArrayLike<number>, load: number, logp?: number): DomainVerdict {
    const q = this.quantities(x, load);
    const t = this.thresholds;
    const pct = this.densityPercentile(logp);
    const reasons: DomainReason[] = [];
    if (q.minSupport < t.min_support) reasons.push('unsupported_element');
    if (q.distance > t.max_distance) reasons.push('far_in_composition');
    if (load < t.load_min || load > t.load_max || q.similarLoadGap > t.max_load_gap)
      reasons.push('load_extrapolation');
    if (pct !== null && pct < t.min_density_percentile) reasons.push('low_density');
    return {
      in_domain: reasons.length === 0,
      reasons,
      nearest: {
        formula: this.formulas[q.nearestRow],
        distance: q.distance,
        hv: this.hv[q.nearestRow],
        load: this.loads[q.nearestRow],
      },
      element_support: q.support,
      load_gap: q.similarLoadGap,
      log_density_percentile: pct,
    };
  }

  /**
   * Fit on the training rows; the thresholds from the calibration rows' quantities (their fraction
   * vectors, loads and optional latent log-densities), see the module comment.
   */
  static fit(
    train: DomainTrainingRows,
    calibration: { x: ArrayLike<number>; loads: ArrayLike<number>; logDensity?: ArrayLike<number> },
    trainLogDensity: ArrayLike<number> = [],
  ): DomainModel {
    const base = new DomainModel({
      ...domainReference(train).toJSON(),
      train_log_density: Array.from(trainLogDensity),
    });
    const E = train.elements.length;
    const nc = calibration.loads.length;
    if (nc < 2) throw new InputError('DomainModel.fit: need at least 2 calibration rows');
    const dist: number[] = [];
    const sup: number[] = [];
    const pct: number[] = [];
    const xc = calibration.x;
    for (let i = 0; i < nc; i++) {
      const xi = Array.from({ length: E }, (_, e) => xc[i * E + e]);
      const q = base.quantities(xi, calibration.loads[i]);
      dist.push(q.distance);
      sup.push(q.minSupport);
      const p = base.densityPercentile(calibration.logDensity?.[i]);
      if (p !== null) pct.push(p);
    }
    const Q = DOMAIN_QUANTILES;
    const thresholds: DomainThresholds = {
      ...base.thresholds,
      max_distance: quantile(dist, Q.distance),
      max_load_gap: loadGridStep(train.loads),
      min_support: Math.max(1, Math.floor(quantile(sup, Q.support))),
      min_density_percentile: pct.length > 0 ? quantile(pct, Q.density) : 0,
    };
    return new DomainModel({ ...base.toJSON(), thresholds, n_calibration: nc });
  }

  toJSON(): DomainModelJSON {
    return {
      kind: 'DomainModel',
      version: 1,
      elements: [...this.elements],
      x: Array.from(this.x),
      loads: Array.from(this.loads),
      hv: Array.from(this.hv),
      formulas: [...this.formulas],
      train_log_density: Array.from(this.trainLogDensity),
      thresholds: { ...this.thresholds },
      n_calibration: this.nCalibration,
    };
  }

  static fromJSON(j: DomainModelJSON): DomainModel {
    if (j?.kind !== 'DomainModel' || j.version !== 1)
      throw new InputError('DomainModel.fromJSON: expected { kind: "DomainModel", version: 1 }');
    return new DomainModel(j);
  }
}
