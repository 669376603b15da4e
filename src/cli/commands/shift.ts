/**
 * `vibann shift` — the shift benchmark (docs/uncertainty.md §4): for every element family with
 * ≥ 5 rows, the hardest rows and two load regimes, train the default model without them and score
 * them with every uncertainty method and the GP baseline (`runShift`, src/workflows/shift.ts), one
 * job per split on --workers threads or a --queue. Resumable: rerun with the same --out to skip the
 * splits already done. Printed by print/shift.ts.
 */
import type { Command } from 'commander';
import { parseFamily } from '../../data/family.ts';
import { runShift, SHIFT_DEFAULTS } from '../../workflows/shift.ts';
import { cliHooks } from '../hooks.ts';
import { out, printJson } from '../io.ts';
import {
  intOption,
  listOption,
  opt,
  type ParallelCliOptions,
  parallelOptions,
} from '../options.ts';
import { shiftLines } from '../print/shift.ts';

interface ShiftOpts extends ParallelCliOptions {
  data?: string;
  preset: string;
  seed: number;
  quick?: boolean;
  epochs?: number;
  families?: string;
  minRows: number;
  special?: string[];
  out?: string;
  force?: boolean;
  json?: boolean;
}

export function register(program: Command): void {
  parallelOptions(program.command('shift'))
    .description(
      'shift benchmark: hold out element families, the hardest rows and load regimes; coverage of every σ and the GP',
    )
    .addOption(opt.data())
    .addOption(opt.preset('training preset', SHIFT_DEFAULTS.preset))
    .addOption(opt.seed('seed of the splits, training and MC passes', 1))
    .addOption(opt.quick('smoke run: the preset’s quick caps (5 epochs, 20 MC passes)'))
    .option('--epochs <n>', 'cap on epochs per network (development)', intOption('--epochs', 1))
    .option(
      '--families <list>',
      "only these families, ';'-separated, e.g. 'B,Co,Re;Fe,Nb' (default: every family with ≥ --min-rows rows)",
    )
    .option('--min-rows <n>', 'families need at least n rows', intOption('--min-rows', 1), 5)
    .option(
      '--special <list>',
      "special splits: hardest,load-low,load-high (default all; 'none' for none)",
      listOption,
    )
    .addOption(opt.out('run directory (default runs/shift-<date>); an existing one is resumed'))
    .addOption(opt.json('print shift.json on stdout'))
    .addOption(opt.force())
    .action(async ({ json, families, special, ...o }: ShiftOpts) => {
      const r = await runShift(
        {
          ...o,
          families: families?.split(';').map((f) => parseFamily(f)),
          special: special?.includes('none') ? [] : special,
          argv: process.argv.slice(2),
        },
        cliHooks(),
      );
      if (json) printJson(r.document);
      else out(...shiftLines(r.document, r.runDir));
    });
}
