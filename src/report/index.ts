/**
 * Reports (SPEC §14): run manifests, figure specs (Vega-Lite), SVG/PNG rendering and the
 * self-contained HTML report. Importing this module is cheap: vega, vega-lite and resvg are loaded
 * only when something is rendered.
 */
export {
  buildReport,
  escapeHtml,
  inlineSvg,
  type ReportOptions,
  readRunManifest,
  writeReport,
} from './html.ts';
export * from './manifest.ts';
export * from './plots/index.ts';
export { FIGURES, type FigureName, figureFor, type ReportTopic } from './plots/names.ts';
export {
  markCounts,
  type PngOptions,
  type RenderOptions,
  renderPng,
  renderSvg,
  type WrittenPlot,
  writePlot,
} from './render.ts';
