/**
 * `vibann report --run DIR [--out FILE.html]` — one self-contained HTML page with every table and
 * figure of a run directory (SPEC §14): no scripts, no network references, printable. The report
 * library (and, when a figure has to be drawn from the data, vega) is loaded inside the action.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { InputError } from '../../util/errors.ts';
import { out as print, printJson } from '../io.ts';

export interface ReportOpts {
  run: string;
  out?: string;
  derive: boolean;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command('report')
    .description(
      'write one self-contained HTML page with every table and figure of a run directory',
    )
    .requiredOption('--run <dir>', 'run directory (holds manifest.json and the results)')
    .option('--out <file.html>', 'output file (default: <dir>/report.html)')
    .option(
      '--no-derive',
      'do not draw figures that the run directory lacks from its results files',
    )
    .option('--json', 'print one JSON document on stdout')
    .action(async (o: ReportOpts) => {
      const out = o.out ?? join(o.run, 'report.html');
      let outIsDir = false;
      try {
        outIsDir = statSync(out).isDirectory();
      } catch {
        // does not exist yet: fine
      }
      if (outIsDir)
        throw new InputError(`--out '${out}' is a directory; expected a file such as report.html`);
      const { writeReport, readRunManifest } = await import('../../report/html.ts');
      // Checks the directory and its manifest first: a clear exit-2 message before any work.
      await readRunManifest(o.run);
      const t0 = performance.now();
      const path = await writeReport(o.run, out, { deriveFigures: o.derive });
      const bytes = statSync(path).size;
      const seconds = (performance.now() - t0) / 1000;
      if (o.json) printJson({ report: path, run: o.run, bytes, seconds });
      else
        print(
          `report written to ${path} (${(bytes / 1e6).toFixed(2)} MB, ${seconds.toFixed(1)} s)`,
        );
    });
}
