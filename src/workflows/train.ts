/**
 * The train workflow (SPEC §4): the VIBANN ensemble (one network per CV fold of train_fit,
 * × `seeds`) on the chosen split, saved atomically to a model directory (an interrupted run never
 * damages an existing model), with its summary `train.json` (`TrainRunDocument`, read back by
 * `readTrainRun`). Progress per epoch; cancellation is checked after every epoch.
 */
import { join } from 'node:path';
import { TRAIN_FILE, type TrainRunDocument } from '../runs/train.ts';
import { readTuned } from '../runs/tune.ts';
import { type PresetName, parsePresetName } from '../train/presets.ts';
import { claimOutputDir } from '../util/fs.ts';
import {
  DEFAULT_MODEL_DIR,
  openDataset,
  trainAndSave,
  type WorkflowHooks,
  withDefaults,
} from './common.ts';

export interface TrainOptions {
  /** Dataset CSV (default: the reference dataset). */
  data?: string;
  /** 'reference' | 'cluster' | FILE (default: reference on the reference dataset). */
  split?: string;
  /** 'default' (CV-tuned) | 'paper' (the paper's settings). */
  preset?: string;
  /** Repeat the CV ensemble with N seeds (networks = N × folds). */
  seeds?: number;
  /** Base seed (split, initialisation, batches, dropout). */
  seed?: number;
  /** Maximum epochs per network (default: the preset's). */
  epochs?: number;
  /** Batch size (default: the preset's). */
  batch?: number;
  /** Early-stopping patience, epochs (default: the preset's). */
  patience?: number;
  /** Smoke run: 5 epochs, 20 MC passes. */
  quick?: boolean;
  /** A tuned.json of `vibann tune`: its network settings replace the preset's. */
  tuned?: string;
  /** Model directory. */
  out?: string;
  /** Replace `out` even when it holds files that are not a vibann model (default: refuse, exit 2). */
  force?: boolean;
  /**
   * Fit the domain of applicability and the uncertainty model after training (a grouped CV of 5
   * more networks, docs/uncertainty.md) and write domain.json; default true.
   */
  uncertainty?: boolean;
  /**
   * Measurement CSVs (dataset layout: element columns or 'composition', Load, HV) appended to the
   * data for this training — the lab loop (design/lab.ts, docs/lab-loop.md). The merged dataset is
   * saved as `dataset.csv` in the model directory, which `vibann design --model DIR` then uses.
   */
  add?: string[];
  /**
   * Worker threads the networks are trained on, ensemble and grouped CV (default: the number of
   * cores; 1 = in this thread). The members are split into contiguous stacks, one per thread
   * (train/parallel.ts); the trained weights are the same for any count.
   */
  threads?: number;
}

/** The merged dataset a model trained with `add` keeps in its directory. */
export const MERGED_DATASET_FILE = 'dataset.csv';

export const TRAIN_DEFAULTS: Required<Pick<TrainOptions, 'preset' | 'seeds' | 'seed' | 'out'>> = {
  preset: 'default',
  seeds: 1,
  seed: 1,
  out: DEFAULT_MODEL_DIR,
};

/** A preset name from the command line, checked. */
export function checkPreset(name: string): PresetName {
  return parsePresetName(name);
}

export async function runTrain(
  options: TrainOptions = {},
  hooks: WorkflowHooks = {},
): Promise<TrainRunDocument> {
  const o = withDefaults(TRAIN_DEFAULTS, options);
  const preset = checkPreset(o.preset);
  const { checkThreads, defaultTrainThreads } = await import('../train/parallel.ts');
  const threads = checkThreads(o.threads ?? defaultTrainThreads({ quick: o.quick }), '--threads');
  // measurements are read (and refused, exit 2) before anything is written
  const lab = o.add && o.add.length > 0 ? await import('../design/lab.ts') : undefined;
  const measured = lab && o.add ? lab.readMeasurements(o.add) : [];
  await claimOutputDir(o.out, { force: o.force, kind: 'model' });
  const network = o.tuned ? readTuned(o.tuned).network : undefined;
  const { ds: baseDs } = await openDataset(o.data, hooks);
  const { selectSplit, loadDataset } = await import('../data/index.ts');
  let ds = baseDs;
  let split = selectSplit(baseDs, { spec: o.split, seed: o.seed });
  let merged: { text: string; added: import('../design/lab.ts').AddedMeasurements[] } | undefined;
  if (lab && o.add) {
    const text = lab.mergedDatasetCsv(baseDs, measured);
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const tmp = join(mkdtempSync(join(tmpdir(), 'vibann-add-')), MERGED_DATASET_FILE);
    writeFileSync(tmp, text);
    ds = loadDataset(tmp);
    split = lab.mergedSplit(ds, split, baseDs.nRows);
    merged = { text, added: lab.addedProvenance(baseDs.nRows, measured) };
    hooks.onInfo?.(
      `added ${measured.reduce((a, d) => a + d.nRows, 0)} measured row(s) from ${o.add.join(', ')} to train_fit`,
    );
  }
  const training: Record<string, number> = {};
  if (o.epochs !== undefined) training.maxEpochs = o.epochs;
  if (o.batch !== undefined) training.batchSize = o.batch;
  if (o.patience !== undefined) training.patience = o.patience;
  const { model, backend } = await trainAndSave(
    ds,
    split,
    { preset, seed: o.seed, seeds: o.seeds, quick: o.quick, training, network, threads },
    o.out,
    hooks,
  );
  let uncertainty: TrainRunDocument['uncertainty'];
  if (o.uncertainty !== false) {
    const { fitUncertainty, saveUncertainty } = await import('./uncertainty.ts');
    const u = await fitUncertainty(model, ds, split, { seed: o.seed, threads }, hooks);
    await saveUncertainty(o.out, u);
    uncertainty = {
      method: u.comparison.chosen,
      wall_s: u.grouped_cv.wall_s,
      comparison: u.comparison.table.map((t) => ({
        method: t.method,
        ...t.metrics,
        calibration: t.calibration,
      })),
    };
  }
  const meta = model.meta;
  const rmse = model.validationRmse();
  const doc: TrainRunDocument = {
    model_dir: o.out,
    preset: meta.preset.name,
    networks: meta.training.members.length,
    backend,
    wall_s: meta.training.wall_s,
    threads: meta.training.threads ?? 1,
    members: meta.training.members.map((m, k) => ({ ...m, best_val_rmse_hv: rmse[k] })),
    data: meta.data,
    ...(uncertainty ? { uncertainty } : {}),
    ...(merged
      ? {
          added: {
            base: { file: baseDs.source, sha256: baseDs.sha256, rows: baseDs.nRows },
            files: merged.added,
            dataset: MERGED_DATASET_FILE,
          },
        }
      : {}),
  };
  const { writeJsonAtomic, writeFileAtomic } = await import('../util/fs.ts');
  if (merged) await writeFileAtomic(join(o.out, MERGED_DATASET_FILE), merged.text);
  await writeJsonAtomic(join(o.out, TRAIN_FILE), doc);
  return doc;
}
