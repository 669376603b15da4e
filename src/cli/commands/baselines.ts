/**
 * `vibann baselines` — the SPEC §7 classical baselines (mean, Lasso, Ridge, k-NN, random forest,
 * gradient boosting, MLP, GP) on the same split and features as VIBANN, tuned by 5-fold CV over
 * train_fit with a seeded TPE search, scored on test. One table (or one JSON document).
 */
import type { Command } from 'commander';
import { formatTable, info, out, printJson } from '../io.ts';
import { intOption } from '../options.ts';

export interface BaselinesOpts {
  data?: string;
  split?: string;
  models: string;
  budget?: number;
  seed: number;
  loadTransform: string;
  gpRestarts: number;
  mlpMaxIter: number;
  json?: boolean;
}

function fmtParams(p: Record<string, unknown>): string {
  return Object.entries(p)
    .map(
      ([k, v]) =>
        `${k}=${typeof v === 'number' && !Number.isInteger(v) ? v.toPrecision(3) : String(v)}`,
    )
    .join(', ');
}

export function register(program: Command): void {
  program
    .command('baselines')
    .description(
      'classical baselines (Lasso, Ridge, k-NN, RF, GB, MLP, GP) on the same split and features, tuned by 5-fold CV',
    )
    .option(
      '--data <file>',
      'dataset CSV (default: VIBANN_DATA, ./data/H_v_dataset.csv, ../shared/data/)',
    )
    .option(
      '--split <spec>',
      'reference | cluster | FILE (default: reference for the reference dataset)',
    )
    .option('--models <list>', 'comma list of mean,lasso,ridge,knn,rf,gb,mlp,gp, or all', 'all')
    .option(
      '--budget <n>',
      'TPE trials per tuned model (default: lasso/ridge/knn 30, rf/gb 20, mlp 10)',
      intOption('--budget', 1),
    )
    .option('--seed <n>', 'seed of the searches and the stochastic models', intOption('--seed'), 1)
    .option(
      '--load-transform <kind>',
      'standardise the load linearly or as ln L: linear | log',
      'linear',
    )
    .option(
      '--gp-restarts <n>',
      'GP marginal-likelihood restarts (final fit)',
      intOption('--gp-restarts'),
      5,
    )
    .option('--mlp-max-iter <n>', 'MLP epoch cap', intOption('--mlp-max-iter', 1), 200)
    .option('--json', 'print one JSON document on stdout')
    .action(async (o: BaselinesOpts) => {
      const d = await import('../../data/index.ts');
      const b = await import('../../baselines/index.ts');
      const { InputError } = await import('../../util/errors.ts');
      if (o.loadTransform !== 'linear' && o.loadTransform !== 'log') {
        throw new InputError(
          `--load-transform expects 'linear' or 'log', got '${o.loadTransform}'`,
        );
      }
      const models = b.parseModels(o.models);
      const where = d.resolveDatasetPath({ data: o.data });
      const ds = d.loadDataset(where.path);
      const split = d.selectSplit(ds, { spec: o.split, seed: o.seed });
      const table = b.runBaselines(ds, split, {
        models,
        budget: o.budget,
        seed: o.seed,
        loadTransform: o.loadTransform,
        gpRestarts: o.gpRestarts,
        mlpMaxIter: o.mlpMaxIter,
        onProgress: info,
      });
      if (o.json) {
        printJson(table);
        return;
      }
      out(
        `Baselines on the ${split.kind} split: fit on train_fit (${split.trainFit.length} rows), test ${split.test.length} rows; ` +
          `tuning = ${split.cvFolds.length}-fold CV over train_fit, seed ${o.seed}; total ${table.wall_s.toFixed(0)} s`,
      );
      out('');
      out(
        formatTable(
          [
            'model',
            'test R²',
            'MAE',
            'RMSE',
            'MAPE %',
            'CV RMSE',
            'tuning',
            'best hyperparameters',
            'time (s)',
          ],
          table.results.map((r) => [
            r.model,
            r.test.r2.toFixed(4),
            r.test.mae.toFixed(1),
            r.test.rmse.toFixed(1),
            r.test.mape.toFixed(2),
            r.cv_rmse.toFixed(1),
            r.tuning,
            r.gp
              ? `C=${r.gp.constant.toPrecision(3)}, ℓ=${r.gp.length_scale.toPrecision(3)}, noise=${r.gp.noise.toPrecision(3)}`
              : fmtParams(r.best_params) || '–',
            (r.search_s + r.fit_s).toFixed(1),
          ]),
          { align: ['left', 'right', 'right', 'right', 'right', 'right', 'left', 'left', 'right'] },
        ),
      );
    });
}
