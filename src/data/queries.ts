/**
 * Prediction requests read from a CSV (`vibann predict --input FILE`): a `composition` formula
 * column or element-fraction columns, and an optional `Load` column (N; an empty cell means "the
 * loads given on the command line"). Other columns (names, notes, a measured HV) are carried along
 * untouched. The header and every cell go through the same validation as the dataset loader
 * (data/csv.ts): errors name file, row and column.
 *
 * `streamQueries` reads the file in chunks (csv-parse's stream API), so memory stays bounded
 * whatever the number of rows; `readQueries` collects them all (small files, tests).
 */
import { createReadStream, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parse as parseStream } from 'csv-parse';
import { parse as parseSync } from 'csv-parse/sync';
import type { Composition } from '../chem/composition.ts';
import { InputError } from '../util/errors.ts';
import {
  CSV_PARSE_OPTIONS,
  type CsvLayout,
  checkRowLength,
  classifyHeader,
  compositionCell,
  loadCell,
} from './csv.ts';

export interface PredictionQuery {
  composition: Composition;
  /** Load from the file (N), when it has a Load column and the cell is not empty. */
  load?: number;
  /** 1-based row number in the file, as a spreadsheet shows it. */
  row: number;
  /** Other columns of the row, as text. */
  extra: Record<string, string>;
}

const EXPECTED =
  "expected a CSV with a 'composition' column (or element columns) and optionally 'Load'";

/** The header of a request file, classified (HV and Load optional). */
export function queryLayout(header: readonly string[], file: string): CsvLayout {
  return classifyHeader(header, file, {
    load: 'optional',
    hv: 'optional',
    what: 'prediction requests',
  });
}

/** One data row → a query (checked like a dataset row). */
export function queryOfRow(
  layout: CsvLayout,
  cells: readonly string[],
  row: number,
): PredictionQuery {
  checkRowLength(layout, cells, row);
  const composition = compositionCell(layout, cells, row);
  const load = loadCell(layout, cells, row, true);
  const extra: Record<string, string> = {};
  for (const { name, index } of layout.other) extra[name] = cells[index] ?? '';
  if (layout.hv !== undefined) extra[layout.header[layout.hv]] = cells[layout.hv] ?? '';
  return { composition, load, row, extra };
}

/** Read every request of a file (for small files; `streamQueries` for large ones). */
export function readQueries(path: string): PredictionQuery[] {
  const file = basename(path);
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new InputError(
      `${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`,
    );
  }
  if (bytes.toString('utf8').trim() === '')
    throw new InputError(`${file}: the file is empty; ${EXPECTED}`);
  if (bytes.includes(0))
    throw new InputError(`${file}: not a CSV file (it contains binary data); ${EXPECTED}`);
  let rows: string[][];
  try {
    rows = parseSync(bytes.toString('utf8'), CSV_PARSE_OPTIONS) as string[][];
  } catch (e) {
    throw new InputError(`${file}: not a valid CSV file: ${(e as Error).message}`);
  }
  const layout = queryLayout(rows[0], file);
  if (rows.length < 2) throw new InputError(`${file}: the file has a header but no data rows`);
  return rows.slice(1).map((r, k) => queryOfRow(layout, r, k + 2));
}

/**
 * Stream the requests of a file in chunks of at most `chunkRows` rows. The header is validated
 * before the first chunk; a bad row stops the stream with an InputError naming it; a file without
 * data rows is an InputError at the end. `onBytes` reports the bytes read so far (progress).
 */
export async function* streamQueries(
  path: string,
  o: { chunkRows?: number; onBytes?: (read: number, total: number) => void } = {},
): AsyncGenerator<PredictionQuery[]> {
  const file = basename(path);
  const chunkRows = o.chunkRows ?? 2048;
  let total = 0;
  try {
    const { statSync } = await import('node:fs');
    total = statSync(path).size;
  } catch (e) {
    throw new InputError(
      `${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`,
    );
  }
  if (total === 0) throw new InputError(`${file}: the file is empty; ${EXPECTED}`);
  const input = createReadStream(path);
  let read = 0;
  let binary = false;
  input.on('data', (b: Buffer | string) => {
    const buf = typeof b === 'string' ? Buffer.from(b) : b;
    read += buf.length;
    if (buf.includes(0)) binary = true;
    o.onBytes?.(read, total);
  });
  const parser = input.pipe(parseStream(CSV_PARSE_OPTIONS));
  input.on('error', (e) => parser.destroy(e));
  let layout: CsvLayout | undefined;
  let row = 1;
  let chunk: PredictionQuery[] = [];
  let rows = 0;
  try {
    for await (const rec of parser as AsyncIterable<string[]>) {
      if (binary)
        throw new InputError(`${file}: not a CSV file (it contains binary data); ${EXPECTED}`);
      if (layout === undefined) {
        layout = queryLayout(rec, file);
        continue;
      }
      row += 1;
      rows += 1;
      chunk.push(queryOfRow(layout, rec, row));
      if (chunk.length >= chunkRows) {
        yield chunk;
        chunk = [];
      }
    }
  } catch (e) {
    if (e instanceof InputError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR')
      throw new InputError(`${path}: cannot read (${code})`);
    throw new InputError(`${file}: not a valid CSV file: ${(e as Error).message}`);
  } finally {
    input.destroy();
  }
  if (binary)
    throw new InputError(`${file}: not a CSV file (it contains binary data); ${EXPECTED}`);
  if (layout === undefined) throw new InputError(`${file}: the file is empty; ${EXPECTED}`);
  if (rows === 0) throw new InputError(`${file}: the file has a header but no data rows`);
  if (chunk.length > 0) yield chunk;
}
