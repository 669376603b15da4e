/**
 * The neighbour term of the default model (docs/accuracy.md "Neighbour term", issue 11): the
 * network's MC samples blended with the measured hardness of the nearest training alloys, each
 * carried to the query load along the network's own Meyer curve at the query composition.
 *
 * For a query (x, L) and one MC sample s(·) of the network (one member, one pass: with the Meyer
 * head s(L) = A·L^(−b), b ≥ 0, model.ts `meyerLaw`):
 *
 *   K(x, L) = Σ_j w_j · y_j · s(L)/s(L_j) / Σ_j w_j = Σ_j w_j · y_j · (L_j/L)^b / Σ_j w_j,
 *   w_j = exp(−(d_j − d_min)/τ) over the `k` nearest training rows j (d = ‖x − x_j‖₁ of the
 *   fraction vectors, d_min the nearest),
 *   μ = mean over the samples of (1 − g)·s(L) + g·K(x, L),  g = (1 − α)·exp(−(d_min/d₀)²)
 *   (d₀ = null: no decay).
 *
 * Both terms are non-increasing in L for every sample (b ≥ 0), so the printed μ keeps the monotone
 * load of SPEC §3; away from the data (d_min ≫ d₀) it is the network's. Each member's MC samples are
 * shifted by its mean correction (`blendSamples`), so σ keeps the network's MC spread. b is read from the
 * sample at L and at L·e (b = ln(s(L)/s(L·e)), exact for the Meyer head), so a prediction costs two
 * network evaluations per row instead of one. The weights depend on x only.
 *
 * The training rows a prediction may use are those of its members: the union of the rows each
 * selected member was trained on (the whole ensemble: all of train_fit; one CV member: its four
 * folds), so a member's prediction of its held-out fold stays out of fold. τ, k, α, d₀ are chosen by
 * cross-validation on those out-of-fold predictions when the model is fitted (`chooseNeighbour`).
 */
import { tailIndices } from '../uq/calibration.ts';
import { accuracyMetrics } from '../uq/metrics.ts';
import { InputError } from '../util/errors.ts';

/** The blend's settings. */
export interface NeighbourParams {
  /** Kernel length τ in L1 distance of fraction vectors (0 … 2). */
  tau: number;
  /** Nearest training rows used. */
  k: number;
  /** Weight of the network at the data (the blend is (1 − α)·kernel there). */
  alpha: number;
  /** Distance d₀ (L1) over which the kernel's weight decays to the network's; null: no decay. */
  d0: number | null;
}

/** One candidate of the CV choice and its out-of-fold scores (HV). */
export interface NeighbourCvRow {
  params: NeighbourParams | null;
  mae: number;
  rmse: number;
  /** Mean signed error (predicted − measured) of the rows at or above the 90th HV percentile. */
  tail: number;
}

/** Serialised NeighbourBlend (in the model's manifest). */
export interface NeighbourBlendJSON {
  kind: 'NeighbourBlend';
  version: 1;
  params: NeighbourParams;
  /** Training rows: fractions (n × E, row-major), loads (N), HV. */
  x: number[];
  loads: number[];
  hv: number[];
  /** Per member of the ensemble: the training rows (indices into the rows above) it was trained on. */
  member_rows: number[][];
  /** The CV table the params were chosen by (absent when they were given). */
  cv?: { rows: number; table: NeighbourCvRow[] };
}

/** The neighbours of query rows: per row its k nearest training rows, weights a_j = w_j·y_j/Σw, ln L_j, and g. */
export interface Neighbours {
  /** Row i's neighbours are idx[off[i] … off[i+1]). */
  off: Int32Array;
  /** w_j·y_j / Σ_j w_j (HV). */
  a: Float64Array;
  /** ln L_j of each neighbour. */
  lnL: Float64Array;
  /** Kernel weight g per row. */
  g: Float64Array;
  /** Distance to the nearest training row, per row. */
  dmin: Float64Array;
}

export class NeighbourBlend {
  readonly params: NeighbourParams;
  private readonly E: number;
  private readonly x: Float64Array;
  private readonly loads: Float64Array;
  private readonly hv: Float64Array;
  readonly memberRows: readonly (readonly number[])[];
  readonly cv?: { rows: number; table: NeighbourCvRow[] };

  constructor(j: Omit<NeighbourBlendJSON, 'kind' | 'version'>, nElements: number) {
    const n = j.loads.length;
    if (j.x.length !== n * nElements || j.hv.length !== n)
      throw new InputError('NeighbourBlend: x, loads and hv disagree in length');
    const p = j.params;
    if (!(p.tau > 0) || !Number.isInteger(p.k) || p.k < 1 || !(p.alpha >= 0 && p.alpha <= 1))
      throw new InputError(`NeighbourBlend: invalid params ${JSON.stringify(p)}`);
    for (const rows of j.member_rows)
      for (const r of rows)
        if (!Number.isInteger(r) || r < 0 || r >= n)
          throw new InputError(`NeighbourBlend: member row ${r} outside 0 … ${n - 1}`);
    this.params = { ...p };
    this.E = nElements;
    this.x = Float64Array.from(j.x);
    this.loads = Float64Array.from(j.loads);
    this.hv = Float64Array.from(j.hv);
    this.memberRows = j.member_rows.map((r) => [...r]);
    if (j.cv) this.cv = j.cv;
  }

  /** The training rows of a set of members (union; all members when omitted). */
  rowsOf(members?: readonly number[]): number[] {
    const ks = members ?? this.memberRows.map((_, k) => k);
    const s = new Set<number>();
    for (const k of ks) {
      const rows = this.memberRows[k];
      if (!rows) throw new InputError(`NeighbourBlend: no member ${k}`);
      for (const r of rows) s.add(r);
    }
    return [...s].sort((a, b) => a - b);
  }

  /** The neighbours of query rows x (n × E) among `rows` (default: those of all members). */
  neighbours(x: ArrayLike<number>, n: number, rows: readonly number[]): Neighbours {
    return findNeighbours(this.params, this.E, x, n, {
      x: this.x,
      loads: this.loads,
      hv: this.hv,
      rows,
    });
  }

  /** The same blend with members re-indexed (`HardnessModel.subset`). */
  subset(members: readonly number[]): NeighbourBlend {
    return new NeighbourBlend(
      { ...this.toJSON(), member_rows: members.map((k) => [...this.memberRows[k]]) },
      this.E,
    );
  }

  toJSON(): NeighbourBlendJSON {
    return {
      kind: 'NeighbourBlend',
      version: 1,
      params: { ...this.params },
      x: Array.from(this.x),
      loads: Array.from(this.loads),
      hv: Array.from(this.hv),
      member_rows: this.memberRows.map((r) => [...r]),
      ...(this.cv ? { cv: this.cv } : {}),
    };
  }

  static fromJSON(j: NeighbourBlendJSON, nElements: number): NeighbourBlend {
    if (j?.kind !== 'NeighbourBlend' || j.version !== 1)
      throw new InputError(
        'NeighbourBlend.fromJSON: expected { kind: "NeighbourBlend", version: 1 }',
      );
    return new NeighbourBlend(j, nElements);
  }
}

/** Training arrays of the term: fractions (row-major), loads (N), HV, and the rows to search. */
export interface NeighbourTrain {
  x: ArrayLike<number>;
  loads: ArrayLike<number>;
  hv: ArrayLike<number>;
  rows: readonly number[];
}

/** Per query row its `k` nearest training rows (positions in `train.rows`) and their L1 distances. */
export interface Nearest {
  /** min(k, N) per row. */
  k: number;
  /** Row i's nearest, nearest first: idx[i·k … (i+1)·k). */
  idx: Int32Array;
  /** Their distances, same layout. */
  d: Float64Array;
}

/**
 * The k nearest training rows of each query row by L1 distance of the fraction vectors, ties by
 * training-row order (a stable selection). The first k′ ≤ k of them are the k′ nearest, so one
 * search serves every k′ of the CV grid.
 */
export function nearestRows(
  k: number,
  E: number,
  x: ArrayLike<number>,
  n: number,
  train: NeighbourTrain,
): Nearest {
  const N = train.rows.length;
  const kk = Math.min(k, N);
  const idxOut = new Int32Array(n * kk);
  const dOut = new Float64Array(n * kk);
  const d = new Float64Array(N);
  const idx = new Int32Array(N);
  for (let i = 0; i < n && kk > 0; i++) {
    for (let t = 0; t < N; t++) {
      const r = train.rows[t];
      let s = 0;
      for (let e = 0; e < E; e++) s += Math.abs(x[i * E + e] - train.x[r * E + e]);
      d[t] = s;
      idx[t] = t;
    }
    const sel = Array.from(idx)
      .sort((u, v) => d[u] - d[v] || u - v)
      .slice(0, kk);
    sel.forEach((t, q) => {
      idxOut[i * kk + q] = t;
      dOut[i * kk + q] = d[t];
    });
  }
  return { k: kk, idx: idxOut, d: dOut };
}

/** The neighbours (weights, ln L, g) of p from a search of at least p.k rows (`nearestRows`). */
export function neighboursFrom(
  p: NeighbourParams,
  near: Nearest,
  n: number,
  train: NeighbourTrain,
): Neighbours {
  const k = Math.min(p.k, near.k);
  if (k < p.k && near.k < train.rows.length)
    throw new InputError(`neighboursFrom: a search of ${near.k} rows cannot give k = ${p.k}`);
  const off = new Int32Array(n + 1);
  const a = new Float64Array(n * k);
  const lnL = new Float64Array(n * k);
  const g = new Float64Array(n);
  const dminOf = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    off[i + 1] = off[i] + k;
    if (k === 0) continue;
    const o = i * near.k;
    const dmin = near.d[o];
    let W = 0;
    const w = Array.from({ length: k }, (_, q) => Math.exp(-(near.d[o + q] - dmin) / p.tau));
    for (const v of w) W += v;
    for (let q = 0; q < k; q++) {
      const r = train.rows[near.idx[o + q]];
      a[i * k + q] = (w[q] * train.hv[r]) / W;
      lnL[i * k + q] = Math.log(train.loads[r]);
    }
    dminOf[i] = dmin;
    g[i] = kernelWeight(p, dmin);
  }
  return { off, a, lnL, g, dmin: dminOf };
}

/** `NeighbourBlend.neighbours` on explicit training arrays. */
export function findNeighbours(
  p: NeighbourParams,
  E: number,
  x: ArrayLike<number>,
  n: number,
  train: NeighbourTrain,
): Neighbours {
  return neighboursFrom(p, nearestRows(p.k, E, x, n, train), n, train);
}

/** g = (1 − α)·exp(−(d_min/d₀)²), or 1 − α without decay. */
export function kernelWeight(p: Pick<NeighbourParams, 'alpha' | 'd0'>, dmin: number): number {
  return (1 - p.alpha) * (p.d0 === null ? 1 : Math.exp(-((dmin / p.d0) ** 2)));
}

/**
 * The candidates of the CV choice (`chooseNeighbour`). d₀ is kept small by design, not by CV: the
 * term corrects predictions near measured alloys, while a candidate of the inverse design — at
 * least the novelty distance (0.1, Euclidean, i.e. ≥ 0.1 in L1) from every alloy
 * (design/options.ts) — must stand on the network: at d₀ ≤ 0.075 the kernel's weight there is
 * ≤ 0.9·exp(−(0.1/0.075)²) = 0.15, and ≤ 0.02 at an L1 distance of 0.15. With d₀ up to 0.4 the
 * CV MAE was 1.7 HV lower, and the quick design then proposed only alloys within 0.04 of the
 * hardest measured ones, all rejected by the novelty gate (docs/accuracy.md).
 */
export const NEIGHBOUR_GRID = {
  tau: [0.02, 0.04, 0.08],
  k: [5, 10],
  alpha: [0.1, 0.3, 0.5],
  d0: [0.025, 0.05, 0.075] as (number | null)[],
};

/** Out-of-fold network samples of one member on its held-out rows, for the CV choice. */
export interface OofSamples {
  /** Query rows: fractions (n × E), loads (N), measured HV. */
  x: ArrayLike<number>;
  loads: readonly number[];
  y: readonly number[];
  /** The member's training rows (indices into the blend's training arrays). */
  rows: readonly number[];
  /** Samples at L and at L·e, [s·n + i] (one member, S passes). */
  s1: ArrayLike<number>;
  s2: ArrayLike<number>;
}

/**
 * Choose the blend by cross-validation on out-of-fold predictions (each member on the rows it was
 * not trained on, its neighbours among the rows it was): every candidate of `grid` and the network
 * alone are scored pooled over all out-of-fold rows; the choice is the lowest MAE among the
 * candidates whose RMSE is not above the network's, or the network alone (null) when none has a
 * lower MAE.
 */
export function chooseNeighbour(
  E: number,
  train: { x: ArrayLike<number>; loads: ArrayLike<number>; hv: ArrayLike<number> },
  oof: readonly OofSamples[],
  grid: typeof NEIGHBOUR_GRID = NEIGHBOUR_GRID,
): { params: NeighbourParams | null; table: NeighbourCvRow[] } {
  const y = oof.flatMap((o) => [...o.y]);
  // MAE, RMSE and the top-10 % mean signed error as `evaluate` reports them (uq/metrics.ts,
  // uq/calibration.ts `tailIndices`: the rows at or above the 90th percentile of y)
  const top = tailIndices(y, 0.9);
  const yTop = top.map((i) => y[i]);
  const scoreOof = (p: readonly number[]): Omit<NeighbourCvRow, 'params'> => {
    const a = accuracyMetrics(y, p);
    const tail = accuracyMetrics(
      yTop,
      top.map((i) => p[i]),
    ).mean_signed_error;
    return { mae: a.mae, rmse: a.rmse, tail };
  };
  const lnLoads = oof.map((o) => o.loads.map((L) => Math.log(L)));
  const mean = (v: ArrayLike<number>, n: number, i: number) => {
    let s = 0;
    const m = v.length / n;
    for (let t = 0; t < m; t++) s += v[t * n + i];
    return s / m;
  };
  const net = oof.flatMap((o) => o.loads.map((_, i) => mean(o.s1, o.loads.length, i)));
  const table: NeighbourCvRow[] = [{ params: null, ...scoreOof(net) }];
  // one nearest-row search per member for the largest k of the grid (its first k′ rows are the
  // k′ nearest)
  const kMax = Math.max(...grid.k);
  const trains = oof.map((o) => ({ ...train, rows: o.rows }));
  const near = oof.map((o, m) => nearestRows(kMax, E, o.x, o.loads.length, trains[m]));
  for (const tau of grid.tau) {
    for (const k of grid.k) {
      const base = oof.map((o, m) =>
        neighboursFrom({ tau, k, alpha: 0, d0: null }, near[m], o.loads.length, trains[m]),
      );
      for (const alpha of grid.alpha) {
        for (const d0 of grid.d0) {
          const params = { tau, k, alpha, d0 };
          const pred: number[] = [];
          oof.forEach((o, m) => {
            const n = o.loads.length;
            const nb = { ...base[m], g: base[m].dmin.map((d) => kernelWeight(params, d)) };
            const b = blendSamples(o.s1, o.s2, lnLoads[m], nb, n, o.s1.length / n);
            for (let i = 0; i < n; i++) pred.push(mean(b, n, i));
          });
          table.push({ params, ...scoreOof(pred) });
        }
      }
    }
  }
  const ref = table[0];
  const ok = table.filter((t) => t.params !== null && t.rmse <= ref.rmse && t.mae < ref.mae);
  const best = ok.reduce<NeighbourCvRow | null>(
    (b, t) => (b === null || t.mae < b.mae ? t : b),
    null,
  );
  return { params: best?.params ?? null, table };
}

/**
 * Blend network samples: s1[(k·S + s)·n + i] at the rows' loads L_i, s2 at L_i·e (same masks),
 * S passes per member; returns samples in the layout of s1. Each member's samples are shifted by
 * the blend's correction of its mean, g·(K̄ − s̄) (K̄, s̄: the member's mean over its passes of the
 * kernel term K and of the network), so a member's mean is (1 − g)·s̄ + g·K̄ — the mean of the
 * per-sample blend (1 − g)·s + g·K, non-increasing in L — while the spread over its passes stays
 * the network's MC spread (the kernel term's measured values have no dropout spread of their own).
 */
export function blendSamples(
  s1: ArrayLike<number>,
  s2: ArrayLike<number>,
  lnLoad: ArrayLike<number>,
  nb: Neighbours,
  n: number,
  S: number,
): Float32Array {
  const out = Float32Array.from(s1);
  const M = s1.length / (n * S);
  for (let i = 0; i < n; i++) {
    const g = nb.g[i];
    const o0 = nb.off[i];
    const o1 = nb.off[i + 1];
    if (g === 0 || o1 === o0) continue;
    const l = lnLoad[i];
    for (let k = 0; k < M; k++) {
      let shift = 0;
      for (let s = 0; s < S; s++) {
        const j = (k * S + s) * n + i;
        const v1 = s1[j];
        const v2 = s2[j];
        // the sample's Meyer exponent: s(L) = A·L^(−b), b = ln(s(L)/s(L·e)) ≥ 0
        const b = v1 > 0 && v2 > 0 ? Math.max(0, Math.log(v1 / v2)) : 0;
        let K = 0;
        for (let q = o0; q < o1; q++) K += nb.a[q] * Math.exp(b * (nb.lnL[q] - l));
        shift += g * (K - v1);
      }
      shift /= S;
      for (let s = 0; s < S; s++) out[(k * S + s) * n + i] += shift;
    }
  }
  return out;
}
