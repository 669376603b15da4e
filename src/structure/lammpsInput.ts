/**
 * LAMMPS melt-quench input for a composition (SPEC §13, the paper's protocol, docs/original.md §12.1):
 * a BCC lattice whose sites get element types at random with exact stoichiometry (largest-remainder
 * counts, a seeded shuffle of our own, so the start is reproducible without LAMMPS's generator);
 * FIRE minimisation; velocities at the low temperature; then four NPT stages at 1 fs —
 * heat 50 → 4000 K, hold, quench 4000 → 50 K, hold — and the final frame written as data file and
 * dump. The potential is whatever the user names.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, isAbsolute, join, resolve } from 'node:path';
import { Composition } from '../chem/index.ts';
import { largestRemainderUnits } from '../chem/rounding.ts';
import { InputError } from '../util/errors.ts';
import { writeFileAtomic, writeJsonAtomic } from '../util/fs.ts';
import { Rng } from '../util/rng.ts';
import { atomicMass, METALLIC_RADIUS } from './elements.ts';

/** The four NPT stages; defaults are the paper's (40 000 steps = 40 ps each, Tdamp 1 ps, Pdamp 5 ps). */
export interface MeltQuenchProtocol {
  /** Start and end temperature, K. Default 50. */
  tLow: number;
  /** Melt temperature, K. Default 4000. */
  tHigh: number;
  /** Steps of each stage: heat tLow → tHigh, hold at tHigh, quench tHigh → tLow, hold at tLow. */
  heatSteps: number;
  holdSteps: number;
  quenchSteps: number;
  finalSteps: number;
  /** Time step, ps. Default 0.001 (1 fs). */
  timestep: number;
  /** Thermostat and barostat damping, ps. Defaults 1 and 5. */
  tdamp: number;
  pdamp: number;
  /** Pressure, bar. Default 0. */
  pressure: number;
  /** Thermo output interval, steps. Default 100. */
  thermoEvery: number;
}

export const PAPER_PROTOCOL: Readonly<MeltQuenchProtocol> = Object.freeze({
  tLow: 50,
  tHigh: 4000,
  heatSteps: 40000,
  holdSteps: 40000,
  quenchSteps: 40000,
  finalSteps: 40000,
  timestep: 0.001,
  tdamp: 1.0,
  pdamp: 5.0,
  pressure: 0,
  thermoEvery: 100,
});

export interface LammpsInputOptions {
  /** A formula ('Cu64Zr36') or element → fraction (any positive scale). */
  composition: string | Record<string, number>;
  /** Requested number of atoms; rounded to the nearest 2·n³ BCC cell count. Default 2000. */
  atoms?: number;
  /** Potential file: a path, or a file name looked up in $LAMMPS_POTENTIALS and /usr/share/lammps/potentials. */
  potential: string;
  /** LAMMPS pair_style; inferred from the potential's extension (.eam.fs → eam/fs, .eam.alloy → eam/alloy). */
  pairStyle?: string;
  /** Everything after `pair_coeff`; default `* * POTENTIAL El1 El2 …` in type order. */
  pairCoeff?: string;
  /** BCC lattice constant, Å; default 4·r̄/√3 from metallic radii (2.8 Å, the paper's, if unknown). */
  lattice?: number;
  /** Seed for the site assignment and the LAMMPS velocity seed. Default 1. */
  seed?: number;
  /** Overrides of the paper's protocol. */
  protocol?: Partial<MeltQuenchProtocol>;
}

export interface LammpsInput {
  /** Element → LAMMPS type (alphabetical order of the elements). */
  types: Record<string, number>;
  counts: Record<string, number>;
  nAtoms: number;
  cellsPerEdge: number;
  lattice: number;
  box: number;
  seed: number;
  velocitySeed: number;
  potential: string;
  pairStyle: string;
  pairCoeff: string;
  protocol: MeltQuenchProtocol;
  /** File name → contents: the input script and the starting data file. */
  files: Record<string, string>;
  warnings: string[];
}

export const INPUT_SCRIPT = 'in.melt_quench.lmp';
export const START_DATA = 'start.data';
export const FINAL_DATA = 'final.data';
export const FINAL_DUMP = 'final.dump';
export const MANIFEST = 'manifest.json';

const POTENTIAL_DIRS = () =>
  [process.env.LAMMPS_POTENTIALS, '/usr/share/lammps/potentials'].filter((d): d is string => !!d);

/** Resolve a potential given as a path or as a bare file name in the LAMMPS potentials folders. */
export function resolvePotential(p: string): string {
  if (existsSync(p)) return resolve(p);
  if (!isAbsolute(p) && basename(p) === p) {
    for (const d of POTENTIAL_DIRS()) {
      const q = join(d, p);
      if (existsSync(q)) return q;
    }
  }
  throw new InputError(
    `potential file '${p}' not found (looked at the path and in ${POTENTIAL_DIRS().join(', ')}); ` +
      "Debian's lammps-data package ships CuZr_mm.eam.fs and others in /usr/share/lammps/potentials",
  );
}

/** pair_style from the potential's file name. */
export function inferPairStyle(potential: string): string {
  const f = basename(potential).toLowerCase();
  if (f.endsWith('.eam.fs')) return 'eam/fs';
  if (f.endsWith('.eam.alloy') || f.endsWith('.setfl')) return 'eam/alloy';
  if (f.endsWith('.adp')) return 'adp';
  if (f.endsWith('.tersoff')) return 'tersoff';
  if (f.endsWith('.sw')) return 'sw';
  throw new InputError(
    `cannot infer pair_style from '${basename(potential)}': pass --pair-style (and --pair-coeff if needed)`,
  );
}

/** Elements listed in a setfl / Finnis–Sinclair EAM file (line 4: `N El1 El2 …`), if it is one. */
export function potentialElements(path: string, style: string): string[] | null {
  if (style !== 'eam/fs' && style !== 'eam/alloy') return null;
  try {
    const lines = readFileSync(path, 'utf8').split(/\r?\n/, 5);
    const t = (lines[3] ?? '').trim().split(/\s+/);
    const k = Number(t[0]);
    return Number.isInteger(k) && t.length >= k + 1 ? t.slice(1, k + 1) : null;
  } catch {
    return null;
  }
}

function toFractions(c: string | Record<string, number>): Record<string, number> {
  const comp = typeof c === 'string' ? Composition.parse(c) : Composition.fromAmounts(c);
  return comp.toFractions();
}

const fmt = (x: number) => (Number.isInteger(x) ? String(x) : String(+x.toPrecision(12)));

/** Build the input (nothing is written). */
export function lammpsInput(options: LammpsInputOptions): LammpsInput {
  const warnings: string[] = [];
  const fractions = toFractions(options.composition);
  const elements = Object.keys(fractions).sort();
  for (const el of elements) {
    if (atomicMass(el) === undefined)
      throw new InputError(`composition: no atomic mass known for '${el}'`);
  }
  const requested = options.atoms ?? 2000;
  if (!Number.isInteger(requested) || requested < 2)
    throw new InputError(`--atoms must be an integer ≥ 2, got ${requested}`);
  const cells = Math.max(1, Math.round(Math.cbrt(requested / 2)));
  const nAtoms = 2 * cells ** 3;
  if (nAtoms !== requested)
    warnings.push(`${requested} atoms requested; a ${cells}³ BCC block holds ${nAtoms}`);
  let lattice = options.lattice;
  if (lattice === undefined) {
    const known = elements.every((el) => METALLIC_RADIUS[el] !== undefined);
    if (known) {
      const r = elements.reduce((s, el) => s + fractions[el] * METALLIC_RADIUS[el], 0);
      lattice = +((4 * r) / Math.sqrt(3)).toFixed(4);
    } else {
      lattice = 2.8;
      warnings.push(
        "no metallic radius for every element: using the paper's BCC lattice constant 2.8 Å (set --lattice)",
      );
    }
  }
  if (!(lattice > 0)) throw new InputError(`lattice constant must be positive, got ${lattice}`);
  const seed = options.seed ?? 1;
  const rng = new Rng(seed);
  // exact stoichiometry: largest-remainder counts, then a seeded random assignment to the sites
  const units = largestRemainderUnits(
    elements.map((el) => fractions[el]),
    nAtoms,
  );
  const counts = Object.fromEntries(elements.map((el, k) => [el, units[k]]));
  const types = Object.fromEntries(elements.map((el, k) => [el, k + 1]));
  const siteType: number[] = [];
  elements.forEach((_, k) => {
    for (let q = 0; q < units[k]; q++) siteType.push(k + 1);
  });
  rng.fork('sites').shuffle(siteType);
  const velocitySeed = 1 + rng.fork('velocity').int(899999999);
  const potential = resolvePotential(options.potential);
  const pairStyle = options.pairStyle ?? inferPairStyle(potential);
  const inPot = potentialElements(potential, pairStyle);
  if (inPot && !options.pairCoeff) {
    const missing = elements.filter((el) => !inPot.includes(el));
    if (missing.length > 0) {
      throw new InputError(
        `potential ${basename(potential)} has elements ${inPot.join(', ')}; it lacks ${missing.join(', ')}`,
      );
    }
  }
  const pairCoeff = options.pairCoeff ?? `* * ${potential} ${elements.join(' ')}`;
  const protocol: MeltQuenchProtocol = { ...PAPER_PROTOCOL, ...(options.protocol ?? {}) };
  for (const k of ['heatSteps', 'holdSteps', 'quenchSteps', 'finalSteps', 'thermoEvery'] as const) {
    if (!Number.isInteger(protocol[k]) || protocol[k] < 0)
      throw new InputError(`protocol ${k} must be an integer ≥ 0, got ${protocol[k]}`);
  }
  const box = cells * lattice;

  // starting configuration
  const data: string[] = [
    `vibann structure lammps-input: ${cells}x${cells}x${cells} BCC, a = ${fmt(lattice)} A, random exact-stoichiometry assignment, seed ${seed}`,
    '',
    `${nAtoms} atoms`,
    `${elements.length} atom types`,
    '',
    `0 ${fmt(box)} xlo xhi`,
    `0 ${fmt(box)} ylo yhi`,
    `0 ${fmt(box)} zlo zhi`,
    '',
    'Masses',
    '',
    ...elements.map((el, k) => `${k + 1} ${atomicMass(el)} # ${el}`),
    '',
    'Atoms # atomic',
    '',
  ];
  let id = 0;
  for (let i = 0; i < cells; i++) {
    for (let j = 0; j < cells; j++) {
      for (let k = 0; k < cells; k++) {
        for (const [u, v, w] of [
          [0, 0, 0],
          [0.5, 0.5, 0.5],
        ]) {
          const t = siteType[id];
          id++;
          data.push(
            `${id} ${t} ${fmt((i + u) * lattice)} ${fmt((j + v) * lattice)} ${fmt((k + w) * lattice)}`,
          );
        }
      }
    }
  }
  data.push('');
  const p = protocol;
  const npt = (t0: number, t1: number) =>
    `fix md all npt temp ${fmt(t0)} ${fmt(t1)} ${fmt(p.tdamp)} iso ${fmt(p.pressure)} ${fmt(p.pressure)} ${fmt(p.pdamp)}`;
  const elementList = elements.join(' ');
  const script = [
    `# Melt-quench of ${elements.map((el) => `${el}${counts[el]}`).join(' ')} (${nAtoms} atoms), written by vibann structure lammps-input.`,
    '# Protocol (SPEC §13, the paper): BCC start with random exact-stoichiometry types, FIRE minimisation,',
    `# NPT at ${fmt(p.pressure)} bar, ${fmt(p.timestep * 1000)} fs: heat ${fmt(p.tLow)} -> ${fmt(p.tHigh)} K, hold, quench to ${fmt(p.tLow)} K, hold.`,
    '# Stage lengths can be overridden: lmp -in in.melt_quench.lmp -var nheat 1000 -var nhold 1000 ...',
    '',
    `variable nheat   index ${p.heatSteps}`,
    `variable nhold   index ${p.holdSteps}`,
    `variable nquench index ${p.quenchSteps}`,
    `variable nfinal  index ${p.finalSteps}`,
    '',
    'units           metal',
    'atom_style      atomic',
    'boundary        p p p',
    `read_data       ${START_DATA}`,
    '',
    `pair_style      ${pairStyle}`,
    `pair_coeff      ${pairCoeff}`,
    'neighbor        1.0 bin',
    'neigh_modify    every 1 delay 0 check yes',
    '',
    `timestep        ${fmt(p.timestep)}`,
    `thermo          ${p.thermoEvery}`,
    'thermo_style    custom step temp pe press vol density',
    'thermo_modify   flush yes',
    '',
    'min_style       fire',
    'minimize        1.0e-10 1.0e-10 100 100',
    'reset_timestep  0',
    `velocity        all create ${fmt(p.tLow)} ${velocitySeed} mom yes rot yes dist gaussian`,
    '',
    `# heat ${fmt(p.tLow)} -> ${fmt(p.tHigh)} K`,
    npt(p.tLow, p.tHigh),
    `run             \${nheat}`,
    'unfix           md',
    `# hold at ${fmt(p.tHigh)} K`,
    npt(p.tHigh, p.tHigh),
    `run             \${nhold}`,
    'unfix           md',
    `# quench ${fmt(p.tHigh)} -> ${fmt(p.tLow)} K`,
    npt(p.tHigh, p.tLow),
    `run             \${nquench}`,
    'unfix           md',
    `# hold at ${fmt(p.tLow)} K`,
    npt(p.tLow, p.tLow),
    `run             \${nfinal}`,
    'unfix           md',
    '',
    `write_data      ${FINAL_DATA} nocoeff`,
    `write_dump      all custom ${FINAL_DUMP} id type element x y z modify sort id element ${elementList}`,
    '',
  ].join('\n');
  return {
    types,
    counts,
    nAtoms,
    cellsPerEdge: cells,
    lattice,
    box,
    seed,
    velocitySeed,
    potential,
    pairStyle,
    pairCoeff,
    protocol,
    files: { [INPUT_SCRIPT]: script, [START_DATA]: data.join('\n') },
    warnings,
  };
}

/** The manifest written beside the inputs (what the run driver reads back). */
export function inputManifest(inp: LammpsInput): Record<string, unknown> {
  return {
    kind: 'vibann structure lammps-input',
    n_atoms: inp.nAtoms,
    counts: inp.counts,
    types: inp.types,
    lattice_A: inp.lattice,
    bcc_cells_per_edge: inp.cellsPerEdge,
    box_A: inp.box,
    seed: inp.seed,
    velocity_seed: inp.velocitySeed,
    potential: inp.potential,
    pair_style: inp.pairStyle,
    pair_coeff: inp.pairCoeff,
    protocol: inp.protocol,
    files: Object.keys(inp.files),
    outputs: { data: FINAL_DATA, dump: FINAL_DUMP },
    warnings: inp.warnings,
  };
}

/** Write the input files and the manifest into `dir` (each file atomically). */
export async function writeLammpsInput(dir: string, inp: LammpsInput): Promise<string[]> {
  const written: string[] = [];
  for (const [name, text] of Object.entries(inp.files)) {
    await writeFileAtomic(join(dir, name), text);
    written.push(join(dir, name));
  }
  await writeJsonAtomic(join(dir, MANIFEST), inputManifest(inp));
  written.push(join(dir, MANIFEST));
  return written;
}
