/**
 * `vibann tune` — hyperparameter search (SPEC §7) with our seeded TPE sampler: latent dimension
 * ∈ {8, 16, 32, 64} and dropout ∈ [0.1, 0.5], objective = CV validation loss (mean of the fold
 * networks' best validation MSE, standardised HV²) on train_fit. The trial log is written after
 * every trial, so an interrupted search continues with `--resume FILE`. The paper's setting
 * (d = 16, dropout 0.33) is scored first as the reference. The best settings are written to
 * `tuned.json`, which `vibann train --tuned FILE` uses.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { InputError } from '../../util/errors.ts';
import { openDataset, runDirName } from '../../workflows/common.ts';
import { duration } from '../duration.ts';
import { cliHooks } from '../hooks.ts';
import { formatTable, info, out, printJson } from '../io.ts';
import { intOption } from '../options.ts';

interface TuneOpts {
  data?: string;
  split?: string;
  preset: string;
  trials: number;
  resume?: string;
  seed: number;
  quick?: boolean;
  out?: string;
  json?: boolean;
}

export interface TunedSettings {
  kind: 'vibann-tuned';
  preset: string;
  network: { latentDim: number; dropout: number };
  cv_loss: number;
  reference: { network: { latentDim: number; dropout: number }; cv_loss: number };
  trials: number;
}

export function register(program: Command): void {
  program
    .command('tune')
    .description(
      'hyperparameter search: latent dimension and dropout by seeded TPE on the CV validation loss',
    )
    .option('--data <file>', 'dataset CSV (default: the reference dataset)')
    .option('--split <spec>', 'reference | cluster | FILE')
    .option(
      '--preset <name>',
      'the preset whose other settings are kept: default | paper',
      'default',
    )
    .option('--trials <n>', 'trials to run (more, when resuming)', intOption('--trials', 1), 50)
    .option('--resume <file>', 'continue the search in this trial log (study.json)')
    .option('--seed <n>', 'seed of the sampler and the networks', intOption('--seed'), 1)
    .option('--quick', 'smoke run: 5 epochs per network')
    .option('--out <dir>', 'run directory (default runs/tune-<date>)')
    .option('--json', 'print one JSON document on stdout')
    .action(async (o: TuneOpts) => {
      const t0 = performance.now();
      if (o.preset !== 'default' && o.preset !== 'paper')
        throw new InputError(`--preset expects 'default' or 'paper', got '${o.preset}'`);
      const { ds } = await openDataset(o.data, cliHooks());
      const { selectSplit } = await import('../../data/index.ts');
      const split = selectSplit(ds, { spec: o.split, seed: o.seed });
      const { Study, TpeSampler } = await import('../../tune/tpe.ts');
      const { HardnessModel } = await import('../../model/hardness-model.ts');
      const { cvValidationLoss } = await import('../../eval/studies.ts');
      const { writeJsonAtomic } = await import('../../util/fs.ts');
      const runDir = o.out ?? runDirName('tune');
      const logPath = o.resume ?? join(runDir, 'study.json');
      if (o.resume && !existsSync(o.resume))
        throw new InputError(`--resume: no such trial log: ${o.resume}`);
      const study = o.resume
        ? Study.fromJSON(JSON.parse(readFileSync(o.resume, 'utf8')))
        : new Study({
            name: `vibann ${o.preset} preset`,
            direction: 'minimize',
            sampler: new TpeSampler({ seed: o.seed }),
          });
      const score = async (network: { latentDim: number; dropout: number }) => {
        const { model } = await HardnessModel.fit(ds, split, {
          preset: o.preset as 'default' | 'paper',
          seed: o.seed,
          seeds: 1,
          quick: o.quick,
          network,
        });
        return cvValidationLoss(model);
      };
      const reference = { latentDim: 16, dropout: 0.33 };
      info(`reference (the paper's d = 16, dropout 0.33)…`);
      const refLoss = await score(reference);
      info(`reference CV loss ${refLoss.toFixed(4)}`);
      await study.optimizeAsync(
        async (t) => {
          const network = {
            latentDim: t.suggestCategorical('latentDim', [8, 16, 32, 64]),
            dropout: t.suggestFloat('dropout', 0.1, 0.5),
          };
          return score(network);
        },
        o.trials,
        {
          onTrial: (rec, s) => {
            info(
              `trial ${rec.number}: d = ${rec.params.latentDim}, dropout ${(rec.params.dropout as number).toFixed(3)} → CV loss ${rec.value?.toFixed(4) ?? rec.state}; best ${s.bestValue.toFixed(4)}`,
            );
            void writeJsonAtomic(logPath, s.toJSON());
          },
        },
      );
      await writeJsonAtomic(logPath, study.toJSON());
      const best = study.bestParams as { latentDim: number; dropout: number };
      const tuned: TunedSettings = {
        kind: 'vibann-tuned',
        preset: o.preset,
        network: { latentDim: best.latentDim, dropout: best.dropout },
        cv_loss: study.bestValue,
        reference: { network: reference, cv_loss: refLoss },
        trials: study.nComplete,
      };
      await writeJsonAtomic(join(runDir, 'tuned.json'), tuned);
      const { newManifest, writeManifest, dataRecord } = await import('../../util/manifest.ts');
      const manifest = newManifest('tune', process.argv.slice(2), { ...o }, { seed: o.seed });
      manifest.data = dataRecord(ds);
      manifest.timings.total = (performance.now() - t0) / 1000;
      await writeManifest(runDir, manifest);
      if (o.json) {
        printJson({ ...tuned, log: logPath });
        return;
      }
      out(
        formatTable(
          ['trial', 'latent dim', 'dropout', 'CV loss (std. HV²)'],
          study.trials.map((t) => [
            t.number,
            String(t.params.latentDim),
            (t.params.dropout as number).toFixed(3),
            t.value?.toFixed(4) ?? t.state,
          ]),
        ),
      );
      out(
        `best: d = ${best.latentDim}, dropout ${best.dropout.toFixed(3)}, CV loss ${study.bestValue.toFixed(4)} vs the paper's setting ${refLoss.toFixed(4)}`,
      );
      out(
        `trial log ${logPath}; best settings ${join(runDir, 'tuned.json')} (use: vibann train --tuned FILE); total ${duration(manifest.timings.total)}`,
      );
    });
}
