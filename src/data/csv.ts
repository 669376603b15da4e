/**
 * The one CSV reading and validation path shared by the dataset loader (`loadDataset`, SPEC §1)
 * and prediction requests (`vibann predict --input`, data/queries.ts): the header is classified
 * once (composition columns, Load, HV, other columns) and every cell is read with the same strict
 * rules. Errors are `InputError`s (exit 2) naming the file, the 1-based row as a spreadsheet shows
 * it (the header is row 1) and the column.
 *
 * Refused, because reading them would silently lose or invent data:
 * - a duplicated column name (`Fe,B,Fe`), or two columns for one role (`Load` + `load`,
 *   `HV` + `hardness`, `composition` + `formula`);
 * - a column that looks like an element symbol but is none (`Xx`), or an element in the wrong case
 *   (`FE`, `fe`);
 * - a formula column together with element columns;
 * - a number that is not plain decimal (`0x10`, `0b1`, `0o7`, `1_000`, `Infinity`, '' …);
 * - rows with more or fewer cells than the header; a header without data rows.
 */
import { basename } from 'node:path';
import { Composition } from '../chem/composition.ts';
import { isElement } from '../chem/elements.ts';
import { CompositionError, InputError } from '../util/errors.ts';

/** Header names (lower case) of the load column, N. */
export const LOAD_NAMES: ReadonlySet<string> = new Set(['load', 'load_n', 'load (n)']);
/** Header names (lower case) of the hardness column, HV. */
export const HV_NAMES: ReadonlySet<string> = new Set(['hv', 'hardness', 'hv (hv)']);
/** Header names (lower case) of a formula column. */
export const FORMULA_NAMES: ReadonlySet<string> = new Set(['composition', 'formula', 'alloy']);

const SYMBOL_LIKE = /^[A-Z][a-z]?$/;
/** Plain decimal numbers only: no hex/binary/octal literals, separators, Infinity or NaN. */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Parse a plain decimal number; `undefined` when `s` is not one (or is not finite). */
export function parseDecimal(s: string): number | undefined {
  const t = s.trim();
  if (!DECIMAL.test(t)) return undefined;
  const v = Number(t);
  return Number.isFinite(v) ? v : undefined;
}

/** What a reader requires: 'required' columns must exist, 'optional' ones may. */
export interface LayoutSpec {
  load: 'required' | 'optional';
  hv: 'required' | 'optional';
  /** What the file is, for messages ("a dataset", "prediction requests"). */
  what: string;
}

/** The columns of a validated header (0-based indices). */
export interface CsvLayout {
  file: string;
  header: readonly string[];
  /** The formula column, when the composition is given as formulas. */
  formula?: number;
  /** Element-fraction columns, in file order (empty with a formula column). */
  elements: readonly { symbol: string; index: number }[];
  load?: number;
  hv?: number;
  /** Columns that are none of the above (names, notes): carried along or ignored, never read. */
  other: readonly { name: string; index: number }[];
}

/** Classify a header row; InputError naming the file and column for every ambiguity. */
export function classifyHeader(
  header: readonly string[],
  file: string,
  spec: LayoutSpec,
): CsvLayout {
  const seen = new Map<string, number>();
  header.forEach((h, i) => {
    if (h === '') throw new InputError(`${file}: header column ${i + 1} has no name`);
    const prev = seen.get(h);
    if (prev !== undefined)
      throw new InputError(`${file}: duplicated column '${h}' (columns ${prev + 1} and ${i + 1})`);
    seen.set(h, i);
  });
  const roles: Record<'load' | 'hv' | 'formula', number | undefined> = {
    load: undefined,
    hv: undefined,
    formula: undefined,
  };
  const claim = (role: 'load' | 'hv' | 'formula', i: number, what: string) => {
    const prev = roles[role];
    if (prev !== undefined)
      throw new InputError(
        `${file}: columns '${header[prev]}' (column ${prev + 1}) and '${header[i]}' (column ${i + 1}) are both ${what} columns; keep one`,
      );
    roles[role] = i;
  };
  const elements: { symbol: string; index: number }[] = [];
  const other: { name: string; index: number }[] = [];
  header.forEach((h, i) => {
    const low = h.toLowerCase();
    const cap = h.length <= 2 ? h.charAt(0).toUpperCase() + h.slice(1).toLowerCase() : '';
    if (LOAD_NAMES.has(low)) claim('load', i, "load ('Load', N)");
    else if (HV_NAMES.has(low)) claim('hv', i, "hardness ('HV')");
    else if (FORMULA_NAMES.has(low)) claim('formula', i, "composition ('composition')");
    else if (isElement(h)) elements.push({ symbol: h, index: i });
    else if (cap !== '' && isElement(cap))
      throw new InputError(
        `${file}: column '${h}' (column ${i + 1}) is not an element symbol; did you mean '${cap}'?`,
      );
    else if (SYMBOL_LIKE.test(h))
      throw new InputError(
        `${file}: column '${h}' (column ${i + 1}) is not a chemical element symbol`,
      );
    else other.push({ name: h, index: i });
  });
  const expected = `expected columns for the composition${spec.load === 'required' ? ", 'Load' (N)" : ''}${spec.hv === 'required' ? " and 'HV'" : ''}`;
  if (spec.hv === 'required' && roles.hv === undefined)
    throw new InputError(`${file}: no 'HV' column; ${expected}`);
  if (spec.load === 'required' && roles.load === undefined)
    throw new InputError(`${file}: no 'Load' column; ${expected}`);
  if (roles.formula !== undefined && elements.length > 0) {
    throw new InputError(
      `${file}: has both a '${header[roles.formula]}' formula column and element columns (${elements[0].symbol}, …); use one or the other`,
    );
  }
  if (roles.formula === undefined && elements.length === 0) {
    throw new InputError(
      `${file}: no composition columns; expected element-fraction columns (e.g. 'Fe', 'B') or a 'composition' formula column`,
    );
  }
  return { file, header, formula: roles.formula, elements, load: roles.load, hv: roles.hv, other };
}

/** Check the number of cells of data row `row` (1-based file row). */
export function checkRowLength(layout: CsvLayout, cells: readonly string[], row: number): void {
  const n = layout.header.length;
  if (cells.length > n)
    throw new InputError(`${layout.file}: row ${row}: has ${cells.length} cells, expected ${n}`);
  if (cells.length < n)
    throw new InputError(
      `${layout.file}: row ${row}: has ${cells.length} cells, expected ${n} (missing column '${layout.header[cells.length]}')`,
    );
}

/** A numeric cell: a plain decimal, finite; InputError naming file, row and column otherwise. */
export function numberCell(
  layout: CsvLayout,
  cells: readonly string[],
  row: number,
  index: number,
): number {
  const name = layout.header[index];
  const s = cells[index] ?? '';
  if (s === '')
    throw new InputError(
      `${layout.file}: row ${row}, column '${name}': empty cell, expected a number`,
    );
  const v = parseDecimal(s);
  if (v === undefined)
    throw new InputError(
      `${layout.file}: row ${row}, column '${name}': expected a finite number, got '${s}'`,
    );
  return v;
}

/** The load of a row (N, > 0); `undefined` when there is no Load column or (if allowed) the cell is empty. */
export function loadCell(
  layout: CsvLayout,
  cells: readonly string[],
  row: number,
  allowEmpty: boolean,
): number | undefined {
  if (layout.load === undefined) return undefined;
  if (allowEmpty && (cells[layout.load] ?? '') === '') return undefined;
  const L = numberCell(layout, cells, row, layout.load);
  if (L <= 0)
    throw new InputError(
      `${layout.file}: row ${row}, column '${layout.header[layout.load]}': load must be > 0 N, got ${L}`,
    );
  return L;
}

/** The hardness of a row (HV, > 0). */
export function hvCell(layout: CsvLayout, cells: readonly string[], row: number): number {
  if (layout.hv === undefined) throw new InputError(`${layout.file}: no 'HV' column`);
  const H = numberCell(layout, cells, row, layout.hv);
  if (H <= 0)
    throw new InputError(
      `${layout.file}: row ${row}, column '${layout.header[layout.hv]}': HV must be > 0, got ${H}`,
    );
  return H;
}

/**
 * The element amounts of a row over the element columns (any positive scale), checked: every cell
 * a plain decimal ≥ 0 and a positive total. Only for layouts with element columns.
 */
export function amountsCell(
  layout: CsvLayout,
  cells: readonly string[],
  row: number,
): Float64Array {
  const out = new Float64Array(layout.elements.length);
  let sum = 0;
  for (const [k, { symbol, index }] of layout.elements.entries()) {
    const v = numberCell(layout, cells, row, index);
    if (v < 0)
      throw new InputError(
        `${layout.file}: row ${row}, column '${symbol}': negative fraction ${v}`,
      );
    out[k] = v;
    sum += v;
  }
  if (!(sum > 0))
    throw new InputError(
      `${layout.file}: row ${row}: element fractions sum to 0; expected a positive total`,
    );
  return out;
}

/** The composition of a row (formula column or element columns), errors naming file/row/column. */
export function compositionCell(
  layout: CsvLayout,
  cells: readonly string[],
  row: number,
): Composition {
  if (layout.formula !== undefined) {
    const s = cells[layout.formula] ?? '';
    try {
      return Composition.parse(s);
    } catch (e) {
      if (e instanceof CompositionError)
        throw new InputError(
          `${layout.file}: row ${row}, column '${layout.header[layout.formula]}': ${e.message}`,
        );
      throw e;
    }
  }
  const amounts = amountsCell(layout, cells, row);
  try {
    return Composition.fromVector(
      layout.elements.map((e) => e.symbol),
      amounts,
    );
  } catch (e) {
    if (e instanceof CompositionError)
      throw new InputError(`${layout.file}: row ${row}: ${e.message}`);
    throw e;
  }
}

/** csv-parse options shared by the sync and the streaming readers. */
export const CSV_PARSE_OPTIONS = {
  bom: true,
  skip_empty_lines: true,
  trim: true,
  relax_column_count: true,
} as const;

/** Refuse empty and binary input before parsing; `file` names it. */
export function checkCsvBytes(bytes: Uint8Array, file: string, expected: string): void {
  if (bytes.length === 0 || Buffer.from(bytes).toString('utf8').trim() === '')
    throw new InputError(
      `${file}: the file is empty; expected a CSV with a header row (${expected})`,
    );
  if (bytes.includes(0))
    throw new InputError(
      `${file}: not a CSV file (it contains binary data); expected comma-separated text`,
    );
}

/** The label of a path in messages. */
export function fileLabel(path: string): string {
  return basename(path);
}
