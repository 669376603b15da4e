/**
 * GP-BO's candidates beside VIBANN's, through the same gates (SPEC §10, §9.7).
 *
 * The gates are a VIBANN design's: its gate state (latent frame and GMM for the support gate, the
 * calibration thresholds σ_ref and LCB_target, the novelty threshold, the target window), saved by
 * the design run in its run directory and loaded from there (runs/design.ts), or computed for a
 * fresh design context when no run is given (`designGateState`). Every candidate — whichever
 * method proposed it — is scored by `screen()` (design/screen.ts), the function the design itself
 * screens its alloys with, in one call for all candidates (so both methods see the same MC
 * dropout draws), and beside it the GP surrogate's own LCB.
 */
import type { Composition } from '../chem/composition.ts';
import { allPass, GATE_NAMES, type GateRecord } from '../design/gates.ts';
import type { DesignData } from '../design/pipeline.ts';
import { type GateState, screen } from '../design/screen.ts';
import { euclidean } from '../design/select.ts';
import type { DesignModel } from '../model/design-model.ts';
import type { GpPoint } from './run.ts';

export interface GatedCandidate {
  /** Composition as a vector over the model's elements (the rounded alloy). */
  vector: number[];
  /** VIBANN ensemble at L* (MC dropout), HV. */
  vibann: GpPoint;
  /** log p_GMM of the re-encoded composition in the design frame. */
  logp: number;
  /** Nearest train_fit composition (row index into data.trainFit) and its distance. */
  nearest: { index: number; formula: string; distance: number; hv: number; load: number };
  gates: GateRecord;
  /** Gates passed (0–4). */
  passed: number;
  /** LCB inside the design's target window. */
  inWindow: boolean;
  /** All four gates pass and LCB is in the window (as runDesign accepts). */
  accepted: boolean;
}

export interface ScoreOptions {
  /** MC passes per network (default 100, the design's reportPasses). */
  passes: number;
  /** Seed of the MC dropout draws. */
  seed: number;
}

/** Score compositions through the four gates of a design's gate state (`screen()`). */
export async function scoreThroughGates(
  model: DesignModel,
  data: DesignData,
  state: GateState,
  vectors: readonly ArrayLike<number>[],
  o: ScoreOptions,
): Promise<GatedCandidate[]> {
  // novelty and the nearest known alloy against the same rows as the design (every dataset row
  // when the design data carries them), so both methods pass through identical gates
  const known = data.known ?? data.trainFit;
  const scored = await screen(model, known.x, state, vectors, o);
  const tf = known;
  return scored.map((s, i) => ({
    vector: Array.from(vectors[i]),
    vibann: { mean: s.mean, sd: s.std, lcb: s.lcb },
    logp: s.logp,
    nearest: {
      index: s.nearest.index,
      formula: (tf.composition[s.nearest.index] as Composition).toFormula(),
      distance: s.nearest.distance,
      hv: tf.hv[s.nearest.index],
      load: tf.load[s.nearest.index],
    },
    gates: s.gates,
    passed: GATE_NAMES.filter((g) => s.gates[g].pass).length,
    inWindow: s.inWindow,
    accepted: s.accepted,
  }));
}

/** Mean Euclidean distance over all pairs (NaN for fewer than 2 vectors). */
export function meanPairwiseDistance(vectors: readonly ArrayLike<number>[]): number {
  let s = 0;
  let m = 0;
  for (let i = 0; i < vectors.length; i++)
    for (let j = i + 1; j < vectors.length; j++) {
      s += euclidean(vectors[i], vectors[j]);
      m++;
    }
  return m > 0 ? s / m : Number.NaN;
}

export interface ComparedCandidate extends GatedCandidate {
  method: string;
  /** 1-based rank within its method. */
  rank: number;
  formula: string;
  /** The GP surrogate (trained on data only) at the composition and L*, HV. */
  gp: GpPoint;
}

interface Range {
  mean: number;
  min: number;
  max: number;
}

export interface MethodSummary {
  method: string;
  n: number;
  /** Distance to the nearest train_fit composition. */
  novelty: Range;
  /** Mean pairwise distance between the method's candidates. */
  diversity: number;
  /** VIBANN ensemble LCB at L*, HV. */
  lcb: Range;
  /** GP surrogate LCB at L*, HV. */
  gp_lcb: Range;
  /** Candidates passing each gate, all four, and accepted (all four + target window). */
  gates: Record<(typeof GATE_NAMES)[number] | 'all' | 'accepted', number>;
}

function range(v: readonly number[]): Range {
  if (v.length === 0) return { mean: Number.NaN, min: Number.NaN, max: Number.NaN };
  return {
    mean: v.reduce((a, b) => a + b, 0) / v.length,
    min: Math.min(...v),
    max: Math.max(...v),
  };
}

export function summarize(method: string, rows: readonly ComparedCandidate[]): MethodSummary {
  const gates = { support: 0, novelty: 0, uncertainty: 0, performance: 0, all: 0, accepted: 0 };
  for (const r of rows) {
    for (const g of GATE_NAMES) if (r.gates[g].pass) gates[g]++;
    if (allPass(r.gates)) gates.all++;
    if (r.accepted) gates.accepted++;
  }
  return {
    method,
    n: rows.length,
    novelty: range(rows.map((r) => r.nearest.distance)),
    diversity: meanPairwiseDistance(rows.map((r) => r.vector)),
    lcb: range(rows.map((r) => r.vibann.lcb)),
    gp_lcb: range(rows.map((r) => r.gp.lcb)),
    gates,
  };
}

/** JSON-safe numbers: NaN and ±∞ become null (JSON.stringify would write null anyway, silently). */
export function finiteOrNull(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}

/** One method's candidates to compare: formula and composition vector over the model's elements. */
export interface MethodCandidates {
  method: string;
  candidates: { formula: string; vector: ArrayLike<number> }[];
}

/** The GP surrogate at compositions (the data-only GP), e.g. `surrogateAt` bound to a surrogate. */
export type GpAt = (vectors: readonly ArrayLike<number>[]) => GpPoint[];

export interface Comparison {
  rows: ComparedCandidate[][];
  summary: MethodSummary[];
}

/**
 * Score several methods' candidates through the same gates with the same MC draws (all in one
 * prediction call) and summarise each method: novelty, diversity, VIBANN LCB, GP LCB, gates.
 */
export async function compareMethods(
  model: DesignModel,
  data: DesignData,
  state: GateState,
  gpAt: GpAt,
  methods: readonly MethodCandidates[],
  o: ScoreOptions,
): Promise<Comparison> {
  const all = methods.flatMap((m) => m.candidates.map((c) => c.vector));
  const gated = await scoreThroughGates(model, data, state, all, o);
  const gp = gpAt(all);
  let k = 0;
  const rows = methods.map((m) =>
    m.candidates.map((c, i): ComparedCandidate => {
      const r: ComparedCandidate = {
        method: m.method,
        rank: i + 1,
        formula: c.formula,
        ...gated[k],
        gp: gp[k],
      };
      k++;
      return r;
    }),
  );
  return { rows, summary: methods.map((m, i) => summarize(m.method, rows[i])) };
}
