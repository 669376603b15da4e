/**
 * GP-BO's candidates beside VIBANN's, through the same gates (SPEC §10, §9.7).
 *
 * The gates need a VIBANN design's context: the latent frame and GMM (support), the calibration
 * thresholds σ_ref and LCB_target (uncertainty, performance) and the novelty threshold.
 * `designGateContext` rebuilds them exactly as `runDesign` does (design/pipeline.ts, stages
 * `latent_density` and `thresholds`), from the same model, data, options and seed: every random
 * step there comes from `new Rng(seed).fork(label)`, which depends only on the seed and the label,
 * so the rebuilt GMM and thresholds equal the run's (the CLI checks this against design.json).
 *
 * Each candidate — whichever method proposed it — is then scored the same way: the VIBANN
 * ensemble's μ, σ, LCB = μ − 1.645σ at L* (one MC call for all candidates, so both methods see the
 * same dropout draws), log p_GMM of the re-encoded rounded alloy, the distance to the nearest
 * train_fit composition, the four gates, and the GP surrogate's own LCB.
 */
import type { Composition } from '../chem/composition.ts';
import {
  allPass,
  type DesignThresholds,
  evaluateGates,
  GATE_NAMES,
  type GateRecord,
} from '../design/gates.ts';
import type { DesignModel } from '../design/model.ts';
import {
  type DesignData,
  type DesignOptions,
  designThresholds,
  fitLatentDensity,
} from '../design/pipeline.ts';
import { euclidean } from '../design/select.ts';
import { nearest } from '../design/thresholds.ts';
import type { LatentFrame } from '../latent/frame.ts';
import type { BicPoint, GaussianMixture } from '../latent/gmm.ts';
import { Rng } from '../util/rng.ts';
import type { GpPoint } from './run.ts';

/** What the four gates of a design run need. */
export interface GateContext {
  /** Design load L*, N. */
  load: number;
  thresholds: DesignThresholds;
  /** Target window on LCB (accepted = all gates pass and LCB inside the window, as runDesign). */
  window: [number, number];
  nearPeakRows: number;
  frame: LatentFrame;
  gmm: GaussianMixture;
  bic: BicPoint[];
}

/**
 * The latent frame, GMM and thresholds of `runDesign(model, data, options, new Rng(seed))`: the
 * same functions and the same seed streams, so the gates are the design run's own.
 */
export async function designGateContext(
  model: DesignModel,
  data: DesignData,
  o: DesignOptions,
  seed: number | string,
): Promise<GateContext> {
  const rng = new Rng(seed);
  const d = await fitLatentDensity(model, data, o, rng);
  const t = await designThresholds(model, data, o, rng, d.logpThreshold);
  return {
    load: o.load,
    thresholds: t.thresholds,
    window: t.window,
    nearPeakRows: t.nearPeakRows,
    frame: d.frame,
    gmm: d.gmm,
    bic: d.bic,
  };
}

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

/** Score compositions through the four gates of a design context. */
export async function scoreThroughGates(
  model: DesignModel,
  data: DesignData,
  ctx: GateContext,
  vectors: readonly ArrayLike<number>[],
  o: ScoreOptions,
): Promise<GatedCandidate[]> {
  if (vectors.length === 0) return [];
  const pred = await model.predictAt(vectors, ctx.load, o.passes, o.seed);
  const lp = ctx.gmm.logPdf(ctx.frame.project(await model.encode(vectors, ctx.load)));
  const tf = data.trainFit;
  return vectors.map((v, i) => {
    const nn = nearest(v, tf.x);
    const mean = pred.mean[i];
    const sd = pred.std[i];
    const lcb = mean - 1.645 * sd;
    const gates = evaluateGates(
      { logp: lp[i], novelty: nn.distance, sigma: sd, lcb },
      ctx.thresholds,
    );
    const inWindow = lcb >= ctx.window[0] && lcb <= ctx.window[1];
    return {
      vector: Array.from(v),
      vibann: { mean, sd, lcb },
      logp: lp[i],
      nearest: {
        index: nn.index,
        formula: (tf.composition[nn.index] as Composition).toFormula(),
        distance: nn.distance,
        hv: tf.hv[nn.index],
        load: tf.load[nn.index],
      },
      gates,
      passed: GATE_NAMES.filter((g) => gates[g].pass).length,
      inWindow,
      accepted: allPass(gates) && inWindow,
    };
  });
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
  ctx: GateContext,
  gpAt: GpAt,
  methods: readonly MethodCandidates[],
  o: ScoreOptions,
): Promise<Comparison> {
  const all = methods.flatMap((m) => m.candidates.map((c) => c.vector));
  const gated = await scoreThroughGates(model, data, ctx, all, o);
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
