/**
 * `vibann structure …` (SPEC §13, issue 17): analyze, compare, lammps-input, run. Each subcommand
 * parses its flags, calls one workflow of workflows/structure.ts and prints.
 */
import type { Command } from 'commander';
import { registerAnalyze } from './analyze.ts';
import { registerCompare } from './compare.ts';
import { registerRun } from './run.ts';

export function register(program: Command): void {
  const st = program
    .command('structure')
    .description(
      'atomistic structure of MD glasses: g(r), S(Q), coordination, bonds, Voronoi; alloy comparison; LAMMPS melt-quench',
    );
  registerAnalyze(st);
  registerCompare(st);
  registerRun(st);
}
