/**
 * `vibann data info` — summary of a dataset (rows, element basis and per-element counts, loads,
 * HV range, families, SHA-256), found through the resolution order of docs/architecture.md.
 * `vibann data fetch` — download the reference dataset and verify its SHA-256.
 */
import { join } from 'node:path';
import type { Command } from 'commander';
import { formatTable, info, out, printJson, warn } from '../io.ts';

interface InfoOpts {
  data?: string;
  json?: boolean;
  families?: number;
}

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
    .action(async (o: InfoOpts) => {
      const d = await import('../../data/index.ts');
      const where = d.resolveDatasetPath({ data: o.data });
      const ds = d.loadDataset(where.path);
      const s = d.summarizeDataset(ds);
      for (const w of s.warnings) warn(w);
      if (o.json) {
        printJson({ ...s, resolved_via: where.via });
        return;
      }
      out(`dataset   ${s.source}  (found via ${where.via})`);
      out(
        `sha256    ${s.sha256}${s.sha256 === d.REFERENCE_SHA256 ? '  (the reference dataset)' : ''}`,
      );
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
      out(
        `families  ${s.families.count} element sets; the ${Math.min(n, s.families.count)} largest:`,
      );
      out(
        formatTable(
          ['family', 'rows', 'median HV'],
          s.families.list.slice(0, n).map((f) => [f.family, f.rows, f.medianHv.toFixed(1)]),
        ),
      );
    });

  data
    .command('fetch')
    .description('download the reference dataset from its public source and verify its SHA-256')
    .option('--out <file>', 'where to save it', join('data', 'H_v_dataset.csv'))
    .option('--url <url>', 'download from this URL instead of the public source')
    .option('--json', 'print one JSON document on stdout')
    .action(async (o: { out: string; url?: string; json?: boolean }) => {
      const d = await import('../../data/index.ts');
      info(`downloading ${o.url ?? d.REFERENCE_URL}`);
      const r = await d.fetchDataset({ out: o.out, url: o.url });
      if (o.json) printJson(r);
      else out(`saved ${r.path} (${r.bytes} bytes, SHA-256 ${r.sha256} verified)`);
    });
}
