/**
 * `vibann baselines` — the SPEC §7 classical baselines (mean, Lasso, Ridge, k-NN, random forest,
 * gradient boosting, MLP, GP) on the same split and features as VIBANN, tuned by 5-fold CV over
 * train_fit with a seeded TPE search, scored on test (`runBaselines`, src/workflows/baselines.ts).
 */
import type { Command } from 'commander';
import { BASELINES_DEFAULTS as D, runBaselines } from '../../workflows/baselines.ts';
import { cliHooks } from '../hooks.ts';
import { out, printJson } from '../io.ts';
import { intOption, opt, runDirOptions } from '../options.ts';
import { baselinesLines } from '../print/baselines.ts';

export function register(program: Command): void {
  const cmd = program
    .command('baselines')
    .description(
      'classical baselines (Lasso, Ridge, k-NN, RF, GB, MLP, GP) on the same split and features, tuned by 5-fold CV',
    )
    .addOption(opt.data('resolved'))
    .addOption(
      opt.split('reference | cluster | FILE (default: reference for the reference dataset)'),
    )
    .option('--models <list>', 'comma list of mean,lasso,ridge,knn,rf,gb,mlp,gp, or all', D.models)
    .option(
      '--budget <n>',
      'TPE trials per tuned model (default: lasso/ridge/knn 30, rf/gb 20, mlp 10)',
      intOption('--budget', 1),
    )
    .addOption(opt.seed('seed of the searches and the stochastic models', D.seed))
    .option(
      '--load-transform <kind>',
      'standardise the load linearly or as ln L: linear | log',
      D.loadTransform,
    )
    .option(
      '--gp-restarts <n>',
      'GP marginal-likelihood restarts (final fit)',
      intOption('--gp-restarts'),
      D.gpRestarts,
    )
    .option('--mlp-max-iter <n>', 'MLP epoch cap', intOption('--mlp-max-iter', 1), D.mlpMaxIter)
    .addOption(
      opt.model(
        undefined,
        'add the VIBANN ensemble saved here as a row (default: models/default when it exists)',
      ),
    );
  runDirOptions(
    cmd,
    'run directory for baselines.json and the figure (default runs/baselines-<date>)',
  ).action(async (o: Parameters<typeof runBaselines>[0] & { json?: boolean }) => {
    const argv = process.argv.slice(2);
    const { document: doc, runDir } = await runBaselines({ ...o, argv }, cliHooks());
    if (o.json) printJson(doc);
    else out(...baselinesLines(doc, runDir));
  });
}
