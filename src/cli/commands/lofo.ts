/**
 * `vibann lofo` — leave-family-out validation (SPEC §12): `--list` the element families, or
 * `--family Mo,Ta,Si,W` to hold out every row containing all of these elements, train on the rest
 * and report the metrics on the held-out rows (`runLofoList` / `runLofo`, src/workflows/lofo.ts).
 * Printed by print/lofo.ts.
 */
import type { Command } from 'commander';
import { parseFamily } from '../../data/family.ts';
import { InputError } from '../../util/errors.ts';
import { LOFO_DEFAULTS as D, runLofo, runLofoList, runLofoMany } from '../../workflows/lofo.ts';
import { duration } from '../duration.ts';
import { cliHooks } from '../hooks.ts';
import { out, printJson } from '../io.ts';
import { intOption, opt, type ParallelCliOptions, parallelOptions } from '../options.ts';
import { lofoLines, lofoListLines, lofoManyLines } from '../print/lofo.ts';

interface LofoOpts extends ParallelCliOptions {
  list?: boolean;
  family?: string[];
  allFamilies?: boolean;
  minRows: number;
  data?: string;
  preset: string;
  seed: number;
  seeds: number;
  quick?: boolean;
  mc?: number;
  out?: string;
  plots: boolean;
  json?: boolean;
}

async function many(o: LofoOpts, argv: string[]): Promise<void> {
  const families = o.allFamilies
    ? (await runLofoList(o)).families
        .filter((f) => f.rows >= o.minRows)
        .map((f) => f.family.split('-'))
    : (o.family as string[]).map(parseFamily);
  const { family: _f, ...rest } = o;
  const r = await runLofoMany({ ...rest, families, argv }, cliHooks());
  if (o.json) printJson(r.document);
  else out(...lofoManyLines(r));
}

export function register(program: Command): void {
  parallelOptions(program.command('lofo'))
    .description('leave-family-out validation: hold out every row containing a set of elements')
    .option('--list', 'list families with their row counts and median HV')
    .option(
      '--family <elements>',
      'hold out every row containing all of these elements, e.g. Mo,Ta,Si,W (or B-Fe-Nb); repeat for several',
      (v: string, prev?: string[]) => [...(prev ?? []), v],
    )
    .option('--all-families', 'one run per family of --list with at least --min-rows rows')
    .option(
      '--min-rows <n>',
      '--list: show families with at least n rows (JSON: all)',
      intOption('--min-rows', 1),
      5,
    )
    .addOption(opt.data())
    .addOption(opt.preset('default | paper', D.preset))
    .addOption(opt.seed('seed of the split, the training and the MC passes', D.seed))
    .option(
      '--seeds <n>',
      'seeds per CV fold (ensemble = seeds × 5 networks)',
      intOption('--seeds', 1),
      D.seeds,
    )
    .addOption(opt.quick('smoke run: 5 epochs per network, 20 MC passes'))
    .addOption(opt.mc('MC dropout passes per network (default: the preset’s)'))
    .addOption(opt.out('run directory (default runs/lofo-<elements>-<date>)'))
    .addOption(opt.noPlots('the parity figure'))
    .addOption(opt.json())
    .addOption(opt.force())
    .action(async (o: LofoOpts) => {
      const t0 = performance.now();
      if ([o.list, o.family, o.allFamilies].filter(Boolean).length !== 1)
        throw new InputError(
          "lofo: give either --list or --family ELEMENTS (e.g. 'vibann lofo --family Mo,Ta,Si,W') or --all-families",
        );
      if (o.list) {
        const r = await runLofoList(o, cliHooks());
        return o.json ? printJson(r) : out(...lofoListLines(r, o.minRows));
      }
      const argv = process.argv.slice(2);
      if (o.allFamilies || (o.family && o.family.length > 1)) return many(o, argv);
      const family = parseFamily((o.family as string[])[0]);
      const { document: doc, runDir } = await runLofo({ ...o, family, argv }, cliHooks());
      if (o.json) return printJson(doc);
      out(
        ...lofoLines(doc, family),
        `run directory: ${runDir} (lofo.json, model/${o.plots ? ', parity_lofo' : ''}); total ${duration((performance.now() - t0) / 1000)}`,
      );
    });
}
