/** `vibann structure analyze FILE`: parse → runStructureAnalyze → print (table or --json). */
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import type { StructureFormat } from '../../../structure/index.ts';
import { cliHooks } from '../../hooks.ts';
import { info, printJson } from '../../io.ts';
import { type AnalysisFlags, addAnalysisOptions, analyzeOptions } from '../../structure/flags.ts';
import { FORMATS, formatOption, framesOption, typesOption } from '../../structure/parsers.ts';
import { printReport } from '../../structure/print.ts';

interface Flags extends AnalysisFlags {
  format?: StructureFormat;
  types?: string;
  frame?: 'first' | 'last' | 'all' | number;
  experiment?: string;
  experimentKind: 'sq' | 'gr';
  radiation: 'xray' | 'neutron' | 'number';
  out?: string;
  json?: boolean;
}

const choice =
  <T extends string>(name: string, list: readonly T[]) =>
  (v: string): T => {
    if (!(list as readonly string[]).includes(v))
      throw new InvalidArgumentError(`${name} expects one of ${list.join(', ')}; got '${v}'`);
    return v as T;
  };

export function registerAnalyze(st: Command): void {
  addAnalysisOptions(
    st
      .command('analyze')
      .description(
        'analyse an MD frame (or every frame): g(r), S(Q), CN, bonds, angles, Voronoi, clusters, packing',
      )
      .argument('<file>', 'extended XYZ, LAMMPS dump (custom) or LAMMPS data file')
      .option(
        '--format <FMT>',
        `file format: ${FORMATS.join('|')} (default: from the name and content)`,
        formatOption,
      )
      .option('--types <MAP>', 'LAMMPS type → element, e.g. 1=Cu,2=Zr', typesOption)
      .option(
        '--frame <first|last|all|N>',
        'frame of a multi-frame file; all = average every frame (default last)',
        framesOption,
      ),
  )
    .option('--experiment <FILE>', 'measured S(Q) or G(r), two columns (comments with #)')
    .option(
      '--experiment-kind <sq|gr>',
      'what --experiment holds',
      choice('--experiment-kind', ['sq', 'gr'] as const),
      'sq',
    )
    .option(
      '--radiation <xray|neutron|number>',
      'weighting compared with --experiment',
      choice('--radiation', ['xray', 'neutron', 'number'] as const),
      'xray',
    )
    .option(
      '--out <DIR>',
      'also write a run directory (structure.json, figures, manifest) for vibann report',
    )
    .option('--json', 'print one JSON document on stdout')
    .action(async (file: string, o: Flags) => {
      const { runStructureAnalyze } = await import('../../../workflows/structure.ts');
      const res = await runStructureAnalyze(
        {
          file,
          format: o.format,
          types: o.types,
          frame: o.frame,
          analyze: analyzeOptions(o),
          experiment: o.experiment
            ? { file: o.experiment, kind: o.experimentKind, radiation: o.radiation }
            : undefined,
          out: o.out,
          argv: process.argv.slice(2),
        },
        cliHooks({ silent: o.json }),
      );
      if (o.json) printJson(res.report);
      else printReport(res.report);
      if (res.out)
        info(
          `run directory ${res.out} (${res.figures.length} figures); vibann report --run ${res.out}`,
        );
    });
}
