/**
 * `vibann predict` — hardness with uncertainty (μ, σ, LCB = μ − 1.645σ, in HV) for formulas or a
 * CSV of compositions, at one or several loads (SPEC §5), or along the straight line between two
 * compositions (`--path A:B`). The work is `runPredict` (src/workflows/predict.ts).
 */
import { once } from 'node:events';
import { extname } from 'node:path';
import type { Command } from 'commander';
import { stringify } from 'csv-stringify/sync';
import { LCB_Z } from '../../uq/lcb.ts';
import { InputError } from '../../util/errors.ts';
import { createAtomicWriteStream } from '../../util/fs.ts';
import {
  PREDICT_DEFAULTS,
  type PredictionRow,
  runPredict,
  streamPredict,
} from '../../workflows/predict.ts';
import { cliHooks } from '../hooks.ts';
import { formatTable, info, out } from '../io.ts';
import { intOption, loadListOption } from '../options.ts';

interface PredictOpts {
  model: string;
  composition?: string[];
  input?: string;
  path?: string;
  steps: number;
  load?: number[];
  mc?: number;
  seed: number;
  json?: boolean;
  format?: string;
  output?: string;
}

type Format = 'table' | 'json' | 'csv' | 'ndjson';
const FORMATS: readonly Format[] = ['table', 'json', 'csv', 'ndjson'];

/** The output format: --json, --format, the --output file's extension, else a table. */
function formatOf(o: PredictOpts): Format {
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
function encoder(
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

/** Stream predictions in `format` to --output (atomically) or stdout, in bounded memory. */
async function streamOut(o: PredictOpts, format: 'json' | 'csv' | 'ndjson'): Promise<void> {
  const extra: ('row' | 't')[] =
    o.input !== undefined ? ['row'] : o.path !== undefined ? ['t'] : [];
  const enc = encoder(format, extra);
  const file = o.output !== undefined ? await createAtomicWriteStream(o.output) : undefined;
  const write = async (text: string) => {
    if (text === '') return;
    if (file) return file.write(text);
    if (!process.stdout.write(text)) await once(process.stdout, 'drain');
  };
  try {
    await write(enc.begin);
    const s = await streamPredict(
      { ...o, compositions: o.composition, loads: o.load },
      (rows) => write(enc.rows(rows)),
      cliHooks(),
    );
    await write(enc.end);
    await file?.commit();
    if (o.output !== undefined)
      info(
        `${s.count} predictions written to ${o.output} (${s.members} networks × ${s.passes} MC passes)`,
      );
  } catch (e) {
    await file?.abort();
    throw e;
  }
}

export function register(program: Command): void {
  program
    .command('predict')
    .description(
      'predict Vickers hardness with uncertainty (μ ± σ, LCB) for compositions at given loads',
    )
    .option('--model <dir>', 'model directory', PREDICT_DEFAULTS.model)
    .option('--composition <formula...>', "one or more formulas, e.g. 'B68Nb24Fe4W4'")
    .option(
      '--input <csv>',
      "CSV with a 'composition' column (or element columns) and optionally 'Load'",
    )
    .option('--path <A:B>', 'predictions along the straight line from composition A to B')
    .option('--steps <n>', 'points along --path', intOption('--steps', 2), PREDICT_DEFAULTS.steps)
    .option('--load <N[,N...]>', 'indentation load(s) in N (default 0.5)', loadListOption)
    .option(
      '--mc <S>',
      'Monte Carlo dropout passes per network (default 100)',
      intOption('--mc', 2),
    )
    .option('--seed <n>', 'seed of the MC passes', intOption('--seed'), PREDICT_DEFAULTS.seed)
    .option('--json', 'print one JSON document on stdout')
    .option(
      '--format <fmt>',
      'table | json | csv | ndjson (csv, ndjson and json are streamed: any number of rows in bounded memory)',
    )
    .option(
      '--output <file>',
      'write the predictions to FILE (format from --format or the extension)',
    )
    .action(async (o: PredictOpts) => {
      const format = formatOf(o);
      if (format !== 'table') return streamOut(o, format);
      const r = await runPredict({ ...o, compositions: o.composition, loads: o.load }, cliHooks());
      const path = o.path !== undefined;
      out(
        formatTable(
          [
            ...(path ? ['t'] : []),
            'composition',
            'load (N)',
            'HV μ',
            '± σ',
            'LCB',
            '90 % interval',
            'domain',
          ],
          r.rows.map((x) => [
            ...(x.t !== undefined ? [x.t.toFixed(2)] : []),
            x.composition,
            x.load,
            x.mean.toFixed(0),
            x.std.toFixed(0),
            x.lcb.toFixed(0),
            `${x.lo90.toFixed(0)}–${x.hi90.toFixed(0)}`,
            x.domain
              ? x.domain.in_domain
                ? 'in'
                : `OUT: ${x.domain.reasons.join(', ')}`
              : 'unknown',
          ]),
          {
            align: [
              ...(path ? ['right' as const] : []),
              'left',
              'right',
              'right',
              'right',
              'right',
              'right',
              'left',
            ],
          },
        ),
      );
      out(
        `(${r.members} networks × ${r.passes} MC passes; σ: ${r.uncertainty}; LCB = μ − ${LCB_Z}σ; model ${r.model})`,
      );
    });
}
