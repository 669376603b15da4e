/**
 * The tune workflow (SPEC §7): a seeded TPE search over `TUNE_SPACE` (tune/space.ts), objective
 * = CV validation loss (mean of the fold networks' best validation MSE, standardised HV²) on
 * train_fit. The paper's setting is scored first as the reference. The trial log (study.json) is
 * written after every trial, so an interrupted search continues with `resume`; the best settings
 * go to tuned.json (`TuneRunDocument`, read back by `readTuned`), which `runTrain({ tuned })` uses.
 * Cancellation is checked between trials and after every training epoch.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readStudyLog, STUDY_LOG_FILE, TUNED_FILE, type TuneRunDocument } from '../runs/tune.ts';
import { type NetworkSettings, REFERENCE_NETWORK } from '../tune/space.ts';
import type { TrialRecord } from '../tune/tpe.ts';
import { InputError } from '../util/errors.ts';
import { claimOutputDir } from '../util/fs.ts';
import type { RunManifest } from '../util/manifest.ts';
import { completeRun } from '../util/manifest.ts';
import {
  openDataset,
  runDirName,
  throwIfCancelled,
  type WorkflowHooks,
  withDefaults,
} from './common.ts';
import { checkPreset } from './train.ts';

export interface TuneOptions {
  /** Dataset CSV (default: the reference dataset). */
  data?: string;
  /** 'reference' | 'cluster' | FILE. */
  split?: string;
  /** The preset whose other settings are kept: 'default' | 'paper'. */
  preset?: string;
  /** Trials to run (in addition to those of a resumed log). */
  trials?: number;
  /** Continue the search in this trial log (study.json). */
  resume?: string;
  /** Seed of the sampler, the split and the networks. */
  seed?: number;
  /** Smoke run: 5 epochs per network. */
  quick?: boolean;
  /** Run directory (default runs/tune-<UTC date>). */
  out?: string;
  /** Replace `out` even when it holds files that are not a vibann run (default: refuse, exit 2). */
  force?: boolean;
  /** The command line recorded in the manifest (default: this process's arguments). */
  argv?: string[];
}

export const TUNE_DEFAULTS: Required<Pick<TuneOptions, 'preset' | 'trials' | 'seed'>> = {
  preset: 'default',
  trials: 50,
  seed: 1,
};

export interface TuneResult {
  runDir: string;
  /** What tuned.json holds. */
  document: TuneRunDocument;
  /** The trial log file. */
  log: string;
  /** Every trial of the study (resumed ones included). */
  trials: readonly TrialRecord[];
  manifest: RunManifest;
}

export async function runTune(
  options: TuneOptions = {},
  hooks: WorkflowHooks = {},
): Promise<TuneResult> {
  const o = withDefaults(TUNE_DEFAULTS, options);
  const t0 = performance.now();
  const preset = checkPreset(o.preset);
  const { ds } = await openDataset(o.data, hooks);
  const { selectSplit } = await import('../data/index.ts');
  const split = selectSplit(ds, { spec: o.split, seed: o.seed });
  const { Study, TpeSampler } = await import('../tune/tpe.ts');
  const { suggestNetwork } = await import('../tune/space.ts');
  const { HardnessModel } = await import('../model/hardness-model.ts');
  const { cvValidationLoss } = await import('../eval/studies.ts');
  const { writeJsonAtomic } = await import('../util/fs.ts');
  const runDir = o.out ?? runDirName('tune');
  await claimOutputDir(runDir, { force: o.force, kind: 'run', keep: o.resume ? [o.resume] : [] });
  const logPath = o.resume ?? join(runDir, STUDY_LOG_FILE);
  if (o.resume && !existsSync(o.resume))
    throw new InputError(`--resume: no such trial log: ${o.resume}`);
  const study = o.resume
    ? Study.fromJSON(readStudyLog(o.resume))
    : new Study({
        name: `vibann ${o.preset} preset`,
        direction: 'minimize',
        sampler: new TpeSampler({ seed: o.seed }),
      });
  const score = async (network: NetworkSettings) => {
    throwIfCancelled(hooks, 'tuning');
    const { model } = await HardnessModel.fit(ds, split, {
      preset,
      seed: o.seed,
      seeds: 1,
      quick: o.quick,
      network,
      onEpoch: () => throwIfCancelled(hooks, 'tuning'),
    });
    return cvValidationLoss(model);
  };
  const reference = { ...REFERENCE_NETWORK };
  hooks.onInfo?.(`reference (the paper's d = 16, dropout 0.33)…`);
  const refLoss = await score(reference);
  hooks.onInfo?.(`reference CV loss ${refLoss.toFixed(4)}`);
  await study.optimizeAsync((t) => score(suggestNetwork(t)), o.trials, {
    onTrial: (rec, s) => {
      hooks.onInfo?.(
        `trial ${rec.number}: d = ${rec.params.latentDim}, dropout ${(rec.params.dropout as number).toFixed(3)} → CV loss ${rec.value?.toFixed(4) ?? rec.state}; best ${s.bestValue.toFixed(4)}`,
      );
      void writeJsonAtomic(logPath, s.toJSON());
    },
  });
  await writeJsonAtomic(logPath, study.toJSON());
  const best = study.bestParams as unknown as NetworkSettings;
  const document: TuneRunDocument = {
    kind: 'vibann-tuned',
    preset: o.preset,
    network: { latentDim: best.latentDim, dropout: best.dropout },
    cv_loss: study.bestValue,
    reference: { network: reference, cv_loss: refLoss },
    trials: study.nComplete,
  };
  await writeJsonAtomic(join(runDir, TUNED_FILE), document);
  const { newManifest, writeManifest, dataRecord } = await import('../util/manifest.ts');
  const { argv, ...recorded } = o;
  const manifest = newManifest('tune', argv ?? process.argv.slice(2), recorded, { seed: o.seed });
  manifest.data = dataRecord(ds);
  manifest.timings.total = (performance.now() - t0) / 1000;
  await writeManifest(runDir, manifest);
  await completeRun(runDir, manifest);
  return { runDir, document, log: logPath, trials: study.trials, manifest };
}
