/** The vibann library API: the CLI, the web page and the tests all use it. */
export * from './chem/index.ts';
export * from './data/index.ts';
export {
  DEFAULT_DESIGN_OPTIONS,
  type DesignOptions,
  type DesignResult,
  runDesign,
} from './design/pipeline.ts';
export { makeRefiner } from './design/refine.ts';
export { type EvaluationReport, evaluateModel } from './eval/evaluate.ts';
export { type FitOptions, HardnessModel, type HardnessModelMeta } from './model/hardness-model.ts';
export { EXIT, InputError, VibannError } from './util/errors.ts';
export { Rng } from './util/rng.ts';
export { VERSION } from './version.ts';
