/**
 * Feature matrices for the baselines (SPEC §7): the element fractions (each row sums to 1) plus the
 * indentation load standardised with a `LoadScaler` fitted on the fitting rows only — inside each CV
 * fold, the fold's training rows — exactly as the scikit-learn peer's pipeline does.
 */
import { DESCRIPTOR_FEATURES, descriptorVector } from '../chem/descriptors.ts';
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

/**
 * Standardisation of the composition descriptors (src/chem/descriptors.ts `descriptorVector`,
 * order DESCRIPTOR_FEATURES): mean and population sd per descriptor over the fitting rows.
 */
export interface DescriptorScaler {
  mean: Float64Array;
  std: Float64Array;
}

function rowFractions(ds: Dataset, i: number): Record<string, number> {
  const e = ds.elements.length;
  const fr: Record<string, number> = {};
  for (let k = 0; k < e; k++) if (ds.x[i * e + k] > 0) fr[ds.elements[k]] = ds.x[i * e + k];
  return fr;
}

/** Fit the descriptor standardisation on `rows` (NaN descriptors — no table value — count as 0). */
export function fitDescriptorScaler(ds: Dataset, rows: readonly number[]): DescriptorScaler {
  const m = DESCRIPTOR_FEATURES.length;
  const vs = rows.map((i) =>
    descriptorVector(rowFractions(ds, i)).map((v) => (Number.isFinite(v) ? v : 0)),
  );
  const mu = new Float64Array(m);
  const sd = new Float64Array(m);
  for (let j = 0; j < m; j++) {
    mu[j] = mean(vs.map((v) => v[j]));
    const s = std(vs.map((v) => v[j]));
    sd[j] = s > 0 ? s : 1;
  }
  return { mean: mu, std: sd };
}

/**
 * Feature matrix: elements.length fraction columns, then — with `desc` — the standardised
 * composition descriptors, then the standardised load (last column).
 */
export function buildFeatures(
  ds: Dataset,
  rows: readonly number[],
  scaler: LoadScaler,
  desc?: DescriptorScaler,
): DenseMatrix {
  const e = ds.elements.length;
  const nd = desc ? desc.mean.length : 0;
  const d = e + nd + 1;
  const out = new Float64Array(rows.length * d);
  for (let r = 0; r < rows.length; r++) {
    const i = rows[r];
    out.set(ds.x.subarray(i * e, (i + 1) * e), r * d);
    if (desc) {
      const v = descriptorVector(rowFractions(ds, i));
      for (let j = 0; j < nd; j++)
        out[r * d + e + j] = ((Number.isFinite(v[j]) ? v[j] : 0) - desc.mean[j]) / desc.std[j];
    }
    out[r * d + e + nd] = scaler.transform(ds.load[i]);
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
  descriptors = false,
): FoldData {
  const scaler = LoadScaler.fit(take(ds.load, fitRows), loadTransform);
  // descriptors standardised on the fitting rows only, as the load
  const desc = descriptors ? fitDescriptorScaler(ds, fitRows) : undefined;
  return {
    xFit: buildFeatures(ds, fitRows, scaler, desc),
    yFit: take(ds.hv, fitRows),
    xVal: buildFeatures(ds, valRows, scaler, desc),
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

import { mean, stdPop as std } from '../math/stats.ts';
