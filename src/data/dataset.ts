/**
 * Loading and validating a hardness dataset (SPEC §1).
 *
 * Accepted layouts (one row per observation):
 * - element-fraction columns (any subset of the periodic table, e.g. `Ag … Zr`), then `Load`, `HV`;
 * - a `composition` formula column (`B68Nb24Fe4W4`), plus `Load`, `HV`.
 * Amounts may be fractions or at.%; every row is divided by its sum. Validation errors name the
 * file, the 1-based row as a spreadsheet shows it (the header is row 1) and the column.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parse } from 'csv-parse/sync';
import { Composition } from '../chem/composition.ts';
import { InputError } from '../util/errors.ts';
import { sha256 } from '../util/fs.ts';
import {
  amountsCell,
  CSV_PARSE_OPTIONS,
  checkCsvBytes,
  checkRowLength,
  classifyHeader,
  compositionCell,
  hvCell,
  loadCell,
} from './csv.ts';

/** A validated dataset; compositions are normalised to fractions over `elements`. */
export interface Dataset {
  /** The file it was read from (absolute path or a label). */
  readonly source: string;
  /** SHA-256 of the file's bytes, hex. */
  readonly sha256: string;
  /** Element basis: the element columns in file order (or, for a formula column, sorted). */
  readonly elements: readonly string[];
  readonly nRows: number;
  /** Row-major nRows × elements.length fractions; every row sums to 1. */
  readonly x: Float64Array;
  /** Indentation load per row, N. */
  readonly load: Float64Array;
  /** Vickers hardness per row, HV. */
  readonly hv: Float64Array;
  /** The composition of every row. */
  readonly compositions: readonly Composition[];
  /** Non-fatal findings (renormalised rows, ignored columns). */
  readonly warnings: readonly string[];
}

export interface LoadDatasetOptions {
  /** Tolerance on |row sum − 1| beyond which a row counts as renormalised (default 1e-3). */
  sumTolerance?: number;
}

/** Read and validate a dataset file. */
export function loadDataset(path: string, options: LoadDatasetOptions = {}): Dataset {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError(`${path}: cannot read the dataset (${code ?? String(e)})`);
  }
  return parseDataset(bytes, path, options);
}

/** Validate dataset bytes; `label` names the file in messages (checks in data/csv.ts). */
export function parseDataset(
  bytes: Uint8Array,
  label: string,
  options: LoadDatasetOptions = {},
): Dataset {
  const file = basename(label);
  const tol = options.sumTolerance ?? 1e-3;
  checkCsvBytes(bytes, file, "element columns or 'composition', then 'Load' and 'HV'");
  let rows: string[][];
  try {
    rows = parse(Buffer.from(bytes).toString('utf8'), CSV_PARSE_OPTIONS) as string[][];
  } catch (e) {
    throw new InputError(`${file}: not a valid CSV file: ${(e as Error).message}`);
  }
  const header = rows[0];
  if (header.length < 2) {
    throw new InputError(
      `${file}: not a CSV file: the first line has no comma-separated columns; expected a header with element columns (or 'composition'), 'Load' and 'HV'`,
    );
  }
  const layout = classifyHeader(header, file, {
    load: 'required',
    hv: 'required',
    what: 'a dataset',
  });
  const warnings: string[] =
    layout.other.length > 0
      ? [
          `${file}: ignored column(s) that are not elements, Load or HV: ${layout.other.map((o) => o.name).join(', ')}`,
        ]
      : [];
  const data = rows.slice(1);
  if (data.length === 0) throw new InputError(`${file}: the file has a header but no data rows`);

  const n = data.length;
  const load = new Float64Array(n);
  const hv = new Float64Array(n);
  const comps: Composition[] = [];
  let renormalised = 0;
  for (let r = 0; r < n; r++) {
    const row = r + 2;
    checkRowLength(layout, data[r], row);
    load[r] = loadCell(layout, data[r], row, false) as number;
    hv[r] = hvCell(layout, data[r], row);
  }
  let elements: string[];
  if (layout.formula !== undefined) {
    for (let r = 0; r < n; r++) comps.push(compositionCell(layout, data[r], r + 2));
    const set = new Set<string>();
    for (const c of comps) for (const el of c.elements) set.add(el);
    elements = [...set].sort();
  } else {
    elements = layout.elements.map((e) => e.symbol);
    for (let r = 0; r < n; r++) {
      const amounts = amountsCell(layout, data[r], r + 2);
      let sum = 0;
      for (const v of amounts) sum += v;
      if (Math.abs(sum - 1) > tol) renormalised++;
      comps.push(Composition.fromVector(elements, amounts));
    }
  }

  const E = elements.length;
  const x = new Float64Array(n * E);
  for (let r = 0; r < n; r++) x.set(comps[r].toVector(elements), r * E);
  if (renormalised > 0) {
    warnings.push(
      `${file}: ${renormalised} row(s) had element fractions not summing to 1 (beyond ${tol}); they were renormalised`,
    );
  }
  return {
    source: label,
    sha256: sha256(bytes),
    elements,
    nRows: n,
    x,
    load,
    hv,
    compositions: comps,
    warnings,
  };
}

/** Row `i` of a dataset as a composition vector view (no copy). */
export function rowView(ds: Dataset, i: number): Float64Array {
  const E = ds.elements.length;
  return ds.x.subarray(i * E, (i + 1) * E);
}

/** The composition vectors of `rows` as network input rows (n × E, float32, row-major). */
export function rowsX(ds: Dataset, rows: readonly number[]): Float32Array {
  const E = ds.elements.length;
  const x = new Float32Array(rows.length * E);
  for (const [i, r] of rows.entries()) x.set(rowView(ds, r), i * E);
  return x;
}

/** A new dataset holding only `rows` (same basis); for studies and tests. */
export function subsetDataset(ds: Dataset, rows: readonly number[]): Dataset {
  const E = ds.elements.length;
  const x = new Float64Array(rows.length * E);
  for (const [k, r] of rows.entries()) x.set(rowView(ds, r), k * E);
  return {
    ...ds,
    nRows: rows.length,
    x,
    load: Float64Array.from(rows, (r) => ds.load[r]),
    hv: Float64Array.from(rows, (r) => ds.hv[r]),
    compositions: rows.map((r) => ds.compositions[r]),
  };
}
