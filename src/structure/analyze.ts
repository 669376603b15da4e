/**
 * The whole structure analysis of one frame (SPEC §13) in the JSON shape of `vibann structure
 * analyze --json` (docs/architecture.md), with wall-clock timings per stage and the reader's warnings.
 */
import { InputError } from '../util/errors.ts';
import { type AngleStats, bondAngles } from './angles.ts';
import { type BondStats, bondStats } from './bonds.ts';
import { type CoordinationStats, coordination } from './coordination.ts';
import {
  type BondLengthHistograms,
  bondLengthHistograms,
  type ClusterStats,
  clusterStats,
  icosahedralPeakIndex,
  type Packing,
  packing,
} from './descriptors.ts';
import { atomicMass } from './elements.ts';
import { cellVolume, type Frame, speciesCounts } from './frame.ts';
import { neighbourList } from './neighbours.ts';
import { type PeakDescriptors, peakDescriptors } from './peaks.ts';
import { computeRdf, type Rdf } from './rdf.ts';
import { type SqOptions, type SqReport, structureFactor } from './sq.ts';
import { type VoronoiCells, voronoiTessellation } from './voronoi.ts';
import { DEFAULT_CRYSTAL_LIKE, type VoronoiSummary, voronoiSummary } from './voronoiStats.ts';

export interface AnalyzeOptions {
  /** RDF range, Å. Default 10; when not given and 10 Å exceeds half the box, it is reduced (with a warning). */
  rmax?: number;
  /** RDF bin width, Å. Default 0.1. */
  bin?: number;
  /** Window in which the first g(r) peak is searched, Å. Default [2.0, 3.0]. */
  peakWindow?: [number, number];
  /** Neighbour cutoff for CN, bonds and angles, Å. Default 3.0. */
  cutoff?: number;
  /** Cutoffs per species pair that override `cutoff`, e.g. { 'B-B': 2.2 }. */
  pairCutoffs?: Record<string, number>;
  /** Drop Voronoi faces smaller than this fraction of the cell's face area (0 = plain). Default 0. */
  areaFilter?: number;
  /** Crystal-like Voronoi indices. Default <0,12,0,0> (fcc/hcp) and <0,6,0,8> (bcc). */
  crystalLike?: string[];
  /** Stages to skip (everything runs by default). */
  skip?: Partial<Record<'rdf' | 'coordination' | 'angles' | 'voronoi' | 'sq', boolean>>;
  /** S(Q) settings (./sq.ts). */
  sq?: SqOptions;
  /** Centre species of the cluster statistics. Default B when present, else every species. */
  centres?: string[];
  /** Atomic radii (Å) overriding the metallic radii of the packing fraction, e.g. { B: 0.82 }. */
  radii?: Record<string, number>;
  /** Bond-length histogram bin, Å. Default 0.02 (the paper's code). */
  bondBin?: number;
}

/** Scalar descriptors of one frame (the columns of `structure compare`; averaged over frames). */
export type Descriptors = Record<string, number | null>;

export interface StructureReport {
  source: string;
  n_atoms: number;
  species_counts: Record<string, number>;
  cell: { lengths: [number, number, number]; origin: [number, number, number]; volume: number };
  number_density: number;
  /** g/cm³ from standard atomic weights (null when a species is not an element). */
  mass_density: number | null;
  /** g/cm³ from the file's mass column, when it has one. */
  mass_density_from_file?: number;
  rdf: {
    rmax: number;
    bin: number;
    r: number[];
    g_total: number[];
    counts_total: number[];
    partial: Record<string, number[]>;
    partial_counts: Record<string, number[]>;
    first_peak: PeakDescriptors;
    partial_first_peaks: Record<string, PeakDescriptors>;
  } | null;
  coordination:
    | ({
        cutoff: number;
        pair_cutoffs: Record<string, number>;
        all: CoordinationStats;
        partial_mean_cn: Record<string, Record<string, number>>;
      } & Record<string, unknown>)
    | null;
  bonds: ({ cutoff: number; all: BondStats } & Record<string, unknown>) | null;
  angles:
    | (AngleStats & {
        by_species: Record<string, AngleStats>;
        /** N[55°,65°) / (N[50°,70°) + N[100°,120°)) (./descriptors.ts). */
        ico_peak_index: number;
      })
    | null;
  voronoi: VoronoiSummary | null;
  /** Static structure factors (./sq.ts). */
  sq: SqReport | null;
  /** Bond-length histograms, total and per pair. */
  bond_lengths: BondLengthHistograms | null;
  /** Species-centred cluster statistics, keyed by centre species. */
  clusters: Record<string, ClusterStats> | null;
  /** Packing fraction from atomic against Voronoi volumes (null when a radius is unknown). */
  packing: Packing | null;
  /** The scalar descriptors (see `descriptorsOf`). */
  descriptors: Descriptors;
  warnings: string[];
  /** Seconds per stage. */
  timings: Record<string, number>;
}

const AMU_G = 1.6605390666e-24;

/** Mass density in g/cm³ from per-species standard atomic weights (null if a species is unknown). */
export function massDensity(frame: Frame): number | null {
  const counts = speciesCounts(frame);
  let m = 0;
  for (const [s, c] of Object.entries(counts)) {
    const w = atomicMass(s);
    if (w === undefined) return null;
    m += w * c;
  }
  return (m * AMU_G) / (cellVolume(frame.cell) * 1e-24);
}

const arr = (a: ArrayLike<number>) => Array.from(a);

export function analyzeStructure(frame: Frame, options: AnalyzeOptions = {}): StructureReport {
  const warnings = [...frame.warnings];
  const timings: Record<string, number> = {};
  const t0 = performance.now();
  const time = <T>(stage: string, f: () => T): T => {
    const s = performance.now();
    const r = f();
    timings[stage] = (performance.now() - s) / 1000;
    return r;
  };
  const skip = options.skip ?? {};
  const bin = options.bin ?? 0.1;
  const half = Math.min(...frame.cell.lengths) / 2;
  let rmax = options.rmax ?? 10;
  if (options.rmax === undefined && rmax > half) {
    rmax = Math.floor(half / bin + 1e-9) * bin;
    warnings.push(
      `RDF range reduced from 10 Å to ${rmax.toFixed(4)} Å: it may not exceed half the shortest box edge (${half.toFixed(4)} Å)`,
    );
  }
  const cutoff = options.cutoff ?? 3.0;
  const window = options.peakWindow ?? [2.0, 3.0];
  if (!(window[0] < window[1]))
    throw new InputError(`peak window must be LO:HI with LO < HI, got ${window.join(':')}`);
  const areaFilter = options.areaFilter ?? 0;

  const V = cellVolume(frame.cell);
  let massFile: number | undefined;
  if (frame.masses) {
    let m = 0;
    for (let i = 0; i < frame.n; i++) m += frame.masses[i];
    massFile = (m * AMU_G) / (V * 1e-24);
  }
  const report: StructureReport = {
    source: frame.source,
    n_atoms: frame.n,
    species_counts: speciesCounts(frame),
    cell: { lengths: [...frame.cell.lengths], origin: [...frame.cell.origin], volume: V },
    number_density: frame.n / V,
    mass_density: massDensity(frame),
    ...(massFile !== undefined ? { mass_density_from_file: massFile } : {}),
    rdf: null,
    coordination: null,
    bonds: null,
    angles: null,
    voronoi: null,
    sq: null,
    bond_lengths: null,
    clusters: null,
    packing: null,
    descriptors: {},
    warnings,
    timings,
  };
  let rdfRaw: Rdf | null = null;
  let nl: ReturnType<typeof neighbourList> | null = null;
  let cellsRaw: VoronoiCells | null = null;

  if (!skip.rdf && rmax > 0) {
    const rdf = time('rdf', () => computeRdf(frame, { rmax, dr: bin }));
    rdfRaw = rdf;
    const partial: Record<string, number[]> = {};
    const partialCounts: Record<string, number[]> = {};
    const peaks: Record<string, PeakDescriptors> = {};
    for (const [k, p] of Object.entries(rdf.partial)) {
      partial[k] = arr(p.g);
      partialCounts[k] = arr(p.counts);
      peaks[k] = peakDescriptors(rdf.r, p.g, window);
    }
    report.rdf = {
      rmax,
      bin,
      r: arr(rdf.r),
      g_total: arr(rdf.g),
      counts_total: arr(rdf.counts),
      partial,
      partial_counts: partialCounts,
      first_peak: peakDescriptors(rdf.r, rdf.g, window),
      partial_first_peaks: peaks,
    };
  }
  if (!skip.coordination || !skip.angles) {
    const list = time('neighbours', () => neighbourList(frame, cutoff, options.pairCutoffs ?? {}));
    nl = list;
    if (!skip.coordination) {
      const c = time('coordination', () => coordination(frame, list));
      report.coordination = {
        cutoff,
        pair_cutoffs: options.pairCutoffs ?? {},
        all: c.all,
        ...c.bySpecies,
        partial_mean_cn: c.partialMean,
      };
      const b = time('bonds', () => bondStats(frame, list));
      report.bonds = { cutoff, all: b.all, ...b.byPair };
      report.bond_lengths = time('bond_lengths', () =>
        bondLengthHistograms(frame, list, options.bondBin ?? 0.02),
      );
    }
    if (!skip.angles) {
      const a = time('angles', () => bondAngles(frame, list));
      report.angles = {
        ...a.all,
        by_species: a.bySpecies,
        ico_peak_index: icosahedralPeakIndex(a.all.histogram),
      };
    }
  }
  if (!skip.voronoi) {
    const cells = time('voronoi', () => voronoiTessellation(frame, { areaFilter }));
    cellsRaw = cells;
    const use = cells.filtered
      ? { ...cells, index: cells.filtered.index, nFaces: cells.filtered.nFaces }
      : cells;
    report.voronoi = time('voronoi_stats', () =>
      voronoiSummary(frame, use, areaFilter, options.crystalLike ?? DEFAULT_CRYSTAL_LIKE),
    );
  }
  if (nl && !skip.coordination) {
    const list = nl;
    const index = cellsRaw ? (cellsRaw.filtered?.index ?? cellsRaw.index) : null;
    const centres = options.centres ?? (frame.species.includes('B') ? ['B'] : frame.species);
    for (const c of centres) {
      if (!frame.species.includes(c))
        throw new InputError(
          `cluster centre '${c}' is not a species of ${frame.source} (${frame.species.join(', ')})`,
        );
    }
    report.clusters = time('clusters', () =>
      Object.fromEntries(centres.map((c) => [c, clusterStats(frame, list, index, c)])),
    );
  }
  if (cellsRaw) {
    const vol = cellsRaw.volume;
    report.packing = time('packing', () => packing(frame, vol, options.radii ?? {}));
    if (!report.packing)
      warnings.push(
        `packing fraction not computed: no metallic radius for ${frame.species.join(', ')}; pass radii`,
      );
  }
  if (!skip.sq) {
    const r = rdfRaw;
    report.sq = time('sq', () => structureFactor(frame, r, options.sq ?? {}));
  }
  report.descriptors = descriptorsOf(report);
  timings.total = (performance.now() - t0) / 1000;
  return report;
}

/**
 * The scalar descriptors of a report, named as in the paper's Fig. 5 where it has them: first-peak
 * r, height, FWHM, area, sharpness (height/FWHM), h1/h2 and separation; CN mean and CN ∈ {12,13}
 * fractions (all and per species); icosahedral and crystal-like fractions; bond mean and sd; the
 * icosahedral peak index; packing fraction; S(Q) first-peak position and height (both routes).
 */
export function descriptorsOf(r: StructureReport): Descriptors {
  const d: Descriptors = { number_density: r.number_density, mass_density: r.mass_density };
  const fin = (x: number | undefined | null) =>
    x === undefined || x === null || Number.isNaN(x) ? null : x;
  if (r.rdf) {
    const p = r.rdf.first_peak;
    d.rdf_peak_r = fin(p.r);
    d.rdf_peak_height = fin(p.height);
    d.rdf_peak_fwhm = fin(p.fwhm);
    d.rdf_peak_area = fin(p.area);
    d.rdf_peak_sharpness = p.height !== null && p.fwhm ? fin(p.height / p.fwhm) : null;
    d.rdf_h1_h2 = fin(p.h1_h2);
    d.rdf_peak_separation = fin(p.separation);
  }
  if (r.coordination) {
    d.cn_mean = r.coordination.all.mean;
    d.cn_frac_12_13 = r.coordination.all.frac_cn_12_or_13;
    for (const s of Object.keys(r.species_counts)) {
      const c = r.coordination[s] as CoordinationStats | undefined;
      if (c) {
        d[`cn_mean_${s}`] = fin(c.mean);
        d[`cn_frac_12_13_${s}`] = fin(c.frac_cn_12_or_13);
      }
    }
  }
  if (r.voronoi) {
    d.ico_frac = r.voronoi.frac_0_0_12_0.all;
    for (const s of Object.keys(r.species_counts))
      d[`ico_frac_${s}`] = fin(r.voronoi.frac_0_0_12_0[s]);
    d.crystal_like_frac = r.voronoi.frac_crystal_like.all;
    d.voronoi_mean_faces = r.voronoi.mean_faces;
  }
  if (r.bonds) {
    d.bond_mean = fin(r.bonds.all.mean);
    d.bond_std = fin(r.bonds.all.std);
  }
  if (r.angles) {
    d.angle_mean = fin(r.angles.mean);
    d.ico_peak_index = fin(r.angles.ico_peak_index);
  }
  if (r.packing) d.packing_fraction = r.packing.packing_fraction;
  if (r.sq) {
    d.sq_peak_q = fin(r.sq.first_peak.q);
    d.sq_peak_height = fin(r.sq.first_peak.height);
    if (r.sq.ft) d.sq_ft_peak_q = fin(r.sq.ft.first_peak.q);
  }
  return d;
}
