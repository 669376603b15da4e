/**
 * CART regression tree (squared error) for the random forest and gradient boosting baselines
 * (SPEC §7), with scikit-learn's DecisionTreeRegressor semantics:
 * - best split over candidate thresholds at midpoints between consecutive distinct values
 *   (values closer than 1e-7 count as equal), maximising the weighted SSE reduction;
 * - per-node feature sampling: features are drawn at random without replacement until `maxFeatures`
 *   have been drawn, skipping the evaluation of features constant in the node, and drawing on while
 *   no non-constant feature has been found (scikit-learn's BestSplitter rule);
 * - sample weights (bootstrap counts, subsample masks): rows of weight 0 are left out; node sizes
 *   for `minSamplesSplit` / `minSamplesLeaf` count rows, means and SSE are weighted;
 * - a node becomes a leaf at `maxDepth`, below `minSamplesSplit` or 2·`minSamplesLeaf` rows, when
 *   its impurity is ≤ 2.2e-16, or when no split keeps `minSamplesLeaf` rows on each side.
 *
 * Written here rather than taken from `ml-cart`: ml-cart has no min_samples_leaf, no sample weights
 * and no per-split feature sampling (ml-random-forest samples features once per tree), which the
 * peer's search spaces need. Each feature is sorted once per training matrix (`presort`), and a
 * node's rows are kept sorted along every feature by stable partitioning, so a tree costs
 * O(rows · features · depth).
 */
import { InputError } from '../util/errors.ts';
import type { Rng } from '../util/rng.ts';
import type { DenseMatrix } from './features.ts';

const FEATURE_THRESHOLD = 1e-7;
const IMPURITY_EPS = 2.220446049250313e-16;

export interface TreeOptions {
  /** Maximum depth (root = 0); null = grow until the other rules stop it. */
  maxDepth: number | null;
  /** Minimum rows in a node to split it (≥ 2). */
  minSamplesSplit: number;
  /** Minimum rows in each child (≥ 1). */
  minSamplesLeaf: number;
  /** Features drawn per split (1 … number of features). */
  maxFeatures: number;
}

/** Per-feature row order of a training matrix, shared by every tree fitted on it. */
export interface Presorted {
  rows: number;
  cols: number;
  /** cols × rows: row indices sorted by feature value, feature-major. */
  order: Int32Array;
}

export function presort(x: DenseMatrix): Presorted {
  const { rows: n, cols: d, data } = x;
  const order = new Int32Array(n * d);
  const idx = Array.from({ length: n }, (_, i) => i);
  for (let f = 0; f < d; f++) {
    idx.sort((a, b) => data[a * d + f] - data[b * d + f] || a - b);
    order.set(idx, f * n);
  }
  return { rows: n, cols: d, order };
}

export interface TreeJSON {
  /** Split feature per node; −1 for a leaf. */
  feature: number[];
  threshold: number[];
  left: number[];
  right: number[];
  value: number[];
}

/** A fitted regression tree, stored as flat node arrays (node 0 = root). */
export class RegressionTree {
  readonly feature: Int32Array;
  readonly threshold: Float64Array;
  readonly left: Int32Array;
  readonly right: Int32Array;
  readonly value: Float64Array;

  constructor(j: TreeJSON) {
    this.feature = Int32Array.from(j.feature);
    this.threshold = Float64Array.from(j.threshold);
    this.left = Int32Array.from(j.left);
    this.right = Int32Array.from(j.right);
    this.value = Float64Array.from(j.value);
  }

  get nodeCount(): number {
    return this.feature.length;
  }

  /** Prediction for row `r` of a row-major matrix with `d` columns. */
  predictRow(data: Float64Array, off: number): number {
    let k = 0;
    while (this.feature[k] >= 0) {
      k = data[off + this.feature[k]] <= this.threshold[k] ? this.left[k] : this.right[k];
    }
    return this.value[k];
  }

  predict(x: DenseMatrix): Float64Array {
    const out = new Float64Array(x.rows);
    for (let i = 0; i < x.rows; i++) out[i] = this.predictRow(x.data, i * x.cols);
    return out;
  }

  toJSON(): TreeJSON {
    return {
      feature: [...this.feature],
      threshold: [...this.threshold],
      left: [...this.left],
      right: [...this.right],
      value: [...this.value],
    };
  }

  static fromJSON(j: TreeJSON): RegressionTree {
    return new RegressionTree(j);
  }
}

export function checkTreeOptions(o: TreeOptions, cols: number): void {
  if (o.maxDepth !== null && !(Number.isInteger(o.maxDepth) && o.maxDepth >= 1)) {
    throw new InputError(`tree: maxDepth must be null or an integer ≥ 1, got ${o.maxDepth}`);
  }
  if (!(Number.isInteger(o.minSamplesSplit) && o.minSamplesSplit >= 2)) {
    throw new InputError(`tree: minSamplesSplit must be an integer ≥ 2, got ${o.minSamplesSplit}`);
  }
  if (!(Number.isInteger(o.minSamplesLeaf) && o.minSamplesLeaf >= 1)) {
    throw new InputError(`tree: minSamplesLeaf must be an integer ≥ 1, got ${o.minSamplesLeaf}`);
  }
  if (!(Number.isInteger(o.maxFeatures) && o.maxFeatures >= 1 && o.maxFeatures <= cols)) {
    throw new InputError(
      `tree: maxFeatures must be an integer in [1, ${cols}], got ${o.maxFeatures}`,
    );
  }
}

/**
 * Resolve a scikit-learn style max_features spec for d features: 'all' | 'sqrt' | a fraction in
 * (0, 1] (→ max(1, ⌊f·d⌋)) | an integer count.
 */
export function resolveMaxFeatures(spec: 'all' | 'sqrt' | number, d: number): number {
  if (spec === 'all') return d;
  if (spec === 'sqrt') return Math.max(1, Math.floor(Math.sqrt(d)));
  if (spec > 0 && spec <= 1 && !Number.isInteger(spec)) return Math.max(1, Math.floor(spec * d));
  if (spec === 1) return d;
  if (Number.isInteger(spec) && spec >= 1) return Math.min(spec, d);
  throw new InputError(`maxFeatures: expected 'all', 'sqrt', a fraction or a count, got ${spec}`);
}

/**
 * Fit one tree on the rows of `x` with weight > 0. `y` and `w` have one entry per row of `x`;
 * `pre` must come from `presort(x)`.
 */
export function fitTree(
  x: DenseMatrix,
  y: ArrayLike<number>,
  w: ArrayLike<number>,
  pre: Presorted,
  o: TreeOptions,
  rng: Rng,
): RegressionTree {
  const { rows: n, cols: d, data } = x;
  checkTreeOptions(o, d);
  if (y.length !== n || w.length !== n)
    throw new InputError('tree: y and w must have one value per row');
  // Active rows, kept sorted along every feature: ord[f*m + p].
  let m = 0;
  for (let i = 0; i < n; i++) if (w[i] > 0) m++;
  if (m === 0) throw new InputError('tree: no row with positive weight');
  const ord = new Int32Array(m * d);
  for (let f = 0; f < d; f++) {
    let p = f * m;
    const src = f * n;
    for (let q = 0; q < n; q++) {
      const i = pre.order[src + q];
      if (w[i] > 0) ord[p++] = i;
    }
  }
  // The node's rows in no particular order (node statistics, partition marks).
  const rowsOrd = new Int32Array(m);
  for (let i = 0, p = 0; i < n; i++) if (w[i] > 0) rowsOrd[p++] = i;
  const buf = new Int32Array(m);
  const goLeft = new Uint8Array(n);
  const feats = Int32Array.from({ length: d }, (_, i) => i);
  const isActive = new Uint8Array(d);

  const feature: number[] = [];
  const threshold: number[] = [];
  const left: number[] = [];
  const right: number[] = [];
  const value: number[] = [];
  const maxDepth = o.maxDepth ?? Number.POSITIVE_INFINITY;
  // A feature constant in a node is constant in all its descendants: it is dropped from the
  // node's active list, and its slice is no longer partitioned (it is never read again).
  const constantIn = (f: number, start: number, end: number): boolean => {
    const base = f * m;
    return data[ord[base + end - 1] * d + f] <= data[ord[base + start] * d + f] + FEATURE_THRESHOLD;
  };

  interface Pending {
    start: number;
    end: number;
    depth: number;
    parent: number;
    isLeft: boolean;
    active: Int32Array;
  }
  // Depth-first with an explicit stack.
  const stack: Pending[] = [
    { start: 0, end: m, depth: 0, parent: -1, isLeft: false, active: Int32Array.from(feats) },
  ];
  while (stack.length > 0) {
    const { start, end, depth, parent, isLeft, active } = stack.pop() as Pending;
    const node = feature.length;
    if (parent >= 0) {
      if (isLeft) left[parent] = node;
      else right[parent] = node;
    }
    let sw = 0;
    let swy = 0;
    for (let p = start; p < end; p++) {
      const i = rowsOrd[p];
      sw += w[i];
      swy += w[i] * y[i];
    }
    const mu = swy / sw;
    // Two-pass variance: exactly 0 for a pure node (E[y²] − μ² would leave rounding noise).
    let ss = 0;
    for (let p = start; p < end; p++) {
      const i = rowsOrd[p];
      ss += w[i] * (y[i] - mu) ** 2;
    }
    const impurity = ss / sw;
    const count = end - start;
    feature.push(-1);
    threshold.push(0);
    left.push(-1);
    right.push(-1);
    value.push(mu);
    if (
      depth >= maxDepth ||
      count < o.minSamplesSplit ||
      count < 2 * o.minSamplesLeaf ||
      impurity <= IMPURITY_EPS
    ) {
      continue;
    }

    // Search the best split over randomly drawn features (inactive ones count as constant).
    for (let a = 0; a < active.length; a++) isActive[active[a]] = 1;
    let bestProxy = Number.NEGATIVE_INFINITY;
    let bestF = -1;
    let bestThr = 0;
    let visited = 0;
    let nonConstant = 0;
    let remaining = d;
    while (remaining > 0 && (visited < o.maxFeatures || nonConstant === 0)) {
      const r = rng.int(remaining);
      const f = feats[r];
      feats[r] = feats[remaining - 1];
      feats[remaining - 1] = f;
      remaining--;
      visited++;
      if (!isActive[f] || constantIn(f, start, end)) continue;
      nonConstant++;
      const base = f * m;
      let lw = 0;
      let lwy = 0;
      let lc = 0;
      for (let p = start; p < end - 1; p++) {
        const i = ord[base + p];
        lw += w[i];
        lwy += w[i] * y[i];
        lc++;
        const xi = data[i * d + f];
        const xn = data[ord[base + p + 1] * d + f];
        if (xn <= xi + FEATURE_THRESHOLD) continue;
        if (lc < o.minSamplesLeaf) continue;
        if (count - lc < o.minSamplesLeaf) break;
        const rw = sw - lw;
        const rwy = swy - lwy;
        const proxy = (lwy * lwy) / lw + (rwy * rwy) / rw;
        if (proxy > bestProxy) {
          bestProxy = proxy;
          bestF = f;
          let thr = 0.5 * (xi + xn);
          if (thr === xn || !Number.isFinite(thr)) thr = xi;
          bestThr = thr;
        }
      }
    }
    for (let a = 0; a < active.length; a++) isActive[active[a]] = 0;
    if (bestF < 0) continue;

    // Partition the row list and every still-varying feature's slice, keeping each sorted.
    let nLeft = 0;
    for (let p = start; p < end; p++) {
      const i = rowsOrd[p];
      const l = data[i * d + bestF] <= bestThr ? 1 : 0;
      goLeft[i] = l;
      nLeft += l;
    }
    const partition = (arr: Int32Array, base: number) => {
      let a = base + start;
      let b = 0;
      for (let p = base + start; p < base + end; p++) {
        const i = arr[p];
        if (goLeft[i]) arr[a++] = i;
        else buf[b++] = i;
      }
      arr.set(buf.subarray(0, b), a);
    };
    partition(rowsOrd, 0);
    const childActive: number[] = [];
    for (let a = 0; a < active.length; a++) {
      const f = active[a];
      if (constantIn(f, start, end)) continue;
      childActive.push(f);
      partition(ord, f * m);
    }
    const ca = Int32Array.from(childActive);
    feature[node] = bestF;
    threshold[node] = bestThr;
    // Push right first so the left subtree is built first (depth-first, left to right).
    stack.push({
      start: start + nLeft,
      end,
      depth: depth + 1,
      parent: node,
      isLeft: false,
      active: ca,
    });
    stack.push({
      start,
      end: start + nLeft,
      depth: depth + 1,
      parent: node,
      isLeft: true,
      active: ca,
    });
  }
  return new RegressionTree({ feature, threshold, left, right, value });
}
