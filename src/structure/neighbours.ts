/**
 * Periodic neighbour search with cell lists (SPEC §13): atoms are binned into cells at least r_c/m
 * wide, so each pair within r_c is found by looking at the (2m + 1)³ surrounding cells (27 for the
 * default m = 1), which is linear in N at fixed density. Distances use the orthorhombic minimum image v − L·round(v/L), the same formula
 * as the oracles, which is exact when r_c ≤ L/2.
 */
import { InputError } from '../util/errors.ts';
import type { Frame } from './frame.ts';

/** Atoms sorted by cell, with coordinates relative to the box origin in [0, L). */
export interface CellGrid {
  n: number;
  /** Cells per axis. */
  nc: [number, number, number];
  /** Atoms of cell c are order[cellStart[c] .. cellStart[c+1]). */
  cellStart: Int32Array;
  /** Original atom index, in cell order. */
  order: Int32Array;
  /** Relative coordinates in cell order. */
  x: Float64Array;
  y: Float64Array;
  z: Float64Array;
  L: [number, number, number];
}

/** Bin the atoms of `frame` into a grid of cells at least `minCell` Å wide (at most `maxPerAxis` per axis). */
export function buildGrid(frame: Frame, minCell: number, maxPerAxis = 128): CellGrid {
  const { n, positions } = frame;
  const L = frame.cell.lengths;
  const o = frame.cell.origin;
  const nc = L.map((l) => Math.max(1, Math.min(maxPerAxis, Math.floor(l / minCell)))) as [
    number,
    number,
    number,
  ];
  const ncell = nc[0] * nc[1] * nc[2];
  const cellOf = new Int32Array(n);
  const count = new Int32Array(ncell + 1);
  for (let i = 0; i < n; i++) {
    let c = 0;
    for (let d = 0; d < 3; d++) {
      const r = positions[3 * i + d] - o[d];
      let k = Math.floor((r / L[d]) * nc[d]);
      if (k >= nc[d]) k = nc[d] - 1;
      if (k < 0) k = 0;
      c = c * nc[d] + k;
    }
    cellOf[i] = c;
    count[c + 1]++;
  }
  for (let c = 0; c < ncell; c++) count[c + 1] += count[c];
  const cellStart = count;
  const fill = cellStart.slice(0, ncell);
  const order = new Int32Array(n);
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  const z = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const p = fill[cellOf[i]]++;
    order[p] = i;
    x[p] = positions[3 * i] - o[0];
    y[p] = positions[3 * i + 1] - o[1];
    z[p] = positions[3 * i + 2] - o[2];
  }
  return { n, nc, cellStart, order, x, y, z, L: [L[0], L[1], L[2]] };
}

/**
 * Distinct neighbour offsets along one axis with nc cells, as shifts in [0, nc): the residues of
 * −m..m (−1 ≡ +1 when nc = 2 and m = 1, listed as 0, 1).
 */
function offsets(nc: number, m: number): number[] {
  if (m === 1) return nc === 1 ? [0] : nc === 2 ? [0, 1] : [nc - 1, 0, 1];
  const out: number[] = [];
  for (let d = -m; d <= m; d++) {
    const r = ((d % nc) + nc) % nc;
    if (!out.includes(r)) out.push(r);
  }
  return out;
}

/** Throw unless r ≤ L/2 on every axis (the minimum image is then unique). */
export function checkHalfBox(frame: Frame, r: number, what: string, option: string): void {
  const half = Math.min(...frame.cell.lengths) / 2;
  if (r > half * (1 + 1e-9)) {
    throw new InputError(
      `${frame.source}: ${what} ${r} Å exceeds half the shortest box edge (${half.toFixed(4)} Å); ` +
        `the minimum-image convention needs ${option} ≤ ${half.toFixed(4)} Å`,
    );
  }
}

/**
 * Call `visit(i, j, dx, dy, dz, r2)` once for every unordered pair of atoms closer than `rc`
 * (r² < rc²), with (dx, dy, dz) the minimum-image vector from i to j. Requires rc ≤ L/2.
 *
 * `cellsPerCutoff` m: grid cells at least rc/m wide, searched m cells either side, so the block
 * searched around a cell is (2m + 1)/m · rc wide instead of 3 rc (volume 27 rc³ at m = 1, 12.7 rc³
 * at m = 3; the sphere is 4.2 rc³). m = 1 suits short cutoffs (few atoms per cell); the 10 Å of g(r)
 * uses m = 3. The set of pairs and each pair's r² do not depend on m (only the order of the pairs
 * and which of the two atoms comes first, which flips the sign of the vector).
 */
export function forEachPair(
  frame: Frame,
  rc: number,
  visit: (i: number, j: number, dx: number, dy: number, dz: number, r2: number) => void,
  cellsPerCutoff = 1,
): void {
  checkHalfBox(frame, rc, 'the pair cutoff', 'the cutoff');
  const mc = cellsPerCutoff;
  if (!Number.isInteger(mc) || mc < 1)
    throw new InputError(`cells per cutoff must be an integer ≥ 1, got ${cellsPerCutoff}`);
  const g = buildGrid(frame, rc / mc);
  const [ncx, ncy, ncz] = g.nc;
  const rc2 = rc * rc;
  const { cellStart } = g;
  const ox = offsets(ncx, mc);
  const oy = offsets(ncy, mc);
  const oz = offsets(ncz, mc);
  const nbr: number[] = [];
  for (let cx = 0; cx < ncx; cx++) {
    for (let cy = 0; cy < ncy; cy++) {
      for (let cz = 0; cz < ncz; cz++) {
        const c = (cx * ncy + cy) * ncz + cz;
        const s0 = cellStart[c];
        const s1 = cellStart[c + 1];
        if (s0 === s1) continue;
        nbr.length = 0;
        for (const a of ox) {
          const qx = (cx + a) % ncx;
          for (const b of oy) {
            const qy = (cy + b) % ncy;
            for (const e of oz) {
              const q = (qx * ncy + qy) * ncz + ((cz + e) % ncz);
              if (q >= c) nbr.push(q);
            }
          }
        }
        for (const q of nbr)
          pairsOfCells(g, s0, s1, q === c, cellStart[q], cellStart[q + 1], rc2, visit);
      }
    }
  }
}

/**
 * The pairs within √rc2 between the atoms p ∈ [s0, s1) of one cell and t ∈ [t0, t1) of another
 * (same = the same cell: t > p only). A function of its own so that it is compiled on its own
 * after a few calls rather than by on-stack replacement of the whole grid loop.
 */
function pairsOfCells(
  g: CellGrid,
  s0: number,
  s1: number,
  same: boolean,
  t0: number,
  t1: number,
  rc2: number,
  visit: (i: number, j: number, dx: number, dy: number, dz: number, r2: number) => void,
): void {
  const { x, y, z, order } = g;
  const [Lx, Ly, Lz] = g.L;
  const ix = 1 / Lx;
  const iy = 1 / Ly;
  const iz = 1 / Lz;
  for (let p = s0; p < s1; p++) {
    const px = x[p];
    const py = y[p];
    const pz = z[p];
    const ip = order[p];
    for (let t = same ? p + 1 : t0; t < t1; t++) {
      let dx = x[t] - px;
      dx -= Lx * Math.round(dx * ix);
      let dy = y[t] - py;
      dy -= Ly * Math.round(dy * iy);
      let dz = z[t] - pz;
      dz -= Lz * Math.round(dz * iz);
      const r2 = dx * dx + dy * dy + dz * dz;
      if (r2 < rc2) visit(ip, order[t], dx, dy, dz, r2);
    }
  }
}

/** A full neighbour list in compressed rows: the neighbours of i are k in offsets[i] .. offsets[i+1]. */
export interface NeighbourList {
  n: number;
  offsets: Int32Array;
  /** Neighbour atom index. */
  index: Int32Array;
  /** Minimum-image vector from the centre to the neighbour, and its length (Å). */
  dx: Float64Array;
  dy: Float64Array;
  dz: Float64Array;
  dist: Float64Array;
  /** Unordered pairs i < j in the list (each appears twice in the rows). */
  nPairs: number;
  /** Cutoff per species pair (Å), row-major over frame.species. */
  cutoffs: Float64Array;
}

/**
 * Neighbours j ≠ i with d_ij < r_c (strict), where r_c may depend on the species pair: `pairCutoffs`
 * maps 'A-B' (either order) to a cutoff that overrides `cutoff` for that pair.
 */
export function neighbourList(
  frame: Frame,
  cutoff: number,
  pairCutoffs: Record<string, number> = {},
): NeighbourList {
  const ns = frame.species.length;
  const cut = new Float64Array(ns * ns).fill(cutoff);
  for (const [key, v] of Object.entries(pairCutoffs)) {
    const m = /^([^-\s]+)-([^-\s]+)$/.exec(key.trim());
    if (!m || !(v > 0))
      throw new InputError(`pair cutoff '${key}=${v}': expected 'A-B' with a positive cutoff in Å`);
    const a = frame.species.indexOf(m[1]);
    const b = frame.species.indexOf(m[2]);
    if (a < 0 || b < 0) continue; // a pair not present in this frame
    cut[a * ns + b] = v;
    cut[b * ns + a] = v;
  }
  if (!(cutoff > 0)) throw new InputError(`cutoff must be a positive distance in Å, got ${cutoff}`);
  const rmax = Math.max(...cut);
  const cut2 = cut.map((c) => c * c);
  const sp = frame.speciesIndex;
  let cap = 16 * frame.n + 64;
  let pi = new Int32Array(cap);
  let pj = new Int32Array(cap);
  let pv = new Float64Array(3 * cap);
  let m = 0;
  forEachPair(frame, rmax, (i, j, dx, dy, dz, r2) => {
    if (r2 >= cut2[sp[i] * ns + sp[j]]) return;
    if (m === cap) {
      cap *= 2;
      const a = new Int32Array(cap);
      a.set(pi);
      pi = a;
      const b = new Int32Array(cap);
      b.set(pj);
      pj = b;
      const c = new Float64Array(3 * cap);
      c.set(pv);
      pv = c;
    }
    pi[m] = i;
    pj[m] = j;
    pv[3 * m] = dx;
    pv[3 * m + 1] = dy;
    pv[3 * m + 2] = dz;
    m++;
  });
  const n = frame.n;
  const offs = new Int32Array(n + 1);
  for (let k = 0; k < m; k++) {
    offs[pi[k] + 1]++;
    offs[pj[k] + 1]++;
  }
  for (let i = 0; i < n; i++) offs[i + 1] += offs[i];
  const fill = offs.slice(0, n);
  const index = new Int32Array(2 * m);
  const dx = new Float64Array(2 * m);
  const dy = new Float64Array(2 * m);
  const dz = new Float64Array(2 * m);
  const dist = new Float64Array(2 * m);
  for (let k = 0; k < m; k++) {
    const i = pi[k];
    const j = pj[k];
    const vx = pv[3 * k];
    const vy = pv[3 * k + 1];
    const vz = pv[3 * k + 2];
    const d = Math.sqrt(vx * vx + vy * vy + vz * vz);
    let p = fill[i]++;
    index[p] = j;
    dx[p] = vx;
    dy[p] = vy;
    dz[p] = vz;
    dist[p] = d;
    p = fill[j]++;
    index[p] = i;
    dx[p] = -vx;
    dy[p] = -vy;
    dz[p] = -vz;
    dist[p] = d;
  }
  return { n, offsets: offs, index, dx, dy, dz, dist, nPairs: m, cutoffs: cut };
}
