/**
 * k-nearest-neighbour regression (SPEC §7), as scikit-learn's KNeighborsRegressor: Minkowski
 * distance with p = 1 (Manhattan) or p = 2 (Euclidean), brute force; the prediction is the mean of
 * the k nearest targets ('uniform') or their 1/d-weighted mean ('distance'; when some neighbours are
 * at distance 0, only those count, equally). Ties in distance are broken by training-row order.
 *
 * Written here because `ml-knn` is a classifier only (majority vote; no regression, no distance
 * weights).
 */
import { InputError } from '../util/errors.ts';
import type { DenseMatrix } from './features.ts';

export interface KnnOptions {
  /** Number of neighbours k ≥ 1. */
  k: number;
  /** 'uniform' (plain mean) or 'distance' (1/d weights). */
  weights: 'uniform' | 'distance';
  /** Minkowski power: 1 (Manhattan) or 2 (Euclidean). */
  p: 1 | 2;
}

export interface KnnJSON extends KnnOptions {
  kind: 'knn';
  rows: number;
  cols: number;
  x: number[];
  y: number[];
}

export class KnnRegressor {
  readonly options: KnnOptions;
  private x: DenseMatrix | null = null;
  private y = new Float64Array(0);

  constructor(o: KnnOptions) {
    if (!Number.isInteger(o.k) || o.k < 1)
      throw new InputError(`KNN: k must be an integer ≥ 1, got ${o.k}`);
    if (o.p !== 1 && o.p !== 2) throw new InputError(`KNN: p must be 1 or 2, got ${o.p}`);
    this.options = { ...o };
  }

  fit(x: DenseMatrix, y: ArrayLike<number>): this {
    if (x.rows !== y.length)
      throw new InputError(`KNN: X has ${x.rows} rows but y has ${y.length} values`);
    if (x.rows === 0) throw new InputError('KNN: no rows to fit');
    this.x = { rows: x.rows, cols: x.cols, data: Float64Array.from(x.data) };
    this.y = Float64Array.from(y);
    return this;
  }

  /** Distances from one query row to every training row. */
  private distances(q: Float64Array, qOff: number, d: number): Float64Array {
    const t = this.x as DenseMatrix;
    const out = new Float64Array(t.rows);
    for (let i = 0; i < t.rows; i++) {
      let s = 0;
      const off = i * d;
      if (this.options.p === 1) {
        for (let j = 0; j < d; j++) s += Math.abs(t.data[off + j] - q[qOff + j]);
        out[i] = s;
      } else {
        for (let j = 0; j < d; j++) {
          const v = t.data[off + j] - q[qOff + j];
          s += v * v;
        }
        out[i] = Math.sqrt(s);
      }
    }
    return out;
  }

  predict(x: DenseMatrix): Float64Array {
    const t = this.x;
    if (!t) throw new InputError('KNN: predict before fit');
    if (x.cols !== t.cols) throw new InputError(`KNN: expected ${t.cols} features, got ${x.cols}`);
    const k = Math.min(this.options.k, t.rows);
    const out = new Float64Array(x.rows);
    const idx = new Int32Array(t.rows);
    for (let r = 0; r < x.rows; r++) {
      const dist = this.distances(x.data, r * x.cols, x.cols);
      for (let i = 0; i < t.rows; i++) idx[i] = i;
      // Partial selection sort is O(nk); k ≤ 20 here.
      for (let a = 0; a < k; a++) {
        let best = a;
        for (let b = a + 1; b < t.rows; b++) {
          const db = dist[idx[b]];
          const dbest = dist[idx[best]];
          if (db < dbest || (db === dbest && idx[b] < idx[best])) best = b;
        }
        const tmp = idx[a];
        idx[a] = idx[best];
        idx[best] = tmp;
      }
      if (this.options.weights === 'uniform') {
        let s = 0;
        for (let a = 0; a < k; a++) s += this.y[idx[a]];
        out[r] = s / k;
      } else {
        let zeroSum = 0;
        let zeroN = 0;
        let ws = 0;
        let wy = 0;
        for (let a = 0; a < k; a++) {
          const dd = dist[idx[a]];
          if (dd === 0) {
            zeroSum += this.y[idx[a]];
            zeroN++;
          } else {
            ws += 1 / dd;
            wy += this.y[idx[a]] / dd;
          }
        }
        out[r] = zeroN > 0 ? zeroSum / zeroN : wy / ws;
      }
    }
    return out;
  }

  toJSON(): KnnJSON {
    const t = this.x;
    if (!t) throw new InputError('KNN: toJSON before fit');
    return {
      kind: 'knn',
      ...this.options,
      rows: t.rows,
      cols: t.cols,
      x: [...t.data],
      y: [...this.y],
    };
  }

  static fromJSON(j: KnnJSON): KnnRegressor {
    const m = new KnnRegressor({ k: j.k, weights: j.weights, p: j.p });
    return m.fit({ rows: j.rows, cols: j.cols, data: Float64Array.from(j.x) }, j.y);
  }
}
