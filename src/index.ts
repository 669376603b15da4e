/**
 * The public vibann library API: the `vibann` package entry (`import { … } from 'vibann'`).
 * Everything exported here is supported; the rest of src/ is internal and may change between
 * versions. The list is explicit on purpose (test/package/api.test.ts checks it name by name).
 * The CLI, the web page and the tests call the same functions.
 *
 * - chem/, data/: compositions and elements; finding, fetching and loading the dataset; splits.
 * - model/, nn/backend: `HardnessModel` (fit, predict, predictWithUncertainty, save, load) and
 *   the numerical backend.
 * - eval/, design/: evaluation on a split and the inverse-design pipeline (lower level than the
 *   workflows).
 * - workflows/: one library call per CLI command, `runX(options, hooks)`, with documented defaults
 *   (X_DEFAULTS), progress and cancellation through `WorkflowHooks`, and a typed result.
 * - runs/: the documents a workflow writes into its run directory, one validating reader each (a
 *   malformed document is an InputError naming the file and the field).
 * - errors and exit codes, seeded randomness (`Rng`), `VERSION`.
 */
export { Composition, type FormulaOptions, type FormulaStyle } from './chem/composition.ts';
export { ELEMENTS, isElement } from './chem/elements.ts';
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
export {
  type EvaluateOptions as EvaluateModelOptions,
  type EvaluationReport,
  evaluateModel,
} from './eval/evaluate.ts';
export {
  type FitOptions,
  HardnessModel,
  type HardnessModelMeta,
  type PredictionRequest,
  type UncertainPrediction,
} from './model/hardness-model.ts';
export { type BackendInfo, type BackendName, initBackend } from './nn/backend.ts';
export { type BaselinesRunDocument, readBaselinesRun } from './runs/baselines.ts';
export { type BoRun, type BoRunDocument, readBoRun } from './runs/bo.ts';
export { type DesignRun, type DesignRunDocument, readDesignRun } from './runs/design.ts';
export { type EvaluateRunDocument, readEvaluateRun } from './runs/evaluate.ts';
export { type ExplainRunDocument, readExplainRun } from './runs/explain.ts';
export { readRunManifest } from './runs/index.ts';
export { type LatentRunDocument, readLatentRun } from './runs/latent.ts';
export { type LofoRunDocument, readLofoRun } from './runs/lofo.ts';
export {
  readStructureAnalyzeRun,
  readStructureCompareRun,
  type StructureAnalyzeRunDocument,
  type StructureCompareRunDocument,
  type StructureMdRunDocument,
} from './runs/structure.ts';
export { readStudiesRun, type StudiesRunDocument } from './runs/studies.ts';
export { readTrainRun, type TrainRunDocument } from './runs/train.ts';
export { readTuned, readTuneRun, type TuneRunDocument } from './runs/tune.ts';
export { CompositionError, EXIT, type ExitCode, InputError, VibannError } from './util/errors.ts';
export type { RunManifest } from './util/manifest.ts';
export { Rng, type RngState } from './util/rng.ts';
export { VERSION } from './version.ts';
export {
  BASELINES_DEFAULTS,
  type BaselinesOptions,
  type BaselinesResult,
  runBaselines,
} from './workflows/baselines.ts';
export { BO_DEFAULTS, type BoWorkflowOptions, runBoWorkflow } from './workflows/bo.ts';
export {
  CancelledError,
  DEFAULT_MODEL_DIR,
  type ProgressEvent,
  type WorkflowHooks,
} from './workflows/common.ts';
export {
  DATA_FETCH_DEFAULTS,
  type DataFetchOptions,
  type DataInfoOptions,
  type DataInfoResult,
  runDataFetch,
  runDataInfo,
} from './workflows/data.ts';
export {
  DESIGN_DEFAULTS,
  type DesignWorkflowOptions,
  runDesignWorkflow,
} from './workflows/design.ts';
export {
  EVALUATE_DEFAULTS,
  type EvaluateOptions,
  type EvaluateResult,
  runEvaluate,
} from './workflows/evaluate.ts';
export {
  EXPLAIN_DEFAULTS,
  type ExplainRunOptions,
  type ExplainRunResult,
  runExplain,
} from './workflows/explain.ts';
export {
  LATENT_DEFAULTS,
  type LatentRunOptions,
  type LatentRunResult,
  runLatent,
} from './workflows/latent.ts';
export {
  LOFO_DEFAULTS,
  type LofoListOptions,
  type LofoListResult,
  type LofoOptions,
  type LofoResult,
  runLofo,
  runLofoList,
} from './workflows/lofo.ts';
export {
  PREDICT_DEFAULTS,
  type PredictionRow,
  type PredictOptions,
  type PredictResult,
  runPredict,
} from './workflows/predict.ts';
export {
  REPORT_DEFAULTS,
  type ReportOptions,
  type ReportResult,
  runReport,
} from './workflows/report.ts';
export {
  runStructureAnalyze,
  runStructureCompare,
  runStructureInput,
  runStructureMd,
  type StructureAnalyzeOptions,
  type StructureAnalyzeResult,
  type StructureCompareOptions,
  type StructureMdOptions,
} from './workflows/structure.ts';
export {
  runStudies,
  STUDIES_DEFAULTS,
  type StudiesOptions,
  type StudiesResult,
} from './workflows/studies.ts';
export { runTrain, TRAIN_DEFAULTS, type TrainOptions } from './workflows/train.ts';
export { runTune, TUNE_DEFAULTS, type TuneOptions, type TuneResult } from './workflows/tune.ts';
