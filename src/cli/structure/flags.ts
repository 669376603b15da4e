/** The analysis options of `vibann structure analyze | compare | run`, and their mapping to AnalyzeOptions. */
import type { Command } from 'commander';
import type { AnalyzeOptions } from '../../structure/index.ts';
import { intOption, numberOption } from '../options.ts';
import {
  crystalLikeOption,
  fractionOption,
  pairCutoffsOption,
  radiiOption,
  rangeOption,
  speciesListOption,
} from './parsers.ts';

export interface AnalysisFlags {
  cutoff: number;
  pairCutoff?: Record<string, number>;
  rmax?: number;
  bin: number;
  peakWindow: [number, number];
  areaFilter: number;
  crystalLike?: string[];
  centres?: string[];
  radii?: Record<string, number>;
  qmax: number;
  dq: number;
  sqVectors: number;
  sq: boolean;
}

export function analyzeOptions(o: AnalysisFlags): AnalyzeOptions {
  return {
    cutoff: o.cutoff,
    pairCutoffs: o.pairCutoff,
    rmax: o.rmax,
    bin: o.bin,
    peakWindow: o.peakWindow,
    areaFilter: o.areaFilter,
    crystalLike: o.crystalLike,
    centres: o.centres,
    radii: o.radii,
    sq: { qmax: o.qmax, dq: o.dq, maxVectors: o.sqVectors },
    skip: { sq: !o.sq },
  };
}

export function addAnalysisOptions(cmd: Command): Command {
  return cmd
    .option(
      '--cutoff <A>',
      'neighbour cutoff for CN, bonds and angles, Å',
      numberOption('--cutoff', { positive: true }),
      3.0,
    )
    .option(
      '--pair-cutoff <A-B=R,...>',
      'per-pair cutoffs overriding --cutoff, e.g. B-B=2.2',
      pairCutoffsOption,
    )
    .option(
      '--rmax <A>',
      'g(r) range, Å (default 10, or half the box if smaller)',
      numberOption('--rmax', { positive: true }),
    )
    .option('--bin <A>', 'g(r) bin width, Å', numberOption('--bin', { positive: true }), 0.1)
    .option(
      '--peak-window <LO:HI>',
      'window for the first g(r) peak, Å',
      rangeOption('--peak-window'),
      [2.0, 3.0],
    )
    .option(
      '--area-filter <F>',
      "drop Voronoi faces smaller than F × the cell's face area (0.01 = 1 %)",
      fractionOption('--area-filter'),
      0,
    )
    .option(
      '--crystal-like <LIST>',
      "crystal-like Voronoi indices, e.g. '<0,12,0,0>;<0,6,0,8>'",
      crystalLikeOption,
    )
    .option(
      '--centres <LIST>',
      'centre species of the cluster statistics (default B if present, else all)',
      speciesListOption,
    )
    .option(
      '--radii <El=R,...>',
      'atomic radii, Å, for the packing fraction (default: CN12 metallic radii)',
      radiiOption,
    )
    .option(
      '--qmax <1/A>',
      'largest Q of S(Q), Å⁻¹',
      numberOption('--qmax', { positive: true }),
      12,
    )
    .option(
      '--dq <1/A>',
      'S(Q) shell width (≤ 0.05), Å⁻¹',
      numberOption('--dq', { positive: true }),
      0.05,
    )
    .option(
      '--sq-vectors <N>',
      'at most N wave vectors per |Q| shell (seeded subset beyond)',
      intOption('--sq-vectors', 1),
      400,
    )
    .option('--no-sq', 'skip the structure factor');
}
