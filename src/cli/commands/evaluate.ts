/**
 * `vibann evaluate` — accuracy and calibration of a trained model (SPEC §6, §7) on the test and
 * calibration sets of the split it was trained with (`runEvaluate`, src/workflows/evaluate.ts);
 * with `--seeds-report N | --ablations | --learning-curve`, the training studies instead
 * (`runStudies`, src/workflows/studies.ts; run by ./studies.ts); with `--splits N`, the
 * multi-split comparison (`runMultiSplit`: one job per split on --workers threads or a --queue;
 * rerun with the same --out to resume). Printed by print/evaluate.ts.
 */
import type { Command } from 'commander';
import { EVALUATE_DEFAULTS as D, runEvaluate } from '../../workflows/evaluate.ts';
import { cliHooks } from '../hooks.ts';
import { out, printJson } from '../io.ts';
import { intOption, opt, parallelOptions } from '../options.ts';
import { evaluateLines, multiSplitLines } from '../print/evaluate.ts';
import { type StudyCliOptions, studies } from './studies.ts';

interface EvalOpts extends StudyCliOptions {
  model: string;
  splits?: number;
}

export function register(program: Command): void {
  parallelOptions(program.command('evaluate'))
    .description(
      'accuracy and calibration metrics of a trained model on its test and calibration rows',
    )
    .addOption(opt.model(D.model))
    .addOption(
      opt.data('dataset CSV (default: the one resolved as usual; must be the training file)'),
    )
    .addOption(
      opt.split('reference | cluster | FILE (default: the split the model was trained with)'),
    )
    .addOption(opt.mc())
    .addOption(opt.seed('seed of the MC passes', D.seed))
    .addOption(
      opt.out('run directory for metrics, predictions and figures (default runs/evaluate-<date>)'),
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
    .addOption(opt.preset('studies: default | paper', 'default'))
    .addOption(opt.quick('studies: smoke run (5 epochs)'))
    .addOption(opt.json())
    .addOption(opt.force())
    .action(async (o: EvalOpts) => {
      const argv = process.argv.slice(2);
      if (o.splits) {
        const { runMultiSplit } = await import('../../workflows/multisplit.ts');
        const { data, preset, seed, quick, mc, out: dir, force, workers, queue, jobTimeout } = o;
        const r = await runMultiSplit(
          {
            ...{ data, preset, seed, quick, mc, out: dir, force },
            ...{ workers, queue, jobTimeout, splits: o.splits, argv },
          },
          cliHooks(),
        );
        return o.json ? printJson(r.document) : out(...multiSplitLines(r.document, r.runDir));
      }
      if (o.seedsReport || o.ablations || o.learningCurve) return studies(o);
      const { document: r, runDir } = await runEvaluate({ ...o, argv }, cliHooks());
      if (o.json) printJson(r);
      else out(...evaluateLines(r, runDir));
    });
}
