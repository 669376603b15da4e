/**
 * `vibann evaluate` — accuracy and calibration of a trained model (SPEC §6, §7) on the test and
 * calibration sets of the split it was trained with: R², MAE, RMSE, MAPE, mean signed error,
 * ±1σ coverage, MACE, IMCE, RMSCE, miscalibration area, NLL, tail statistics (y ≥ q0.80, q0.90),
 * raw and with σ recalibrated on the calibration set; and the CV report.
 */

import { join } from 'node:path';
import type { Command } from 'commander';
import { LCB_Z } from '../../uq/lcb.ts';
import { InputError } from '../../util/errors.ts';
import {
  DEFAULT_MODEL_DIR,
  openDataset,
  openModel,
  runDirName,
  splitForModel,
} from '../../workflows/common.ts';
import { writeFigures } from '../figures.ts';
import { cliHooks } from '../hooks.ts';
import { out, printJson } from '../io.ts';
import { metricsTable } from '../metrics-table.ts';
import { intOption } from '../options.ts';

interface EvalOpts {
  model: string;
  data?: string;
  split?: string;
  mc?: number;
  seed: number;
  out?: string;
  json?: boolean;
  seedsReport?: number;
  ablations?: boolean;
  learningCurve?: boolean;
  preset: string;
  quick?: boolean;
}

export function register(program: Command): void {
  program
    .command('evaluate')
    .description(
      'accuracy and calibration metrics of a trained model on its test and calibration rows',
    )
    .option('--model <dir>', 'model directory', DEFAULT_MODEL_DIR)
    .option(
      '--data <file>',
      'dataset CSV (default: the one resolved as usual; must be the training file)',
    )
    .option(
      '--split <spec>',
      'reference | cluster | FILE (default: the split the model was trained with)',
    )
    .option(
      '--mc <S>',
      'Monte Carlo dropout passes per network (default 100)',
      intOption('--mc', 2),
    )
    .option('--seed <n>', 'seed of the MC passes', intOption('--seed'), 1)
    .option(
      '--out <dir>',
      'run directory for metrics, predictions and figures (default runs/evaluate-<date>)',
    )
    .option(
      '--seeds-report <n>',
      'study: train N seeds of the CV ensemble on the split and report mean ± sd of the test metrics',
      intOption('--seeds-report', 1),
    )
    .option('--ablations', 'study: train the SPEC §7 ablation variants and report one table')
    .option('--learning-curve', 'study: train on 20–100 % of train_fit and report test metrics')
    .option('--preset <name>', 'studies: default | paper', 'default')
    .option('--quick', 'studies: smoke run (5 epochs)')
    .option('--json', 'print one JSON document on stdout')
    .action(async (o: EvalOpts) => {
      if (o.seedsReport || o.ablations || o.learningCurve) {
        const { runStudies } = await import('./studies.ts');
        if (o.preset !== 'default' && o.preset !== 'paper')
          throw new InputError(`--preset expects 'default' or 'paper', got '${o.preset}'`);
        await runStudies(o);
        return;
      }
      const t0 = performance.now();
      const model = await openModel(o.model);
      const { ds } = await openDataset(o.data, cliHooks());
      const split = await splitForModel(model, ds, o.split);
      const { evaluateModel } = await import('../../eval/evaluate.ts');
      const r = evaluateModel(model, ds, split, { passes: o.mc, seed: o.seed });
      const runDir = o.out ?? runDirName('evaluate');
      const { predictions, ...metrics } = r;
      const { writeJsonAtomic, writeFileAtomic } = await import('../../util/fs.ts');
      const { newManifest, writeManifest, dataRecord, modelRecord } = await import(
        '../../util/manifest.ts'
      );
      const { evaluationFigures, trainingHistory } = await import('../../eval/figures.ts');
      const { stringify } = await import('csv-stringify/sync');
      await writeJsonAtomic(join(runDir, 'metrics.json'), metrics);
      await writeJsonAtomic(join(runDir, 'history.json'), trainingHistory(model.meta));
      await writeFileAtomic(
        join(runDir, 'predictions.csv'),
        stringify(
          predictions.map((p) => ({
            ...p,
            composition: ds.compositions[p.row].toFormula({ step: 0.1 }),
            lcb: p.mean - LCB_Z * p.std,
          })),
          {
            header: true,
            columns: ['set', 'row', 'composition', 'load', 'measured', 'mean', 'std', 'lcb'],
          },
        ),
      );
      await writeFigures(runDir, evaluationFigures(r, model.meta));
      const manifest = newManifest(
        'evaluate',
        process.argv.slice(2),
        { mc: r.mc, split: o.split ?? 'model' },
        { seed: o.seed },
      );
      manifest.model = modelRecord(o.model, model.meta);
      manifest.data = dataRecord(ds, split);
      manifest.timings.total = (performance.now() - t0) / 1000;
      await writeManifest(runDir, manifest);
      if (o.json) {
        printJson(metrics);
        return;
      }
      out(`${r.split.description}; ${r.mc.members} networks × ${r.mc.passes} MC passes`);
      out(
        metricsTable(
          [
            ['test', r.test],
            ['calibration', r.calibration],
            [`test, σ × ${r.recalibrated.sigma_scale.toFixed(3)}`, r.recalibrated.test],
          ],
          { labelHeader: 'set', tail: true },
        ),
      );
      out(
        '(HV; σ scale fitted on the calibration set by Gaussian NLL; MACE from the MC-sample quantile intervals)',
      );
      out(
        `run directory: ${runDir} (metrics.json, predictions.csv, figures; 'vibann report --run ${runDir}' for the HTML page)`,
      );
      if (r.cv) {
        out('');
        out(
          `CV (each network on its own fold): RMSE ${r.cv.mean.rmse.toFixed(1)} ± ${r.cv.sd.rmse.toFixed(1)}, MAE ${r.cv.mean.mae.toFixed(1)} ± ${r.cv.sd.mae.toFixed(1)}, R² ${r.cv.mean.r2.toFixed(3)} ± ${r.cv.sd.r2.toFixed(3)}`,
        );
      }
    });
}
