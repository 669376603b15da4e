/**
 * The in-memory form of one MD configuration: an orthorhombic periodic cell, positions wrapped into
 * [origin, origin + L) on each axis, and a species label per atom (SPEC §13).
 */
import { InputError } from '../util/errors.ts';

export type Vec3 = [number, number, number];

/** An orthorhombic, fully periodic cell [origin, origin + lengths). */
export interface Cell {
  /** Edge lengths Lx, Ly, Lz in Å. */
  lengths: Vec3;
  /** Lower corner of the box in Å. */
  origin: Vec3;
}

export interface Frame {
  /** Number of atoms. */
  n: number;
  /** x0 y0 z0 x1 … in Å, absolute and wrapped into [origin, origin + L). */
  positions: Float64Array;
  /** Species names, sorted alphabetically (the order of `speciesIndex`). */
  species: string[];
  /** Index into `species` for each atom. */
  speciesIndex: Uint16Array;
  /** Atom ids from the file when it has them, else null. */
  ids: Int32Array | null;
  /** Per-atom masses from the file (amu) when it has them, else null. */
  masses: Float64Array | null;
  cell: Cell;
  /** Where the frame came from (path and format), for messages. */
  source: string;
  /** Non-fatal problems met while reading (wrong atom count, wrapped atoms, …). */
  warnings: string[];
}

export interface FrameInput {
  positions: Float64Array;
  labels: string[];
  cell: Cell;
  ids?: Int32Array | null;
  masses?: Float64Array | null;
  source?: string;
  warnings?: string[];
}

/**
 * Build a Frame: validates the cell, wraps positions into the box (counting how many atoms had to
 * move, which the README of the md fixtures says happens for atoms on or just outside a face) and
 * indexes the species.
 */
export function makeFrame(input: FrameInput): Frame {
  const { positions, labels, cell } = input;
  const n = labels.length;
  const source = input.source ?? '(memory)';
  const warnings = [...(input.warnings ?? [])];
  if (positions.length !== 3 * n) {
    throw new InputError(`${source}: ${positions.length / 3} positions for ${n} species labels`);
  }
  for (let d = 0; d < 3; d++) {
    const L = cell.lengths[d];
    if (!(Number.isFinite(L) && L > 0)) {
      throw new InputError(
        `${source}: box edge ${'xyz'[d]} must be a positive length in Å, got ${L}`,
      );
    }
    if (!Number.isFinite(cell.origin[d]))
      throw new InputError(`${source}: box origin ${'xyz'[d]} is not a number`);
  }
  const wrapped = new Float64Array(positions);
  let moved = 0;
  for (let i = 0; i < n; i++) {
    let out = false;
    for (let d = 0; d < 3; d++) {
      const o = cell.origin[d];
      const L = cell.lengths[d];
      const x = wrapped[3 * i + d];
      if (!Number.isFinite(x))
        throw new InputError(`${source}: atom ${i + 1} has a non-finite coordinate`);
      if (x < o || x >= o + L) {
        out = true;
        let w = x - L * Math.floor((x - o) / L);
        if (w >= o + L) w -= L; // rounding can land exactly on the upper face
        if (w < o) w = o;
        wrapped[3 * i + d] = w;
      }
    }
    if (out) moved++;
  }
  if (moved > 0) {
    warnings.push(
      `${moved} atom(s) were on or outside the box faces and were wrapped back into the periodic cell`,
    );
  }
  const species = [...new Set(labels)].sort();
  if (species.length > 65535)
    throw new InputError(`${source}: too many distinct species (${species.length})`);
  const idx = new Map(species.map((s, k) => [s, k]));
  const speciesIndex = new Uint16Array(n);
  for (let i = 0; i < n; i++) speciesIndex[i] = idx.get(labels[i])!;
  return {
    n,
    positions: wrapped,
    species,
    speciesIndex,
    ids: input.ids ?? null,
    masses: input.masses ?? null,
    cell: { lengths: [...cell.lengths] as Vec3, origin: [...cell.origin] as Vec3 },
    source,
    warnings,
  };
}

/** Cell volume in Å³. */
export function cellVolume(cell: Cell): number {
  return cell.lengths[0] * cell.lengths[1] * cell.lengths[2];
}

/** Number of atoms of each species, keyed by species name (alphabetical). */
export function speciesCounts(frame: Frame): Record<string, number> {
  const c = new Array<number>(frame.species.length).fill(0);
  for (let i = 0; i < frame.n; i++) c[frame.speciesIndex[i]]++;
  return Object.fromEntries(frame.species.map((s, k) => [s, c[k]]));
}

/** The per-atom species labels. */
export function labelsOf(frame: Frame): string[] {
  return Array.from(frame.speciesIndex, (k) => frame.species[k]);
}

/**
 * Periodic replica nx × ny × nz of a frame (used to build large test cells). Atoms are ordered
 * image by image; ids are renumbered 1..N.
 */
export function replicate(frame: Frame, nx: number, ny: number, nz: number): Frame {
  const reps = nx * ny * nz;
  if (!(Number.isInteger(nx) && Number.isInteger(ny) && Number.isInteger(nz)) || reps < 1) {
    throw new InputError(`replicate: counts must be positive integers, got ${nx}×${ny}×${nz}`);
  }
  const [Lx, Ly, Lz] = frame.cell.lengths;
  const pos = new Float64Array(3 * frame.n * reps);
  const labels: string[] = [];
  const base = labelsOf(frame);
  let k = 0;
  for (let a = 0; a < nx; a++) {
    for (let b = 0; b < ny; b++) {
      for (let c = 0; c < nz; c++) {
        for (let i = 0; i < frame.n; i++) {
          pos[3 * k] = frame.positions[3 * i] + a * Lx;
          pos[3 * k + 1] = frame.positions[3 * i + 1] + b * Ly;
          pos[3 * k + 2] = frame.positions[3 * i + 2] + c * Lz;
          labels.push(base[i]);
          k++;
        }
      }
    }
  }
  return makeFrame({
    positions: pos,
    labels,
    cell: { lengths: [Lx * nx, Ly * ny, Lz * nz], origin: frame.cell.origin },
    ids: Int32Array.from({ length: labels.length }, (_, i) => i + 1),
    source: `${frame.source} ×${nx}×${ny}×${nz}`,
  });
}
