/**
 * Voronoi-index statistics (SPEC §13): fractions of icosahedral <0,0,12,0> cells and of configurable
 * crystal-like indices, overall and per centre species; the most frequent indices; face counts.
 *
 * <0,0,12,0> means exactly 12 faces, all pentagons (n7plus = 0). An index is written `<n3,n4,n5,n6>`
 * with a suffix `+k(n>=7)` when k faces have 7 or more edges. Top lists rank by count, ties by the
 * tuple (n3, n4, n5, n6, n7plus) in ascending order (the md README's convention).
 */
import { InputError } from '../util/errors.ts';
import type { Frame } from './frame.ts';

/** Crystal-like indices counted by default: fcc/hcp <0,12,0,0> and bcc <0,6,0,8>. */
export const DEFAULT_CRYSTAL_LIKE = ['<0,12,0,0>', '<0,6,0,8>'];

export type IndexTuple = [number, number, number, number, number];

export function formatIndex(t: ArrayLike<number>): string {
  const base = `<${t[0]},${t[1]},${t[2]},${t[3]}>`;
  return t[4] > 0 ? `${base}+${t[4]}(n>=7)` : base;
}

/** Parse '<0,0,12,0>' or '0,0,12,0' (optionally '+k(n>=7)') into a 5-tuple. */
export function parseIndex(s: string): IndexTuple {
  const m =
    /^\s*<?\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*>?\s*(?:\+\s*(\d+)\s*(?:\(n>=7\))?)?\s*$/.exec(
      s,
    );
  if (!m)
    throw new InputError(
      `Voronoi index '${s}': expected the form <n3,n4,n5,n6> such as <0,0,12,0>`,
    );
  return [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5] ?? 0)];
}

export interface TopIndex {
  index: string;
  n3: number;
  n4: number;
  n5: number;
  n6: number;
  n7plus: number;
  count: number;
  fraction: number;
}

export interface VoronoiSummary {
  /** Area-filter fraction the indices were counted with (0 = plain). */
  area_filter: number;
  n_atoms: number;
  /** Fraction of <0,0,12,0> cells: 'all' and per centre species. */
  frac_0_0_12_0: Record<string, number>;
  n_0_0_12_0: Record<string, number>;
  /** Fraction of cells whose index is one of `crystal_like_indices`: 'all' and per species. */
  frac_crystal_like: Record<string, number>;
  /** The crystal-like indices counted. */
  crystal_like_indices: string[];
  /** The fraction of each crystal-like index: index → ('all' and per species). */
  crystal_like_by_index: Record<string, Record<string, number>>;
  top_indices: TopIndex[];
  top_indices_by_species: Record<string, TopIndex[]>;
  faces_per_cell_histogram: Record<string, number>;
  face_edge_totals: { n3: number; n4: number; n5: number; n6: number; n7plus: number };
  mean_faces: number;
  n_distinct_indices: number;
  frac_cells_with_face_ge7_edges: number;
  /** Mean cell volume, Å³ (plain cells), overall and per species. */
  mean_volume: Record<string, number>;
}

function keyOf(index: Int32Array, i: number): number {
  // faces per cell are far below 256 per edge class
  const r = 5 * i;
  return (
    (((index[r] * 256 + index[r + 1]) * 256 + index[r + 2]) * 256 + index[r + 3]) * 256 +
    index[r + 4]
  );
}

function tupleOfKey(k: number): IndexTuple {
  const t: number[] = [];
  for (let d = 0; d < 5; d++) {
    t.unshift(k % 256);
    k = Math.floor(k / 256);
  }
  return t as IndexTuple;
}

function topList(counts: Map<number, number>, total: number, limit: number): TopIndex[] {
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || a[0] - b[0])
    .slice(0, limit)
    .map(([k, c]) => {
      const t = tupleOfKey(k);
      return {
        index: formatIndex(t),
        n3: t[0],
        n4: t[1],
        n5: t[2],
        n6: t[3],
        n7plus: t[4],
        count: c,
        fraction: c / total,
      };
    });
}

export function voronoiSummary(
  frame: Frame,
  cells: { index: Int32Array; nFaces: Int32Array; volume: Float64Array },
  areaFilter: number,
  crystalLike: string[] = DEFAULT_CRYSTAL_LIKE,
  topN = 10,
  topNSpecies = 5,
): VoronoiSummary {
  const n = frame.n;
  const ns = frame.species.length;
  const sp = frame.speciesIndex;
  const crystalKeys = crystalLike.map((s) => {
    const t = parseIndex(s);
    return {
      name: formatIndex(t),
      key: (((t[0] * 256 + t[1]) * 256 + t[2]) * 256 + t[3]) * 256 + t[4],
    };
  });
  const icoKey = 12 * 256 * 256;
  const all = new Map<number, number>();
  const per = Array.from({ length: ns }, () => new Map<number, number>());
  const nOf = new Float64Array(ns);
  const ico = new Float64Array(ns);
  const cryst = new Float64Array(ns * (crystalKeys.length + 1));
  const volSum = new Float64Array(ns);
  const facesHist = new Map<number, number>();
  const edges = [0, 0, 0, 0, 0];
  let faceSum = 0;
  let ge7 = 0;
  for (let i = 0; i < n; i++) {
    const s = sp[i];
    const k = keyOf(cells.index, i);
    all.set(k, (all.get(k) ?? 0) + 1);
    per[s].set(k, (per[s].get(k) ?? 0) + 1);
    nOf[s]++;
    volSum[s] += cells.volume[i];
    if (k === icoKey) ico[s]++;
    let any = false;
    crystalKeys.forEach((c, q) => {
      if (k === c.key) {
        cryst[s * (crystalKeys.length + 1) + q]++;
        any = true;
      }
    });
    if (any) cryst[s * (crystalKeys.length + 1) + crystalKeys.length]++;
    const nf = cells.nFaces[i];
    facesHist.set(nf, (facesHist.get(nf) ?? 0) + 1);
    faceSum += nf;
    for (let d = 0; d < 5; d++) edges[d] += cells.index[5 * i + d];
    if (cells.index[5 * i + 4] > 0) ge7++;
  }
  const names = frame.species;
  const sumOver = (arr: Float64Array, stride = 1, off = 0) => {
    let t = 0;
    for (let s = 0; s < ns; s++) t += arr[s * stride + off];
    return t;
  };
  const fracIco: Record<string, number> = { all: n > 0 ? sumOver(ico) / n : Number.NaN };
  const nIco: Record<string, number> = { all: sumOver(ico) };
  const meanVol: Record<string, number> = { all: n > 0 ? sumOver(volSum) / n : Number.NaN };
  names.forEach((name, s) => {
    fracIco[name] = ico[s] / nOf[s];
    nIco[name] = ico[s];
    meanVol[name] = volSum[s] / nOf[s];
  });
  const stride = crystalKeys.length + 1;
  const byIndex: Record<string, Record<string, number>> = {};
  crystalKeys.forEach((c, q) => {
    const r: Record<string, number> = { all: sumOver(cryst, stride, q) / n };
    names.forEach((name, s) => {
      r[name] = cryst[s * stride + q] / nOf[s];
    });
    byIndex[c.name] = r;
  });
  const fracCryst: Record<string, number> = { all: sumOver(cryst, stride, crystalKeys.length) / n };
  names.forEach((name, s) => {
    fracCryst[name] = cryst[s * stride + crystalKeys.length] / nOf[s];
  });
  const topBy: Record<string, TopIndex[]> = {};
  names.forEach((name, s) => {
    topBy[name] = topList(per[s], nOf[s], topNSpecies);
  });
  return {
    area_filter: areaFilter,
    n_atoms: n,
    frac_0_0_12_0: fracIco,
    n_0_0_12_0: nIco,
    frac_crystal_like: fracCryst,
    crystal_like_indices: crystalKeys.map((c) => c.name),
    crystal_like_by_index: byIndex,
    top_indices: topList(all, n, topN),
    top_indices_by_species: topBy,
    faces_per_cell_histogram: Object.fromEntries(
      [...facesHist.entries()].sort((a, b) => a[0] - b[0]).map(([k, v]) => [String(k), v]),
    ),
    face_edge_totals: { n3: edges[0], n4: edges[1], n5: edges[2], n6: edges[3], n7plus: edges[4] },
    mean_faces: faceSum / n,
    n_distinct_indices: all.size,
    frac_cells_with_face_ge7_edges: ge7 / n,
    mean_volume: meanVol,
  };
}
