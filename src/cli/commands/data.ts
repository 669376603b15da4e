/**
 * `vibann data info` — summary of a dataset (rows, element basis and per-element counts, loads,
 * HV range, families, SHA-256), found through the resolution order of docs/architecture.md.
 * `vibann data fetch` — download the reference dataset and verify its SHA-256.
 * The work is src/workflows/data.ts.
 */
import type { Command } from 'commander';
import { REFERENCE_SHA256 } from '../../data/resolve.ts';
import { DATA_FETCH_DEFAULTS, runDataFetch, runDataInfo } from '../../workflows/data.ts';
import { cliHooks } from '../hooks.ts';
import { formatTable, out, printJson } from '../io.ts';

export function register(program: Command): void {
  const data = program.command('data').description('inspect or download the hardness dataset');

  data
    .command('info')
    .description('summarise the dataset: rows, elements, loads, HV range, families, SHA-256')
    .option(
      '--data <file>',
      'dataset CSV (default: VIBANN_DATA, ./data/H_v_dataset.csv, ../shared/data/)',
    )
    .option('--families <n>', 'families to list in the table', (v) => Number.parseInt(v, 10), 10)
    .option('--json', 'print one JSON document on stdout')
    .action(async (o: { data?: string; json?: boolean; families?: number }) => {
      const s = await runDataInfo(o, cliHooks());
      if (o.json) return printJson(s);
      const ref = s.sha256 === REFERENCE_SHA256 ? '  (the reference dataset)' : '';
      out(`dataset   ${s.source}  (found via ${s.resolved_via})`);
      out(`sha256    ${s.sha256}${ref}`);
      out(`rows      ${s.rows} (${s.distinct_compositions} distinct compositions)`);
      out(
        `HV        ${s.hv.min.toFixed(1)} – ${s.hv.max.toFixed(1)} (mean ${s.hv.mean.toFixed(1)}, median ${s.hv.median.toFixed(1)})`,
      );
      out(
        `elements  ${s.elements.length}: ${s.elements.map((e) => `${e} ${s.element_counts[e]}`).join(', ')}`,
      );
      out(`loads (N) ${s.loads.map((l) => `${+l.load.toPrecision(4)} ×${l.rows}`).join(', ')}`);
      out('');
      const n = o.families ?? 10;
      const { count, list } = s.families;
      out(`families  ${count} element sets; the ${Math.min(n, count)} largest:`);
      out(
        formatTable(
          ['family', 'rows', 'median HV'],
          list.slice(0, n).map((f) => [f.family, f.rows, f.medianHv.toFixed(1)]),
        ),
      );
    });

  data
    .command('fetch')
    .description('download the reference dataset from its public source and verify its SHA-256')
    .option('--out <file>', 'where to save it', DATA_FETCH_DEFAULTS.out)
    .option('--url <url>', 'download from this URL instead of the public source')
    .option('--json', 'print one JSON document on stdout')
    .action(async (o: { out: string; url?: string; json?: boolean }) => {
      const r = await runDataFetch(o, cliHooks());
      if (o.json) printJson(r);
      else out(`saved ${r.path} (${r.bytes} bytes, SHA-256 ${r.sha256} verified)`);
    });
}
