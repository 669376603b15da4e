/**
 * `vibann lofo` — leave-family-out validation (SPEC §12): `--list` the element families, or
 * `--family Mo,Ta,Si,W` to hold out every row containing all of these elements, train on the rest
 * and report the metrics on the held-out rows (`runLofoList` / `runLofo`, src/workflows/lofo.ts).
 */
import type { Command } from 'commander';
import { parseFamily } from '../../data/family.ts';
import { InputError } from '../../util/errors.ts';
import { LOFO_DEFAULTS, runLofo, runLofoList, runLofoMany } from '../../workflows/lofo.ts';
import { duration } from '../duration.ts';
import { cliHooks } from '../hooks.ts';
import { formatTable, out, printJson } from '../io.ts';
import { metricsTable } from '../metrics-table.ts';
import { intOption } from '../options.ts';
import { type ParallelCliOptions, parallelOptions } from './studies.ts';

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

async function list(o: LofoOpts): Promise<void> {
  const r = await runLofoList(o, cliHooks());
  if (o.json) return printJson(r);
  const shown = r.families.filter((f) => f.rows >= o.minRows);
  out(
    `${r.families.length} element families in ${r.rows} rows of ${r.dataset}; ${shown.length} with at least ${o.minRows} rows:`,
  );
  out(
    formatTable(
      ['family', 'rows', 'median HV', 'rows held out by --family'],
      shown.map((f) => [f.family, f.rows, Math.round(f.median_hv), f.held_out_by_family_option]),
    ),
  );
  out(
    "('--family B,Fe,Nb' holds out every row containing B, Fe and Nb, so also their supersets; --min-rows changes the cut)",
  );
}

async function many(o: LofoOpts, argv: string[]): Promise<void> {
  const families = o.allFamilies
    ? (await runLofoList(o)).families
        .filter((f) => f.rows >= o.minRows)
        .map((f) => f.family.split('-'))
    : (o.family as string[]).map(parseFamily);
  const { family: _f, ...rest } = o;
  const r = await runLofoMany({ ...rest, families, argv }, cliHooks());
  if (o.json) return printJson(r.document);
  out(
    formatTable(
      ['held-out family', 'rows', 'RMSE', 'MAE', 'R²', '±1σ cov', '±1σ cov recal.'],
      r.document.families.map((f) => [
        f.family.join('-'),
        f.held_out_rows,
        f.rmse.toFixed(1),
        f.mae.toFixed(1),
        f.r2.toFixed(3),
        f.coverage_1sigma.toFixed(3),
        f.coverage_1sigma_recalibrated.toFixed(3),
      ]),
    ),
  );
  out(`(HV; each family's run in ${r.runDir}/<family>/; summary lofo-families.json)`);
}

export function register(program: Command): void {
  const D = LOFO_DEFAULTS;
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
    .option('--data <file>', 'dataset CSV (default: the reference dataset)')
    .option('--preset <name>', 'default | paper', D.preset)
    .option(
      '--seed <n>',
      'seed of the split, the training and the MC passes',
      intOption('--seed'),
      D.seed,
    )
    .option(
      '--seeds <n>',
      'seeds per CV fold (ensemble = seeds × 5 networks)',
      intOption('--seeds', 1),
      D.seeds,
    )
    .option('--quick', 'smoke run: 5 epochs per network, 20 MC passes')
    .option(
      '--mc <S>',
      'MC dropout passes per network (default: the preset’s)',
      intOption('--mc', 2),
    )
    .option('--out <dir>', 'run directory (default runs/lofo-<elements>-<date>)')
    .option('--no-plots', 'skip the parity figure')
    .option('--json', 'print one JSON document on stdout')
    .option('--force', 'replace --out even if it holds files that are not a vibann run')
    .action(async (o: LofoOpts) => {
      const t0 = performance.now();
      if ([o.list, o.family, o.allFamilies].filter(Boolean).length !== 1)
        throw new InputError(
          "lofo: give either --list or --family ELEMENTS (e.g. 'vibann lofo --family Mo,Ta,Si,W') or --all-families",
        );
      if (o.list) return list(o);
      const argv = process.argv.slice(2);
      if (o.allFamilies || (o.family && o.family.length > 1)) return many(o, argv);
      const family = parseFamily((o.family as string[])[0]);
      const { document: doc, runDir } = await runLofo({ ...o, family, argv }, cliHooks());
      if (o.json) return printJson(doc);
      out(
        `held-out family ${family.join('-')}: ${doc.held_out.rows} rows (${doc.held_out.families.length} element sets); trained on ${doc.n.train_fit} rows, calibration ${doc.n.calibration}; ${doc.training.networks} networks × ${doc.mc.passes} MC passes`,
      );
      out(
        metricsTable([
          ['held out', doc.test],
          [`held out, σ × ${doc.recalibrated.sigma_scale.toFixed(3)}`, doc.recalibrated.test],
        ]),
      );
      out(
        '(HV; R² is over the held-out rows only, so it is low when the family spans a narrow hardness range)',
      );
      out(
        `run directory: ${runDir} (lofo.json, model/${o.plots ? ', parity_lofo' : ''}); total ${duration((performance.now() - t0) / 1000)}`,
      );
    });
}
