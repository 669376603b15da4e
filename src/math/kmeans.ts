/**
 * Weighted k-means: scikit-learn's k-means++ seeding with sample weights, then Lloyd iterations.
 * The one implementation: the cluster-aware split (data/split.ts), the latent cluster summaries and
 * the k-means initialisation of the Gaussian mixture (latent/gmm.ts) use it.
 *
 * Also the weighted categorical draw by cumulative sums (`cumulativeSum` + `searchCumulative`) that
 * both the seeding and the mixture's sampling use, and the row checks (`flattenRows`,
 * `checkWeights`). Bad arguments throw RangeError; callers that take them from the user translate
 * to their InputError.
 */

/** The random stream k-means draws from (a `Rng` from util/rng.ts fits). */
export interface UniformSource {
  /** Uniform on [0, 1). */
  uniform(): number;
}

/** A stream that can derive independent child streams by label (as `Rng.fork`). */
export interface ForkableUniformSource extends UniformSource {
  fork(label: string): UniformSource;
}

type Rows = readonly ArrayLike<number>[];

/** Rows → flat row-major Float64Array (n × d), checking shape and finiteness. */
export function flattenRows(
  X: Rows,
  what: string,
  dim?: number,
): { data: Float64Array; n: number; d: number } {
  const n = X.length;
  if (n === 0) throw new RangeError(`${what}: no rows; expected at least 1`);
  const d = dim ?? X[0].length;
  if (d === 0) throw new RangeError(`${what}: rows have no columns`);
  const data = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    const row = X[i];
    if (row.length !== d)
      throw new RangeError(`${what}: row ${i + 1} has ${row.length} values; expected ${d}`);
    for (let j = 0; j < d; j++) {
      const v = row[j];
      if (!Number.isFinite(v))
        throw new RangeError(
          `${what}: row ${i + 1}, column ${j + 1} is ${v}; expected a finite number`,
        );
      data[i * d + j] = v;
    }
  }
  return { data, n, d };
}

/** Sample weights as a Float64Array (all 1 when undefined): finite, ≥ 0, positive total. */
export function checkWeights(
  weights: ArrayLike<number> | undefined,
  n: number,
  what: string,
): Float64Array {
  const w = new Float64Array(n);
  if (weights === undefined) return w.fill(1);
  if (weights.length !== n)
    throw new RangeError(`${what}: ${weights.length} weights for ${n} rows`);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const v = weights[i];
    if (!(Number.isFinite(v) && v >= 0))
      throw new RangeError(`${what}: weight of row ${i + 1} is ${v}; expected a finite number ≥ 0`);
    w[i] = v;
    total += v;
  }
  if (!(total > 0)) throw new RangeError(`${what}: all weights are 0; expected a positive total`);
  return w;
}

/** Running sums c_i = Σ_{j ≤ i} w_j. */
export function cumulativeSum(w: ArrayLike<number>): Float64Array {
  const c = new Float64Array(w.length);
  let acc = 0;
  for (let i = 0; i < w.length; i++) {
    acc += w[i];
    c[i] = acc;
  }
  return c;
}

/**
 * First index whose cumulative value exceeds r (the caller guarantees r < cum[last]): with
 * r = u·total, index i is drawn with probability w_i / total, and zero-weight entries never.
 */
export function searchCumulative(cum: ArrayLike<number>, r: number): number {
  let lo = 0;
  let hi = cum.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cum[mid] > r) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

function sqDist(
  data: Float64Array,
  i: number,
  centres: Float64Array,
  c: number,
  d: number,
): number {
  let s = 0;
  const a = i * d;
  const b = c * d;
  for (let j = 0; j < d; j++) {
    const t = data[a + j] - centres[b + j];
    s += t * t;
  }
  return s;
}

/**
 * Weighted k-means++ seeding as scikit-learn's `_kmeans_plusplus` with sample weights, on n rows of
 * `data` (row-major n × d): first centre drawn with probability ∝ w_i, then each next centre from
 * 2 + ⌊ln k⌋ candidates drawn ∝ w_i·D²(x_i) (the candidate that minimises the weighted potential
 * Σ w_i min D² wins). Draws use the first cumulative weight strictly above u·total, so zero-weight
 * rows are never picked and duplicated rows behave like one row with the summed weight. Returns the
 * k × d centres, row-major.
 */
export function kmeansPlusPlus(
  data: Float64Array,
  n: number,
  d: number,
  w: Float64Array,
  k: number,
  rng: UniformSource,
): Float64Array {
  const centres = new Float64Array(k * d);
  const cum = new Float64Array(n);
  let acc = 0;
  for (let i = 0; i < n; i++) {
    acc += w[i];
    cum[i] = acc;
  }
  const first = searchCumulative(cum, rng.uniform() * acc);
  centres.set(data.subarray(first * d, first * d + d), 0);
  const closest = new Float64Array(n);
  for (let i = 0; i < n; i++) closest[i] = sqDist(data, i, centres, 0, d);
  const nTrials = 2 + Math.floor(Math.log(k));
  const trialDist = new Float64Array(n);
  const bestDist = new Float64Array(n);
  for (let c = 1; c < k; c++) {
    acc = 0;
    for (let i = 0; i < n; i++) {
      acc += w[i] * closest[i];
      cum[i] = acc;
    }
    let bestPot = Number.POSITIVE_INFINITY;
    let bestId = -1;
    for (let t = 0; t < nTrials; t++) {
      const r = rng.uniform() * acc;
      // all remaining mass is 0 (fewer distinct rows than k): fall back to a weighted draw
      const id =
        acc > 0
          ? searchCumulative(cum, r)
          : searchCumulative(cumulativeSum(w), rng.uniform() * sum(w));
      let p = 0;
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let j = 0; j < d; j++) {
          const tt = data[i * d + j] - data[id * d + j];
          s += tt * tt;
        }
        trialDist[i] = Math.min(closest[i], s);
        p += w[i] * trialDist[i];
      }
      if (p < bestPot) {
        bestPot = p;
        bestId = id;
        bestDist.set(trialDist);
      }
    }
    centres.set(data.subarray(bestId * d, bestId * d + d), c * d);
    closest.set(bestDist);
  }
  return centres;
}

function sum(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return s;
}

/**
 * Weighted Lloyd iterations from the given centres (updated in place) until no label changes or
 * `maxIter`: ties go to the lower cluster index; an empty cluster moves to the positive-weight row
 * farthest from its centre.
 */
export function lloyd(
  data: Float64Array,
  n: number,
  d: number,
  w: Float64Array,
  centres: Float64Array,
  k: number,
  maxIter: number,
): { labels: Int32Array; inertia: number; nIter: number } {
  const labels = new Int32Array(n).fill(-1);
  const dist = new Float64Array(n);
  const mass = new Float64Array(k);
  let nIter = 0;
  for (let it = 0; it < maxIter; it++) {
    nIter = it + 1;
    let changed = false;
    for (let i = 0; i < n; i++) {
      let best = 0;
      let bd = Number.POSITIVE_INFINITY;
      for (let c = 0; c < k; c++) {
        const s = sqDist(data, i, centres, c, d);
        if (s < bd) {
          bd = s;
          best = c;
        }
      }
      dist[i] = bd;
      if (labels[i] !== best) {
        labels[i] = best;
        changed = true;
      }
    }
    if (!changed) break;
    // weighted means; empty clusters move to the rows farthest from their centres
    centres.fill(0);
    mass.fill(0);
    for (let i = 0; i < n; i++) {
      const c = labels[i];
      mass[c] += w[i];
      for (let j = 0; j < d; j++) centres[c * d + j] += w[i] * data[i * d + j];
    }
    const used = new Set<number>();
    for (let c = 0; c < k; c++) {
      if (mass[c] > 0) {
        for (let j = 0; j < d; j++) centres[c * d + j] /= mass[c];
        continue;
      }
      let far = -1;
      let fd = -1;
      for (let i = 0; i < n; i++) {
        if (w[i] > 0 && !used.has(i) && dist[i] > fd) {
          fd = dist[i];
          far = i;
        }
      }
      if (far < 0) far = 0;
      used.add(far);
      centres.set(data.subarray(far * d, far * d + d), c * d);
    }
  }
  let inertia = 0;
  for (let i = 0; i < n; i++) inertia += w[i] * dist[i];
  return { labels, inertia, nIter };
}

/** Result of weighted k-means. */
export interface KMeansResult {
  /** Cluster centres, k × d. */
  centres: number[][];
  /** 0-based cluster of each row. */
  labels: number[];
  /** Weighted within-cluster sum of squared distances. */
  inertia: number;
  /** Lloyd iterations done. */
  nIter: number;
}

/**
 * Weighted k-means: k-means++ seeding then Lloyd iterations until no label changes (or maxIter,
 * default 300); ties go to the lower cluster index; an empty cluster is moved to the positive-weight
 * row farthest from its centre. `nInit` seeded restarts (default 1; restart r draws from
 * rng.fork(`kmeans-${r}`)) keep the lowest weighted inertia.
 */
export function weightedKMeans(
  X: Rows,
  k: number,
  options: {
    rng: ForkableUniformSource;
    weights?: ArrayLike<number>;
    maxIter?: number;
    nInit?: number;
  },
): KMeansResult {
  const { data, n, d } = flattenRows(X, 'weightedKMeans');
  const w = checkWeights(options.weights, n, 'weightedKMeans');
  if (!Number.isInteger(k) || k < 1 || k > n)
    throw new RangeError(`weightedKMeans: k = ${k}; expected 1 ≤ k ≤ ${n}`);
  let best: KMeansResult | null = null;
  for (let r = 0; r < (options.nInit ?? 1); r++) {
    const centres = kmeansPlusPlus(data, n, d, w, k, options.rng.fork(`kmeans-${r}`));
    const res = lloyd(data, n, d, w, centres, k, options.maxIter ?? 300);
    if (best === null || res.inertia < best.inertia) {
      best = {
        centres: Array.from({ length: k }, (_, c) =>
          Array.from(centres.subarray(c * d, c * d + d)),
        ),
        labels: Array.from(res.labels),
        inertia: res.inertia,
        nIter: res.nIter,
      };
    }
  }
  return best as KMeansResult;
}
