/**
 * Prediction requests read from a CSV (`vibann predict --input FILE`): a `composition` formula
 * column or element-fraction columns, and an optional `Load` column (N). Other columns (names,
 * notes, a measured HV) are carried along untouched. Errors name file, row and column.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parse } from 'csv-parse/sync';
import { Composition } from '../chem/composition.ts';
import { isElement } from '../chem/elements.ts';
import { CompositionError, InputError } from '../util/errors.ts';

export interface PredictionQuery {
  composition: Composition;
  /** Load from the file (N), when it has a Load column. */
  load?: number;
  /** 1-based row number in the file, as a spreadsheet shows it. */
  row: number;
  /** Other columns of the row, as text. */
  extra: Record<string, string>;
}

export function readQueries(path: string): PredictionQuery[] {
  const file = basename(path);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new InputError(
      `${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`,
    );
  }
  if (text.trim() === '')
    throw new InputError(`${file}: the file is empty; expected a CSV with a 'composition' column`);
  let rows: string[][];
  try {
    rows = parse(text, { bom: true, skip_empty_lines: true, trim: true }) as string[][];
  } catch (e) {
    throw new InputError(`${file}: not a valid CSV file: ${(e as Error).message}`);
  }
  const header = rows[0];
  const lower = header.map((h) => h.toLowerCase());
  const fc = lower.findIndex((h) => h === 'composition' || h === 'formula' || h === 'alloy');
  const lc = lower.findIndex((h) => h === 'load' || h === 'load_n' || h === 'load (n)');
  const elCols = header.map((h, i) => ({ h, i })).filter(({ h }) => isElement(h));
  if (fc < 0 && elCols.length === 0) {
    throw new InputError(
      `${file}: no 'composition' column and no element columns; expected e.g. 'composition' with formulas such as B68Nb24Fe4W4`,
    );
  }
  const used = new Set([fc, lc, ...elCols.map((e) => e.i)]);
  return rows.slice(1).map((r, k) => {
    const row = k + 2;
    let composition: Composition;
    try {
      if (fc >= 0) composition = Composition.parse(r[fc] ?? '');
      else {
        const amounts: Record<string, number> = {};
        for (const { h, i } of elCols) {
          const v = Number(r[i]);
          if (r[i] === '' || !Number.isFinite(v))
            throw new InputError(
              `${file}: row ${row}, column '${h}': expected a finite number, got '${r[i] ?? ''}'`,
            );
          if (v < 0)
            throw new InputError(`${file}: row ${row}, column '${h}': negative fraction ${v}`);
          if (v > 0) amounts[h] = v;
        }
        composition = Composition.fromAmounts(amounts);
      }
    } catch (e) {
      if (e instanceof CompositionError)
        throw new InputError(
          `${file}: row ${row}${fc >= 0 ? `, column '${header[fc]}'` : ''}: ${e.message}`,
        );
      throw e;
    }
    let load: number | undefined;
    if (lc >= 0 && (r[lc] ?? '') !== '') {
      load = Number(r[lc]);
      if (!Number.isFinite(load) || load <= 0)
        throw new InputError(
          `${file}: row ${row}, column '${header[lc]}': load must be a number > 0 N, got '${r[lc]}'`,
        );
    }
    const extra: Record<string, string> = {};
    header.forEach((h, i) => {
      if (!used.has(i)) extra[h] = r[i] ?? '';
    });
    return { composition, load, row, extra };
  });
}
