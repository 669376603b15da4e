/** `vibann structure compare FILE…`: parse → runStructureCompare → print the descriptor table. */
import type { Command } from 'commander';
import type { StructureFormat } from '../../../structure/index.ts';
import { cliHooks } from '../../hooks.ts';
import { formatTable, info, out, printJson } from '../../io.ts';
import { type AnalysisFlags, addAnalysisOptions, analyzeOptions } from '../../structure/flags.ts';
import { FORMATS, formatOption, framesOption, typesOption } from '../../structure/parsers.ts';

interface Flags extends AnalysisFlags {
  format?: StructureFormat;
  types?: string;
  frame?: 'first' | 'last' | 'all' | number;
  hardness?: string;
  out?: string;
  json?: boolean;
}

const f = (x: number | null | undefined, d = 4) =>
  x === null || x === undefined || Number.isNaN(x) ? '–' : x.toFixed(d);

export function registerCompare(st: Command): void {
  addAnalysisOptions(
    st
      .command('compare')
      .description(
        'one descriptor table across alloys, their correlation with hardness, and Fig. 5-style panels',
      )
      .argument('<files...>', 'MD frames, one per alloy (labels: the file names without extension)')
      .option('--format <FMT>', `file format: ${FORMATS.join('|')}`, formatOption)
      .option('--types <MAP>', 'LAMMPS type → element, e.g. 1=Cu,2=Zr', typesOption)
      .option(
        '--frame <first|last|all|N>',
        'frame per file; all = average every frame (default last)',
        framesOption,
      ),
  )
    .option('--hardness <CSV>', 'hardness per alloy: columns file (or alloy/label) and hv')
    .option('--out <DIR>', 'run directory (default runs/structure-compare-<time>)')
    .option('--json', 'print one JSON document on stdout')
    .action(async (files: string[], o: Flags) => {
      const { runStructureCompare, PANEL_DESCRIPTORS } = await import(
        '../../../workflows/structure.ts'
      );
      const doc = await runStructureCompare(
        {
          files,
          format: o.format,
          types: o.types,
          frame: o.frame,
          hardness: o.hardness,
          out: o.out,
          analyze: analyzeOptions(o),
          argv: process.argv.slice(2),
        },
        cliHooks({ silent: o.json }),
      );
      if (o.json) {
        printJson(doc);
        return;
      }
      const names = PANEL_DESCRIPTORS.filter((d) => doc.descriptor_names.includes(d));
      const head = [
        'descriptor',
        ...doc.alloys.map((a) => a.label),
        ...(doc.correlations ? ['r (HV)', 'ρ (HV)'] : []),
      ];
      const rows = names.map((d) => [
        d,
        ...doc.alloys.map((a) => (a.descriptors[d] ? f(a.descriptors[d].mean) : '–')),
        ...(doc.correlations
          ? [f(doc.correlations[d]?.pearson, 2), f(doc.correlations[d]?.spearman, 2)]
          : []),
      ]);
      if (doc.alloys.some((a) => a.hardness !== null))
        rows.unshift([
          'hardness (HV)',
          ...doc.alloys.map((a) => f(a.hardness, 0)),
          ...(doc.correlations ? ['', ''] : []),
        ]);
      out(formatTable(head, rows));
      info(
        `all ${doc.descriptor_names.length} descriptors, figures and manifest in ${doc.out}; vibann report --run ${doc.out}`,
      );
    });
}
