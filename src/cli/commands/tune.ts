/**
 * `vibann tune` — hyperparameter search (SPEC §7) with our seeded TPE sampler over the latent
 * dimension and dropout (`runTune`, src/workflows/tune.ts; the space is src/tune/space.ts). The
 * trial log is written after every trial (`--resume FILE` continues it); the best settings go to
 * `tuned.json`, which `vibann train --tuned FILE` uses. Trials run as jobs on worker threads or
 * a queue (`--workers`, `--queue`, `--parallel-trials`; docs/scaling.md).
 */
import { join } from 'node:path';
import type { Command } from 'commander';
import { runTune, TUNE_DEFAULTS } from '../../workflows/tune.ts';
import { duration } from '../duration.ts';
import { cliHooks } from '../hooks.ts';
import { formatTable, out, printJson } from '../io.ts';
import { intOption } from '../options.ts';
import { parallelOptions } from './studies.ts';

export function register(program: Command): void {
  parallelOptions(program.command('tune'))
    .description(
      'hyperparameter search: latent dimension and dropout by seeded TPE on the CV validation loss',
    )
    .option('--data <file>', 'dataset CSV (default: the reference dataset)')
    .option('--split <spec>', 'reference | cluster | FILE')
    .option(
      '--preset <name>',
      'the preset whose other settings are kept: default | paper',
      TUNE_DEFAULTS.preset,
    )
    .option(
      '--trials <n>',
      'trials to run (more, when resuming)',
      intOption('--trials', 1),
      TUNE_DEFAULTS.trials,
    )
    .option('--resume <file>', 'continue the search in this trial log (study.json)')
    .option(
      '--seed <n>',
      'seed of the sampler and the networks',
      intOption('--seed'),
      TUNE_DEFAULTS.seed,
    )
    .option('--quick', 'smoke run: 5 epochs per network')
    .option(
      '--parallel-trials <n>',
      'trials in flight at once (default: --workers, or the workers on the queue); the search depends on it',
      intOption('--parallel-trials', 1),
    )
    .option('--out <dir>', 'run directory (default runs/tune-<date>)')
    .option('--json', 'print one JSON document on stdout')
    .option('--force', 'replace --out even if it holds files that are not a vibann run')
    .action(
      async (o: Parameters<typeof runTune>[0] & { json?: boolean; parallelTrials?: number }) => {
        const argv = process.argv.slice(2);
        const { json, parallelTrials, ...options } = o;
        const r = await runTune({ ...options, parallel: parallelTrials, argv }, cliHooks());
        const d = r.document;
        if (json) return printJson({ ...d, log: r.log });
        out(
          formatTable(
            ['trial', 'latent dim', 'dropout', 'CV loss (std. HV²)'],
            r.trials.map((t) => [
              t.number,
              String(t.params.latentDim),
              (t.params.dropout as number).toFixed(3),
              t.value?.toFixed(4) ?? t.state,
            ]),
          ),
        );
        out(
          `best: d = ${d.network.latentDim}, dropout ${d.network.dropout.toFixed(3)}, CV loss ${d.cv_loss.toFixed(4)} vs the paper's setting ${d.reference.cv_loss.toFixed(4)}`,
        );
        out(
          `trial log ${r.log}; best settings ${join(r.runDir, 'tuned.json')} (use: vibann train --tuned FILE); total ${duration(r.manifest.timings.total)}`,
        );
      },
    );
}
