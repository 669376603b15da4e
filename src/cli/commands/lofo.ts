/**
 * `vibann lofo` — leave-family-out validation (SPEC §12): `--list` the element families, or
 * `--family Mo,Ta,Si,W` to hold out every row containing all of these elements, train on the rest
 * and report the metrics on the held-out rows (`runLofoList` / `runLofo`, src/workflows/lofo.ts).
 */
import type { Command } from 'commander';
import { parseFamily } from '../../data/family.ts';
import { InputError } from '../../util/errors.ts';
import { LOFO_DEFAULTS, runLofo, runLofoList } from '../../workflows/lofo.ts';
import { duration } from '../duration.ts';
import { cliHooks } from '../hooks.ts';
import { formatTable, out, printJson } from '../io.ts';
import { metricsTable } from '../metrics-table.ts';
import { intOption } from '../options.ts';

interface LofoOpts {
  list?: boolean;
  family?: string;
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

export function register(program: Command): void {
  const D = LOFO_DEFAULTS;
  program
    .command('lofo')
    .description('leave-family-out validation: hold out every row containing a set of elements')
    .option('--list', 'list families with their row counts and median HV')
    .option(
      '--family <elements>',
      'hold out every row containing all of these elements, e.g. Mo,Ta,Si,W (or B-Fe-Nb)',
    )
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
      if (Boolean(o.list) === Boolean(o.family))
        throw new InputError(
          "lofo: give either --list or --family ELEMENTS (e.g. 'vibann lofo --family Mo,Ta,Si,W')",
        );
      if (o.list) return list(o);
      const family = parseFamily(o.family as string);
      const argv = process.argv.slice(2);
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
