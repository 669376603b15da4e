import { readFileSync } from 'node:fs';
/**
 * `vibann train` — train the VIBANN ensemble (SPEC §4: one network per CV fold of train_fit,
 * × `--seeds`) on the reference split (or `--split cluster|FILE`) and save it to a versioned model
 * directory. `--preset default` uses the settings a CV study found best; `--preset paper` the
 * paper's own. The save is atomic: an interrupted run never damages an existing model.
 */
import type { Command } from 'commander';
import { InputError } from '../../util/errors.ts';
import { DEFAULT_MODEL_DIR, openDataset, trainAndSave } from '../../workflows/common.ts';
import { duration } from '../duration.ts';
import { cliHooks } from '../hooks.ts';
import { formatTable, out, printJson } from '../io.ts';
import { intOption } from '../options.ts';

interface TrainOpts {
  data?: string;
  split?: string;
  preset: string;
  seeds: number;
  seed: number;
  epochs?: number;
  batch?: number;
  patience?: number;
  quick?: boolean;
  tuned?: string;
  out: string;
  json?: boolean;
}

/** The network settings of a tune run's tuned.json. */
function readTuned(path: string): { latentDim: number; dropout: number } {
  let j: { kind?: string; network?: { latentDim: number; dropout: number } };
  try {
    j = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new InputError(`--tuned: cannot read ${path}: ${(e as Error).message}`);
  }
  if (j.kind !== 'vibann-tuned' || !j.network)
    throw new InputError(`--tuned: ${path} is not a tuned.json written by 'vibann tune'`);
  return j.network;
}

export function register(program: Command): void {
  program
    .command('train')
    .description('train the VIBANN ensemble (one network per CV fold) and save it')
    .option('--data <file>', 'dataset CSV (default: the reference dataset)')
    .option(
      '--split <spec>',
      'reference | cluster | FILE (default: reference on the reference dataset)',
    )
    .option('--preset <name>', 'default (CV-tuned) | paper (the paper’s settings)', 'default')
    .option(
      '--seeds <n>',
      'repeat the CV ensemble with N seeds (networks = N × folds)',
      intOption('--seeds', 1),
      1,
    )
    .option('--seed <n>', 'base seed', intOption('--seed'), 1)
    .option('--epochs <n>', 'maximum epochs per network', intOption('--epochs', 1))
    .option('--batch <n>', 'batch size', intOption('--batch', 2))
    .option('--patience <n>', 'early-stopping patience in epochs', intOption('--patience', 1))
    .option('--tuned <file>', "network settings found by 'vibann tune' (its tuned.json)")
    .option('--quick', 'smoke run: 5 epochs, 20 MC passes')
    .option('--out <dir>', 'model directory', DEFAULT_MODEL_DIR)
    .option('--json', 'print one JSON document on stdout')
    .action(async (o: TrainOpts) => {
      if (o.preset !== 'default' && o.preset !== 'paper')
        throw new InputError(`--preset expects 'default' or 'paper', got '${o.preset}'`);
      const { ds } = await openDataset(o.data, cliHooks());
      const { selectSplit } = await import('../../data/index.ts');
      const split = selectSplit(ds, { spec: o.split, seed: o.seed });
      const training: Record<string, number> = {};
      if (o.epochs !== undefined) training.maxEpochs = o.epochs;
      if (o.batch !== undefined) training.batchSize = o.batch;
      if (o.patience !== undefined) training.patience = o.patience;
      const { model, backend } = await trainAndSave(
        ds,
        split,
        {
          preset: o.preset as 'default' | 'paper',
          seed: o.seed,
          seeds: o.seeds,
          quick: o.quick,
          training,
          network: o.tuned ? readTuned(o.tuned) : undefined,
        },
        o.out,
        cliHooks(),
      );
      const hv = model.hvScaler.std;
      const rows = model.meta.training.members.map((m) => [
        m.member + 1,
        m.seed,
        m.epochsRun,
        m.bestEpoch,
        (Math.sqrt(m.bestValMse) * hv).toFixed(1),
      ]);
      const summary = {
        model_dir: o.out,
        preset: model.meta.preset.name,
        networks: model.net.nMembers,
        backend,
        wall_s: model.meta.training.wall_s,
        members: model.meta.training.members.map((m) => ({
          ...m,
          best_val_rmse_hv: Math.sqrt(m.bestValMse) * hv,
        })),
        data: model.meta.data,
      };
      if (o.json) {
        printJson(summary);
        return;
      }
      out(
        formatTable(['network', 'seed', 'epochs', 'best epoch', 'val RMSE (HV, weighted)'], rows),
      );
      out('');
      out(
        `trained ${model.net.nMembers} networks in ${duration(model.meta.training.wall_s)} on ${backend.backend}${backend.simd ? ' (SIMD)' : ''}; saved to ${o.out}`,
      );
      out(
        `next: vibann evaluate --model ${o.out}   |   vibann predict --composition B68Nb24Fe4W4 --load 0.5,1`,
      );
    });
}
