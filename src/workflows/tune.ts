/**
 * The tune workflow (SPEC §7): a seeded TPE search over `TUNE_SPACE` (tune/space.ts), objective
 * = CV validation loss (mean of the fold networks' best validation MSE, standardised HV²) on
 * train_fit. The paper's setting is scored first as the reference. The trial log (study.json) is
 * written after every trial, so an interrupted search continues with `resume`; the best settings
 * go to tuned.json (`TuneRunDocument`, read back by `readTuned`), which `runTrain({ tuned })` uses.
 * Every trial (and the reference) is one job (src/jobs) on worker threads (default: one per
 * core), in this process (`workers: 0`) or on `vibann worker` processes through a Redis queue;
 * `parallel` trials are in flight at once, pending ones handled by the constant liar
 * (tune/tpe.ts), so the same seed and `parallel` give the same trials wherever they run.
 * Cancellation is checked between trials and after every training epoch.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { FitSpec } from '../jobs/spec.ts';
import { readStudyLog, STUDY_LOG_FILE, TUNED_FILE, type TuneRunDocument } from '../runs/tune.ts';
import { type NetworkSettings, REFERENCE_NETWORK } from '../tune/space.ts';
import type { TrialRecord } from '../tune/tpe.ts';
import { InputError } from '../util/errors.ts';
import type { RunManifest } from '../util/manifest.ts';
import { completeRun } from '../util/manifest.ts';
import {
  openDataset,
  runDirName,
  throwIfCancelled,
  type WorkflowHooks,
  withDefaults,
} from './common.ts';
import type { ParallelOptions } from './studies.ts';
import { checkPreset } from './train.ts';

export interface TuneOptions extends ParallelOptions {
  /** Trials in flight at once (default: the executor's concurrency); the search depends on it. */
  parallel?: number;
  /** Overrides of the preset's training settings (e.g. `{ maxEpochs: 2 }` for tiny test runs). */
  training?: FitSpec['training'];
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
  throwIfCancelled(hooks, 'tuning');
  const t0 = performance.now();
  const preset = checkPreset(o.preset);
  const { ds } = await openDataset(o.data, hooks);
  const { selectSplit } = await import('../data/index.ts');
  const split = selectSplit(ds, { spec: o.split, seed: o.seed });
  const { Study, TpeSampler } = await import('../tune/tpe.ts');
  const { suggestNetwork } = await import('../tune/space.ts');
  const { writeJsonAtomic } = await import('../util/fs.ts');
  const runDir = o.out ?? runDirName('tune');
  const logPath = o.resume ?? join(runDir, STUDY_LOG_FILE);
  if (o.resume && !existsSync(o.resume))
    throw new InputError(`--resume: no such trial log: ${o.resume}`);
  // read a resumed log before the run directory is prepared (it may live inside it)
  const study = o.resume
    ? Study.fromJSON(readStudyLog(o.resume))
    : new Study({
        name: `vibann ${o.preset} preset`,
        direction: 'minimize',
        sampler: new TpeSampler({ seed: o.seed, constantLiar: true }),
      });
  const { prepareStudyDir, runJobs } = await import('../jobs/runner.ts');
  await prepareStudyDir(runDir, { force: o.force });
  let writing: Promise<void> = writeJsonAtomic(logPath, study.toJSON());
  const saveLog = () => {
    const snapshot = study.toJSON();
    writing = writing.then(() => writeJsonAtomic(logPath, snapshot));
    return writing;
  };
  await writing;
  const { job, fitSpec } = await import('../jobs/build.ts');
  const { openExecutor } = await import('../jobs/executor.ts');
  const executor =
    o.executor ??
    (await openExecutor({ workers: o.workers, queue: o.queue, jobTimeoutS: o.jobTimeout }));
  const parallel = o.parallel ?? executor.concurrency;
  hooks.onInfo?.(
    `tuning on ${executor.description}, ${parallel} trial${parallel === 1 ? '' : 's'} at a time; job results in ${join(runDir, 'jobs')}`,
  );
  const score = async (network: NetworkSettings, trial: number | null) => {
    throwIfCancelled(hooks, 'tuning');
    const spec = job('tune-trial', ds, split, {
      fit: fitSpec({
        preset,
        seed: o.seed,
        quick: o.quick,
        network: { ...network },
        training: o.training,
      }),
      trial,
    });
    const [r] = await runJobs([spec], {
      executor,
      dir: runDir,
      hooks: { signal: hooks.signal },
    });
    return (r.result as { cv_loss: number }).cv_loss;
  };
  const reference = { ...REFERENCE_NETWORK };
  let refLoss = Number.NaN;
  let done = 0;
  try {
    // the paper's setting is scored alongside the first trials
    const ref = score(reference, null).then((v) => {
      refLoss = v;
      hooks.onInfo?.(`reference (the paper's d = 16, dropout 0.33): CV loss ${v.toFixed(4)}`);
    });
    ref.catch(() => undefined);
    await study.optimizeParallel((t) => score(suggestNetwork(t), t.number), o.trials, {
      parallel,
      onTrial: (rec, s) => {
        done++;
        hooks.onInfo?.(
          `trial ${rec.number}: d = ${rec.params.latentDim}, dropout ${(rec.params.dropout as number).toFixed(3)} → CV loss ${rec.value?.toFixed(4) ?? rec.state}${s.nComplete > 0 ? `; best ${s.bestValue.toFixed(4)}` : ''}`,
        );
        hooks.onProgress?.({ stage: 'tune', done, total: o.trials });
        void saveLog();
      },
    });
    await ref;
  } catch (e) {
    await saveLog();
    throwIfCancelled(hooks, 'tuning');
    throw e;
  } finally {
    if (!o.executor) await executor.close();
  }
  hooks.onStageEnd?.('tune');
  await saveLog();
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
  const { argv, executor: _e, ...recorded } = o;
  const manifest = newManifest('tune', argv ?? process.argv.slice(2), recorded, { seed: o.seed });
  manifest.data = dataRecord(ds);
  manifest.timings.total = (performance.now() - t0) / 1000;
  await writeManifest(runDir, manifest);
  await completeRun(runDir, manifest);
  return { runDir, document, log: logPath, trials: study.trials, manifest };
}
