/**
 * Feature matrices for the baselines (SPEC §7): the element fractions (each row sums to 1) plus the
 * indentation load standardised with a `LoadScaler` fitted on the fitting rows only — inside each CV
 * fold, the fold's training rows — exactly as the scikit-learn peer's pipeline does.
 */
import type { Dataset } from '../data/dataset.ts';
import { LoadScaler, type LoadTransform } from '../data/scalers.ts';
import { InputError } from '../util/errors.ts';

/** A dense row-major matrix. */
export interface DenseMatrix {
  readonly rows: number;
  readonly cols: number;
  /** rows × cols values, row-major. */
  readonly data: Float64Array;
}

export function denseMatrix(rows: number, cols: number, data?: ArrayLike<number>): DenseMatrix {
  if (data && data.length !== rows * cols) {
    throw new InputError(
      `matrix: expected ${rows}×${cols} = ${rows * cols} values, got ${data.length}`,
    );
  }
  return { rows, cols, data: data ? Float64Array.from(data) : new Float64Array(rows * cols) };
}

/** Rows `idx` of a matrix. */
export function takeRows(m: DenseMatrix, idx: readonly number[]): DenseMatrix {
  const out = new Float64Array(idx.length * m.cols);
  for (let r = 0; r < idx.length; r++) {
    out.set(m.data.subarray(idx[r] * m.cols, (idx[r] + 1) * m.cols), r * m.cols);
  }
  return { rows: idx.length, cols: m.cols, data: out };
}

/** Entries `idx` of a vector. */
export function take(v: ArrayLike<number>, idx: readonly number[]): Float64Array {
  return Float64Array.from(idx, (i) => v[i]);
}

/** Feature matrix: elements.length fraction columns, then the standardised load (last column). */
export function buildFeatures(
  ds: Dataset,
  rows: readonly number[],
  scaler: LoadScaler,
): DenseMatrix {
  const e = ds.elements.length;
  const d = e + 1;
  const out = new Float64Array(rows.length * d);
  for (let r = 0; r < rows.length; r++) {
    const i = rows[r];
    out.set(ds.x.subarray(i * e, (i + 1) * e), r * d);
    out[r * d + e] = scaler.transform(ds.load[i]);
  }
  return { rows: rows.length, cols: d, data: out };
}

/** Fit / validation features for one fold: the scaler sees only the fitting rows. */
export interface FoldData {
  xFit: DenseMatrix;
  yFit: Float64Array;
  xVal: DenseMatrix;
  yVal: Float64Array;
  scaler: LoadScaler;
}

export function foldData(
  ds: Dataset,
  fitRows: readonly number[],
  valRows: readonly number[],
  loadTransform: LoadTransform = 'linear',
): FoldData {
  const scaler = LoadScaler.fit(take(ds.load, fitRows), loadTransform);
  return {
    xFit: buildFeatures(ds, fitRows, scaler),
    yFit: take(ds.hv, fitRows),
    xVal: buildFeatures(ds, valRows, scaler),
    yVal: take(ds.hv, valRows),
    scaler,
  };
}

/** Root mean squared error. */
export function rmse(y: ArrayLike<number>, p: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) s += (p[i] - y[i]) ** 2;
  return Math.sqrt(s / y.length);
}

/** Population mean and standard deviation (src/math/stats.ts). */
export { mean, stdPop as std } from '../math/stats.ts';
