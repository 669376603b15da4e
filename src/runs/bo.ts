/**
 * The GP-BO run document: `bo.json` in a `vibann bo` run directory (what `vibann bo --json`
 * prints): the surrogate, anchors, trace, proposals, the distinct rounded candidates with their
 * scores through the design gates, and the comparison of the methods (SPEC §10). Numbers that are
 * not finite (e.g. the diversity of a single candidate) are written as null.
 */
import { z } from 'zod';
import type { ComparedCandidate, MethodSummary } from '../bo/compare.ts';
import type { BoCandidate, BoProposal, BoResult, BoTracePoint } from '../bo/run.ts';
import type { DesignThresholds } from '../design/gates.ts';
import type { RunManifest } from '../util/manifest.ts';
import { num, RunManifestSchema, readDocument, runFile } from './index.ts';

/** File name of the document in the run directory. */
export const BO_FILE = 'bo.json';

/** A candidate through the gates, without its composition vector (the formula names it). */
export type ComparedRow = Omit<ComparedCandidate, 'vector'>;

/** `bo.json`: everything `vibann bo --json` prints. */
export interface BoRunDocument {
  /** Design load L*, N. */
  load: number;
  iterations: number;
  /** The gates' thresholds and target window (of the design run, or computed: `gates`). */
  thresholds: DesignThresholds & { window: [number, number]; nearPeakRows: number };
  /** Where the gates came from. */
  gates: {
    /** 'design-run': loaded from the design run's gates.json; 'computed': a fresh design context. */
    source: 'design-run' | 'computed';
    /** The design run directory, if any. */
    design_run: string | null;
    /** Seed of the design run (or of the computed gate state). */
    design_seed: number | string;
  };
  gmm: { k: number; frame_dim: number };
  surrogate: BoResult['surrogate'];
  anchors: { formula: string; hv: number; load: number }[];
  trace: BoTracePoint[];
  /** Every proposal, its composition as sparse fractions (≥ 1e-4). */
  proposals: (Omit<BoProposal, 'x'> & { composition: Record<string, number> })[];
  /** Distinct rounded alloys, best GP LCB first, each with its scores through the gates. */
  candidates: (Omit<BoCandidate, 'vector'> & { gates: ComparedRow })[];
  /** Proposals that could not be rounded to an alloy satisfying the constraints, by reason. */
  rejected: Record<string, number>;
  comparison: {
    /** One summary per method: 'GP-BO' (top n), 'VIBANN' (with a design run), 'GP-BO all'. */
    summary: MethodSummary[];
    /** The top-n candidates of each method except 'GP-BO all', keyed by method. */
    candidates: Record<string, ComparedRow[]>;
  };
  /** Wall-clock seconds per stage. */
  timings: Record<string, number>;
  manifest: RunManifest;
}

/** A `vibann bo` run directory as the reader (and the workflow) returns it. */
export interface BoRun {
  dir: string;
  document: BoRunDocument;
}

const gate = z.looseObject({ value: num, threshold: num, pass: z.boolean() });
const gp = z.looseObject({ mean: num, sd: num, lcb: num });
const range = z.looseObject({ mean: num, min: num, max: num });
const ComparedRowSchema = z.looseObject({
  method: z.string(),
  rank: z.number(),
  formula: z.string(),
  vibann: gp,
  gp,
  logp: num,
  nearest: z.looseObject({ formula: z.string(), distance: num }),
  gates: z.looseObject({ support: gate, novelty: gate, uncertainty: gate, performance: gate }),
  passed: z.number(),
  inWindow: z.boolean(),
  accepted: z.boolean(),
});

export const BoRunSchema = z.looseObject({
  load: z.number().positive(),
  iterations: z.number().int(),
  thresholds: z.looseObject({
    logpThreshold: z.number(),
    novelty: z.number(),
    sigmaRef: z.number(),
    sigmaCapFactor: z.number(),
    lcbTarget: z.number(),
    window: z.tuple([z.number(), z.number()]),
  }),
  gates: z.looseObject({
    source: z.enum(['design-run', 'computed']),
    design_run: z.string().nullable(),
    design_seed: z.union([z.number(), z.string()]),
  }),
  surrogate: z.looseObject({ constant: num, length_scale: num, noise: num }),
  trace: z.array(
    z.looseObject({
      iteration: z.number(),
      lcb: num,
      bestLcb: num,
      baseLcb: num,
      bestBaseLcb: num,
    }),
  ),
  proposals: z.array(
    z.looseObject({ iteration: z.number(), composition: z.record(z.string(), z.number()) }),
  ),
  candidates: z.array(
    z.looseObject({
      formula: z.string(),
      fractions: z.record(z.string(), z.number()),
      gp,
      gates: ComparedRowSchema,
    }),
  ),
  rejected: z.record(z.string(), z.number()),
  comparison: z.looseObject({
    summary: z.array(
      z.looseObject({
        method: z.string(),
        n: z.number(),
        novelty: range,
        diversity: num,
        lcb: range,
        gp_lcb: range,
        gates: z.record(z.string(), z.number()),
      }),
    ),
    candidates: z.record(z.string(), z.array(ComparedRowSchema)),
  }),
  timings: z.record(z.string(), num),
  manifest: RunManifestSchema,
}) as unknown as z.ZodType<BoRunDocument>;

const WHAT = "a GP-BO result written by 'vibann bo' (bo.json)";

/** Read `dir/bo.json`; an InputError naming the file and the first offending field if malformed. */
export function readBoRun(dir: string): BoRun {
  return { dir, document: readDocument(runFile(dir, BO_FILE), BoRunSchema, WHAT) };
}
