/**
 * Periodic plain (non-radical) Voronoi tessellation of an orthorhombic cell (SPEC §13), cell by cell:
 * each atom's cell starts as the box around it and is cut by the bisector planes of the neighbours in
 * order of distance. Neighbours, including every periodic image, come from a cell grid searched in
 * growing blocks; the search stops once the next unseen neighbour is farther than twice the cell's
 * largest vertex distance (no plane that far can cut the cell).
 *
 * Per cell it reports the Voronoi index <n3,n4,n5,n6> plus n7plus (faces with ≥ 7 edges), face count,
 * volume and total face area, and optionally the same index after dropping faces smaller than a
 * fraction of the cell's total face area (the remaining faces keep their edge counts; the neighbour
 * cell is not changed), as in the md README's 1 % filter.
 */
import { InputError } from '../util/errors.ts';
import { cellVolume, type Frame } from './frame.ts';
import { buildGrid } from './neighbours.ts';
import { VoronoiCell } from './voronoiCell.ts';

export interface VoronoiOptions {
  /** Drop faces smaller than this fraction of the cell's total face area (0 = keep all; 0.01 = 1 %). */
  areaFilter?: number;
  /** Keep every face (neighbour, edge count, area) per cell, for inspection and tests. */
  keepFaces?: boolean;
  /** Tolerance (Å) for a vertex to lie on a cutting plane. Default 1e-10. */
  eps?: number;
}

export interface VoronoiFace {
  /** Index of the neighbouring atom (the atom itself for a face shared with its own image). */
  neighbour: number;
  edges: number;
  area: number;
}

export interface VoronoiCells {
  n: number;
  /** Faces per cell. */
  nFaces: Int32Array;
  /** Per atom: n3, n4, n5, n6, n7plus (row of 5). */
  index: Int32Array;
  /** Cell volumes, Å³. */
  volume: Float64Array;
  /** Total face area per cell, Å². */
  area: Float64Array;
  /** The same after the area filter (null when areaFilter is 0). */
  filtered: { areaFilter: number; nFaces: Int32Array; index: Int32Array } | null;
  faces: VoronoiFace[][] | null;
}

function insertionSortByKey(idx: Int32Array, m: number, key: Float64Array): void {
  for (let p = 1; p < m; p++) {
    const v = idx[p];
    const kv = key[v];
    let q = p - 1;
    while (q >= 0 && key[idx[q]] > kv) {
      idx[q + 1] = idx[q];
      q--;
    }
    idx[q + 1] = v;
  }
}

export function voronoiTessellation(frame: Frame, options: VoronoiOptions = {}): VoronoiCells {
  const n = frame.n;
  const areaFilter = options.areaFilter ?? 0;
  if (!(areaFilter >= 0 && areaFilter < 1)) {
    throw new InputError(`Voronoi area filter must be a fraction in [0, 1), got ${areaFilter}`);
  }
  const [Lx, Ly, Lz] = frame.cell.lengths;
  const rho = n / cellVolume(frame.cell);
  // about 8 atoms per grid cell
  const grid = buildGrid(frame, Math.cbrt(8 / rho), 256);
  const { nc, cellStart, order, x, y, z } = grid;
  const [ncx, ncy, ncz] = nc;
  const sx = Lx / ncx;
  const sy = Ly / ncy;
  const sz = Lz / ncz;
  const cell = new VoronoiCell(options.eps ?? 1e-10);
  const nFaces = new Int32Array(n);
  const index = new Int32Array(5 * n);
  const volume = new Float64Array(n);
  const area = new Float64Array(n);
  const fN = areaFilter > 0 ? new Int32Array(n) : null;
  const fI = areaFilter > 0 ? new Int32Array(5 * n) : null;
  const faces: VoronoiFace[][] | null = options.keepFaces ? new Array(n) : null;
  let ccap = 256;
  let cxs = new Float64Array(ccap);
  let cys = new Float64Array(ccap);
  let czs = new Float64Array(ccap);
  let cd2 = new Float64Array(ccap);
  let cid = new Int32Array(ccap);
  let cidx = new Int32Array(ccap);
  const faceArea = new Float64Array(1024);
  let fa = faceArea;

  for (let p = 0; p < n; p++) {
    const i = order[p];
    const xi = x[p];
    const yi = y[p];
    const zi = z[p];
    const ci = Math.min(ncx - 1, Math.floor(xi / sx));
    const cj = Math.min(ncy - 1, Math.floor(yi / sy));
    const ck = Math.min(ncz - 1, Math.floor(zi / sz));
    cell.reset(Lx / 2, Ly / 2, Lz / 2, i);
    let maxR2 = cell.maxR2();
    let bPrev2 = 0;
    for (let k = 0; ; k++) {
      // radius of the ball around the atom that lies inside block k
      const b = Math.min(
        xi - (ci - k) * sx,
        (ci + k + 1) * sx - xi,
        yi - (cj - k) * sy,
        (cj + k + 1) * sy - yi,
        zi - (ck - k) * sz,
        (ck + k + 1) * sz - zi,
      );
      const b2 = b * b;
      let m = 0;
      for (let a = ci - k; a <= ci + k; a++) {
        const wa = ((a % ncx) + ncx) % ncx;
        const shx = ((a - wa) / ncx) * Lx;
        for (let bb = cj - k; bb <= cj + k; bb++) {
          const wb = ((bb % ncy) + ncy) % ncy;
          const shy = ((bb - wb) / ncy) * Ly;
          for (let c = ck - k; c <= ck + k; c++) {
            const wc = ((c % ncz) + ncz) % ncz;
            const shz = ((c - wc) / ncz) * Lz;
            const q = (wa * ncy + wb) * ncz + wc;
            const t1 = cellStart[q + 1];
            for (let t = cellStart[q]; t < t1; t++) {
              const dx = x[t] + shx - xi;
              const dy = y[t] + shy - yi;
              const dz = z[t] + shz - zi;
              const d2 = dx * dx + dy * dy + dz * dz;
              if (d2 >= b2 || d2 < bPrev2) continue;
              if (d2 === 0) {
                if (t === p) continue;
                throw new InputError(
                  `${frame.source}: atoms ${i + 1} and ${order[t] + 1} sit at the same position`,
                );
              }
              if (m === ccap) {
                ccap *= 2;
                const g = (arr: Float64Array) => {
                  const r = new Float64Array(ccap);
                  r.set(arr);
                  return r;
                };
                cxs = g(cxs);
                cys = g(cys);
                czs = g(czs);
                cd2 = g(cd2);
                const ni = new Int32Array(ccap);
                ni.set(cid);
                cid = ni;
                cidx = new Int32Array(ccap);
              }
              cxs[m] = dx;
              cys[m] = dy;
              czs[m] = dz;
              cd2[m] = d2;
              cid[m] = order[t];
              m++;
            }
          }
        }
      }
      for (let q = 0; q < m; q++) cidx[q] = q;
      if (m <= 96) insertionSortByKey(cidx, m, cd2);
      else {
        const view = cidx.subarray(0, m);
        view.sort((u, v) => cd2[u] - cd2[v]);
      }
      for (let q = 0; q < m; q++) {
        const c = cidx[q];
        if (cd2[c] >= 4 * maxR2) break;
        if (cell.cut(cxs[c], cys[c], czs[c], cid[c])) maxR2 = cell.maxR2();
      }
      if (4 * maxR2 <= b2) break;
      // the next block adds the points with b ≤ d < b_next
      bPrev2 = b2;
      if (k > 64)
        throw new InputError(`${frame.source}: Voronoi cell of atom ${i + 1} did not close`);
    }
    // measure the cell
    const nf = cell.nf;
    if (nf > fa.length) fa = new Float64Array(2 * nf);
    let tot = 0;
    let vol = 0;
    const row = 5 * i;
    const list: VoronoiFace[] | null = faces ? [] : null;
    for (let f = 0; f < nf; f++) {
      const af = cell.faceArea(f);
      fa[f] = af;
      tot += af;
      vol += (af * cell.fH[f]) / 3;
      const e = cell.fLen[f];
      index[row + (e >= 7 ? 4 : e - 3)]++;
      if (list) list.push({ neighbour: cell.fNbr[f], edges: e, area: af });
    }
    nFaces[i] = nf;
    volume[i] = vol;
    area[i] = tot;
    if (faces && list) faces[i] = list;
    if (fN && fI) {
      const thr = areaFilter * tot;
      let kept = 0;
      for (let f = 0; f < nf; f++) {
        if (fa[f] < thr) continue;
        kept++;
        const e = cell.fLen[f];
        fI[row + (e >= 7 ? 4 : e - 3)]++;
      }
      fN[i] = kept;
    }
  }
  return {
    n,
    nFaces,
    index,
    volume,
    area,
    filtered: fN && fI ? { areaFilter, nFaces: fN, index: fI } : null,
    faces,
  };
}
