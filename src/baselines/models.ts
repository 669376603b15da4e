/**
 * The SPEC §7 baselines as uniform model specifications: a name, a search space (the peer's, see
 * ../shared/bench/README.md) expressed as TPE suggestions, and a constructor that fits the model.
 */
import type { Trial } from '../tune/tpe.ts';
import { InputError } from '../util/errors.ts';
import type { Rng } from '../util/rng.ts';
import {
  GradientBoostingRegressor,
  type MaxFeaturesSpec,
  RandomForestRegressor,
} from './ensemble.ts';
import { type DenseMatrix, mean } from './features.ts';
import { GaussianProcessRegressor, type GpOptions } from './gp.ts';
import { KnnRegressor } from './knn.ts';
import { Lasso, Ridge } from './linear.ts';
import { MlpRegressor } from './mlp.ts';

export const BASELINE_KEYS = ['mean', 'lasso', 'ridge', 'knn', 'rf', 'gb', 'mlp', 'gp'] as const;
export type BaselineKey = (typeof BASELINE_KEYS)[number];

export const BASELINE_NAMES: Record<BaselineKey, string> = {
  mean: 'Mean (floor)',
  lasso: 'Lasso',
  ridge: 'Ridge',
  knn: 'KNN',
  rf: 'Random forest',
  gb: 'Gradient boosting',
  mlp: 'MLP',
  gp: 'GP Matérn 5/2 + White',
};

/** Hyperparameters of one model, as drawn from its search space (JSON values). */
export type Params = Record<string, number | string | boolean | null>;

/** A fitted baseline: predictions in HV. */
export interface FittedModel {
  predict(x: DenseMatrix): Float64Array;
  toJSON(): unknown;
}

export interface ModelSpec {
  key: BaselineKey;
  /** Draw hyperparameters from the search space; null = nothing to search. */
  space: ((t: Trial) => Params) | null;
  /** Fit with the given hyperparameters. */
  fit(params: Params, x: DenseMatrix, y: Float64Array, rng: Rng): FittedModel;
}

/** The mean predictor (floor). */
export class MeanRegressor implements FittedModel {
  value = 0;
  fit(_x: DenseMatrix, y: ArrayLike<number>): this {
    this.value = mean(y);
    return this;
  }
  predict(x: DenseMatrix): Float64Array {
    return new Float64Array(x.rows).fill(this.value);
  }
  toJSON(): { kind: 'mean'; value: number } {
    return { kind: 'mean', value: this.value };
  }
  static fromJSON(j: { kind: 'mean'; value: number }): MeanRegressor {
    const m = new MeanRegressor();
    m.value = j.value;
    return m;
  }
}

const MLP_LAYERS = ['64', '128', '64-64', '128-64', '128-128', '256-128'] as const;

function num(p: Params, k: string): number {
  const v = p[k];
  if (typeof v !== 'number')
    throw new InputError(`baseline hyperparameter '${k}': expected a number, got ${v}`);
  return v;
}

function maxFeatures(v: Params[string]): MaxFeaturesSpec {
  if (v === 'all' || v === 'sqrt') return v;
  if (typeof v === 'number') return v;
  throw new InputError(
    `baseline hyperparameter 'max_features': expected 'all', 'sqrt' or a fraction, got ${v}`,
  );
}

export interface ModelSpecOptions {
  /** GP optimiser options (restarts, bounds). */
  gp?: GpOptions;
  /** MLP epoch cap (default 2000, as the peer). */
  mlpMaxIter?: number;
}

/** Model specifications. */
export function modelSpecs(o: ModelSpecOptions = {}): Record<BaselineKey, ModelSpec> {
  return {
    mean: { key: 'mean', space: null, fit: (_p, x, y) => new MeanRegressor().fit(x, y) },
    lasso: {
      key: 'lasso',
      space: (t) => ({ alpha: t.suggestFloat('alpha', 1e-4, 1e2, { log: true }) }),
      fit: (p, x, y) => new Lasso({ alpha: num(p, 'alpha') }).fit(x, y),
    },
    ridge: {
      key: 'ridge',
      space: (t) => ({ alpha: t.suggestFloat('alpha', 1e-6, 1e2, { log: true }) }),
      fit: (p, x, y) => new Ridge({ alpha: num(p, 'alpha') }).fit(x, y),
    },
    knn: {
      key: 'knn',
      space: (t) => ({
        n_neighbors: t.suggestInt('n_neighbors', 1, 20),
        weights: t.suggestCategorical('weights', ['uniform', 'distance']),
        p: t.suggestCategorical('p', [1, 2]),
      }),
      fit: (p, x, y) =>
        new KnnRegressor({
          k: num(p, 'n_neighbors'),
          weights: p.weights === 'distance' ? 'distance' : 'uniform',
          p: p.p === 1 ? 1 : 2,
        }).fit(x, y),
    },
    rf: {
      key: 'rf',
      space: (t) => ({
        n_estimators: t.suggestInt('n_estimators', 100, 800),
        max_depth: t.suggestCategorical('max_depth', [null, 8, 16, 32]),
        min_samples_split: t.suggestInt('min_samples_split', 2, 10),
        min_samples_leaf: t.suggestInt('min_samples_leaf', 1, 5),
        max_features: t.suggestCategorical('max_features', ['all', 'sqrt', 0.5, 0.33]),
      }),
      fit: (p, x, y, rng) =>
        new RandomForestRegressor({
          nEstimators: num(p, 'n_estimators'),
          maxDepth: p.max_depth === null ? null : num(p, 'max_depth'),
          minSamplesSplit: num(p, 'min_samples_split'),
          minSamplesLeaf: num(p, 'min_samples_leaf'),
          maxFeatures: maxFeatures(p.max_features),
        }).fit(x, y, rng),
    },
    gb: {
      key: 'gb',
      space: (t) => ({
        n_estimators: t.suggestInt('n_estimators', 100, 1000),
        learning_rate: t.suggestFloat('learning_rate', 0.01, 0.3, { log: true }),
        max_depth: t.suggestInt('max_depth', 2, 8),
        min_samples_leaf: t.suggestInt('min_samples_leaf', 1, 10),
        subsample: t.suggestFloat('subsample', 0.5, 1),
        max_features: t.suggestCategorical('max_features', ['all', 'sqrt', 0.5]),
      }),
      fit: (p, x, y, rng) =>
        new GradientBoostingRegressor({
          nEstimators: num(p, 'n_estimators'),
          learningRate: num(p, 'learning_rate'),
          maxDepth: num(p, 'max_depth'),
          minSamplesLeaf: num(p, 'min_samples_leaf'),
          subsample: num(p, 'subsample'),
          maxFeatures: maxFeatures(p.max_features),
        }).fit(x, y, rng),
    },
    mlp: {
      key: 'mlp',
      space: (t) => ({
        hidden_layer_sizes: t.suggestCategorical('hidden_layer_sizes', MLP_LAYERS),
        activation: t.suggestCategorical('activation', ['relu', 'tanh']),
        alpha: t.suggestFloat('alpha', 1e-6, 1e-1, { log: true }),
        learning_rate_init: t.suggestFloat('learning_rate_init', 1e-4, 1e-2, { log: true }),
        batch_size: t.suggestCategorical('batch_size', [16, 32, 64]),
      }),
      fit: (p, x, y, rng) =>
        new MlpRegressor({
          hidden: String(p.hidden_layer_sizes).split('-').map(Number),
          activation: p.activation === 'tanh' ? 'tanh' : 'relu',
          alpha: num(p, 'alpha'),
          learningRate: num(p, 'learning_rate_init'),
          batchSize: num(p, 'batch_size'),
          maxIter: o.mlpMaxIter,
        }).fit(x, y, rng),
    },
    gp: {
      key: 'gp',
      space: null,
      fit: (_p, x, y, rng) => new GaussianProcessRegressor(o.gp).fit(x, y, rng),
    },
  };
}
