/**
 * `vibann evaluate` — accuracy and calibration of a trained model (SPEC §6, §7) on the test and
 * calibration sets of the split it was trained with (`runEvaluate`, src/workflows/evaluate.ts);
 * with `--seeds-report N | --ablations | --learning-curve`, the training studies instead
 * (`runStudies`, src/workflows/studies.ts; printed by ./studies.ts).
 */
import type { Command } from 'commander';
import { EVALUATE_DEFAULTS, runEvaluate } from '../../workflows/evaluate.ts';
import { cliHooks } from '../hooks.ts';
import { out, printJson } from '../io.ts';
import { metricsTable } from '../metrics-table.ts';
import { intOption } from '../options.ts';
import { parallelOptions, type StudyCliOptions, studies } from './studies.ts';

interface EvalOpts extends StudyCliOptions {
  model: string;
  mc?: number;
  splits?: number;
}

export function register(program: Command): void {
  parallelOptions(program.command('evaluate'))
    .description(
      'accuracy and calibration metrics of a trained model on its test and calibration rows',
    )
    .option('--model <dir>', 'model directory', EVALUATE_DEFAULTS.model)
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
    .option('--seed <n>', 'seed of the MC passes', intOption('--seed'), EVALUATE_DEFAULTS.seed)
    .option(
      '--out <dir>',
      'run directory for metrics, predictions and figures (default runs/evaluate-<date>)',
    )
    .option(
      '--seeds-report <n>',
      'study: train N seeds of the CV ensemble on the split and report mean ± sd of the test metrics',
      intOption('--seeds-report', 1),
    )
    .option(
      '--splits <n>',
      'study: train the preset and the tuned baselines on the reference + N cluster-aware splits; mean ± sd and the corrected paired t interval',
      intOption('--splits', 1),
    )
    .option('--ablations', 'study: train the SPEC §7 ablation variants and report one table')
    .option('--learning-curve', 'study: train on 20–100 % of train_fit and report test metrics')
    .option('--preset <name>', 'studies: default | paper', 'default')
    .option('--quick', 'studies: smoke run (5 epochs)')
    .option('--json', 'print one JSON document on stdout')
    .option('--force', 'replace --out even if it holds files that are not a vibann run')
    .action(async (o: EvalOpts) => {
      if (o.splits) return multiSplit(o);
      if (o.seedsReport || o.ablations || o.learningCurve) return studies(o);
      const argv = process.argv.slice(2);
      const { document: r, runDir } = await runEvaluate({ ...o, argv }, cliHooks());
      if (o.json) return printJson(r);
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
        const { mean: m, sd } = r.cv;
        out('');
        out(
          `CV (each network on its own fold): RMSE ${m.rmse.toFixed(1)} ± ${sd.rmse.toFixed(1)}, MAE ${m.mae.toFixed(1)} ± ${sd.mae.toFixed(1)}, R² ${m.r2.toFixed(3)} ± ${sd.r2.toFixed(3)}`,
        );
      }
    });
}

async function multiSplit(o: EvalOpts): Promise<void> {
  const { runMultiSplit } = await import('../../workflows/multisplit.ts');
  const { document: r, runDir } = await runMultiSplit(
    { ...o, splits: o.splits as number, argv: process.argv.slice(2) },
    cliHooks(),
  );
  if (o.json) return printJson(r);
  for (const [k, s] of Object.entries(r.summary))
    out(
      `${k.padEnd(8)} MAE ${s.mean.mae.toFixed(1)} ± ${s.sd.mae.toFixed(1)}  RMSE ${s.mean.rmse.toFixed(1)} ± ${s.sd.rmse.toFixed(1)}  R² ${s.mean.r2.toFixed(3)} ± ${s.sd.r2.toFixed(3)}`,
    );
  const d = r.paired_mae_difference;
  out(
    `vibann − ${r.best_baseline} MAE over ${d.n} splits: ${d.mean.toFixed(1)} HV, 95 % corrected interval [${d.ci[0].toFixed(1)}, ${d.ci[1].toFixed(1)}] (Nadeau–Bengio)`,
  );
  out(`run directory: ${runDir}`);
}
