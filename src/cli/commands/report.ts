/**
 * `vibann report --run DIR [--out FILE.html]` — one self-contained HTML page with every table and
 * figure of a run directory (SPEC §14): no scripts, no network references, printable. The work is
 * `runReport` (src/workflows/report.ts).
 */
import type { Command } from 'commander';
import { runReport } from '../../workflows/report.ts';
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
      const r = await runReport(o);
      if (o.json) printJson(r);
      else
        print(
          `report written to ${r.report} (${(r.bytes / 1e6).toFixed(2)} MB, ${r.seconds.toFixed(1)} s)`,
        );
    });
}
