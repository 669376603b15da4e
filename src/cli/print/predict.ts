/**
 * Output of `vibann predict`: the format (--json, --format, the --output extension), the streamed
 * encoders (json, csv, ndjson) and the text table.
 */
import { extname } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { LCB_Z } from '../../uq/lcb.ts';
import { InputError } from '../../util/errors.ts';
import type { PredictionRow, runPredict } from '../../workflows/predict.ts';
import { formatTable } from '../io.ts';

export type Format = 'table' | 'json' | 'csv' | 'ndjson';
const FORMATS: readonly Format[] = ['table', 'json', 'csv', 'ndjson'];

/** The output format: --json, --format, the --output file's extension, else a table. */
export function formatOf(o: { json?: boolean; format?: string; output?: string }): Format {
  if (o.json) return 'json';
  if (o.format !== undefined) {
    if (!FORMATS.includes(o.format as Format))
      throw new InputError(`--format expects one of ${FORMATS.join(', ')}, got '${o.format}'`);
    return o.format as Format;
  }
  if (o.output !== undefined) {
    const ext = extname(o.output).toLowerCase();
    if (ext === '.csv') return 'csv';
    if (ext === '.ndjson' || ext === '.jsonl') return 'ndjson';
    if (ext === '.json') return 'json';
    throw new InputError(
      `--output '${o.output}': give --format csv|ndjson|json (or a .csv, .ndjson or .json file name)`,
    );
  }
  return 'table';
}

const CSV_COLUMNS = [
  'composition',
  'load',
  'mean',
  'std',
  'lcb',
  'lo90',
  'hi90',
  'sigma_mc',
  'in_domain',
  'domain_reasons',
] as const;

/** Text encoders of the streamed formats: what comes before, for each chunk of rows, and after. */
export function encoder(
  format: 'json' | 'csv' | 'ndjson',
  extra: ('row' | 't')[],
): { begin: string; rows: (r: PredictionRow[]) => string; end: string } {
  if (format === 'ndjson')
    return { begin: '', rows: (rs) => rs.map((r) => `${JSON.stringify(r)}\n`).join(''), end: '' };
  if (format === 'json') {
    // the same text as printJson(rows): a pretty-printed array, written element by element
    let firstChunk = true;
    return {
      begin: '[\n',
      rows: (rs) => {
        const text = rs
          .map((r) =>
            JSON.stringify(r, null, 2)
              .split('\n')
              .map((l) => `  ${l}`)
              .join('\n'),
          )
          .join(',\n');
        const sep = firstChunk ? '' : ',\n';
        firstChunk = false;
        return sep + text;
      },
      end: '\n]\n',
    };
  }
  const columns = [...extra, ...CSV_COLUMNS];
  return {
    begin: stringify([columns]),
    rows: (rs) =>
      stringify(
        rs.map((r) => [
          ...extra.map((k) => r[k] ?? ''),
          r.composition,
          r.load,
          r.mean,
          r.std,
          r.lcb,
          r.lo90,
          r.hi90,
          r.sigma_mc,
          r.domain ? r.domain.in_domain : '',
          r.domain ? r.domain.reasons.join(';') : '',
        ]),
      ),
    end: '',
  };
}

const domainCell = (x: PredictionRow) =>
  x.domain ? (x.domain.in_domain ? 'in' : `OUT: ${x.domain.reasons.join(', ')}`) : 'unknown';

/** The text table of predictions and the line saying how they were made. */
export function predictLines(r: Awaited<ReturnType<typeof runPredict>>, path: boolean): string[] {
  const head = ['composition', 'load (N)', 'HV μ', '± σ', 'LCB', '90 % interval', 'domain'];
  const align: ('left' | 'right')[] = ['left', 'right', 'right', 'right', 'right', 'right', 'left'];
  return [
    formatTable(
      [...(path ? ['t'] : []), ...head],
      r.rows.map((x) => [
        ...(x.t !== undefined ? [x.t.toFixed(2)] : []),
        x.composition,
        x.load,
        x.mean.toFixed(0),
        x.std.toFixed(0),
        x.lcb.toFixed(0),
        `${x.lo90.toFixed(0)}–${x.hi90.toFixed(0)}`,
        domainCell(x),
      ]),
      { align: [...(path ? ['right' as const] : []), ...align] },
    ),
    `(${r.members} networks × ${r.passes} MC passes; σ: ${r.uncertainty}; LCB = μ − ${LCB_Z}σ; model ${r.model})`,
  ];
}
