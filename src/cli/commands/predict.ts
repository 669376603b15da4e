/**
 * `vibann predict` — hardness with uncertainty (μ, σ, LCB = μ − 1.645σ, in HV) for formulas or a
 * CSV of compositions, at one or several loads (SPEC §5), or along the straight line between two
 * compositions (`--path A:B`). The work is `runPredict` (src/workflows/predict.ts).
 */
import { once } from 'node:events';
import type { Command } from 'commander';
import { createAtomicWriteStream } from '../../util/fs.ts';
import { PREDICT_DEFAULTS as D, runPredict, streamPredict } from '../../workflows/predict.ts';
import { cliHooks } from '../hooks.ts';
import { info, out } from '../io.ts';
import { intOption, loadListOption, opt } from '../options.ts';
import { encoder, formatOf, predictLines } from '../print/predict.ts';

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
  // the opening text is written with the first rows, so an input rejected before any row (a bad
  // header, an unknown column) leaves stdout empty
  let begun = false;
  const begin = async () => {
    if (!begun) await write(enc.begin);
    begun = true;
  };
  try {
    const s = await streamPredict(
      { ...o, compositions: o.composition, loads: o.load },
      async (rows) => {
        await begin();
        await write(enc.rows(rows));
      },
      cliHooks(),
    );
    await begin();
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
    .addOption(opt.model(D.model))
    .option('--composition <formula...>', "one or more formulas, e.g. 'B68Nb24Fe4W4'")
    .option(
      '--input <csv>',
      "CSV with a 'composition' column (or element columns) and optionally 'Load'",
    )
    .option('--path <A:B>', 'predictions along the straight line from composition A to B')
    .option('--steps <n>', 'points along --path', intOption('--steps', 2), D.steps)
    .option('--load <N[,N...]>', 'indentation load(s) in N (default 0.5)', loadListOption)
    .addOption(opt.mc())
    .addOption(opt.seed('seed of the MC passes', D.seed))
    .addOption(opt.json())
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
      out(...predictLines(r, o.path !== undefined));
    });
}
