/**
 * The public vibann library API: the `vibann` package entry (`import { … } from 'vibann'`).
 * Everything exported here is supported; the rest of src/ is internal and may change between
 * versions. The list is explicit on purpose (test/package/api.test.ts checks it name by name).
 * The CLI, the web page and the tests call the same functions.
 */

// Compositions and elements.
export {
  Composition,
  type FormulaOptions,
  type FormulaStyle,
} from './chem/composition.ts';
export { ELEMENTS, isElement } from './chem/elements.ts';

// The dataset: finding, fetching and loading it, and the train/calibration/test splits.
export {
  type Dataset,
  type LoadDatasetOptions,
  loadDataset,
  parseDataset,
  subsetDataset,
} from './data/dataset.ts';
export { type FetchOptions, fetchDataset } from './data/fetch.ts';
export { type PredictionQuery, readQueries } from './data/queries.ts';
export {
  DATASET_FILE,
  findReferenceSplit,
  REFERENCE_SHA256,
  REFERENCE_URL,
  type ResolvedPath,
  type ResolveOptions,
  resolveDatasetPath,
} from './data/resolve.ts';
export { type SelectSplitOptions, selectSplit } from './data/select.ts';
export {
  type ClusterSplitOptions,
  clusterSplit,
  lofoSplit,
  type Split,
  type SplitFileJSON,
  type SplitKind,
  splitFromFile,
  splitToJSON,
} from './data/split.ts';
export { type DatasetSummary, summarizeDataset } from './data/summary.ts';
// Inverse design (the lower-level entry point; the design workflow below sets it up).
export {
  type CandidateReport,
  DEFAULT_DESIGN_OPTIONS,
  type DesignData,
  type DesignHooks,
  type DesignOptions,
  type DesignResult,
  runDesign,
} from './design/pipeline.ts';
export { makeRefiner, type RefineOptions } from './design/refine.ts';

// Evaluation on a split.
export { type EvaluateOptions, type EvaluationReport, evaluateModel } from './eval/evaluate.ts';
// The model: fit, predict with uncertainty, save and load.
export {
  type FitOptions,
  HardnessModel,
  type HardnessModelMeta,
  type PredictionRequest,
  type UncertainPrediction,
} from './model/hardness-model.ts';
export { type BackendInfo, type BackendName, initBackend } from './nn/backend.ts';
// Errors and exit codes, seeded randomness, the version.
export {
  CompositionError,
  EXIT,
  type ExitCode,
  InputError,
  VibannError,
} from './util/errors.ts';
export { Rng, type RngState } from './util/rng.ts';
export { VERSION } from './version.ts';
// Workflows: one library call per CLI command, with progress and cancellation hooks.
export {
  CancelledError,
  DEFAULT_MODEL_DIR,
  type ProgressEvent,
  type WorkflowHooks,
} from './workflows/common.ts';
