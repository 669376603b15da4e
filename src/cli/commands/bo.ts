/**
 * `vibann bo` — the GP-BO design baseline (SPEC §10), compared with a VIBANN design run: the top
 * candidates of both methods through the design run's own four gates (§9.7, loaded from its
 * gates.json) with novelty, diversity, VIBANN-ensemble LCB and GP LCB. Writes bo.json,
 * manifest.json and the best-LCB trace plot (bo_trace.svg/png) to the run directory. The workflow
 * is `runBoWorkflow` (workflows/bo.ts); this file parses, calls it and prints (print/bo.ts).
 */
import type { Command } from 'commander';
import { type BoWorkflowOptions, BO_DEFAULTS as D } from '../../workflows/bo.ts';
import { cliHooks } from '../hooks.ts';
import { out, printJson } from '../io.ts';
import { intOption, opt } from '../options.ts';
import { boLines } from '../print/bo.ts';

export function register(program: Command): void {
  program
    .command('bo')
    .description(
      'GP Bayesian-optimisation design baseline, compared with a VIBANN design through the same gates',
    )
    .addOption(
      opt.model(
        undefined,
        "model directory (its ensemble and latent space score the gates; default: the design run's, else models/default)",
      ),
    )
    .addOption(opt.data('trained'))
    .addOption(opt.load("design load in N (default: the design run's, else 0.5)"))
    .option('--iterations <n>', 'BO iterations', intOption('--iterations', 1), D.iterations)
    .option(
      '--design-run <dir>',
      'a VIBANN design run directory to compare with (its gates.json gives the gates)',
    )
    .option('--n <n>', 'top candidates per method in the comparison', intOption('--n', 1), D.n)
    .addOption(opt.seed('seed of the BO and of the gate MC passes', D.seed))
    .option(
      '--random-starts <n>',
      'random starts per iteration besides the anchors',
      intOption('--random-starts'),
      D.randomStarts,
    )
    .option(
      '--refine-starts <n>',
      'starts refined by L-BFGS per iteration (best acquisition first)',
      intOption('--refine-starts', 1),
      D.refineStarts,
    )
    .option(
      '--gp-restarts <n>',
      'GP marginal-likelihood restarts',
      intOption('--gp-restarts'),
      D.gpRestarts,
    )
    .addOption(
      opt.mc('MC dropout passes per network for the gates (default: the design run’s, 100)'),
    )
    .addOption(opt.out('run directory (default runs/bo-<date>)'))
    .option('--no-plot', 'do not draw the best-LCB trace')
    .addOption(opt.json())
    .addOption(opt.force())
    .action(async ({ json, ...o }: Omit<BoWorkflowOptions, 'argv'> & { json?: boolean }) => {
      const { runBoWorkflow } = await import('../../workflows/bo.ts');
      const argv = process.argv.slice(2);
      const { dir, document } = await runBoWorkflow({ ...o, argv }, cliHooks());
      if (json) printJson(document);
      else out(...boLines(document, dir, o.plot !== false));
    });
}
