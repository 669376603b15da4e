/**
 * The report workflow (SPEC §14): one self-contained HTML page with every table and figure of a
 * run directory (report/html.ts), written atomically (default `<run>/report.html`).
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../util/errors.ts';
import { throwIfCancelled, type WorkflowHooks } from './common.ts';

export interface ReportOptions {
  /** The run directory (holds manifest.json and the results). */
  run: string;
  /** Output file (default `<run>/report.html`). */
  out?: string;
  /** Draw figures the run directory lacks from its results files (default true). */
  derive?: boolean;
}

/** Defaults of the options left out. */
export const REPORT_DEFAULTS: Required<Pick<ReportOptions, 'derive'>> = { derive: true };

/** `report --json`: where the page went, its size in bytes and the time taken in s. */
export interface ReportResult {
  report: string;
  run: string;
  bytes: number;
  seconds: number;
}

export async function runReport(
  o: ReportOptions,
  hooks: WorkflowHooks = {},
): Promise<ReportResult> {
  const out = o.out ?? join(o.run, 'report.html');
  let outIsDir = false;
  try {
    outIsDir = statSync(out).isDirectory();
  } catch {
    // does not exist yet: fine
  }
  if (outIsDir)
    throw new InputError(`--out '${out}' is a directory; expected a file such as report.html`);
  const { writeReport, readRunManifest } = await import('../report/html.ts');
  // Checks the directory and its manifest first: a clear exit-2 message before any work.
  const manifest = await readRunManifest(o.run);
  if (manifest.complete === false)
    hooks.onWarn?.(
      `${o.run}: this run is incomplete (interrupted, or still running, after its manifest was written); the report shows what is there`,
    );
  throwIfCancelled(hooks, 'the report');
  const t0 = performance.now();
  const path = await writeReport(o.run, out, { deriveFigures: o.derive ?? REPORT_DEFAULTS.derive });
  const bytes = statSync(path).size;
  return { report: path, run: o.run, bytes, seconds: (performance.now() - t0) / 1000 };
}
