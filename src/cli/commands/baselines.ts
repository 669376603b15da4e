/**
 * `vibann baselines` — the SPEC §7 classical baselines (mean, Lasso, Ridge, k-NN, random forest,
 * gradient boosting, MLP, GP) on the same split and features as VIBANN, tuned by 5-fold CV over
 * train_fit with a seeded TPE search, scored on test (`runBaselines`, src/workflows/baselines.ts).
 */
import type { Command } from 'commander';
import type { CalibrationMetrics } from '../../uq/calibration.ts';
import { BASELINES_DEFAULTS, runBaselines } from '../../workflows/baselines.ts';
import { cliHooks } from '../hooks.ts';
import { formatTable, out, printJson } from '../io.ts';
import { intOption } from '../options.ts';

const fmtParams = (p: Record<string, unknown>) =>
  Object.entries(p)
    .map(([k, v]) => `${k}=${typeof v === 'number' && !Number.isInteger(v) ? v.toPrecision(3) : v}`)
    .join(', ');

/** Accuracy metrics, with the calibration ones when the model has a σ. */
type UncertainMetrics = { r2: number; mae: number; rmse: number } & Partial<
  Pick<CalibrationMetrics, 'mace' | 'coverage_1sigma' | 'tail'>
>;

const unc = (name: string, t: UncertainMetrics) => [
  name,
  t.r2.toFixed(4),
  t.mae.toFixed(1),
  t.rmse.toFixed(1),
  t.mace?.toFixed(3) ?? '–',
  t.coverage_1sigma?.toFixed(3) ?? '–',
  t.tail?.q80.coverage_1sigma.toFixed(3) ?? '–',
  t.tail?.q90.coverage_1sigma.toFixed(3) ?? '–',
  t.tail?.q90.mean_signed_error.toFixed(1) ?? '–',
];

export function register(program: Command): void {
  const D = BASELINES_DEFAULTS;
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
    .option('--models <list>', 'comma list of mean,lasso,ridge,knn,rf,gb,mlp,gp, or all', D.models)
    .option(
      '--budget <n>',
      'TPE trials per tuned model (default: lasso/ridge/knn 30, rf/gb 20, mlp 10)',
      intOption('--budget', 1),
    )
    .option(
      '--seed <n>',
      'seed of the searches and the stochastic models',
      intOption('--seed'),
      D.seed,
    )
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
    .option(
      '--model <dir>',
      'add the VIBANN ensemble saved here as a row (default: models/default when it exists)',
    )
    .option(
      '--out <dir>',
      'run directory for baselines.json and the figure (default runs/baselines-<date>)',
    )
    .option('--json', 'print one JSON document on stdout')
    .option('--force', 'replace --out even if it holds files that are not a vibann run')
    .action(async (o: Parameters<typeof runBaselines>[0] & { json?: boolean }) => {
      const argv = process.argv.slice(2);
      const { document: doc, runDir } = await runBaselines({ ...o, argv }, cliHooks());
      if (o.json) return printJson(doc);
      const { split } = doc;
      out(
        `Baselines on the ${split.kind} split: fit on train_fit (${doc.data.train_fit} rows), test ${doc.data.test} rows; ` +
          `tuning = ${split.cv_folds}-fold CV over train_fit, seed ${doc.options.seed}; total ${doc.wall_s.toFixed(0)} s`,
      );
      out('');
      const head = ['model', 'test R²', 'MAE', 'RMSE', 'MAPE %', 'CV RMSE', 'tuning'];
      out(
        formatTable(
          [...head, 'best hyperparameters', 'time (s)'],
          doc.results.map((r) => [
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
      const gp = doc.results.find((r) => r.key === 'gp');
      const v = doc.vibann;
      const rows = [
        ...(v ? [unc(`VIBANN (${v.networks} networks)`, v.test)] : []),
        ...(gp ? [unc('GP (its own σ)', gp.test)] : []),
      ];
      if (rows.length > 0) {
        out('');
        out('Uncertainty on the test set (models with a predictive σ):');
        const tails = ['cov top 20 %', 'cov top 10 %', 'signed err top 10 %'];
        out(formatTable(['model', 'R²', 'MAE', 'RMSE', 'MACE', '±1σ cov', ...tails], rows));
      }
      out(`run directory: ${runDir} (baselines.json, figure)`);
    });
}
