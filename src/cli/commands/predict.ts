/**
 * `vibann predict` — hardness with uncertainty (μ, σ, LCB = μ − 1.645σ, in HV) for formulas or a
 * CSV of compositions, at one or several loads (SPEC §5), or along the straight line between two
 * compositions (`--path A:B`). Formulas are parsed and checked before any model is looked for,
 * so a typo is reported at once.
 */
import type { Command } from 'commander';
import type { Composition } from '../../chem/composition.ts';
import { InputError } from '../../util/errors.ts';
import { DEFAULT_MODEL_DIR, openModel } from '../../workflows/common.ts';
import { formatTable, out, printJson } from '../io.ts';
import { intOption, loadListOption } from '../options.ts';

export interface PredictOpts {
  model: string;
  composition?: string[];
  input?: string;
  path?: string;
  steps: number;
  load?: number[];
  mc?: number;
  seed: number;
  json?: boolean;
}

export interface PredictionRow {
  composition: string;
  fractions: Record<string, number>;
  load: number;
  mean: number;
  std: number;
  lcb: number;
  /** --path: position along the path (0 = A, 1 = B). */
  t?: number;
  /** --input: the row of the CSV. */
  row?: number;
}

export function register(program: Command): void {
  program
    .command('predict')
    .description(
      'predict Vickers hardness with uncertainty (μ ± σ, LCB) for compositions at given loads',
    )
    .option('--model <dir>', 'model directory', DEFAULT_MODEL_DIR)
    .option('--composition <formula...>', "one or more formulas, e.g. 'B68Nb24Fe4W4'")
    .option(
      '--input <csv>',
      "CSV with a 'composition' column (or element columns) and optionally 'Load'",
    )
    .option('--path <A:B>', 'predictions along the straight line from composition A to B')
    .option('--steps <n>', 'points along --path', intOption('--steps', 2), 11)
    .option('--load <N[,N...]>', 'indentation load(s) in N (default 0.5)', loadListOption)
    .option(
      '--mc <S>',
      'Monte Carlo dropout passes per network (default 100)',
      intOption('--mc', 2),
    )
    .option('--seed <n>', 'seed of the MC passes', intOption('--seed'), 1)
    .option('--json', 'print one JSON document on stdout')
    .action(async (o: PredictOpts) => {
      const { Composition } = await import('../../chem/index.ts');
      const given = [
        o.composition !== undefined,
        o.input !== undefined,
        o.path !== undefined,
      ].filter(Boolean).length;
      if (given !== 1)
        throw new InputError('predict: give exactly one of --composition, --input or --path');
      const loads = o.load ?? [0.5];
      // Parse first: an unknown element is reported before any model is looked for.
      const queries: { c: Composition; load: number; t?: number; row?: number }[] = [];
      if (o.composition) {
        const comps = o.composition.map((f) => Composition.parse(f));
        for (const c of comps) for (const L of loads) queries.push({ c, load: L });
      } else if (o.path !== undefined) {
        const parts = o.path.split(':');
        if (parts.length !== 2)
          throw new InputError(`--path expects 'A:B' (two formulas), got '${o.path}'`);
        const [a, b] = parts.map((f) => Composition.parse(f));
        for (let s = 0; s < o.steps; s++) {
          const t = s / (o.steps - 1);
          for (const L of loads) queries.push({ c: a.interpolate(b, t), load: L, t });
        }
      } else {
        const { readQueries } = await import('../../data/queries.ts');
        for (const q of readQueries(o.input!)) {
          if (q.load !== undefined) queries.push({ c: q.composition, load: q.load, row: q.row });
          else for (const L of loads) queries.push({ c: q.composition, load: L, row: q.row });
        }
      }
      const model = await openModel(o.model);
      const p = model.predictWithUncertainty(
        { compositions: queries.map((q) => q.c), loads: queries.map((q) => q.load) },
        { passes: o.mc, seed: o.seed },
      );
      const rows: PredictionRow[] = queries.map((q, i) => ({
        composition: q.c.toFormula(o.path !== undefined ? { as: 'fraction' } : { step: 0.1 }),
        fractions: q.c.toFractions(),
        load: q.load,
        mean: p.mean[i],
        std: p.std[i],
        lcb: p.lcb[i],
        ...(q.t !== undefined ? { t: q.t } : {}),
        ...(q.row !== undefined ? { row: q.row } : {}),
      }));
      if (o.json) {
        printJson(rows);
        return;
      }
      const head = [
        ...(o.path !== undefined ? ['t'] : []),
        'composition',
        'load (N)',
        'HV μ',
        '± σ',
        'LCB',
      ];
      out(
        formatTable(
          head,
          rows.map((r) => [
            ...(r.t !== undefined ? [r.t.toFixed(2)] : []),
            r.composition,
            r.load,
            r.mean.toFixed(0),
            r.std.toFixed(0),
            r.lcb.toFixed(0),
          ]),
          {
            align: [
              ...(o.path !== undefined ? ['right' as const] : []),
              'left',
              'right',
              'right',
              'right',
              'right',
            ],
          },
        ),
      );
      out(`(${p.members} networks × ${p.passes} MC passes; LCB = μ − 1.645σ; model ${o.model})`);
    });
}
