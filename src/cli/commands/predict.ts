/**
 * `vibann predict` — hardness with uncertainty (μ, σ, LCB = μ − 1.645σ, in HV) for formulas or a
 * CSV of compositions, at one or several loads (SPEC §5), or along the straight line between two
 * compositions (`--path A:B`). The work is `runPredict` (src/workflows/predict.ts).
 */
import type { Command } from 'commander';
import { LCB_Z } from '../../uq/lcb.ts';
import { PREDICT_DEFAULTS, runPredict } from '../../workflows/predict.ts';
import { cliHooks } from '../hooks.ts';
import { formatTable, out, printJson } from '../io.ts';
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
    .action(async (o: PredictOpts) => {
      const r = await runPredict({ ...o, compositions: o.composition, loads: o.load }, cliHooks());
      if (o.json) return printJson(r.rows);
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
