/**
 * K-means on standardised latents (SPEC §8): the elbow curve (within-cluster sum of squares for
 * k = 1..10), the k = 3 clustering, and per-cluster hardness distributions and mean compositions.
 *
 * As the original code (docs/original.md §7.1–7.2): the scaler and k-means are fitted on the train_fit
 * latents only (k-means++ with 10 seeded restarts, the lowest inertia kept); every other row is
 * assigned to its nearest centre. Clusters are renumbered by ascending median measured HV over
 * all assigned rows, so cluster 0 is the softest and cluster k−1 the hardest, whatever the seed.
 */

import { weightedKMeans } from '../../math/kmeans.ts';
import { InputError } from '../../util/errors.ts';
import type { Rng } from '../../util/rng.ts';
import { type FiveNumbers, fiveNumbers, type Matrix, median, toRows } from './stats.ts';

export interface ElbowPoint {
  k: number;
  /** Within-cluster sum of squared distances (standardised latent units²). */
  inertia: number;
}

export interface KMeansOptions {
  /** Seeded k-means++ restarts per k; the lowest inertia is kept (default 10). */
  nInit?: number;
  /** Lloyd iteration cap (default 300). */
  maxIter?: number;
}

/** Inertia of k-means for k = kMin..kMax on the rows of `z` (elbow curve). */
export function elbowCurve(
  z: Matrix,
  rng: Rng,
  kMax = 10,
  kMin = 1,
  o: KMeansOptions = {},
): ElbowPoint[] {
  const rows = toRows(z);
  const out: ElbowPoint[] = [];
  for (let k = kMin; k <= Math.min(kMax, z.n); k++) {
    const r = weightedKMeans(rows, k, {
      rng: rng.fork(`k${k}`),
      nInit: o.nInit ?? 10,
      maxIter: o.maxIter ?? 300,
    });
    out.push({ k, inertia: r.inertia });
  }
  return out;
}

export interface KMeansFit {
  /** Centres in the fitted space, k × d, in the renumbered order. */
  centres: number[][];
  /** Cluster of each fitted row (renumbered). */
  labels: number[];
  inertia: number;
}

/** Squared Euclidean distance from row i of m to centre c. */
function sq(m: Matrix, i: number, c: readonly number[]): number {
  let s = 0;
  for (let j = 0; j < m.d; j++) s += (m.data[i * m.d + j] - c[j]) ** 2;
  return s;
}

/** Nearest centre of every row (ties to the lower index). */
export function assignClusters(m: Matrix, centres: readonly (readonly number[])[]): number[] {
  const out = new Array<number>(m.n);
  for (let i = 0; i < m.n; i++) {
    let best = 0;
    let bd = Number.POSITIVE_INFINITY;
    centres.forEach((c, k) => {
      const d = sq(m, i, c);
      if (d < bd) {
        bd = d;
        best = k;
      }
    });
    out[i] = best;
  }
  return out;
}

/** k-means (k-means++ seeding, `nInit` seeded restarts) on the rows of `z`. */
export function fitKMeans(z: Matrix, k: number, rng: Rng, o: KMeansOptions = {}): KMeansFit {
  if (!Number.isInteger(k) || k < 1 || k > z.n)
    throw new InputError(`k-means: k = ${k}; expected 1 ≤ k ≤ ${z.n} (the number of rows)`);
  const r = weightedKMeans(toRows(z), k, {
    rng,
    nInit: o.nInit ?? 10,
    maxIter: o.maxIter ?? 300,
  });
  return { centres: r.centres, labels: r.labels, inertia: r.inertia };
}

/**
 * Renumber clusters by ascending median of `score` over the rows assigned to them (empty clusters
 * last). Returns the permutation old → new and applies it to labels and centres.
 */
export function orderClusters(
  labels: readonly number[],
  centres: readonly (readonly number[])[],
  score: ArrayLike<number>,
): { labels: number[]; centres: number[][]; order: number[] } {
  const k = centres.length;
  const med = Array.from({ length: k }, (_, c) => {
    const v: number[] = [];
    labels.forEach((l, i) => {
      if (l === c) v.push(score[i]);
    });
    return v.length > 0 ? median(v) : Number.POSITIVE_INFINITY;
  });
  const byMedian = Array.from({ length: k }, (_, c) => c).sort((a, b) => med[a] - med[b] || a - b);
  const order = new Array<number>(k);
  byMedian.forEach((old, nw) => {
    order[old] = nw;
  });
  return {
    labels: labels.map((l) => order[l]),
    centres: byMedian.map((old) => [...centres[old]]),
    order,
  };
}

export interface ClusterSummary {
  cluster: number;
  /** Rows assigned, over the whole reference set and per data set. */
  n: number;
  n_by_set: Record<string, number>;
  /** Measured hardness, HV. */
  hv: FiveNumbers;
  /** Median predicted hardness (hardness head of the design network), HV. */
  predicted_hv_median: number;
  /** Mean composition (fractions over the element basis, summing to 1). */
  mean_composition: Record<string, number>;
  /** The elements with the largest mean fraction, as 'B 41 %, Fe 22 %, …' (at.%). */
  main_elements: string;
}

/** Per-cluster HV statistics and mean composition (SPEC §8). */
export function summariseClusters(input: {
  labels: readonly number[];
  k: number;
  hv: ArrayLike<number>;
  predicted: ArrayLike<number>;
  /** Compositions, n × E fractions. */
  x: Matrix;
  elements: readonly string[];
  /** Data set of each row ('train_fit', 'calibration', 'test'). */
  sets: readonly string[];
  /** Elements listed in `main_elements` (default 6). */
  topElements?: number;
}): ClusterSummary[] {
  const { labels, k, x, elements } = input;
  const out: ClusterSummary[] = [];
  for (let c = 0; c < k; c++) {
    const idx = labels.map((l, i) => (l === c ? i : -1)).filter((i) => i >= 0);
    if (idx.length === 0) continue;
    const comp = new Float64Array(x.d);
    for (const i of idx) for (let j = 0; j < x.d; j++) comp[j] += x.data[i * x.d + j];
    for (let j = 0; j < x.d; j++) comp[j] /= idx.length;
    const nBySet: Record<string, number> = {};
    for (const i of idx) nBySet[input.sets[i]] = (nBySet[input.sets[i]] ?? 0) + 1;
    const order = Array.from({ length: x.d }, (_, j) => j)
      .filter((j) => comp[j] > 0)
      .sort((a, b) => comp[b] - comp[a]);
    const mean_composition: Record<string, number> = {};
    for (const j of order) mean_composition[elements[j]] = Number(comp[j].toPrecision(4));
    out.push({
      cluster: c,
      n: idx.length,
      n_by_set: nBySet,
      hv: fiveNumbers(idx.map((i) => input.hv[i])),
      predicted_hv_median: median(idx.map((i) => input.predicted[i])),
      mean_composition,
      main_elements: order
        .slice(0, input.topElements ?? 6)
        .map((j) => `${elements[j]} ${(100 * comp[j]).toFixed(comp[j] >= 0.1 ? 0 : 1)} %`)
        .join(', '),
    });
  }
  return out;
}
