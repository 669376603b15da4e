/**
 * What every workflow shares: the hooks through which it reports progress and messages and is
 * cancelled, finding the dataset, opening a model, the split a model was trained on, run-directory
 * names, and training with progress. The CLI, the web server and the tests all call workflows with
 * the same defaults; only the hooks differ (a progress bar on a terminal, a job record on the server,
 * nothing in tests).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Dataset } from '../data/dataset.ts';
import type { Split } from '../data/split.ts';
import type { FitOptions, HardnessModel } from '../model/hardness-model.ts';
import type { BackendInfo } from '../nn/backend.ts';
import { InputError, VibannError } from '../util/errors.ts';
import { checkSeed } from '../util/rng.ts';

/** The default model directory (relative to the working directory). */
export const DEFAULT_MODEL_DIR = join('models', 'default');

/** The MC seed of `vibann predict` (and of the design candidates' predictive distributions). */
export const PREDICT_SEED = 1;

/** One progress report of a long stage (training epochs, MCMC steps, refinement steps, jobs). */
export interface ProgressEvent {
  /** Short stage name, e.g. 'train 5 networks', 'mcmc', 'refine'. */
  stage: string;
  /** Completed units of work (epochs, steps, jobs). */
  done: number;
  /** Units of work of the stage (a maximum where a stopping rule may end it early). */
  total: number;
  /** Short status text, e.g. 'best val MSE 0.0123'. */
  status?: string;
}

/** How a workflow talks to whoever runs it. Every member is optional. */
export interface WorkflowHooks {
  /** Progress of the current stage; a new `stage` name starts a new stage. */
  onProgress?(e: ProgressEvent): void;
  /** A stage finished (summary text for logs). */
  onStageEnd?(stage: string, summary?: string): void;
  /** Messages a user should see (the CLI prints them on stderr). */
  onInfo?(message: string): void;
  /** Warnings (the CLI prints them on stderr as `warning: …`). */
  onWarn?(message: string): void;
  /** Cancellation: workflows check it between steps and throw `CancelledError`. */
  signal?: AbortSignal;
}

/** A workflow stopped because its `signal` was aborted (exit code 1). */
export class CancelledError extends VibannError {
  constructor(what = 'the run') {
    super(`${what} was cancelled`);
    this.name = 'CancelledError';
  }
}

/** Throw `CancelledError` if the hooks' signal has been aborted. */
export function throwIfCancelled(hooks: WorkflowHooks | undefined, what?: string): void {
  if (hooks?.signal?.aborted) throw new CancelledError(what);
}

/** Find and load the dataset (docs/architecture.md resolution order); warnings go to the hooks. */
export async function openDataset(
  data?: string,
  hooks: WorkflowHooks = {},
): Promise<{ ds: Dataset; via: string }> {
  const d = await import('../data/index.ts');
  const where = d.resolveDatasetPath({ data });
  const ds = d.loadDataset(where.path);
  for (const w of ds.warnings) hooks.onWarn?.(w);
  return { ds, via: where.via };
}

/** Load a saved model; a missing directory is an input error naming it. */
export async function openModel(dir: string): Promise<HardnessModel> {
  if (!existsSync(join(dir, 'manifest.json'))) {
    throw new InputError(
      `no trained model at '${dir}': run 'vibann train' first (it saves to ${DEFAULT_MODEL_DIR}), or pass --model DIR`,
    );
  }
  const { HardnessModel } = await import('../model/hardness-model.ts');
  return HardnessModel.load(dir);
}

/**
 * The split to evaluate a model on: by default the one it was trained with (stored in the model);
 * `spec` ('reference' | 'cluster' | FILE) to choose another. The dataset must be the one the model
 * was trained on when its stored split is used.
 */
export async function splitForModel(
  model: HardnessModel,
  ds: Dataset,
  spec?: string,
): Promise<Split> {
  const d = await import('../data/index.ts');
  if (spec) return d.selectSplit(ds, { spec });
  if (model.meta.data.sha256 !== ds.sha256) {
    throw new InputError(
      `the model was trained on ${model.meta.data.file} (SHA-256 ${model.meta.data.sha256.slice(0, 12)}…), but the dataset found is ${ds.source} (SHA-256 ${ds.sha256.slice(0, 12)}…); pass --data with the training file, or --split to evaluate on another split`,
    );
  }
  return d.splitFromJSON(ds, model.meta.split, {
    kind: model.meta.split.kind as Split['kind'],
    label: 'model split',
    description: model.meta.split.description,
  });
}

/** runs/<command>-<UTC date and time>, the default run directory of a command. */
export function runDirName(command: string): string {
  return join('runs', `${command}-${new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19)}`);
}

/**
 * Train a model with progress reported through the hooks and save it to `outDir`. Shared by
 * `train`, `design` and `latent` (train if needed) and the web page. `o.threads` defaults to the
 * number of cores (the networks trained side by side on worker threads, train/parallel.ts).
 */
export async function trainAndSave(
  ds: Dataset,
  split: Split,
  o: Omit<FitOptions, 'onEpoch'>,
  outDir: string,
  hooks: WorkflowHooks = {},
): Promise<{ model: HardnessModel; backend: BackendInfo }> {
  const { HardnessModel } = await import('../model/hardness-model.ts');
  const { checkThreads, defaultTrainThreads } = await import('../train/parallel.ts');
  const threads = checkThreads(o.threads ?? defaultTrainThreads({ quick: o.quick }), '--threads');
  hooks.onInfo?.(
    `training on ${ds.source}: ${split.description}; train_fit ${split.trainFit.length}, calibration ${split.calibration.length}, test ${split.test.length}`,
  );
  let stage = '';
  const res = await HardnessModel.fit(ds, split, {
    ...o,
    threads,
    onEpoch: (e) => {
      throwIfCancelled(hooks, 'training');
      stage = `train ${e.members.length} networks`;
      const active = e.members.filter((m) => m.active).length;
      const best = Math.min(...e.members.map((m) => m.bestValMse));
      hooks.onProgress?.({
        stage,
        done: e.epoch,
        total: e.maxEpochs,
        status: `${active} active, best val MSE ${best.toFixed(4)} (std. units)`,
      });
    },
  });
  if (stage) hooks.onStageEnd?.(stage);
  await res.model.save(outDir);
  hooks.onInfo?.(`saved the model to ${outDir}`);
  return res;
}

/**
 * `options` over `defaults`, where an option given as `undefined` keeps the default. A `seed` is
 * checked here (an integer 0 … 2^32 − 1, util/rng.ts `checkSeed`): every workflow called from the
 * library, the CLI or the server refuses a seed that would wrap onto another.
 */
export function withDefaults<D extends object, O extends object>(defaults: D, options: O): D & O {
  const out: Record<string, unknown> = { ...(defaults as Record<string, unknown>) };
  for (const [k, v] of Object.entries(options)) if (v !== undefined) out[k] = v;
  if (out.seed !== undefined) checkSeed(out.seed, 'seed');
  return out as D & O;
}

/**
 * Adapter from an analysis's `onStage`/`onProgress` callbacks to the hooks: announces each stage
 * (`<name>: <stage>…`), forwards progress, ends progress stages, records each stage's seconds in
 * `timings`, and checks cancellation at every callback. Call `finish()` after the analysis.
 */
export function stageTracker(
  hooks: WorkflowHooks,
  name: string,
  timings: Record<string, number>,
): {
  onStage(stage: string): void;
  onProgress(stage: string, done: number, total: number): void;
  finish(): void;
} {
  let stage = '';
  let stageT = performance.now();
  let progressStage = '';
  const endProgress = () => {
    if (progressStage) hooks.onStageEnd?.(progressStage);
    progressStage = '';
  };
  const closeStage = () => {
    if (stage) timings[stage] = (performance.now() - stageT) / 1000;
  };
  return {
    onStage(s) {
      throwIfCancelled(hooks, name);
      endProgress();
      closeStage();
      stage = s;
      stageT = performance.now();
      hooks.onInfo?.(`${name}: ${s}…`);
    },
    onProgress(s, done, total) {
      throwIfCancelled(hooks, name);
      progressStage = s;
      hooks.onProgress?.({ stage: s, done, total });
    },
    finish() {
      endProgress();
      closeStage();
    },
  };
}
