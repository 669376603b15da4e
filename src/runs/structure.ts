/**
 * Run documents of `vibann structure` (workflows/structure.ts): `structure.json` of an `analyze`
 * run directory, `structure-compare.json` of a `compare` run, and `md.json` of an MD `run`. Their
 * types, zod schemas and readers.
 *
 * - analyze: `{ kind: 'structure-analyze', report: StructureReport (+ trajectory, experiment),
 *   figures, manifest }`.
 * - compare: `{ kind: 'structure-compare', alloys: [{ label, file, n_atoms, species_counts,
 *   hardness, descriptors: { name: { mean, sd, n } } }], descriptor_names, hardness_file,
 *   correlations: { name: { pearson, spearman, n } } | null, figures, manifest }`.
 * - md: `{ kind: 'structure-md', out, np, command, input, timings, report, voronoi_check }`.
 */
import { z } from 'zod';
import type { StructureReport } from '../structure/analyze.ts';
import type { ExperimentComparison } from '../structure/experiment.ts';
import type { LammpsVoronoiCheck } from '../structure/lammpsRun.ts';
import type { DescriptorStat } from '../structure/trajectory.ts';
import type { RunManifest } from '../util/manifest.ts';
import { num, RunManifestSchema, readJsonFile, runFile, validateDocument } from './index.ts';

const Manifest = RunManifestSchema as unknown as z.ZodType<RunManifest>;

const Stat = z.object({ mean: z.number(), sd: z.number(), n: z.number().int() });

/** The report fields readers rely on (the rest passes through). */
const Report = z.looseObject({
  source: z.string(),
  n_atoms: z.number().int().positive(),
  species_counts: z.record(z.string(), z.number()),
  number_density: z.number(),
  descriptors: z.record(z.string(), num),
  sq: z
    .looseObject({
      q: z.array(z.number()),
      s_total: z.array(z.number()),
      first_peak: z.object({ q: z.number(), height: z.number() }),
    })
    .nullable(),
});

export const StructureAnalyzeRunSchema = z.object({
  kind: z.literal('structure-analyze'),
  report: Report,
  figures: z.array(z.string()),
  manifest: Manifest,
});

export const StructureCompareRunSchema = z.object({
  kind: z.literal('structure-compare'),
  alloys: z.array(
    z.looseObject({
      label: z.string(),
      file: z.string(),
      n_atoms: z.number().int().positive(),
      species_counts: z.record(z.string(), z.number()),
      hardness: num,
      n_frames: z.number().int().positive(),
      descriptors: z.record(z.string(), Stat),
    }),
  ),
  descriptor_names: z.array(z.string()),
  hardness_file: z.string().nullable(),
  correlations: z
    .record(z.string(), z.object({ pearson: num, spearman: num, n: z.number().int() }))
    .nullable(),
  figures: z.array(z.string()),
  manifest: Manifest,
});

/** A structure report with the optional trajectory average and experiment comparison. */
export type AnalyzeReport = StructureReport & {
  trajectory?: { n_frames: number; descriptors: Record<string, DescriptorStat> };
  experiment?: ExperimentComparison;
};

export interface StructureAnalyzeRunDocument {
  kind: 'structure-analyze';
  report: AnalyzeReport;
  figures: string[];
  manifest: RunManifest;
}

export interface CompareAlloy {
  label: string;
  file: string;
  n_atoms: number;
  species_counts: Record<string, number>;
  /** HV from --hardness (null without it, or when the table has no row for this alloy). */
  hardness: number | null;
  n_frames: number;
  /** Mean ± sd over the frames analysed (sd 0 for one frame). */
  descriptors: Record<string, DescriptorStat>;
  /** Curves behind the figures (last frame). */
  curves: {
    rdf: { r: number[]; g: number[] } | null;
    sq: { q: number[]; s: number[]; s_xray: number[] | null } | null;
    cn: Record<string, number>;
    voronoi: { index: string; fraction: number }[];
    angles: number[] | null;
    bonds: { edges: number[]; total: number[] } | null;
  };
}

export interface StructureCompareRunDocument {
  kind: 'structure-compare';
  alloys: CompareAlloy[];
  descriptor_names: string[];
  hardness_file: string | null;
  correlations: Record<
    string,
    { pearson: number | null; spearman: number | null; n: number }
  > | null;
  figures: string[];
  manifest: RunManifest;
}

export interface StructureMdRunDocument {
  kind: 'structure-md';
  out: string;
  np: number;
  /** The command line LAMMPS was (or, with --slurm, is to be) started with. */
  command: string[];
  input: Record<string, unknown>;
  timings: Record<string, number>;
  report: StructureReport | null;
  voronoi_check: LammpsVoronoiCheck | null;
  /** The batch script written instead of running (with --slurm). */
  slurm_script: string | null;
}

export const STRUCTURE_ANALYZE_FILE = 'structure.json';
export const STRUCTURE_COMPARE_FILE = 'structure-compare.json';
export const STRUCTURE_MD_FILE = 'md.json';

const WHAT_A = "a structure.json written by 'vibann structure analyze --out'";
const WHAT_C = "a structure-compare.json written by 'vibann structure compare'";

export function parseStructureAnalyzeRun(
  value: unknown,
  file = STRUCTURE_ANALYZE_FILE,
): StructureAnalyzeRunDocument {
  validateDocument(value, StructureAnalyzeRunSchema, file, WHAT_A);
  return value as StructureAnalyzeRunDocument;
}

export function parseStructureCompareRun(
  value: unknown,
  file = STRUCTURE_COMPARE_FILE,
): StructureCompareRunDocument {
  validateDocument(value, StructureCompareRunSchema, file, WHAT_C);
  return value as StructureCompareRunDocument;
}

/** Read and validate `dir/structure.json`. */
export function readStructureAnalyzeRun(dir: string): StructureAnalyzeRunDocument {
  const file = runFile(dir, STRUCTURE_ANALYZE_FILE);
  return parseStructureAnalyzeRun(readJsonFile(file, WHAT_A), file);
}

/** Read and validate `dir/structure-compare.json`. */
export function readStructureCompareRun(dir: string): StructureCompareRunDocument {
  const file = runFile(dir, STRUCTURE_COMPARE_FILE);
  return parseStructureCompareRun(readJsonFile(file, WHAT_C), file);
}
