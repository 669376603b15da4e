/**
 * `vibann shift` — the shift benchmark (docs/uncertainty.md §4): for every element family with
 * ≥ 5 rows, the hardest rows and two load regimes, train the default model without them and score
 * them with every uncertainty method and the GP baseline (`runShift`, src/workflows/shift.ts).
 * Resumable: rerun with the same --out to skip the splits already done.
 */
import type { Command } from 'commander';
import { parseFamily } from '../../data/family.ts';
import { runShift, SHIFT_DEFAULTS } from '../../workflows/shift.ts';
import { cliHooks } from '../hooks.ts';
import { formatTable, out, printJson } from '../io.ts';
import { intOption, listOption } from '../options.ts';

interface ShiftOpts {
  data?: string;
  preset: string;
  seed: number;
  quick?: boolean;
  epochs?: number;
  families?: string;
  minRows: number;
  special?: string[];
  out?: string;
  json?: boolean;
}

const f2 = (v: number) => v.toFixed(2);
const f0 = (v: number) => v.toFixed(0);

export function register(program: Command): void {
  program
    .command('shift')
    .description(
      'shift benchmark: hold out element families, the hardest rows and load regimes; coverage of every σ and the GP',
    )
    .option('--data <file>', 'dataset CSV (default: the reference dataset)')
    .option('--preset <name>', 'training preset', SHIFT_DEFAULTS.preset)
    .option('--seed <n>', 'seed of the splits, training and MC passes', intOption('--seed'), 1)
    .option('--quick', 'smoke run: the preset’s quick caps (5 epochs, 20 MC passes)')
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
    .option('--out <dir>', 'run directory (default runs/shift-<date>); an existing one is resumed')
    .option('--json', 'print shift.json on stdout')
    .action(async (o: ShiftOpts) => {
      const families = o.families?.split(';').map((f) => parseFamily(f));
      const special = o.special?.includes('none') ? [] : o.special;
      const r = await runShift(
        {
          data: o.data,
          preset: o.preset,
          seed: o.seed,
          quick: o.quick,
          epochs: o.epochs,
          families,
          minRows: o.minRows,
          special,
          out: o.out,
        },
        cliHooks(),
      );
      if (o.json) return printJson(r.document);
      const d = r.document;
      const row = (
        name: string,
        n: number,
        m: (typeof d.table)[number]['default'],
        gp: typeof m,
      ) => [
        name,
        n,
        f0(m.mae),
        f0(m.mean_signed_error),
        f2(m.coverage_1sigma),
        f2(m.coverage_90),
        f0(m.mean_width_90),
        f2(m.nll),
        f2(gp.coverage_90),
        f0(gp.mae),
      ];
      out(
        formatTable(
          ['split', 'n', 'MAE', 'MSE', '±1σ', '90 %', 'width 90', 'NLL', 'GP 90 %', 'GP MAE'],
          [
            ...d.table.map((t) => row(t.name, t.n, t.default, t.gp)),
            row('pooled', d.pooled.default.n, d.pooled.default, d.pooled.gp),
          ],
        ),
      );
      out('');
      out(
        formatTable(
          ['σ (pooled)', '±1σ', '90 %', 'width 90', 'NLL', 'interval score 90'],
          Object.entries(d.pooled.methods).map(([k, m]) => [
            k,
            f2(m.coverage_1sigma),
            f2(m.coverage_90),
            f0(m.mean_width_90),
            f2(m.nll),
            f0(m.interval_score_90),
          ]),
        ),
      );
      out(`(run directory ${r.runDir}; MSE = mean signed error μ − y, HV)`);
    });
}
