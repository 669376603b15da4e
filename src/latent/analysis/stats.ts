/**
 * Small statistics shared by the latent analysis (SPEC §8) and the interpretability tools (§11):
 * row-major matrices as Float64Array, column scaling, five-number summaries, Pearson and
 * Spearman correlation, and the R² of a univariate least-squares line.
 */
import { quantile } from '../../uq/calibration.ts';
import { InputError } from '../../util/errors.ts';

/** A row-major n × d matrix. */
export interface Matrix {
  data: Float64Array;
  n: number;
  d: number;
}

export function matrix(data: Float64Array, n: number, d: number): Matrix {
  if (data.length !== n * d)
    throw new InputError(`matrix: ${data.length} values, expected ${n} × ${d}`);
  return { data, n, d };
}

/** Row i as a copy. */
export function row(m: Matrix, i: number): number[] {
  return Array.from(m.data.subarray(i * m.d, (i + 1) * m.d));
}

/** The rows `idx` of m (in that order). */
export function pickRows(m: Matrix, idx: readonly number[]): Matrix {
  const out = new Float64Array(idx.length * m.d);
  idx.forEach((r, i) => {
    out.set(m.data.subarray(r * m.d, (r + 1) * m.d), i * m.d);
  });
  return { data: out, n: idx.length, d: m.d };
}

export function toRows(m: Matrix): number[][] {
  return Array.from({ length: m.n }, (_, i) => row(m, i));
}

export function fromRows(rows: readonly (readonly number[])[]): Matrix {
  const n = rows.length;
  const d = n > 0 ? rows[0].length : 0;
  const data = new Float64Array(n * d);
  rows.forEach((r, i) => {
    if (r.length !== d) throw new InputError(`fromRows: row ${i} has ${r.length} values, not ${d}`);
    data.set(r, i * d);
  });
  return { data, n, d };
}

/** Column j as a copy. */
export function column(m: Matrix, j: number): Float64Array {
  const out = new Float64Array(m.n);
  for (let i = 0; i < m.n; i++) out[i] = m.data[i * m.d + j];
  return out;
}

export function mean(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i];
  return v.length > 0 ? s / v.length : Number.NaN;
}

/** Median (numpy 'linear'). */
export function median(v: ArrayLike<number>): number {
  return quantile(v, 0.5);
}

/** Population standard deviation. */
export function stdPop(v: ArrayLike<number>): number {
  const m = mean(v);
  let s = 0;
  for (let i = 0; i < v.length; i++) s += (v[i] - m) ** 2;
  return v.length > 0 ? Math.sqrt(s / v.length) : Number.NaN;
}

/** Column means of m. */
export function columnMeans(m: Matrix): Float64Array {
  const out = new Float64Array(m.d);
  for (let i = 0; i < m.n; i++) for (let j = 0; j < m.d; j++) out[j] += m.data[i * m.d + j];
  for (let j = 0; j < m.d; j++) out[j] /= m.n;
  return out;
}

/** A per-column standard scaler (population std, as scikit-learn's StandardScaler). */
export interface ColumnScaler {
  mean: number[];
  /** Population standard deviation per column; a constant column gets 1 (it is only centred). */
  scale: number[];
}

export function fitColumnScaler(m: Matrix): ColumnScaler {
  const mu = columnMeans(m);
  const sd = new Float64Array(m.d);
  for (let i = 0; i < m.n; i++)
    for (let j = 0; j < m.d; j++) sd[j] += (m.data[i * m.d + j] - mu[j]) ** 2;
  return {
    mean: Array.from(mu),
    scale: Array.from(sd, (s) => {
      const v = Math.sqrt(s / m.n);
      return v > 1e-12 ? v : 1;
    }),
  };
}

export function applyColumnScaler(s: ColumnScaler, m: Matrix): Matrix {
  const out = new Float64Array(m.data.length);
  for (let i = 0; i < m.n; i++)
    for (let j = 0; j < m.d; j++) out[i * m.d + j] = (m.data[i * m.d + j] - s.mean[j]) / s.scale[j];
  return { data: out, n: m.n, d: m.d };
}

/** Five-number summary (numpy 'linear' quantiles). */
export interface FiveNumbers {
  min: number;
  q1: number;
  median: number;
  q3: number;
  max: number;
}

export function fiveNumbers(v: ArrayLike<number>): FiveNumbers {
  if (v.length === 0) throw new InputError('fiveNumbers: no values');
  return {
    min: quantile(v, 0),
    q1: quantile(v, 0.25),
    median: quantile(v, 0.5),
    q3: quantile(v, 0.75),
    max: quantile(v, 1),
  };
}

/** Pearson correlation (NaN when either variable is constant). */
export function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new InputError('pearson: lengths differ');
  const ma = mean(a);
  const mb = mean(b);
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] - ma;
    const y = b[i] - mb;
    sab += x * y;
    saa += x * x;
    sbb += y * y;
  }
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : Number.NaN;
}

/** Ranks 1..n with ties given their average rank (as scipy.stats.rankdata 'average'). */
export function ranks(v: ArrayLike<number>): Float64Array {
  const n = v.length;
  const idx = Array.from({ length: n }, (_, i) => i).sort((i, j) => v[i] - v[j]);
  const r = new Float64Array(n);
  let s = 0;
  while (s < n) {
    let e = s;
    while (e + 1 < n && v[idx[e + 1]] === v[idx[s]]) e++;
    const avg = (s + e) / 2 + 1;
    for (let k = s; k <= e; k++) r[idx[k]] = avg;
    s = e + 1;
  }
  return r;
}

/** Spearman rank correlation (Pearson of the average ranks). */
export function spearman(a: ArrayLike<number>, b: ArrayLike<number>): number {
  return pearson(ranks(a), ranks(b));
}

/**
 * R² of the least-squares line y ≈ α + β·x (equals pearson(x, y)² for a univariate fit; NaN
 * when x or y is constant).
 */
export function r2Linear(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const r = pearson(x, y);
  return Number.isFinite(r) ? r * r : Number.NaN;
}

/** Summary of a distribution: quantiles 0.1, 0.25, 0.5, 0.75, 0.9 and the mean. */
export interface Distribution {
  n: number;
  mean: number;
  q10: number;
  q25: number;
  median: number;
  q75: number;
  q90: number;
}

export function distribution(v: ArrayLike<number>): Distribution {
  if (v.length === 0) throw new InputError('distribution: no values');
  return {
    n: v.length,
    mean: mean(v),
    q10: quantile(v, 0.1),
    q25: quantile(v, 0.25),
    median: quantile(v, 0.5),
    q75: quantile(v, 0.75),
    q90: quantile(v, 0.9),
  };
}

/** Round to `digits` significant digits (for compact JSON); non-finite values pass through. */
export function sig(x: number, digits = 6): number {
  return Number.isFinite(x) && x !== 0 ? Number(x.toPrecision(digits)) : x;
}
