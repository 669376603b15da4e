/**
 * `vibann train` — train the VIBANN ensemble (SPEC §4: one network per CV fold of train_fit,
 * × `--seeds`) and save it to a versioned model directory (`runTrain`, src/workflows/train.ts).
 * `--preset default` uses the settings a CV study found best; `--preset paper` the paper's own.
 */
import type { Command } from 'commander';
import { runTrain, TRAIN_DEFAULTS } from '../../workflows/train.ts';
import { duration } from '../duration.ts';
import { cliHooks } from '../hooks.ts';
import { formatTable, out, printJson } from '../io.ts';
import { intOption } from '../options.ts';

export function register(program: Command): void {
  program
    .command('train')
    .description('train the VIBANN ensemble (one network per CV fold) and save it')
    .option('--data <file>', 'dataset CSV (default: the reference dataset)')
    .option(
      '--split <spec>',
      'reference | cluster | FILE (default: reference on the reference dataset)',
    )
    .option(
      '--preset <name>',
      'default (CV-tuned) | paper (the paper’s settings) | v2, v1 (earlier defaults)',
      'default',
    )
    .option(
      '--seeds <n>',
      'repeat the CV ensemble with N seeds (networks = N × folds)',
      intOption('--seeds', 1),
      TRAIN_DEFAULTS.seeds,
    )
    .option('--seed <n>', 'base seed', intOption('--seed'), TRAIN_DEFAULTS.seed)
    .option('--epochs <n>', 'maximum epochs per network', intOption('--epochs', 1))
    .option('--batch <n>', 'batch size', intOption('--batch', 2))
    .option('--patience <n>', 'early-stopping patience in epochs', intOption('--patience', 1))
    .option('--tuned <file>', "network settings found by 'vibann tune' (its tuned.json)")
    .option('--quick', 'smoke run: 5 epochs, 20 MC passes')
    .option('--out <dir>', 'model directory', TRAIN_DEFAULTS.out)
    .option(
      '--no-uncertainty',
      'skip the domain/uncertainty fit (grouped CV of 5 more networks; predict then says the domain is unknown)',
    )
    .option(
      '--add <files...>',
      'measurement CSV(s) (element columns or composition, Load, HV) appended to train_fit for this training (the lab loop, docs/lab-loop.md)',
    )
    .option(
      '--threads <n>',
      'worker threads the networks are trained on, side by side (default: the number of cores, 1 with --quick; 1 = in this process’s thread; the same weights for any N, docs/scaling.md)',
      intOption('--threads', 1),
    )
    .option('--json', 'print one JSON document on stdout')
    .option('--force', 'replace --out even if it holds files that are not a vibann model')
    .action(async (o: Parameters<typeof runTrain>[0] & { json?: boolean }) => {
      const r = await runTrain(o, cliHooks());
      if (o.json) return printJson(r);
      out(
        formatTable(
          ['network', 'seed', 'epochs', 'best epoch', 'val RMSE (HV, weighted)'],
          r.members.map((m) => [
            m.member + 1,
            m.seed,
            m.epochsRun,
            m.bestEpoch,
            m.best_val_rmse_hv.toFixed(1),
          ]),
        ),
      );
      out('');
      const b = r.backend;
      out(
        `trained ${r.networks} networks in ${duration(r.wall_s)} on ${b.backend}${b.simd ? ' (SIMD)' : ''}, ${r.threads ?? 1} thread${(r.threads ?? 1) === 1 ? '' : 's'}; saved to ${r.model_dir}`,
      );
      if (r.uncertainty)
        out(
          `uncertainty: '${r.uncertainty.method}' chosen by grouped CV (${duration(r.uncertainty.wall_s)}); domain.json saved`,
        );
      out(
        `next: vibann evaluate --model ${r.model_dir}   |   vibann predict --composition B68Nb24Fe4W4 --load 0.5,1`,
      );
    });
}
