/** Steps several commands share: finding the dataset, opening a model, the split a model was trained on. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Dataset } from '../data/dataset.ts';
import type { Split } from '../data/split.ts';
import type { HardnessModel } from '../model/hardness-model.ts';
import { InputError } from '../util/errors.ts';
import { warn } from './io.ts';

export const DEFAULT_MODEL_DIR = join('models', 'default');

export async function openDataset(data?: string): Promise<{ ds: Dataset; via: string }> {
  const d = await import('../data/index.ts');
  const where = d.resolveDatasetPath({ data });
  const ds = d.loadDataset(where.path);
  for (const w of ds.warnings) warn(w);
  return { ds, via: where.via };
}

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

/** Seconds as '1 min 23 s' or '4.2 s'. */
export function duration(s: number): string {
  if (s < 60) return `${s.toFixed(1)} s`;
  const whole = Math.round(s);
  return `${Math.floor(whole / 60)} min ${whole % 60} s`;
}

/** runs/<command>-<UTC date and time>, the default run directory of a command. */
export function runDirName(command: string): string {
  return join('runs', `${command}-${new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19)}`);
}
