/**
 * Small statistics shared by the latent analysis (SPEC §8) and the interpretability tools (§11):
 * row-major matrices as Float64Array, column scaling, five-number summaries, distributions and the
 * R² of a univariate least-squares line. Mean, population sd, median, Pearson and Spearman come from
 * src/math (re-exported here for the analysis modules).
 */
import { quantile } from '../../math/quantile.ts';
import { mean, pearson } from '../../math/stats.ts';
import { InputError } from '../../util/errors.ts';

export { median } from '../../math/quantile.ts';
export { mean, pearson, ranks, spearman, stdPop } from '../../math/stats.ts';

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
