/**
 * One pure function per figure of SPEC §14: plain typed data in, a Vega-Lite spec out. Render with
 * `renderSvg` / `writePlot` from `../render.ts`. The file names in `PLOT_FILES` are the names the
 * commands write and the HTML report recognises (with their captions).
 */

export {
  type IntervalWidthCurve,
  type IntervalWidthData,
  intervalWidthPlot,
  type PitData,
  type PitSeries,
  pitHistogramPlot,
  type ReliabilityCurve,
  type ReliabilityData,
  reliabilityPlot,
} from './calibration.ts';
export { BASE_CONFIG, type CommonPlotOptions, FONT_FAMILY, topN } from './common.ts';
export {
  type BaselineModel,
  type BaselinesData,
  type BaselinesOptions,
  baselinesPlot,
  type LoadCurve,
  type LoadCurvesData,
  type LoadPrediction,
  loadCurvesPlot,
} from './design.ts';
export {
  type AttentionData,
  type AttentionElement,
  attentionPlot,
  type BarOptions,
  type IgData,
  type IgElement,
  igPlot,
} from './explain.ts';
export {
  type CandidatePoint,
  type DensityGrid,
  type GmmDensityData,
  gmmDensityPlot,
  type LatentMapData,
  type LatentMapOptions,
  type LatentPoint,
  latentMapPlot,
  type MapPoint,
  type TraversalData,
  type TraversalOptions,
  traversalPlot,
} from './latent.ts';
export { FIGURES, type FigureName, figureFor, type ReportTopic } from './names.ts';
export {
  type DataSetName,
  type ParityData,
  type ParityOptions,
  type ParityPoint,
  parityPlot,
} from './parity.ts';
export {
  markCounts,
  type PngOptions,
  type RenderOptions,
  renderPng,
  renderSvg,
  type WrittenPlot,
  writePlot,
} from './render.ts';
export {
  type EpochRecord,
  type NetworkHistory,
  type TrainingHistory,
  type TrainingOptions,
  trainingCurvesPlot,
} from './training.ts';
