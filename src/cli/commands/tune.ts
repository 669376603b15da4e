/**
 * `vibann tune` — hyperparameter search (SPEC §7) with our seeded TPE sampler over the latent
 * dimension and dropout (`runTune`, src/workflows/tune.ts; the space is src/tune/space.ts). The
 * trial log is written after every trial (`--resume FILE` continues it); the best settings go to
 * `tuned.json`, which `vibann train --tuned FILE` uses. Trials run as jobs on worker threads or
 * a queue (`--workers`, `--queue`, `--parallel-trials`; docs/scaling.md).
 */
import type { Command } from 'commander';
import { TUNE_DEFAULTS as D, runTune } from '../../workflows/tune.ts';
import { cliHooks } from '../hooks.ts';
import { out, printJson } from '../io.ts';
import { intOption, opt, parallelOptions, runDirOptions } from '../options.ts';
import { tuneLines } from '../print/tune.ts';

type TuneOpts = Parameters<typeof runTune>[0] & { json?: boolean; parallelTrials?: number };

export function register(program: Command): void {
  const cmd = parallelOptions(program.command('tune'))
    .description(
      'hyperparameter search: latent dimension and dropout by seeded TPE on the CV validation loss',
    )
    .addOption(opt.data())
    .addOption(opt.split())
    .addOption(opt.preset('the preset whose other settings are kept: default | paper', D.preset))
    .option(
      '--trials <n>',
      'trials to run (more, when resuming)',
      intOption('--trials', 1),
      D.trials,
    )
    .option('--resume <file>', 'continue the search in this trial log (study.json)')
    .addOption(opt.seed('seed of the sampler and the networks', D.seed))
    .addOption(opt.quick('smoke run: 5 epochs per network'))
    .option(
      '--parallel-trials <n>',
      'trials in flight at once (default: --workers, or the workers on the queue); the search depends on it',
      intOption('--parallel-trials', 1),
    );
  runDirOptions(cmd, 'run directory (default runs/tune-<date>)').action(async (o: TuneOpts) => {
    const { json, parallelTrials, ...options } = o;
    const argv = process.argv.slice(2);
    const r = await runTune({ ...options, parallel: parallelTrials, argv }, cliHooks());
    if (json) printJson({ ...r.document, log: r.log });
    else out(...tuneLines(r));
  });
}
