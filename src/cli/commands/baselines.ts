/**
 * `vibann baselines` — the SPEC §7 classical baselines (mean, Lasso, Ridge, k-NN, random forest,
 * gradient boosting, MLP, GP) on the same split and features as VIBANN, tuned by 5-fold CV over
 * train_fit with a seeded TPE search, scored on test. One table (or one JSON document).
 */

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { CalibrationMetrics } from '../../uq/calibration.ts';
import { DEFAULT_MODEL_DIR, openModel, runDirName } from '../../workflows/common.ts';
import { writeFigures } from '../figures.ts';
import { formatTable, info, out, printJson, warn } from '../io.ts';
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
  model?: string;
  out?: string;
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

/** Accuracy metrics, with the calibration ones when the model has a σ. */
type UncertainMetrics = { r2: number; mae: number; rmse: number } & Partial<
  Pick<CalibrationMetrics, 'mace' | 'coverage_1sigma' | 'tail'>
>;

interface VibannRow {
  model_dir: string;
  preset: string;
  networks: number;
  test: CalibrationMetrics;
  recalibrated_test: CalibrationMetrics;
  sigma_scale: number;
  cv_rmse?: number;
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
    .option(
      '--model <dir>',
      'add the VIBANN ensemble saved here as a row (default: models/default when it exists)',
    )
    .option(
      '--out <dir>',
      'run directory for baselines.json and the figure (default runs/baselines-<date>)',
    )
    .option('--json', 'print one JSON document on stdout')
    .action(async (o: BaselinesOpts) => {
      const t0 = performance.now();
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
      // The VIBANN row: the trained ensemble evaluated on the same split (refused if it was trained on another).
      const modelDir =
        o.model ??
        (existsSync(join(DEFAULT_MODEL_DIR, 'manifest.json')) ? DEFAULT_MODEL_DIR : undefined);
      let vibann: VibannRow | undefined;
      if (modelDir) {
        const model = await openModel(modelDir);
        const same =
          model.meta.data.sha256 === ds.sha256 &&
          JSON.stringify(model.meta.split.test) === JSON.stringify(split.test) &&
          JSON.stringify(model.meta.split.train_fit) === JSON.stringify(split.trainFit);
        if (!same) {
          warn(
            `the model in ${modelDir} was trained on another dataset or split; no VIBANN row (train it with the same --split)`,
          );
        } else {
          info(`VIBANN: evaluating ${modelDir} on the same split…`);
          const { evaluateModel } = await import('../../eval/evaluate.ts');
          const r = evaluateModel(model, ds, split);
          vibann = {
            model_dir: modelDir,
            preset: model.meta.preset.name,
            networks: model.net.nMembers,
            test: r.test,
            recalibrated_test: r.recalibrated.test,
            sigma_scale: r.recalibrated.sigma_scale,
            cv_rmse: r.cv?.mean.rmse,
          };
        }
      }
      const doc = { ...table, vibann };
      const runDir = o.out ?? runDirName('baselines');
      const { writeJsonAtomic } = await import('../../util/fs.ts');
      const { newManifest, writeManifest, dataRecord } = await import('../../util/manifest.ts');
      const { baselinesPlot } = await import('../../plots/index.ts');
      await writeJsonAtomic(join(runDir, 'baselines.json'), doc);
      const bars = table.results.map((r) => ({
        model: r.model,
        mae: r.test.mae,
        rmse: r.test.rmse,
      }));
      if (vibann) bars.push({ model: 'VIBANN', mae: vibann.test.mae, rmse: vibann.test.rmse });
      await writeFigures(runDir, { baselines: baselinesPlot({ models: bars, set: 'test' }) });
      const manifest = newManifest(
        'baselines',
        process.argv.slice(2),
        { ...table.options, model: modelDir },
        { seed: o.seed },
      );
      manifest.data = dataRecord(ds, split);
      manifest.timings.total = (performance.now() - t0) / 1000;
      await writeManifest(runDir, manifest);
      if (o.json) {
        printJson(doc);
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
      const gp = table.results.find((r) => r.key === 'gp');
      const rows = [
        ...(vibann ? [unc(`VIBANN (${vibann.networks} networks)`, vibann.test)] : []),
        ...(gp ? [unc('GP (its own σ)', gp.test)] : []),
      ];
      if (rows.length > 0) {
        out('');
        out('Uncertainty on the test set (models with a predictive σ):');
        out(
          formatTable(
            [
              'model',
              'R²',
              'MAE',
              'RMSE',
              'MACE',
              '±1σ cov',
              'cov top 20 %',
              'cov top 10 %',
              'signed err top 10 %',
            ],
            rows,
          ),
        );
      }
      out(`run directory: ${runDir} (baselines.json, figure)`);
    });
}
