/**
 * Interpretability (SPEC §11): `explainModel` computes attention per element, integrated
 * gradients with the completeness gap and permutation importance per latent cluster for a trained
 * model; the pieces are generic (plain arrays and callbacks) and usable on their own.
 */
export { ATTENTION_NOTE, attentionByElement, type ElementAttention } from './attention.ts';
export {
  DEFAULT_EXPLAIN,
  type ExplainOptions,
  type ExplainResult,
  explainJson,
  explainModel,
  type IgFeature,
  type IgRows,
  type ReferenceSet,
} from './explain.ts';
export { type IgOptions, type IgResult, integratedGradients, type ValueAndGrad } from './ig.ts';
export { type EnsembleFunction, ensembleFunction } from './network.ts';
export {
  type FeatureImportance,
  type PermutationOptions,
  type PermutationResult,
  permutationImportance,
  type RowPredictor,
} from './permutation.ts';
export { permutationPlot } from './plots.ts';
