/**
 * Latent-space analysis (SPEC §8): `analyzeLatents` runs it end to end for a model's design
 * network (`memberLatentModel`); the pieces (k-means and elbow, PCA, t-SNE, traversal,
 * sensitivity, navigability) work on plain matrices and are usable on their own.
 */
export { type LatentModel, memberLatentModel } from './access.ts';
export {
  analyzeLatents,
  DEFAULT_LATENT_ANALYSIS,
  type LatentAnalysis,
  type LatentAnalysisOptions,
  type LatentClusters,
  type LatentPoints,
  type LatentRows,
  latentClusters,
  latentJson,
  latentRowsOf,
  type TraversalReport,
} from './analyze.ts';
export {
  assignClusters,
  type ClusterSummary,
  type ElbowPoint,
  elbowCurve,
  fitKMeans,
  type KMeansFit,
  orderClusters,
  summariseClusters,
} from './clusters.ts';
export {
  connectedComponents,
  knnEdges,
  type NavigabilityModelReport,
  type NavigabilityReport,
  navigability,
  rmsRadius,
} from './navigability.ts';
export { fitPca, orientPca, type PcaFit, pcaScores, r2OnScores } from './pca.ts';
export { clusterHvPlot, elbowPlot, navigabilityPlot, sensitivityPlot } from './plots.ts';
export { type CoordinateSensitivity, coordinateSensitivity } from './sensitivity.ts';
export type { Matrix } from './stats.ts';
export {
  type LatentPredictor,
  sweepRanges,
  type TraversalResult,
  traversalAnchors,
  traverse,
} from './traversal.ts';
export { type TsneOptions, type TsneResult, tsne } from './tsne.ts';
