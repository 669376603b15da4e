/**
 * The inverse-design run (SPEC §9): latent density → thresholds → MCMC → gradient refinement →
 * castable alloys → gates → ranking. Model-agnostic: it talks to the model through `DesignModel`
 * (model.ts) and to the gradient refinement through a `RefineFn`.
 */
import type { Composition } from '../chem/composition.ts';
import { elementProperties, hasElementProperties } from '../chem/descriptors.ts';
import { elementPrice } from '../chem/tables/prices.ts';
import { LatentFrame } from '../latent/frame.ts';
import { type BicPoint, GaussianMixture } from '../latent/gmm.ts';
import { weightedQuantile } from '../math/quantile.ts';
import type { DesignModel, McStats } from '../model/design-model.ts';
import { LCB_Z } from '../uq/lcb.ts';
import { InputError, VibannError } from '../util/errors.ts';
import type { Rng } from '../util/rng.ts';
import { type AlloyOptions, DEFAULT_ALLOY_OPTIONS, toAlloy } from './alloy.ts';
import {
  type AlloyCost,
  alloyCost,
  familyOf,
  type GlassDescriptors,
  type GlassGate,
  type GlassRanges,
  glassDescriptors,
  glassGate,
  glassRanges,
  paretoFront,
} from './assess.ts';
import {
  DEFAULT_CONSTRAINTS,
  type DesignConstraints,
  permittedMask,
  validateConstraints,
  violatedConstraint,
} from './constraints.ts';
import { type DesignThresholds, GATE_NAMES, type GateRecord } from './gates.ts';
import { type DesignMap, designMap } from './map.ts';
import { applyMask } from './mask.ts';
import { DEFAULT_MCMC_OPTIONS, type McmcOptions, type McmcTarget, runMcmc } from './mcmc.ts';
import { type GateState, screen } from './screen.ts';
import { diverseSelect, euclidean } from './select.ts';
import {
  calibrationThresholds,
  DEFAULT_THRESHOLD_OPTIONS,
  distinctNearestDistances,
  nearest,
  noveltyThreshold,
  type ThresholdOptions,
} from './thresholds.ts';

export interface DesignOptions {
  /** Design load L*, N (default 0.5). */
  load: number;
  /** Target window on LCB at L* in HV; default [LCB_target, max train HV + 250] (SPEC §9.4). */
  targetWindow?: [number, number];
  /** User constraints (SPEC §9.6). */
  constraints: DesignConstraints;
  /** Candidates to report (default 5). */
  n: number;
  /** MCMC settings (SPEC §9.3; default 64 chains). */
  mcmc: McmcOptions;
  /** MC passes per target evaluation inside the MCMC (default 20). */
  targetPasses: number;
  /** Weight of the utility U = μ − z_u·σ (HV) in log π (default 0.25 nats per HV). */
  utilityWeight: number;
  /** z_u in the utility (default 1.02). */
  utilityZ: number;
  /** Quadratic penalty weight for LCB below LCB_target, nats per HV² (default 0.002). */
  lcbPenaltyWeight: number;
  /** Quadratic penalty weight for σ above σ_ref, nats per HV² (default 0.0003). */
  sigmaPenaltyWeight: number;
  /**
   * Penalty in the MCMC log target per nat by which the *rounded, re-encoded* alloy's GMM
   * log-density falls below the support threshold (default 3). The support gate judges that
   * re-encoded alloy, not the chain's latent; without this term the chains spent most of their
   * evaluations on latents whose alloys re-encode far outside the support (docs/design.md).
   */
  supportPenaltyWeight: number;
  /**
   * Penalty in the MCMC log target per unit of relative novelty deficit, i.e. weight ·
   * max(0, 1 − d/d_min) with d the rounded alloy's distance to the nearest dataset alloy (default
   * 60 nats, the utility of 240 HV: an alloy that fails the novelty gate is of no use to the design,
   * so the chains should trade hardness for novelty). Steers the chains towards alloys that can
   * pass the novelty gate.
   */
  noveltyPenaltyWeight: number;
  /** Penalty in the MCMC log target when a latent rounds to no castable alloy (constraints), nats (default 10). */
  infeasiblePenalty: number;
  /** MC passes for the calibration thresholds (default 300). */
  calibrationPasses: number;
  /** MC passes for candidate evaluation and reports (default 100). */
  reportPasses: number;
  /** Loads of the per-candidate report, N. */
  reportLoads: number[];
  /** Threshold quantiles (SPEC §9.2). */
  thresholds: ThresholdOptions;
  /**
   * Weighted quantile of training log-densities that sets the support threshold (default 0.05;
   * SPEC §9.1 says 0.10, under which one training alloy in ten fails the gate itself; the gate
   * judges the rounded, re-encoded alloy, docs/design.md).
   */
  supportQuantile: number;
  /**
   * Fraction of the training latents' variance kept by the design's latent frame (principal
   * subspace; see latent/frame.ts). 1 keeps every latent dimension.
   */
  latentVariance: number;
  /** GMM: K range for BIC and restarts (SPEC §9.1). */
  gmm: { kMin: number; kMax: number; nInit: number };
  /** σ cap factor of the uncertainty gate (default 2.5). */
  sigmaCapFactor: number;
  /**
   * Minimum separation between selected candidates (and refinement seeds) as a multiple of the
   * novelty threshold (default 0.3: 0.03 with the default novelty minimum 0.10, about 2 at.% moved
   * between two elements; SPEC §9.4's 0.5 was tied to a novelty threshold of 0.055, docs/design.md).
   */
  separationFactor: number;
  /** Number of refinement seeds (default 10). */
  refineSeeds: number;
  /** How many distinct MCMC-derived alloys are screened, best first (default 300). */
  maxPool: number;
  /** Rounding to castable alloys (SPEC §9.5). */
  alloy: AlloyOptions;
  /** Explicit LCB target at L*, HV (default: from the calibration rows, see `thresholdRules`). */
  lcbTarget?: number;
  /**
   * Explicit novelty minimum, distance in atomic fractions; without it, `thresholds.noveltyQuantile`
   * when set, else `defaultNoveltyMin`.
   */
  noveltyMin?: number;
  /**
   * The novelty minimum when neither `noveltyMin` nor `thresholds.noveltyQuantile` is given
   * (default 0.10: e.g. 7 at.% moved between two elements, √(0.07² + 0.07²) ≈ 0.10, from every
   * dataset alloy; ≈ q0.95 of the dataset alloys' nearest-neighbour distances, docs/design.md).
   */
  defaultNoveltyMin: number;
  /** At most this many reported candidates per family (major elements ≥ 10 at.%); default ⌈n/2⌉. */
  familyCap?: number;
  /** Glass-formation gate: descriptors inside the training alloys' ranges (default true). */
  glassGate: boolean;
  /** Quantile q of the glass ranges: [q, 1 − q] of the training alloys (default 0: min..max). */
  glassQuantile: number;
  /** Maximum raw-material cost, USD/kg of alloy (default none). */
  maxCost?: number;
  /**
   * Penalty in the MCMC log target per unit of relative excess cost over `maxCost` (default 200
   * nats, the utility of 800 HV: an alloy over the cost cap is of no use to the design, and the
   * utility gained by climbing from the cheap glasses (~1000 HV) to the borides (~1700 HV) is
   * ~175 nats; at 20 and 60 nats the chains of `--max-cost 200` stayed in borides, 266 of 272 and
   * 255 of 258 distinct alloys over the cap, docs/design.md).
   */
  costPenaltyWeight: number;
  /** 'lcb': rank by LCB at L*; 'pareto': report the Pareto set over (LCB, cost, novelty). */
  objective: 'lcb' | 'pareto';
}

export const DEFAULT_DESIGN_OPTIONS: DesignOptions = {
  load: 0.5,
  constraints: DEFAULT_CONSTRAINTS,
  n: 5,
  // 64 chains (SPEC §9.3: 32): with 32 the chains of the default design settled in one or two
  // families and the novel, supported pockets were found or missed by chance (docs/design.md)
  mcmc: { ...DEFAULT_MCMC_OPTIONS, chains: 64 },
  targetPasses: 20,
  utilityWeight: 0.25,
  utilityZ: 1.02,
  lcbPenaltyWeight: 0.002,
  sigmaPenaltyWeight: 0.0003,
  supportPenaltyWeight: 3,
  noveltyPenaltyWeight: 60,
  infeasiblePenalty: 10,
  calibrationPasses: 300,
  reportPasses: 100,
  reportLoads: [0.5, 1, 2, 3, 5, 10],
  thresholds: DEFAULT_THRESHOLD_OPTIONS,
  supportQuantile: 0.05,
  latentVariance: 0.9,
  gmm: { kMin: 1, kMax: 6, nInit: 10 },
  sigmaCapFactor: 2.5,
  separationFactor: 0.3,
  refineSeeds: 10,
  maxPool: 300,
  alloy: DEFAULT_ALLOY_OPTIONS,
  defaultNoveltyMin: 0.1,
  glassGate: true,
  glassQuantile: 0,
  costPenaltyWeight: 200,
  objective: 'lcb',
};

/** Training data the design needs: train_fit and calibration compositions, HV, loads, weights. */
export interface DesignData {
  elements: readonly string[];
  trainFit: {
    x: ArrayLike<number>[];
    composition: Composition[];
    hv: number[];
    load: number[];
    weight: number[];
  };
  calibration: { x: ArrayLike<number>[]; composition?: Composition[] };
  /** Every dataset row (novelty and the nearest known alloy); default: train_fit. */
  known?: { x: ArrayLike<number>[]; composition: Composition[]; hv: number[]; load: number[] };
}

export interface RefineContext {
  load: number;
  /** The latent frame the seeds and the GMM live in (z = mean + V·u). */
  frame: LatentFrame;
  gmm: GaussianMixture;
  thresholds: DesignThresholds;
  window: [number, number];
  mask?: boolean[];
  rng: Rng;
  /**
   * Called after every refinement step with the step, the step cap and the best objective so far
   * (progress; it may throw to cancel the refinement).
   */
  onStep?: (step: number, maxSteps: number, bestObjective: number) => void;
}

export interface RefineResult {
  /** Best latent per seed. */
  z: number[][];
  /** Steps taken per seed (the whole batch shares a step count). */
  steps: number;
  /** Snapshots of the decoded compositions' LCB at selected steps. */
  trajectory: { step: number; lcb: number[]; objective: number }[];
}

export type RefineFn = (seeds: number[][], ctx: RefineContext) => Promise<RefineResult>;

export interface CandidateReport {
  formula: string;
  fractions: Record<string, number>;
  unrounded: Record<string, number>;
  predictions: { load: number; mean: number; std: number; lcb: number }[];
  gates: GateRecord;
  accepted: boolean;
  nearest: { formula: string; distance: number; hv: number; load: number };
  /** Nearest known alloy in the design's latent frame (distance in frame units). */
  nearest_latent: { formula: string; distance: number; hv: number; load: number };
  /** Major elements (≥ 10 at.%), sorted. */
  family: string[];
  descriptors: GlassDescriptors;
  cost: AlloyCost;
  /** On the Pareto front over (LCB at L*, cost, novelty) of the accepted alloys. */
  pareto: boolean;
  /** Taken beyond the per-family cap because too few other families passed. */
  over_family_cap?: boolean;
  logp: number;
  provenance: { source: 'refined' | 'mcmc'; chain?: number; step?: number; seed?: number };
}

/** Which rule set each threshold (issue 13). */
export interface ThresholdRules {
  lcbTarget: string;
  sigmaRef: string;
  novelty: string;
  support: string;
  glass?: string;
  maxCost?: string;
  familyCap: string;
}

export interface DesignResult {
  thresholds: DesignThresholds & {
    window: [number, number];
    nearPeakRows: number;
    rules: ThresholdRules;
    glassRanges?: GlassRanges;
    familyCap: number;
    separation: number;
    maxCost?: number;
  };
  /** Alloys of the accepted pool on the (LCB, cost, novelty) Pareto front. */
  pareto: {
    formula: string;
    lcb: number;
    cost: number | null;
    novelty: number;
    reported: boolean;
  }[];
  /**
   * Every screened alloy with the numbers behind its verdict (for diagnostics and library users;
   * the run's design.json keeps the reported candidates, the Pareto set and the rejection counts).
   */
  screenedPool: {
    formula: string;
    family: string[];
    mean: number;
    std: number;
    lcb: number;
    logp: number;
    novelty: number;
    nearest: string;
    cost: number | null;
    failed: string[];
    accepted: boolean;
    source: 'refined' | 'mcmc';
  }[];
  /** Every accepted alloy (for the cost/LCB figure). */
  acceptedPool: {
    formula: string;
    lcb: number;
    cost: number | null;
    novelty: number;
    pareto: boolean;
  }[];
  gmm: { k: number; bic: BicPoint[] };
  /** The design's latent coordinates: dimension kept and variance explained. */
  frame: { dim: number; latent_dim: number; explained: number[] };
  mcmc: {
    acceptance_rate: number[];
    acceptance_rate_after_burn_in: number[];
    samples: number;
    rejected_by_support: number;
    evaluations: number;
  };
  refinement?: {
    steps: number;
    trajectory: RefineResult['trajectory'];
    /** What became of each refined latent: its alloy and whether it passed, or why it was dropped. */
    outcomes: {
      seed: number;
      formula?: string;
      reason?: string;
      lcb?: number;
      accepted?: boolean;
      failed?: string[];
    }[];
  };
  candidates: CandidateReport[];
  /** Pool candidates that were not accepted, counted by reason (a candidate may fail several gates). */
  rejected: Record<string, number>;
  /** Number of distinct alloys screened. */
  screened: number;
  accepted: number;
  /** Accepted alloys per family (major elements joined by '-'), most first. */
  acceptedFamilies: Record<string, number>;
  timings: Record<string, number>;
  /** The latent density on the first two frame coordinates with training latents, samples and candidates. */
  map?: DesignMap;
  /** The gates' state (latent frame, GMM, thresholds, window): saved as the run's gates.json. */
  gateState: GateState;
}

/** Callbacks of a design run; any of them may throw (e.g. `CancelledError`) to stop it. */
export interface DesignHooks {
  /** A stage starts ('latent_density', 'thresholds', 'mcmc', 'refinement', 'screening', 'report'). */
  onStage?: (stage: string, detail?: string) => void;
  /** After every MCMC step (0-based `step` of `total`) with the moves accepted so far. */
  onMcmcStep?: (step: number, total: number, accepted: number) => void;
  /** After every refinement step (see `RefineContext.onStep`). */
  onRefineStep?: (step: number, maxSteps: number, bestObjective: number) => void;
  /**
   * After every chunk of MC predictions of the thresholds stage (`done` of `total` calibration
   * rows predicted; see `PROGRESS_CHUNK_ROW_PASSES`).
   */
  onCalibrationRows?: (done: number, total: number) => void;
  /** After every chunk of the screening stage (`done` of `total` alloys screened). */
  onScreenRows?: (done: number, total: number) => void;
  refine?: RefineFn;
}

/**
 * Rows × MC passes per `predictAt` call when the calibration rows and the screened alloys are
 * predicted in chunks, each chunk reporting progress: 4096 (13 rows at the calibration's 300
 * passes, 40 alloys at the screening's 100; ~0.3 s each with the default ensemble on a quiet
 * 2-core machine). The numbers do not depend on it: `HardnessModel.predictAt` keys its MC-dropout masks
 * by composition, not by row index (uq/predict.ts), and `encode` is deterministic per row, so a
 * chunked prediction gives every row the bits the whole batch gives it.
 */
export const PROGRESS_CHUNK_ROW_PASSES = 4096;

/** Rows per chunk at `passes` MC passes (at least 1). */
function chunkRows(passes: number): number {
  return Math.max(1, Math.floor(PROGRESS_CHUNK_ROW_PASSES / Math.max(1, passes)));
}

/**
 * `model.predictAt(x, load, passes, seed)` in chunks of rows (`chunkRows(passes)`), calling
 * `onChunk(done, total)` after each: the same seed for every chunk, so (masks keyed by
 * composition) each row gets exactly the numbers of one whole-batch call.
 */
export async function predictAtInChunks(
  model: DesignModel,
  x: readonly ArrayLike<number>[],
  load: number,
  passes: number,
  seed: number,
  onChunk?: (done: number, total: number) => void,
): Promise<McStats> {
  const n = x.length;
  const mean = new Float64Array(n);
  const std = new Float64Array(n);
  const R = chunkRows(passes);
  for (let r0 = 0; r0 < n; r0 += R) {
    const p = await model.predictAt(x.slice(r0, r0 + R), load, passes, seed);
    mean.set(p.mean, r0);
    std.set(p.std, r0);
    onChunk?.(Math.min(n, r0 + R), n);
  }
  return { mean, std };
}

const HV_CAP_MARGIN = 250;

interface PoolItem {
  alloy: Composition;
  atPct: Record<string, number>;
  unrounded: Record<string, number>;
  vector: Float64Array;
  provenance: CandidateReport['provenance'];
  /** Score used to order MCMC-derived items before screening (LCB of the unrounded sample). */
  prior: number;
}

/** The design's latent frame, GMM and support threshold (SPEC §9.1), and the model in frame coordinates. */
export interface LatentDensity {
  frame: LatentFrame;
  gmm: GaussianMixture;
  bic: BicPoint[];
  logpThreshold: number;
  /** The model with encode/decode in frame coordinates u (z = mean + V·u). */
  lm: DesignModel;
  /** Frame coordinates of the training latents the GMM was fitted on. */
  trainU: number[][];
  /** Their train_fit row indices (rows holding banned elements are left out). */
  rows: number[];
  /** Their GMM log-densities. */
  trainLogp: Float64Array;
}

/**
 * §9.1: encode train_fit at L* (rows holding banned elements left out, §9.6), fit the latent frame
 * (principal subspace, latent/frame.ts), select the GMM by BIC with the §2 weights, and set the
 * support threshold (weighted quantile of the training log-densities). Uses `rng.fork('gmm')`.
 */
export async function fitLatentDensity(
  model: DesignModel,
  data: DesignData,
  o: DesignOptions,
  rng: Rng,
): Promise<LatentDensity> {
  const rows = data.trainFit.composition
    .map((c, i) => (o.constraints.ban.some((b) => c.has(b)) ? -1 : i))
    .filter((i) => i >= 0);
  if (rows.length < 10) {
    throw new VibannError(
      `design: only ${rows.length} training rows satisfy the banned-element constraint; too few for a latent density`,
    );
  }
  const Z = await model.encode(
    rows.map((i) => data.trainFit.x[i]),
    o.load,
  );
  const frame = LatentFrame.fit(Z, o.latentVariance);
  const lm: DesignModel = {
    elements: model.elements,
    latentDim: frame.dim,
    encode: async (x, load) => frame.project(await model.encode(x, load)),
    decode: (u) => model.decode(frame.lift(u)),
    predictAt: (x, load, passes, seed) => model.predictAt(x, load, passes, seed),
  };
  const U = frame.project(Z);
  const w = rows.map((i) => data.trainFit.weight[i]);
  const sel = GaussianMixture.selectByBic(U, {
    kMin: o.gmm.kMin,
    kMax: o.gmm.kMax,
    nInit: o.gmm.nInit,
    weights: w,
    rng: rng.fork('gmm'),
  });
  const trainLogp = sel.best.logPdf(U);
  return {
    frame,
    gmm: sel.best,
    bic: sel.curve,
    logpThreshold: weightedQuantile(trainLogp, w, o.supportQuantile),
    lm,
    trainU: U,
    rows,
    trainLogp,
  };
}

/**
 * True when a composition satisfies the element constraints (ban, allow, bounds) and, with
 * `maxCost`, costs at most that (an alloy with an unpriced element does not).
 */
function satisfies(c: Composition, o: DesignOptions): boolean {
  const fr = c.toFractions();
  const atPct: Record<string, number> = {};
  for (const [e, v] of Object.entries(fr)) atPct[e] = 100 * v;
  const r = violatedConstraint(atPct, {
    ...o.constraints,
    maxElements: Number.POSITIVE_INFINITY,
    minElements: 0,
  });
  if (r !== undefined) return false;
  if (o.maxCost === undefined) return true;
  const cost = alloyCost(fr).usd_per_kg;
  return cost !== null && cost <= o.maxCost;
}

function constrained(o: DesignOptions): boolean {
  const c = o.constraints;
  return (
    c.ban.length > 0 ||
    c.allow !== undefined ||
    Object.keys(c.bounds).length > 0 ||
    o.maxCost !== undefined
  );
}

/**
 * §9.2: σ_ref and LCB_target at L* (uses `rng.fork('calibration')`), the novelty threshold and the
 * target window, and which rule set each (issue 13). With constraints (ban/allow/bounds/max cost), σ_ref and
 * LCB_target come from the calibration rows that satisfy them; when fewer than
 * `thresholds.nearPeakMin` do, from the calibration and train_fit rows that satisfy them; when still
 * too few, from all calibration rows (recorded as a fallback). `lcbTarget` and `noveltyMin`
 * override the computed values.
 */
export async function designThresholds(
  model: DesignModel,
  data: DesignData,
  o: DesignOptions,
  rng: Rng,
  logpThreshold: number,
  onRows?: (done: number, total: number) => void,
): Promise<{
  thresholds: DesignThresholds;
  window: [number, number];
  nearPeakRows: number;
  rules: ThresholdRules;
}> {
  const cal = data.calibration;
  let X: ArrayLike<number>[] = cal.x;
  let rowRule = `the ${cal.x.length} calibration rows`;
  if (constrained(o) && cal.composition) {
    const calOk = cal.composition.map((c, i) => (satisfies(c, o) ? i : -1)).filter((i) => i >= 0);
    const min = o.thresholds.nearPeakMin;
    if (calOk.length >= min) {
      X = calOk.map((i) => cal.x[i]);
      rowRule = `the ${calOk.length} of ${cal.x.length} calibration rows that satisfy the constraints`;
    } else {
      const tf = data.trainFit;
      const tfOk = tf.composition.map((c, i) => (satisfies(c, o) ? i : -1)).filter((i) => i >= 0);
      if (calOk.length + tfOk.length >= min) {
        X = [...calOk.map((i) => cal.x[i]), ...tfOk.map((i) => tf.x[i])];
        rowRule = `the ${calOk.length} calibration + ${tfOk.length} train_fit rows that satisfy the constraints (fallback: fewer than ${min} calibration rows do)`;
      } else {
        rowRule = `all ${cal.x.length} calibration rows (fallback: only ${calOk.length + tfOk.length} calibration/train_fit rows satisfy the constraints, fewer than ${min})`;
      }
    }
  }
  const p = await predictAtInChunks(
    model,
    X,
    o.load,
    o.calibrationPasses,
    rng.fork('calibration').nextSeed(),
    onRows,
  );
  const ct = calibrationThresholds(p.mean, p.std, o.thresholds);
  const maxHv = Math.max(...data.trainFit.hv);
  if (o.lcbTarget !== undefined && !(o.lcbTarget < maxHv + HV_CAP_MARGIN))
    throw new InputError(
      `--lcb-target ${o.lcbTarget} HV is above any plausible hardness (the hardest training alloy is ${maxHv.toFixed(0)} HV; the target must be below ${(maxHv + HV_CAP_MARGIN).toFixed(0)} HV)`,
    );
  const lcbTarget = o.lcbTarget ?? ct.lcbTarget;
  const known = data.known?.x ?? data.trainFit.x;
  const q = o.thresholds.noveltyQuantile;
  const novelty =
    o.noveltyMin ?? (q !== undefined ? noveltyThreshold(known, q) : o.defaultNoveltyMin);
  const thresholds: DesignThresholds = {
    logpThreshold,
    novelty,
    sigmaRef: ct.sigmaRef,
    sigmaCapFactor: o.sigmaCapFactor,
    lcbTarget,
  };
  const window: [number, number] = o.targetWindow ?? [lcbTarget, maxHv + HV_CAP_MARGIN];
  const rules: ThresholdRules = {
    lcbTarget:
      o.lcbTarget !== undefined
        ? 'set by --lcb-target'
        : `q${o.thresholds.lcbTargetQuantile} of the LCB over the ${ct.nearPeakRows} rows of highest μ among ${rowRule}`,
    sigmaRef: `q${o.thresholds.sigmaRefQuantile} of σ over ${rowRule}; cap = ${o.sigmaCapFactor} × σ_ref`,
    novelty:
      o.noveltyMin !== undefined
        ? 'set by --novelty-min'
        : q !== undefined
          ? `q${q} of the leave-one-out nearest-neighbour distances among the distinct dataset alloys`
          : (() => {
              const d = distinctNearestDistances(known);
              const below = d.filter((v) => v < o.defaultNoveltyMin).length;
              return `default minimum ${o.defaultNoveltyMin} (≈ q${(below / d.length).toFixed(2)} of the leave-one-out nearest-neighbour distances among the ${d.length} distinct dataset alloys)`;
            })(),
    support: `weighted q${o.supportQuantile} of the GMM log-density of the train_fit latents${o.constraints.ban.length > 0 ? ' without banned elements' : ''}`,
    familyCap: '',
  };
  return { thresholds, window, nearPeakRows: ct.nearPeakRows, rules };
}

/**
 * The gate state of a design with these options and this seed (§9.1, §9.2): the same two stages,
 * in the same order and on the same random streams, as `runDesign(model, data, o, rng)`. For a
 * comparison with an existing design run, load that run's saved state instead (runs/design.ts).
 */
export async function designGateState(
  model: DesignModel,
  data: DesignData,
  o: DesignOptions,
  rng: Rng,
): Promise<GateState> {
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

/** Run a design. Throws VibannError (exit 3) only through the CLI when nothing is accepted. */
export async function runDesign(
  model: DesignModel,
  data: DesignData,
  options: DesignOptions,
  rng: Rng,
  hooks: DesignHooks = {},
): Promise<DesignResult> {
  const o = options;
  const timings: Record<string, number> = {};
  const stage = async <T>(name: string, fn: () => Promise<T> | T): Promise<T> => {
    hooks.onStage?.(name);
    const t0 = performance.now();
    try {
      return await fn();
    } finally {
      timings[name] = (performance.now() - t0) / 1000;
    }
  };
  const E = data.elements;
  validateConstraints(o.constraints, E);
  if (o.maxCost !== undefined && !(Number.isFinite(o.maxCost) && o.maxCost > 0))
    throw new InputError(`--max-cost expects a positive number (USD/kg), got ${o.maxCost}`);
  // with --max-cost, elements without a known price cannot appear (chem/tables/prices.ts)
  const unpriced =
    o.maxCost !== undefined ? E.filter((e) => elementPrice(e).usd_per_kg === null) : [];
  const mask =
    o.constraints.ban.length > 0 || o.constraints.allow || unpriced.length > 0
      ? permittedMask(o.constraints, E).map((ok, i) => ok && !unpriced.includes(E[i]))
      : undefined;
  // cost of a fraction vector over E, USD/kg (unknown prices count 0; they are masked above)
  const massOf = E.map((e) => (hasElementProperties(e) ? elementProperties(e).mass : 0));
  const priceOf = E.map((e) => elementPrice(e).usd_per_kg ?? 0);
  const vectorCost = (x: ArrayLike<number>) => {
    let m = 0;
    let c = 0;
    for (let i = 0; i < E.length; i++) {
      m += x[i] * massOf[i];
      c += x[i] * massOf[i] * priceOf[i];
    }
    return m > 0 ? c / m : 0;
  };
  const seedOf = (label: string) => rng.fork(label).nextSeed();

  // §9.1 latent density and §9.2 thresholds (shared with the GP-BO comparison: designContext)
  const density = await stage('latent_density', () => fitLatentDensity(model, data, o, rng));
  const { gmm, bic, logpThreshold, frame, lm, trainU } = density;
  const { thresholds, window, nearPeakRows, rules } = await stage('thresholds', () =>
    designThresholds(model, data, o, rng, logpThreshold, hooks.onCalibrationRows),
  );
  const novelty = thresholds.novelty;
  const gateState: GateState = {
    load: o.load,
    thresholds,
    window,
    nearPeakRows,
    frame,
    gmm,
    bic,
  };

  // §9.3 MCMC. The target scores the castable alloy each latent stands for (decoded, masked,
  // rounded §9.5): its μ, σ, cost, and — since the gates judge that alloy, not the latent — the
  // GMM log-density of its re-encoding and its distance to the nearest dataset alloy.
  const known = data.known ?? data.trainFit;
  interface SampleInfo {
    mean: number;
    std: number;
    lcb: number;
    /** log p_GMM of the chain's latent. */
    logp: number;
    /** log p_GMM of the rounded alloy's re-encoding (what the support gate checks). */
    logpAlloy: number;
    /** Distance of the rounded alloy to the nearest dataset alloy (what the novelty gate checks). */
    novelty: number;
    /** Family of the rounded alloy (major elements, joined); '' when it rounds to no alloy. */
    family: string;
    x: number[];
  }
  let mcmcEvalCounter = 0;
  const target: McmcTarget<SampleInfo> = {
    logDensity: (Z) => gmm.logPdf(Z),
    logDensityThreshold: logpThreshold,
    evaluate: async (Z, _step, lp) => {
      const X = (await lm.decode(Z)).map((v) => applyMask(v, mask));
      const rounded = X.map((x) => {
        const r = toAlloy(E, x, o.constraints, o.alloy);
        return r.ok ? r.alloy : null;
      });
      const R = rounded.map((a) => a?.toVector(E) ?? null);
      const V = X.map((x, i) => R[i] ?? x);
      // the search's own prediction (DesignModel.searchAt: the networks alone for a model with
      // a neighbour term); the screening below scores with predictAt
      const p = await (model.searchAt ?? model.predictAt).call(
        model,
        V,
        o.load,
        o.targetPasses,
        seedOf(`mcmc-eval-${mcmcEvalCounter++}`),
      );
      const lpAlloy = gmm.logPdf(await lm.encode(V, o.load));
      const logTarget: number[] = [];
      const info: SampleInfo[] = [];
      for (let i = 0; i < Z.length; i++) {
        const mu = p.mean[i];
        const sd = p.std[i];
        const lcb = mu - LCB_Z * sd;
        const U = mu - o.utilityZ * sd;
        const nov = nearest(V[i], known.x).distance;
        const pen =
          o.lcbPenaltyWeight * Math.max(0, thresholds.lcbTarget - lcb) ** 2 +
          o.sigmaPenaltyWeight * Math.max(0, sd - thresholds.sigmaRef) ** 2 +
          o.supportPenaltyWeight * Math.max(0, logpThreshold - lpAlloy[i]) +
          (novelty > 0 ? o.noveltyPenaltyWeight * Math.max(0, 1 - nov / novelty) : 0) +
          (R[i] ? 0 : o.infeasiblePenalty) +
          (o.maxCost !== undefined
            ? o.costPenaltyWeight * Math.max(0, vectorCost(V[i]) / o.maxCost - 1)
            : 0);
        logTarget.push(
          lp[i] < logpThreshold ? Number.NEGATIVE_INFINITY : lp[i] + o.utilityWeight * U - pen,
        );
        info.push({
          mean: mu,
          std: sd,
          lcb,
          logp: lp[i],
          logpAlloy: lpAlloy[i],
          novelty: nov,
          family: familyOf(rounded[i]?.toFractions() ?? {}).join('-'),
          x: X[i],
        });
      }
      return { logTarget, info };
    },
  };
  const mcmcRes = await stage('mcmc', async () => {
    // Initial states: distinct training latents inside the support (the GMM's own training rows,
    // so banned elements are already left out), drawn with probability ∝ weight.
    const { trainU, trainLogp, rows } = density;
    const ok = rows.map((_, j) => j).filter((j) => trainLogp[j] >= logpThreshold);
    if (ok.length === 0)
      throw new VibannError(
        'design: no training latent lies inside the support threshold; cannot start the chains',
      );
    const r = rng.fork('mcmc-init');
    const init: number[][] = [];
    const pool = [...ok];
    for (let c = 0; c < o.mcmc.chains; c++) {
      if (pool.length === 0) pool.push(...ok);
      let tot = 0;
      const weight = (j: number) => data.trainFit.weight[rows[j]];
      for (const j of pool) tot += weight(j);
      let u = r.uniform() * tot;
      let k = 0;
      while (k < pool.length - 1 && u >= weight(pool[k])) {
        u -= weight(pool[k]);
        k++;
      }
      init.push(trainU[pool[k]]);
      pool.splice(k, 1);
    }
    return runMcmc(target, gmm, init, rng.fork('mcmc'), o.mcmc, (t, acc) =>
      hooks.onMcmcStep?.(t, o.mcmc.steps, acc),
    );
  });

  const toPoolItem = (
    x: ArrayLike<number>,
    provenance: CandidateReport['provenance'],
    prior: number,
  ): PoolItem | string => {
    const r = toAlloy(E, x, o.constraints, o.alloy);
    if (!r.ok) return r.reason;
    return {
      alloy: r.alloy,
      atPct: r.atPct,
      unrounded: r.unrounded,
      vector: Float64Array.from(r.alloy.toVector(E)),
      provenance,
      prior,
    };
  };

  // §9.4 refinement from diverse seeds among support-passing samples
  let refinement: DesignResult['refinement'];
  const refinedItems: (PoolItem | string)[] = [];
  if (hooks.refine) {
    // seeds whose alloys pass the support (chain latent and re-encoded alloy) and the novelty
    // gate; when fewer than `refineSeeds` samples do, those passing the support; when still fewer,
    // those whose latent passes it (SPEC §9.4). At most ⌈seeds/2⌉ per family.
    const latentOk = mcmcRes.samples.filter((s) => s.info.logp >= logpThreshold);
    const inSupport = latentOk.filter((s) => s.info.logpAlloy >= logpThreshold);
    const novel = inSupport.filter((s) => s.info.novelty >= novelty);
    const supported =
      novel.length >= o.refineSeeds
        ? novel
        : inSupport.length >= o.refineSeeds
          ? inSupport
          : latentOk;
    const seedIdx = diverseSelect(
      supported.map((s) => ({
        score: s.info.lcb + 0.03 * s.info.logp,
        vector: s.info.x,
        family: s.info.family,
      })),
      o.refineSeeds,
      o.separationFactor * novelty,
      Math.ceil(o.refineSeeds / 2),
    );
    const seeds = seedIdx.map((i) => supported[i].z);
    if (seeds.length > 0) {
      const res = await stage('refinement', () =>
        hooks.refine!(seeds, {
          load: o.load,
          frame,
          gmm,
          thresholds,
          window,
          mask,
          rng: rng.fork('refine'),
          onStep: hooks.onRefineStep,
        }),
      );
      refinement = { steps: res.steps, trajectory: res.trajectory, outcomes: [] };
      const X = (await lm.decode(res.z)).map((v) => applyMask(v, mask));
      for (const [i, x] of X.entries()) {
        refinedItems.push(toPoolItem(x, { source: 'refined', seed: i }, Number.POSITIVE_INFINITY));
      }
    }
  }

  // §9.5 round every candidate to a castable alloy; dedupe by formula; refined first
  const rejected: Record<string, number> = {};
  const count = (reason: string) => {
    rejected[reason] = (rejected[reason] ?? 0) + 1;
  };
  const byFormula = new Map<string, PoolItem>();
  const add = (it: PoolItem | string) => {
    if (typeof it === 'string') return count(it);
    const f = it.alloy.toFormula({ step: o.alloy.step });
    const prev = byFormula.get(f);
    if (!prev || it.prior > prev.prior) byFormula.set(f, it);
  };
  refinedItems.forEach(add);
  for (const s of mcmcRes.samples)
    add(toPoolItem(s.info.x, { source: 'mcmc', chain: s.chain, step: s.step }, s.info.lcb));
  const pool = [...byFormula.values()].sort((a, b) => b.prior - a.prior).slice(0, o.maxPool);

  // §9.7 evaluate every rounded alloy: MC prediction, re-encoded support, novelty, gates; novelty
  // and the nearest known alloy are measured against every dataset row (issue 13)
  const evaluated = await stage('screening', async () => {
    if (pool.length === 0) return [];
    // in chunks of alloys, for progress (the same seed: the same numbers, see predictAtInChunks)
    const seed = seedOf('screen');
    const R = chunkRows(o.reportPasses);
    const scored: Awaited<ReturnType<typeof screen>> = [];
    for (let r0 = 0; r0 < pool.length; r0 += R) {
      const chunk = pool.slice(r0, r0 + R).map((p) => p.vector);
      scored.push(
        ...(await screen(model, known.x, gateState, chunk, { passes: o.reportPasses, seed })),
      );
      hooks.onScreenRows?.(scored.length, pool.length);
    }
    return pool.map((p, i) => ({ p, ...scored[i] }));
  });
  if (refinement) {
    refinedItems.forEach((it, seed) => {
      if (typeof it === 'string') {
        refinement!.outcomes.push({ seed, reason: it });
        return;
      }
      const f = it.alloy.toFormula({ step: o.alloy.step });
      const e = evaluated.find((q) => q.p.alloy.toFormula({ step: o.alloy.step }) === f);
      refinement!.outcomes.push(
        e
          ? {
              seed,
              formula: f,
              lcb: e.lcb,
              accepted: e.accepted,
              failed: GATE_NAMES.filter((g) => !e.gates[g].pass),
            }
          : { seed, formula: f, reason: 'not_screened' },
      );
    });
  }
  // issue 13: glass-formation gate, cost, family of every screened alloy
  const ranges = o.glassGate
    ? glassRanges(
        known.composition.map((c) => c.toFractions()),
        o.glassQuantile,
      )
    : undefined;
  const assessed = evaluated.map((e) => {
    const fr = e.p.alloy.toFractions();
    const descriptors = glassDescriptors(fr);
    const glass: GlassGate | undefined = ranges ? glassGate(descriptors, ranges) : undefined;
    const cost = alloyCost(fr);
    const costOk =
      o.maxCost === undefined || (cost.usd_per_kg !== null && cost.usd_per_kg <= o.maxCost);
    return {
      ...e,
      descriptors,
      glass,
      cost,
      costOk,
      family: familyOf(fr),
      accepted: e.accepted && (glass?.pass ?? true) && costOk,
    };
  });
  for (const e of assessed) {
    if (e.accepted) continue;
    for (const g of GATE_NAMES) if (!e.gates[g].pass) count(`gate_${g}`);
    if (e.glass && !e.glass.pass) count('gate_glass');
    if (!e.costOk) count(e.cost.usd_per_kg === null ? 'unknown_price' : 'over_max_cost');
    if (!e.inWindow && e.gates.performance.pass) count('outside_target_window');
  }

  // §9.7 ranking + diverse selection; §9.8 report at several loads
  const accepted = assessed.filter((e) => e.accepted);
  const front = new Set(
    paretoFront(
      accepted.map((e) => ({ lcb: e.lcb, cost: e.cost.usd_per_kg, novelty: e.nearest.distance })),
    ),
  );
  const familyCap = o.familyCap ?? Math.ceil(o.n / 2);
  const separation = o.separationFactor * novelty;
  const overCap: number[] = [];
  // 'pareto': choose among the Pareto set (by LCB, diverse); 'lcb': among all accepted
  const eligible = accepted.map((_, i) => i).filter((i) => o.objective === 'lcb' || front.has(i));
  const pickIdx = diverseSelect(
    eligible.map((i) => ({
      score: accepted[i].lcb,
      vector: accepted[i].p.vector,
      family: accepted[i].family.join('-'),
    })),
    o.n,
    separation,
    familyCap,
    overCap,
  );
  const pickA = pickIdx.map((k) => accepted[eligible[k]]);
  const overCapSet = new Set(overCap.map((k) => accepted[eligible[k]]));
  const notAccepted = assessed.filter((e) => !e.accepted).sort((a, b) => b.lcb - a.lcb);
  const shown = pickA.length > 0 ? pickA : notAccepted.slice(0, o.n);
  const candidates = await stage('report', async () => {
    const X = shown.map((e) => e.p.vector);
    // nearest known alloy in the design's latent frame (every dataset row encoded at L*)
    const knownU = X.length > 0 ? frame.project(await model.encode(known.x, o.load)) : [];
    const perLoad = [] as { load: number; mean: Float64Array; std: Float64Array }[];
    for (const L of o.reportLoads) {
      if (X.length === 0) break;
      if (L === o.load) {
        // at the design load, report exactly the numbers the gates were evaluated on
        perLoad.push({
          load: L,
          mean: Float64Array.from(shown, (e) => e.mean),
          std: Float64Array.from(shown, (e) => e.std),
        });
        continue;
      }
      const p = await model.predictAt(X, L, o.reportPasses, seedOf(`report-${L}`));
      perLoad.push({ load: L, mean: p.mean, std: p.std });
    }
    return shown.map((e, k): CandidateReport => {
      return {
        formula: e.p.alloy.toFormula({ step: o.alloy.step }),
        fractions: e.p.alloy.toFractions(),
        unrounded: e.p.unrounded,
        predictions: perLoad.map((q) => ({
          load: q.load,
          mean: q.mean[k],
          std: q.std[k],
          lcb: q.mean[k] - LCB_Z * q.std[k],
        })),
        accepted: e.accepted,
        nearest: {
          formula: known.composition[e.nearest.index].toFormula(),
          distance: e.nearest.distance,
          hv: known.hv[e.nearest.index],
          load: known.load[e.nearest.index],
        },
        nearest_latent: (() => {
          let best = 0;
          let bd = Number.POSITIVE_INFINITY;
          knownU.forEach((u, j) => {
            const d = euclidean(u, e.u);
            if (d < bd) {
              bd = d;
              best = j;
            }
          });
          return {
            formula: known.composition[best].toFormula(),
            distance: bd,
            hv: known.hv[best],
            load: known.load[best],
          };
        })(),
        family: e.family,
        descriptors: e.descriptors,
        cost: e.cost,
        pareto: e.accepted && front.has(accepted.indexOf(e)),
        ...(overCapSet.has(e) ? { over_family_cap: true } : {}),
        gates: e.glass ? { ...e.gates, glass: e.glass } : e.gates,
        logp: e.logp,
        provenance: e.p.provenance,
      };
    });
  });

  const step = Math.max(1, Math.floor(mcmcRes.samples.length / 500));
  const map =
    frame.dim >= 2
      ? designMap(
          gmm,
          trainU,
          mcmcRes.samples.filter((_, i) => i % step === 0).map((s) => s.z),
          shown.map((e) => ({
            u: e.u,
            name: e.p.alloy.toFormula({ step: o.alloy.step }),
            accepted: e.accepted,
          })),
          frame.explained,
        )
      : undefined;
  const reportedSet = new Set(shown);
  const poolRow = (e: (typeof accepted)[number], i: number) => ({
    formula: e.p.alloy.toFormula({ step: o.alloy.step }),
    lcb: e.lcb,
    cost: e.cost.usd_per_kg,
    novelty: e.nearest.distance,
    pareto: front.has(i),
  });
  return {
    map,
    pareto: accepted
      .map((e, i) => ({ e, i }))
      .filter(({ i }) => front.has(i))
      .map(({ e, i }) => {
        const { pareto: _, ...r } = poolRow(e, i);
        return { ...r, reported: reportedSet.has(e) };
      }),
    acceptedPool: accepted.map(poolRow),
    screenedPool: assessed.map((e) => ({
      formula: e.p.alloy.toFormula({ step: o.alloy.step }),
      family: e.family,
      mean: e.mean,
      std: e.std,
      lcb: e.lcb,
      logp: e.logp,
      novelty: e.nearest.distance,
      nearest: known.composition[e.nearest.index].toFormula(),
      cost: e.cost.usd_per_kg,
      failed: [
        ...GATE_NAMES.filter((g) => !e.gates[g].pass),
        ...(e.glass && !e.glass.pass ? ['glass'] : []),
        ...(e.costOk ? [] : ['cost']),
        ...(!e.inWindow && e.gates.performance.pass ? ['window'] : []),
      ],
      accepted: e.accepted,
      source: e.p.provenance.source,
    })),
    thresholds: {
      ...thresholds,
      window,
      nearPeakRows,
      rules: {
        ...rules,
        ...(ranges
          ? {
              glass: `each of δ, ΔH_mix, ΔS_mix, Δχ, VEC inside [q${o.glassQuantile}, q${1 - o.glassQuantile}] of the ${known.composition.length} dataset alloys (all glasses)`,
            }
          : {}),
        ...(o.maxCost !== undefined
          ? {
              maxCost: `raw-material cost ≤ ${o.maxCost} USD/kg (chem/tables/prices.ts; elements without a price are excluded)`,
            }
          : {}),
        familyCap: `at most ${familyCap} reported candidates per family (elements ≥ 10 at.%)${o.familyCap === undefined ? ', ⌈n/2⌉' : ''}, minimum separation ${separation.toFixed(3)} (${o.separationFactor} × novelty); ${o.objective === 'pareto' ? 'chosen among the Pareto set over (LCB, cost, novelty)' : 'ranked by LCB'}`,
      },
      ...(ranges ? { glassRanges: ranges } : {}),
      familyCap,
      separation,
      ...(o.maxCost !== undefined ? { maxCost: o.maxCost } : {}),
    },
    gmm: { k: gmm.nComponents, bic },
    frame: { dim: frame.dim, latent_dim: frame.latentDim, explained: [...frame.explained] },
    mcmc: {
      acceptance_rate: mcmcRes.acceptanceRate,
      acceptance_rate_after_burn_in: mcmcRes.acceptanceRateAfterBurnIn,
      samples: mcmcRes.samples.length,
      rejected_by_support: mcmcRes.rejectedBySupport,
      evaluations: mcmcRes.evaluations,
    },
    refinement,
    candidates,
    rejected,
    screened: assessed.length,
    accepted: accepted.length,
    acceptedFamilies: Object.fromEntries(
      [
        ...accepted
          .reduce(
            (m, e) => m.set(e.family.join('-'), (m.get(e.family.join('-')) ?? 0) + 1),
            new Map<string, number>(),
          )
          .entries(),
      ].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])),
    ),
    timings,
    gateState,
  };
}
