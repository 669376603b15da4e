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
import { isElement } from '../chem/elements.ts';
import { CompositionError, InputError } from '../util/errors.ts';
import { sha256 } from '../util/fs.ts';

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

const LOAD_NAMES = new Set(['load', 'load_n', 'load (n)']);
const HV_NAMES = new Set(['hv', 'hardness', 'hv (hv)']);
const FORMULA_NAMES = new Set(['composition', 'formula', 'alloy']);
const SYMBOL_LIKE = /^[A-Z][a-z]?$/;

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

/** Validate dataset bytes; `label` names the file in messages. */
export function parseDataset(
  bytes: Uint8Array,
  label: string,
  options: LoadDatasetOptions = {},
): Dataset {
  const file = basename(label);
  const tol = options.sumTolerance ?? 1e-3;
  if (bytes.length === 0 || Buffer.from(bytes).toString('utf8').trim() === '') {
    throw new InputError(
      `${file}: the file is empty; expected a CSV with a header row (element columns or 'composition', then 'Load' and 'HV')`,
    );
  }
  if (bytes.includes(0)) {
    throw new InputError(
      `${file}: not a CSV file (it contains binary data); expected comma-separated text`,
    );
  }
  let rows: string[][];
  try {
    rows = parse(Buffer.from(bytes).toString('utf8'), {
      bom: true,
      skip_empty_lines: true,
      trim: true,
      relax_column_count: true,
    }) as string[][];
  } catch (e) {
    throw new InputError(`${file}: not a valid CSV file: ${(e as Error).message}`);
  }
  const header = rows[0];
  if (header.length < 2) {
    throw new InputError(
      `${file}: not a CSV file: the first line has no comma-separated columns; expected a header with element columns (or 'composition'), 'Load' and 'HV'`,
    );
  }
  const cols = classifyHeader(header, file);
  const warnings: string[] = [...cols.warnings];
  const data = rows.slice(1);
  if (data.length === 0) throw new InputError(`${file}: the file has a header but no data rows`);

  const n = data.length;
  const load = new Float64Array(n);
  const hv = new Float64Array(n);
  const comps: Composition[] = [];
  let elements: string[];
  let renormalised = 0;

  const cell = (r: number, c: number, name: string): number => {
    const row = data[r];
    if (c >= row.length) {
      throw new InputError(
        `${file}: row ${r + 2}: has ${row.length} cells, expected ${header.length} (missing column '${name}')`,
      );
    }
    const s = row[c];
    if (s === '')
      throw new InputError(
        `${file}: row ${r + 2}, column '${name}': empty cell, expected a number`,
      );
    const v = Number(s);
    if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s) || !Number.isFinite(v)) {
      throw new InputError(
        `${file}: row ${r + 2}, column '${name}': expected a finite number, got '${s}'`,
      );
    }
    return v;
  };

  for (let r = 0; r < n; r++) {
    if (data[r].length > header.length) {
      throw new InputError(
        `${file}: row ${r + 2}: has ${data[r].length} cells, expected ${header.length}`,
      );
    }
    const L = cell(r, cols.load, header[cols.load]);
    if (L <= 0)
      throw new InputError(
        `${file}: row ${r + 2}, column '${header[cols.load]}': load must be > 0 N, got ${L}`,
      );
    const H = cell(r, cols.hv, header[cols.hv]);
    if (H <= 0)
      throw new InputError(
        `${file}: row ${r + 2}, column '${header[cols.hv]}': HV must be > 0, got ${H}`,
      );
    load[r] = L;
    hv[r] = H;
  }

  if (cols.formula !== undefined) {
    const fc = cols.formula;
    for (let r = 0; r < n; r++) {
      const s = data[r][fc] ?? '';
      try {
        comps.push(Composition.parse(s));
      } catch (e) {
        if (e instanceof CompositionError)
          throw new InputError(`${file}: row ${r + 2}, column '${header[fc]}': ${e.message}`);
        throw e;
      }
    }
    const set = new Set<string>();
    for (const c of comps) for (const el of c.elements) set.add(el);
    elements = [...set].sort();
  } else {
    elements = cols.elements.map((e) => e.symbol);
    const amounts = new Float64Array(elements.length);
    for (let r = 0; r < n; r++) {
      let sum = 0;
      for (let k = 0; k < cols.elements.length; k++) {
        const { symbol, index } = cols.elements[k];
        const v = cell(r, index, symbol);
        if (v < 0)
          throw new InputError(`${file}: row ${r + 2}, column '${symbol}': negative fraction ${v}`);
        amounts[k] = v;
        sum += v;
      }
      if (sum <= 0)
        throw new InputError(
          `${file}: row ${r + 2}: element fractions sum to 0; expected a positive total`,
        );
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

interface HeaderColumns {
  load: number;
  hv: number;
  formula?: number;
  elements: { symbol: string; index: number }[];
  warnings: string[];
}

function classifyHeader(header: string[], file: string): HeaderColumns {
  const seen = new Map<string, number>();
  header.forEach((h, i) => {
    if (h === '') throw new InputError(`${file}: header column ${i + 1} has no name`);
    const prev = seen.get(h);
    if (prev !== undefined)
      throw new InputError(`${file}: duplicated column '${h}' (columns ${prev + 1} and ${i + 1})`);
    seen.set(h, i);
  });
  let load: number | undefined;
  let hv: number | undefined;
  let formula: number | undefined;
  const elements: { symbol: string; index: number }[] = [];
  const ignored: string[] = [];
  header.forEach((h, i) => {
    const low = h.toLowerCase();
    if (LOAD_NAMES.has(low)) load = i;
    else if (HV_NAMES.has(low)) hv = i;
    else if (FORMULA_NAMES.has(low)) formula = i;
    else if (isElement(h)) elements.push({ symbol: h, index: i });
    else if (SYMBOL_LIKE.test(h))
      throw new InputError(
        `${file}: column '${h}' (column ${i + 1}) is not a chemical element symbol`,
      );
    else ignored.push(h);
  });
  if (hv === undefined)
    throw new InputError(
      `${file}: no 'HV' column; expected columns for the composition, 'Load' (N) and 'HV'`,
    );
  if (load === undefined)
    throw new InputError(
      `${file}: no 'Load' column; expected columns for the composition, 'Load' (N) and 'HV'`,
    );
  if (formula !== undefined && elements.length > 0) {
    throw new InputError(
      `${file}: has both a '${header[formula]}' formula column and element columns (${elements[0].symbol}, …); use one or the other`,
    );
  }
  if (formula === undefined && elements.length === 0) {
    throw new InputError(
      `${file}: no composition columns; expected element-fraction columns (e.g. 'Fe', 'B') or a 'composition' formula column`,
    );
  }
  const warnings =
    ignored.length > 0
      ? [`${file}: ignored column(s) that are not elements, Load or HV: ${ignored.join(', ')}`]
      : [];
  return { load, hv, formula, elements, warnings };
}

/** Row `i` of a dataset as a composition vector view (no copy). */
export function rowView(ds: Dataset, i: number): Float64Array {
  const E = ds.elements.length;
  return ds.x.subarray(i * E, (i + 1) * E);
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
