/**
 * Train / calibration / test splits and CV folds (SPEC §2).
 *
 * - reference: read from a split file (`reference-split.json`), refused when the dataset's
 *   SHA-256 differs from the one recorded in the file;
 * - cluster: K-means (k = 3, our seeded k-means++) on the compositions; stratum = cluster × element
 *   family; strata with < 5 rows pooled; stratified shuffle split 80/20 into train/test, then 80/20
 *   of train into train_fit/calibration; 5 stratified CV folds over train_fit;
 * - lofo: every row containing all elements of a family is the test set (SPEC §12); the rest is
 *   split into train_fit/calibration and folds as above.
 * The calibration set is never used for fitting or stopping (SPEC §2).
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { largestRemainderRound } from '../chem/rounding.ts';
import { weightedKMeans } from '../math/kmeans.ts';
import { InputError } from '../util/errors.ts';
import type { Rng } from '../util/rng.ts';
import { type Dataset, rowView } from './dataset.ts';
import { familyKey, rowsContainingAll } from './family.ts';

export type SplitKind = 'reference' | 'file' | 'cluster' | 'lofo';

export interface Split {
  readonly kind: SplitKind;
  /** Rows used to fit the networks (0-based data-row indices). */
  readonly trainFit: readonly number[];
  /** Rows used only to calibrate uncertainty and set design thresholds. */
  readonly calibration: readonly number[];
  /** Rows used only for reporting. */
  readonly test: readonly number[];
  /** Validation folds over trainFit (each a subset of trainFit; together a partition of it). */
  readonly cvFolds: readonly (readonly number[])[];
  /** How the split was made, for manifests. */
  readonly description: string;
  /** Seed of a generated split. */
  readonly seed?: number | string;
  /** The held-out family of a leave-family-out split. */
  readonly family?: readonly string[];
  /** The split file, for file-based splits. */
  readonly file?: string;
}

export interface SplitFileJSON {
  dataset_sha256?: string;
  n_rows?: number;
  train_fit: number[];
  calibration: number[];
  test: number[];
  cv_folds: number[][];
}

/** Serialise a split in the reference-split.json layout. */
export function splitToJSON(s: Split, ds: Dataset): SplitFileJSON & { description: string } {
  return {
    description: s.description,
    dataset_sha256: ds.sha256,
    n_rows: ds.nRows,
    train_fit: [...s.trainFit],
    calibration: [...s.calibration],
    test: [...s.test],
    cv_folds: s.cvFolds.map((f) => [...f]),
  };
}

/**
 * A split read from a JSON file in the reference-split.json layout. When the file records a
 * dataset_sha256 it must equal the dataset's, otherwise the split is refused.
 */
export function splitFromFile(
  ds: Dataset,
  path: string,
  kind: 'reference' | 'file' = 'file',
): Split {
  const file = basename(path);
  let j: SplitFileJSON;
  try {
    j = JSON.parse(readFileSync(path, 'utf8')) as SplitFileJSON;
  } catch (e) {
    throw new InputError(`${file}: cannot read the split file: ${(e as Error).message}`);
  }
  return splitFromJSON(ds, j, {
    kind,
    label: file,
    description: kind === 'reference' ? `reference split (${file})` : `split file ${file}`,
    file: path,
  });
}

/**
 * A split from its JSON form (a split file, or the copy a saved model keeps). When it records a
 * dataset_sha256 it must equal the dataset's, otherwise the split is refused.
 */
export function splitFromJSON(
  ds: Dataset,
  j: SplitFileJSON,
  o: { kind: SplitKind; label: string; description: string; file?: string },
): Split {
  const file = o.label;
  if (j.dataset_sha256 !== undefined && j.dataset_sha256 !== ds.sha256) {
    throw new InputError(
      `${file}: this split was made for a dataset with SHA-256 ${j.dataset_sha256}, but ${basename(ds.source)} has SHA-256 ${ds.sha256}; ` +
        `refusing the split (the rows would not match). Use --split cluster for a modified dataset.`,
    );
  }
  if (j.n_rows !== undefined && j.n_rows !== ds.nRows) {
    throw new InputError(
      `${file}: the split is for ${j.n_rows} rows but the dataset has ${ds.nRows}`,
    );
  }
  const check = (name: string, a: unknown): number[] => {
    if (!Array.isArray(a))
      throw new InputError(`${file}: '${name}' must be an array of row indices`);
    for (const v of a) {
      if (!Number.isInteger(v) || v < 0 || v >= ds.nRows) {
        throw new InputError(
          `${file}: '${name}' has ${JSON.stringify(v)}, expected a row index in 0..${ds.nRows - 1}`,
        );
      }
    }
    return a as number[];
  };
  if (!Array.isArray(j.cv_folds))
    throw new InputError(`${file}: 'cv_folds' must be an array of folds`);
  const split: Split = {
    kind: o.kind,
    trainFit: check('train_fit', j.train_fit),
    calibration: check('calibration', j.calibration),
    test: check('test', j.test),
    cvFolds: j.cv_folds.map((f, i) => check(`cv_folds[${i}]`, f)),
    description: o.description,
    file: o.file,
  };
  validateSplit(split, file);
  return split;
}

/** Throws when the sets overlap or the folds do not partition train_fit. */
export function validateSplit(s: Split, label = 'split'): void {
  const owner = new Map<number, string>();
  for (const [name, rows] of [
    ['train_fit', s.trainFit],
    ['calibration', s.calibration],
    ['test', s.test],
  ] as const) {
    for (const r of rows) {
      const prev = owner.get(r);
      if (prev !== undefined)
        throw new InputError(`${label}: row ${r} is in both '${prev}' and '${name}'`);
      owner.set(r, name);
    }
  }
  if (s.cvFolds.length > 0) {
    const inFold = new Set<number>();
    for (const f of s.cvFolds) {
      for (const r of f) {
        if (owner.get(r) !== 'train_fit')
          throw new InputError(`${label}: CV fold row ${r} is not in train_fit`);
        if (inFold.has(r)) throw new InputError(`${label}: row ${r} is in two CV folds`);
        inFold.add(r);
      }
    }
    if (inFold.size !== s.trainFit.length) {
      throw new InputError(
        `${label}: the CV folds cover ${inFold.size} of the ${s.trainFit.length} train_fit rows`,
      );
    }
  }
}

export interface ClusterSplitOptions {
  /** Seed of the k-means initialisation and the shuffles. */
  rng: Rng;
  /** Number of k-means clusters (default 3). */
  k?: number;
  /** Fraction of all rows in test (default 0.2). */
  testFraction?: number;
  /** Fraction of train rows in calibration (default 0.2). */
  calibrationFraction?: number;
  /** Number of CV folds over train_fit (default 5). */
  folds?: number;
  /** Strata with fewer rows are pooled into one (default 5). */
  minStratumSize?: number;
  /** k-means restarts; the lowest inertia wins (default 10). */
  kmeansRestarts?: number;
}

/**
 * Cluster label per row: our seeded k-means++ (math/kmeans.ts) on the composition vectors, best
 * inertia of `restarts` restarts.
 */
export function compositionClusters(
  ds: Dataset,
  rows: readonly number[],
  k: number,
  rng: Rng,
  restarts = 10,
): number[] {
  const pts = rows.map((r) => rowView(ds, r));
  if (pts.length <= k) return pts.map((_, i) => i);
  return Array.from(weightedKMeans(pts, k, { rng, nInit: restarts }).labels);
}

/** Stratum label per row: cluster × family, with strata of < minSize rows pooled. */
export function strata(
  ds: Dataset,
  rows: readonly number[],
  clusters: readonly number[],
  minSize: number,
): string[] {
  const raw = rows.map((r, i) => `${clusters[i]}|${familyKey(ds.compositions[r])}`);
  const counts = new Map<string, number>();
  for (const s of raw) counts.set(s, (counts.get(s) ?? 0) + 1);
  return raw.map((s) => ((counts.get(s) ?? 0) < minSize ? 'pooled' : s));
}

function groupBy(rows: readonly number[], labels: readonly string[]): Map<string, number[]> {
  const g = new Map<string, number[]>();
  rows.forEach((r, i) => {
    const l = labels[i];
    const a = g.get(l);
    if (a) a.push(r);
    else g.set(l, [r]);
  });
  return new Map([...g.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * Stratified shuffle split: each stratum contributes floor or ceil of `fraction` × its size to the
 * held-out part (largest-remainder allocation of round(fraction × n) rows), so every stratum's share
 * is within one row of `fraction`.
 */
export function stratifiedShuffleSplit(
  rows: readonly number[],
  labels: readonly string[],
  fraction: number,
  rng: Rng,
): { keep: number[]; held: number[] } {
  const groups = [...groupBy(rows, labels).values()];
  const total = Math.round(fraction * rows.length);
  const alloc = largestRemainderRound(
    groups.map((g) => fraction * g.length),
    total,
  );
  const keep: number[] = [];
  const held: number[] = [];
  groups.forEach((g, i) => {
    const shuffled = rng.shuffle([...g]);
    held.push(...shuffled.slice(0, alloc[i]));
    keep.push(...shuffled.slice(alloc[i]));
  });
  return { keep: keep.sort((a, b) => a - b), held: held.sort((a, b) => a - b) };
}

/** Stratified K folds: each stratum shuffled and dealt round-robin over the folds. */
export function stratifiedFolds(
  rows: readonly number[],
  labels: readonly string[],
  k: number,
  rng: Rng,
): number[][] {
  const folds: number[][] = Array.from({ length: k }, () => []);
  let next = 0;
  for (const g of groupBy(rows, labels).values()) {
    for (const r of rng.shuffle([...g])) {
      folds[next].push(r);
      next = (next + 1) % k;
    }
  }
  return folds.map((f) => f.sort((a, b) => a - b));
}

function trainCalFolds(
  ds: Dataset,
  train: readonly number[],
  o: Required<Omit<ClusterSplitOptions, 'rng'>>,
  rng: Rng,
): { trainFit: number[]; calibration: number[]; cvFolds: number[][] } {
  const cl = compositionClusters(ds, train, o.k, rng.fork('kmeans-train'), o.kmeansRestarts);
  const st = strata(ds, train, cl, o.minStratumSize);
  const { keep: trainFit, held: calibration } = stratifiedShuffleSplit(
    train,
    st,
    o.calibrationFraction,
    rng.fork('calibration'),
  );
  const byRow = new Map(train.map((r, i) => [r, st[i]]));
  const cvFolds = stratifiedFolds(
    trainFit,
    trainFit.map((r) => byRow.get(r)!),
    o.folds,
    rng.fork('folds'),
  );
  return { trainFit, calibration, cvFolds };
}

function withDefaults(o: ClusterSplitOptions): Required<Omit<ClusterSplitOptions, 'rng'>> {
  return {
    k: o.k ?? 3,
    testFraction: o.testFraction ?? 0.2,
    calibrationFraction: o.calibrationFraction ?? 0.2,
    folds: o.folds ?? 5,
    minStratumSize: o.minStratumSize ?? 5,
    kmeansRestarts: o.kmeansRestarts ?? 10,
  };
}

/** The cluster-aware split (SPEC §2), deterministic for a seed. */
export function clusterSplit(ds: Dataset, options: ClusterSplitOptions): Split {
  const o = withDefaults(options);
  const rng = options.rng;
  const all = Array.from({ length: ds.nRows }, (_, i) => i);
  const cl = compositionClusters(ds, all, o.k, rng.fork('kmeans'), o.kmeansRestarts);
  const st = strata(ds, all, cl, o.minStratumSize);
  const { keep: train, held: test } = stratifiedShuffleSplit(
    all,
    st,
    o.testFraction,
    rng.fork('test'),
  );
  const rest = trainCalFolds(ds, train, o, rng);
  const split: Split = {
    kind: 'cluster',
    ...rest,
    test,
    description: `cluster-aware split: k-means k=${o.k} × element family strata, ${Math.round(o.testFraction * 100)}% test, ${Math.round(o.calibrationFraction * 100)}% of train as calibration, ${o.folds} CV folds, seed ${rng.seed}`,
    seed: rng.seed,
  };
  validateSplit(split);
  return split;
}

/**
 * Any held-out test set (the shift benchmark's leave-hardest-out and load-regime splits): `test`
 * rows are the test set, the rest is split into train_fit / calibration / CV folds as lofoSplit does.
 */
export function heldOutSplit(
  ds: Dataset,
  test: readonly number[],
  label: string,
  options: ClusterSplitOptions,
): Split {
  const o = withDefaults(options);
  if (test.length === 0) throw new InputError(`${label}: no row is held out`);
  const testSet = new Set(test);
  const train = Array.from({ length: ds.nRows }, (_, i) => i).filter((r) => !testSet.has(r));
  if (train.length < 2 * o.folds)
    throw new InputError(`${label}: only ${train.length} rows would remain for training`);
  const split: Split = {
    kind: 'lofo',
    ...trainCalFolds(ds, train, o, options.rng),
    test: [...test].sort((a, b) => a - b),
    description: `${label}: test = ${test.length} held-out rows; seed ${options.rng.seed}`,
    seed: options.rng.seed,
  };
  validateSplit(split);
  return split;
}

/** Leave-family-out split (SPEC §12): rows containing every element of `family` are the test set. */
export function lofoSplit(
  ds: Dataset,
  family: readonly string[],
  options: ClusterSplitOptions,
): Split {
  const o = withDefaults(options);
  const unknown = family.filter((e) => !ds.elements.includes(e));
  if (unknown.length > 0)
    throw new InputError(
      `--family: element(s) ${unknown.join(', ')} not in the dataset's element basis`,
    );
  const test = rowsContainingAll(ds, family);
  if (test.length === 0)
    throw new InputError(
      `--family ${family.join(',')}: no row contains all of these elements (see 'vibann lofo --list')`,
    );
  const testSet = new Set(test);
  const train = Array.from({ length: ds.nRows }, (_, i) => i).filter((r) => !testSet.has(r));
  if (train.length < 2 * o.folds)
    throw new InputError(
      `--family ${family.join(',')}: only ${train.length} rows would remain for training`,
    );
  const rest = trainCalFolds(ds, train, o, options.rng);
  const split: Split = {
    kind: 'lofo',
    ...rest,
    test,
    family,
    description: `leave-family-out: test = the ${test.length} rows containing ${family.join(', ')}; seed ${options.rng.seed}`,
    seed: options.rng.seed,
  };
  validateSplit(split);
  return split;
}
