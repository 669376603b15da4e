/**
 * The self-contained HTML report of a run directory (SPEC §14). Figure specs and rendering live in
 * `src/plots`, run manifests in `src/util/manifest.ts`.
 */
export {
  buildReport,
  escapeHtml,
  inlineSvg,
  type ReportOptions,
  readRunManifest,
  writeReport,
} from './html.ts';
