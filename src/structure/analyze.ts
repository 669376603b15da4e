/**
 * The whole structure analysis of one frame (SPEC §13) in the JSON shape of `vibann structure
 * analyze --json` (ARCHITECTURE.md), with wall-clock timings per stage and the reader's warnings.
 */
import { InputError } from '../util/errors.ts';
import { type AngleStats, bondAngles } from './angles.ts';
import { type BondStats, bondStats } from './bonds.ts';
import { type CoordinationStats, coordination } from './coordination.ts';
import { atomicMass } from './elements.ts';
import { cellVolume, type Frame, speciesCounts } from './frame.ts';
import { neighbourList } from './neighbours.ts';
import { type PeakDescriptors, peakDescriptors } from './peaks.ts';
import { computeRdf } from './rdf.ts';
import { voronoiTessellation } from './voronoi.ts';
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
  skip?: Partial<Record<'rdf' | 'coordination' | 'angles' | 'voronoi', boolean>>;
}

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
  angles: (AngleStats & { by_species: Record<string, AngleStats> }) | null;
  voronoi: VoronoiSummary | null;
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
    warnings,
    timings,
  };

  if (!skip.rdf && rmax > 0) {
    const rdf = time('rdf', () => computeRdf(frame, { rmax, dr: bin }));
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
    const nl = time('neighbours', () => neighbourList(frame, cutoff, options.pairCutoffs ?? {}));
    if (!skip.coordination) {
      const c = time('coordination', () => coordination(frame, nl));
      report.coordination = {
        cutoff,
        pair_cutoffs: options.pairCutoffs ?? {},
        all: c.all,
        ...c.bySpecies,
        partial_mean_cn: c.partialMean,
      };
      const b = time('bonds', () => bondStats(frame, nl));
      report.bonds = { cutoff, all: b.all, ...b.byPair };
    }
    if (!skip.angles) {
      const a = time('angles', () => bondAngles(frame, nl));
      report.angles = { ...a.all, by_species: a.bySpecies };
    }
  }
  if (!skip.voronoi) {
    const cells = time('voronoi', () => voronoiTessellation(frame, { areaFilter }));
    const use = cells.filtered
      ? { ...cells, index: cells.filtered.index, nFaces: cells.filtered.nFaces }
      : cells;
    report.voronoi = time('voronoi_stats', () =>
      voronoiSummary(frame, use, areaFilter, options.crystalLike ?? DEFAULT_CRYSTAL_LIKE),
    );
  }
  timings.total = (performance.now() - t0) / 1000;
  return report;
}
