/**
 * `vibann predict` — hardness with uncertainty (μ, σ, LCB = μ − 1.645σ, in HV) for formulas or a
 * CSV of compositions, at one or several loads (SPEC §5). Formulas are parsed and checked before
 * any model is looked for, so a typo is reported at once.
 */
import type { Command } from 'commander';
import { InputError, NotImplementedError } from '../../util/errors.ts';
import { intOption, loadListOption } from '../options.ts';

export interface PredictOpts {
  model: string;
  composition?: string[];
  input?: string;
  path?: string;
  steps: number;
  load?: number[];
  mc: number;
  seed: number;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command('predict')
    .description(
      'predict Vickers hardness with uncertainty (μ ± σ, LCB) for compositions at given loads',
    )
    .option('--model <dir>', 'model directory', 'models/default')
    .option('--composition <formula...>', "one or more formulas, e.g. 'B68Nb24Fe4W4'")
    .option('--input <csv>', "CSV with a 'composition' column (and optionally 'Load')")
    .option('--path <A:B>', 'predictions along the straight line from composition A to B')
    .option('--steps <n>', 'points along --path', intOption('--steps', 2), 11)
    .option('--load <N[,N...]>', 'indentation load(s) in N (default 0.5)', loadListOption)
    .option('--mc <S>', 'Monte Carlo dropout passes', intOption('--mc', 2), 100)
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
      // Parse first: an unknown element is reported before any model is looked for.
      for (const f of o.composition ?? []) Composition.parse(f);
      if (o.path !== undefined) {
        const parts = o.path.split(':');
        if (parts.length !== 2)
          throw new InputError(`--path expects 'A:B' (two formulas), got '${o.path}'`);
        for (const f of parts) Composition.parse(f);
      }
      throw new NotImplementedError("'vibann predict'");
    });
}
