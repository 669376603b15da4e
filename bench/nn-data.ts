/**
 * Minimal reading of the reference dataset and split for the nn benchmarks (SPEC §1–§2 as the
 * peer implements them). Kept in this one file on purpose: the data module (`src/data`) replaces
 * it later.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TrainingArrays } from '../src/train/trainer.ts';

export interface ReferenceData {
  elements: string[];
  n: number;
  /** Row-normalised compositions n × E. */
  x: Float32Array;
  /** Raw load (N) and hardness (HV). */
  loadRaw: Float64Array;
  hv: Float64Array;
  /** Standardised with train_fit statistics. */
  arrays: TrainingArrays;
  loadScaler: { mean: number; std: number; transform: 'linear' | 'log' };
  hvScaler: { mean: number; std: number };
  split: { trainFit: number[]; calibration: number[]; test: number[]; folds: number[][] };
  sha256: string;
}

const here = dirname(fileURLToPath(import.meta.url));

export function defaultDataPaths(): { csv: string; split: string } {
  const root = resolve(here, '..', '..', 'shared', 'data');
  return { csv: join(root, 'H_v_dataset.csv'), split: join(root, 'reference-split.json') };
}

/** §2 family weights over the rows `idx` (w = 1/√count, top family × 0.35, /mean, clip [0.25, 4]). */
function familyWeights(x: Float32Array, E: number, idx: number[]): Float64Array {
  const keys = idx.map((i) => {
    const k: number[] = [];
    for (let e = 0; e < E; e++) if (x[i * E + e] > 0) k.push(e);
    return k.join(',');
  });
  const counts = new Map<string, number>();
  for (const k of keys) counts.set(k, (counts.get(k) ?? 0) + 1);
  let top = '';
  let topN = -1;
  for (const [k, c] of counts) {
    if (c > topN) {
      top = k;
      topN = c;
    }
  }
  const w = keys.map((k) => (1 / Math.sqrt(counts.get(k) as number)) * (k === top ? 0.35 : 1));
  const mean = w.reduce((a, b) => a + b, 0) / w.length;
  return Float64Array.from(w.map((v) => Math.min(4, Math.max(0.25, v / mean))));
}

export function loadReferenceData(
  opts: {
    csv?: string;
    split?: string;
    loadTransform?: 'linear' | 'log';
    weights?: 'family' | 'none';
  } = {},
): ReferenceData {
  const paths = defaultDataPaths();
  const csv = opts.csv ?? paths.csv;
  const raw = readFileSync(csv);
  const sha = createHash('sha256').update(raw).digest('hex');
  const split = JSON.parse(readFileSync(opts.split ?? paths.split, 'utf8')) as {
    dataset_sha256: string;
    train_fit: number[];
    calibration: number[];
    test: number[];
    cv_folds: number[][];
  };
  if (split.dataset_sha256 && split.dataset_sha256 !== sha)
    throw new Error(`${csv}: SHA-256 differs from the split's`);
  const lines = raw.toString('utf8').trim().split(/\r?\n/);
  const header = lines[0].split(',');
  const elements = header.slice(0, -2);
  const E = elements.length;
  const n = lines.length - 1;
  const x = new Float32Array(n * E);
  const loadRaw = new Float64Array(n);
  const hv = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const c = lines[i + 1].split(',').map(Number);
    let s = 0;
    for (let e = 0; e < E; e++) s += c[e];
    for (let e = 0; e < E; e++) x[i * E + e] = c[e] / s;
    loadRaw[i] = c[E];
    hv[i] = c[E + 1];
  }
  const tf = split.train_fit;
  const lt = opts.loadTransform ?? 'linear';
  const lval = Float64Array.from(loadRaw, (v) => (lt === 'log' ? Math.log(v) : v));
  const stats = (v: Float64Array) => {
    const m = tf.reduce((a, i) => a + v[i], 0) / tf.length;
    const sd = Math.sqrt(tf.reduce((a, i) => a + (v[i] - m) ** 2, 0) / tf.length);
    return { mean: m, std: sd };
  };
  const ls = stats(lval);
  const hs = stats(hv);
  const w = new Float32Array(n).fill(1);
  if ((opts.weights ?? 'family') === 'family') {
    const fw = familyWeights(x, E, tf);
    tf.forEach((i, j) => {
      w[i] = fw[j];
    });
  }
  const arrays: TrainingArrays = {
    x,
    load: Float32Array.from(lval, (v) => (v - ls.mean) / ls.std),
    y: Float32Array.from(hv, (v) => (v - hs.mean) / hs.std),
    w,
    nElements: E,
  };
  return {
    elements,
    n,
    x,
    loadRaw,
    hv,
    arrays,
    loadScaler: { ...ls, transform: lt },
    hvScaler: hs,
    split: {
      trainFit: split.train_fit,
      calibration: split.calibration,
      test: split.test,
      folds: split.cv_folds,
    },
    sha256: sha,
  };
}

/** Member plans of the 5-fold CV ensemble: member k trains on train_fit minus fold k, stops on fold k. */
export function cvPlans(
  d: ReferenceData,
  seeds: number[],
  nets = d.split.folds.length,
): { train: number[]; val: number[]; seed: number }[] {
  return Array.from({ length: nets }, (_, k) => {
    const fold = new Set(d.split.folds[k]);
    return {
      train: d.split.trainFit.filter((i) => !fold.has(i)).sort((a, b) => a - b),
      val: d.split.folds[k],
      seed: seeds[k],
    };
  });
}

/** Rows `idx` of the standardised arrays (x, load). */
export function rowsOf(
  d: ReferenceData,
  idx: number[],
): { x: Float32Array; load: Float32Array; hv: Float64Array } {
  const E = d.arrays.nElements;
  const x = new Float32Array(idx.length * E);
  const load = new Float32Array(idx.length);
  const hv = new Float64Array(idx.length);
  idx.forEach((i, j) => {
    x.set(d.arrays.x.subarray(i * E, (i + 1) * E), j * E);
    load[j] = d.arrays.load[i];
    hv[j] = d.hv[i];
  });
  return { x, load, hv };
}
