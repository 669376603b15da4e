/** The LAMMPS input options of `vibann structure lammps-input | run`, and their mapping to LammpsInputOptions. */
import type { Command } from 'commander';
import type { LammpsInputOptions, MeltQuenchProtocol } from '../../structure/index.ts';
import { InputError } from '../../util/errors.ts';
import { intOption, numberOption } from '../options.ts';
import { rangeOption, stepsOption } from './parsers.ts';

export interface InputFlags {
  composition?: string;
  atoms: number;
  potential?: string;
  pairStyle?: string;
  pairCoeff?: string;
  lattice?: number;
  seed: number;
  steps?: number[];
  temperatures?: [number, number];
  tdamp?: number;
  pdamp?: number;
  pressure?: number;
  out?: string;
}

export function inputOptions(o: InputFlags): LammpsInputOptions {
  if (!o.composition)
    throw new InputError('--composition is required, e.g. --composition Cu64Zr36');
  if (!o.potential)
    throw new InputError(
      "--potential is required: name the interatomic potential file, e.g. --potential CuZr_mm.eam.fs (Debian's lammps-data)",
    );
  const protocol: Partial<MeltQuenchProtocol> = {};
  if (o.steps)
    [protocol.heatSteps, protocol.holdSteps, protocol.quenchSteps, protocol.finalSteps] = o.steps;
  if (o.temperatures) [protocol.tLow, protocol.tHigh] = o.temperatures;
  if (o.tdamp !== undefined) protocol.tdamp = o.tdamp;
  if (o.pdamp !== undefined) protocol.pdamp = o.pdamp;
  if (o.pressure !== undefined) protocol.pressure = o.pressure;
  return {
    composition: o.composition,
    atoms: o.atoms,
    potential: o.potential,
    pairStyle: o.pairStyle,
    pairCoeff: o.pairCoeff,
    lattice: o.lattice,
    seed: o.seed,
    protocol,
  };
}

export function addInputOptions(cmd: Command): Command {
  return cmd
    .option('--composition <F>', 'alloy formula, e.g. Cu64Zr36')
    .option(
      '--atoms <N>',
      'number of atoms (rounded to a 2·n³ BCC block)',
      intOption('--atoms', 2),
      2000,
    )
    .option(
      '--potential <FILE>',
      'interatomic potential file (path, or a name in /usr/share/lammps/potentials)',
    )
    .option(
      '--pair-style <STYLE>',
      'LAMMPS pair_style (default from the potential: .eam.fs → eam/fs, .eam.alloy → eam/alloy)',
    )
    .option(
      '--pair-coeff <ARGS>',
      "everything after pair_coeff (default '* * POTENTIAL El1 El2 …')",
    )
    .option(
      '--lattice <A>',
      'BCC lattice constant, Å (default from metallic radii)',
      numberOption('--lattice', { positive: true }),
    )
    .option(
      '--seed <N>',
      'seed of the random site assignment and velocities',
      intOption('--seed', 0),
      1,
    )
    .option(
      '--steps <H,H,Q,F>',
      'steps of heat, hold, quench, final hold (paper: 40000 each)',
      stepsOption,
    )
    .option(
      '--temperatures <LOW:HIGH>',
      'low and melt temperatures, K (paper: 50:4000)',
      rangeOption('--temperatures'),
    )
    .option(
      '--tdamp <PS>',
      'thermostat damping, ps (paper: 1)',
      numberOption('--tdamp', { positive: true }),
    )
    .option(
      '--pdamp <PS>',
      'barostat damping, ps (paper: 5)',
      numberOption('--pdamp', { positive: true }),
    )
    .option('--pressure <BAR>', 'NPT pressure, bar (paper: 0)', numberOption('--pressure'))
    .option('--out <DIR>', 'output folder (default md/<composition>)');
}
