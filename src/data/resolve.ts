/**
 * Where the reference dataset and split are found (docs/architecture.md, "Dataset resolution").
 * The data is public literature data and is never committed to this repository.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError } from '../util/errors.ts';

/** The package root (the folder holding package.json), from src/ or from dist/. */
export const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export const DATASET_FILE = 'H_v_dataset.csv';
export const SPLIT_FILE = 'reference-split.json';
/** SHA-256 of the reference dataset (../shared/data/README.md). */
export const REFERENCE_SHA256 = '9e78a8d1aea58566e84c846a86873cf4ae3b1f9a6b23866601565d6482e2de70';
/** Public source of the reference dataset (the VIBANN authors' repository, MIT licence). */
export const REFERENCE_URL =
  'https://raw.githubusercontent.com/bajpaianurag/VIB_and_Attention_Mechanisms_for_Inverse_Design_of_High-Hardness_MMGs/main/data/H_v_dataset.csv';

export interface ResolvedPath {
  path: string;
  /** Which rule found it: 'flag' | 'env' | 'cwd' | 'shared'. */
  via: 'flag' | 'env' | 'cwd' | 'shared';
}

export interface ResolveOptions {
  /** Explicit `--data PATH`. */
  data?: string;
  /** Environment to read VIBANN_DATA from (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Working directory (default process.cwd()). */
  cwd?: string;
}

/** The candidates in resolution order, without checking existence of the flag/env paths. */
function candidates(o: ResolveOptions): ResolvedPath[] {
  const env = o.env ?? process.env;
  const cwd = o.cwd ?? process.cwd();
  const out: ResolvedPath[] = [];
  if (o.data) return [{ path: resolve(cwd, o.data), via: 'flag' }];
  if (env.VIBANN_DATA) return [{ path: resolve(cwd, env.VIBANN_DATA), via: 'env' }];
  out.push({ path: join(cwd, 'data', DATASET_FILE), via: 'cwd' });
  out.push({ path: join(PACKAGE_ROOT, '..', 'shared', 'data', DATASET_FILE), via: 'shared' });
  return out;
}

/**
 * Resolve the dataset: 1. `--data`, 2. `VIBANN_DATA`, 3. `data/H_v_dataset.csv` in the working
 * directory, 4. `../shared/data/H_v_dataset.csv` next to the package root; otherwise an error
 * that explains `vibann data fetch` and `--data`.
 */
export function resolveDatasetPath(o: ResolveOptions = {}): ResolvedPath {
  const list = candidates(o);
  for (const c of list) {
    if (existsSync(c.path)) return c;
  }
  if (list.length === 1) {
    const what = list[0].via === 'flag' ? '--data' : 'VIBANN_DATA';
    throw new InputError(`${what}: no such file: ${list[0].path}`);
  }
  throw new InputError(
    `No dataset found. Looked for ${list.map((c) => c.path).join(' and ')}.\n` +
      `Run 'vibann data fetch' to download the reference dataset (its SHA-256 is verified), ` +
      `or pass --data FILE (or set VIBANN_DATA).`,
  );
}

/**
 * The reference split file: next to the dataset file first, then ../shared/data/ beside the
 * package root. Returns undefined when there is none.
 */
export function findReferenceSplit(datasetPath: string): string | undefined {
  const beside = join(dirname(datasetPath), SPLIT_FILE);
  if (existsSync(beside)) return beside;
  const shared = join(PACKAGE_ROOT, '..', 'shared', 'data', SPLIT_FILE);
  if (existsSync(shared)) return shared;
  return undefined;
}
