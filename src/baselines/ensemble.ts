/**
 * Tree ensembles for SPEC §7, on the CART of `tree.ts`, with scikit-learn's semantics:
 * - RandomForestRegressor: each tree on a bootstrap sample (n draws with replacement, used as row
 *   weights), per-split feature sampling; prediction = mean of the trees;
 * - GradientBoostingRegressor (squared loss): F₀ = mean(y); each stage fits a tree to the residuals
 *   y − F on a subsample drawn without replacement (⌊subsample·n⌋ rows; all rows when subsample = 1),
 *   leaf values = mean in-bag residual, F += learningRate · tree(x) on every row.
 */
import { InputError } from '../util/errors.ts';
import type { Rng } from '../util/rng.ts';
import type { DenseMatrix } from './features.ts';
import {
  fitTree,
  presort,
  RegressionTree,
  resolveMaxFeatures,
  type TreeJSON,
  type TreeOptions,
} from './tree.ts';

/** 'all', 'sqrt', or a fraction of the features in (0, 1]. */
export type MaxFeaturesSpec = 'all' | 'sqrt' | number;

export interface ForestOptions {
  /** Number of trees. */
  nEstimators: number;
  /** Maximum depth; null = unlimited. */
  maxDepth: number | null;
  /** Minimum rows to split a node. */
  minSamplesSplit: number;
  /** Minimum rows per leaf. */
  minSamplesLeaf: number;
  /** Features drawn per split. */
  maxFeatures: MaxFeaturesSpec;
}

export interface ForestJSON {
  kind: 'random-forest';
  options: ForestOptions;
  trees: TreeJSON[];
}

function treeOptions(
  o: {
    maxDepth: number | null;
    minSamplesSplit: number;
    minSamplesLeaf: number;
    maxFeatures: MaxFeaturesSpec;
  },
  d: number,
): TreeOptions {
  return {
    maxDepth: o.maxDepth,
    minSamplesSplit: o.minSamplesSplit,
    minSamplesLeaf: o.minSamplesLeaf,
    maxFeatures: resolveMaxFeatures(o.maxFeatures, d),
  };
}

export class RandomForestRegressor {
  readonly options: ForestOptions;
  trees: RegressionTree[] = [];
  constructor(o: ForestOptions) {
    if (!(Number.isInteger(o.nEstimators) && o.nEstimators >= 1)) {
      throw new InputError(
        `random forest: nEstimators must be an integer ≥ 1, got ${o.nEstimators}`,
      );
    }
    this.options = { ...o };
  }

  fit(x: DenseMatrix, y: ArrayLike<number>, rng: Rng): this {
    const n = x.rows;
    const pre = presort(x);
    const to = treeOptions(this.options, x.cols);
    const w = new Float64Array(n);
    this.trees = [];
    for (let t = 0; t < this.options.nEstimators; t++) {
      const r = rng.fork(`tree/${t}`);
      w.fill(0);
      for (let k = 0; k < n; k++) w[r.int(n)] += 1;
      this.trees.push(fitTree(x, y, w, pre, to, r));
    }
    return this;
  }

  predict(x: DenseMatrix): Float64Array {
    if (this.trees.length === 0) throw new InputError('random forest: predict before fit');
    const out = new Float64Array(x.rows);
    for (const t of this.trees)
      for (let i = 0; i < x.rows; i++) out[i] += t.predictRow(x.data, i * x.cols);
    for (let i = 0; i < x.rows; i++) out[i] /= this.trees.length;
    return out;
  }

  toJSON(): ForestJSON {
    return {
      kind: 'random-forest',
      options: { ...this.options },
      trees: this.trees.map((t) => t.toJSON()),
    };
  }

  static fromJSON(j: ForestJSON): RandomForestRegressor {
    const m = new RandomForestRegressor(j.options);
    m.trees = j.trees.map((t) => RegressionTree.fromJSON(t));
    return m;
  }
}

export interface BoostingOptions {
  /** Boosting stages (trees). */
  nEstimators: number;
  /** Shrinkage applied to every tree. */
  learningRate: number;
  /** Depth of each tree. */
  maxDepth: number;
  /** Minimum rows per leaf. */
  minSamplesLeaf: number;
  /** Minimum rows to split a node (default 2). */
  minSamplesSplit?: number;
  /** Fraction of rows per stage, drawn without replacement, in (0, 1]. */
  subsample: number;
  /** Features drawn per split. */
  maxFeatures: MaxFeaturesSpec;
}

export interface BoostingJSON {
  kind: 'gradient-boosting';
  options: BoostingOptions;
  init: number;
  trees: TreeJSON[];
}

export class GradientBoostingRegressor {
  readonly options: BoostingOptions;
  init = 0;
  trees: RegressionTree[] = [];
  constructor(o: BoostingOptions) {
    if (!(Number.isInteger(o.nEstimators) && o.nEstimators >= 1)) {
      throw new InputError(
        `gradient boosting: nEstimators must be an integer ≥ 1, got ${o.nEstimators}`,
      );
    }
    if (!(o.learningRate > 0))
      throw new InputError(`gradient boosting: learningRate must be > 0, got ${o.learningRate}`);
    if (!(o.subsample > 0 && o.subsample <= 1)) {
      throw new InputError(`gradient boosting: subsample must be in (0, 1], got ${o.subsample}`);
    }
    this.options = { ...o };
  }

  fit(x: DenseMatrix, y: ArrayLike<number>, rng: Rng): this {
    const n = x.rows;
    const o = this.options;
    const pre = presort(x);
    const to = treeOptions({ ...o, minSamplesSplit: o.minSamplesSplit ?? 2 }, x.cols);
    let s = 0;
    for (let i = 0; i < n; i++) s += y[i];
    this.init = s / n;
    const f = new Float64Array(n).fill(this.init);
    const resid = new Float64Array(n);
    const w = new Float64Array(n);
    const nIn = Math.max(1, Math.floor(o.subsample * n));
    const perm = Array.from({ length: n }, (_, i) => i);
    this.trees = [];
    for (let t = 0; t < o.nEstimators; t++) {
      const r = rng.fork(`stage/${t}`);
      for (let i = 0; i < n; i++) resid[i] = y[i] - f[i];
      if (nIn < n) {
        w.fill(0);
        // Partial Fisher–Yates: the first nIn entries are a uniform subset.
        for (let k = 0; k < nIn; k++) {
          const j = k + r.int(n - k);
          const tmp = perm[k];
          perm[k] = perm[j];
          perm[j] = tmp;
          w[perm[k]] = 1;
        }
      } else {
        w.fill(1);
      }
      const tree = fitTree(x, resid, w, pre, to, r);
      this.trees.push(tree);
      for (let i = 0; i < n; i++) f[i] += o.learningRate * tree.predictRow(x.data, i * x.cols);
    }
    return this;
  }

  predict(x: DenseMatrix): Float64Array {
    if (this.trees.length === 0) throw new InputError('gradient boosting: predict before fit');
    const out = new Float64Array(x.rows).fill(this.init);
    const lr = this.options.learningRate;
    for (const t of this.trees)
      for (let i = 0; i < x.rows; i++) out[i] += lr * t.predictRow(x.data, i * x.cols);
    return out;
  }

  toJSON(): BoostingJSON {
    return {
      kind: 'gradient-boosting',
      options: { ...this.options },
      init: this.init,
      trees: this.trees.map((t) => t.toJSON()),
    };
  }

  static fromJSON(j: BoostingJSON): GradientBoostingRegressor {
    const m = new GradientBoostingRegressor(j.options);
    m.init = j.init;
    m.trees = j.trees.map((t) => RegressionTree.fromJSON(t));
    return m;
  }
}
