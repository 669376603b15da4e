/** `vibann structure lammps-input` and `vibann structure run`: parse → workflow → print. */
import type { Command } from 'commander';
import { INPUT_SCRIPT } from '../../../structure/lammpsInput.ts';
import { cliHooks } from '../../hooks.ts';
import { formatTable, out, printJson, warn } from '../../io.ts';
import { intOption, numberOption } from '../../options.ts';
import { type AnalysisFlags, addAnalysisOptions, analyzeOptions } from '../../structure/flags.ts';
import { addInputOptions, type InputFlags, inputOptions } from '../../structure/inputFlags.ts';
import { f4, printReport } from '../../structure/print.ts';

interface RunFlags extends InputFlags, AnalysisFlags {
  lmp?: string;
  np: number;
  mpirun?: string;
  slurm?: boolean;
  slurmTime?: string;
  voronoiCheck: boolean;
  timeout?: number;
  json?: boolean;
}

export function registerRun(st: Command): void {
  addInputOptions(
    st
      .command('lammps-input')
      .description("write a LAMMPS melt-quench input (the paper's protocol) for a composition"),
  )
    .option('--json', 'print one JSON document on stdout')
    .action(async (o: InputFlags & { json?: boolean }) => {
      const { runStructureInput } = await import('../../../workflows/structure.ts');
      const r = await runStructureInput(inputOptions(o), o.out);
      for (const w of r.input.warnings) warn(w);
      if (o.json) return printJson({ out: r.out, files: r.files, ...r.manifest });
      const inp = r.input;
      out(`wrote ${r.files.join(', ')}`);
      out(
        `${inp.nAtoms} atoms (${Object.entries(inp.counts)
          .map(([e, c]) => `${e} ${c}`)
          .join(', ')}), BCC a = ${inp.lattice} Å, box ${inp.box.toFixed(3)} Å, seed ${inp.seed}`,
      );
      out(`pair_style ${inp.pairStyle}; pair_coeff ${inp.pairCoeff}`);
      out(
        `run it with: (cd ${r.out} && lmp -in ${INPUT_SCRIPT})   or: vibann structure run … --out ${r.out}`,
      );
    });

  addAnalysisOptions(
    addInputOptions(
      st
        .command('run')
        .description(
          'write the melt-quench input, run LAMMPS (lmp, or mpirun -np N lmp) and analyse the final frame',
        ),
    ),
  )
    .option('--np <N>', 'MPI ranks: mpirun -np N lmp (Open MPI)', intOption('--np', 1), 1)
    .option('--mpirun <PATH>', 'mpirun executable (default $VIBANN_MPIRUN or mpirun)')
    .option('--slurm', 'write submit.slurm (srun with --np tasks) instead of running')
    .option('--slurm-time <HH:MM:SS>', 'wall-time limit of the Slurm job', '24:00:00')
    .option('--lmp <PATH>', 'LAMMPS executable (default: $VIBANN_LMP, or lmp on PATH)')
    .option('--no-voronoi-check', "skip the cross-check with LAMMPS's compute voronoi/atom")
    .option(
      '--timeout <S>',
      'stop LAMMPS after this many seconds',
      numberOption('--timeout', { positive: true }),
    )
    .option('--json', 'print one JSON document on stdout')
    .action(async (o: RunFlags) => {
      const { runStructureMd } = await import('../../../workflows/structure.ts');
      const doc = await runStructureMd(
        {
          input: inputOptions(o),
          out: o.out,
          np: o.np,
          lmp: o.lmp,
          mpirun: o.mpirun,
          slurm: o.slurm ? { time: o.slurmTime } : undefined,
          analyze: analyzeOptions(o),
          voronoiCheck: o.voronoiCheck,
          timeoutMs: o.timeout ? o.timeout * 1000 : undefined,
        },
        cliHooks({ silent: o.json }),
      );
      if (o.json) return printJson(doc);
      if (doc.slurm_script)
        return out(`wrote ${doc.slurm_script}: submit with (cd ${doc.out} && sbatch submit.slurm)`);
      if (doc.report) printReport(doc.report);
      const c = doc.voronoi_check;
      if (c) {
        out('');
        out('icosahedral <0,0,12,0> fraction, vibann vs LAMMPS compute voronoi/atom (same frame):');
        out(
          formatTable(
            ['centre', 'vibann', 'LAMMPS'],
            Object.keys(c.vibann_frac_0_0_12_0).map((k) => [
              k,
              f4(c.vibann_frac_0_0_12_0[k]),
              f4(c.lammps_frac_0_0_12_0[k]),
            ]),
          ),
        );
        out(
          `per-atom: ${c.face_count_mismatches} face-count and ${c.index_mismatches} index mismatches (${c.n_candidates} 12-faced cells checked)`,
        );
      }
      out(
        `MD ${doc.timings.md.toFixed(1)} s on ${doc.np} rank(s) (${doc.command.join(' ')}); results in ${doc.out}/md.json`,
      );
    });
}
