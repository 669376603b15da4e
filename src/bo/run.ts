/**
 * The GP-BO design baseline (SPEC §10; docs/original.md §10.2 for what the paper's code did):
 *
 * 1. Surrogate: a GP (Matérn 5/2 + white, ML-II hyperparameters, `baselines/gp.ts`) on train_fit,
 *    features = the E composition fractions + the load standardised on train_fit (as the §7
 *    baselines).
 * 2. Anchors: among the max(50, 0.2·n) train_fit rows whose load is closest to L*, the 15 distinct
 *    compositions with the highest measured HV (the original could repeat an alloy measured at two
 *    loads; we keep distinct ones). Rows tied in load with the last row of the pool are all
 *    included: loads repeat (the reference train_fit has 58 rows at 0.98 N, the 86-row pool at
 *    0.5 N ends inside them), and cutting a tie by row order — the original's argsort — would
 *    drop some of the hardest alloys at that load (B35Re35Co30, 1869 HV) for no reason.
 * 3. Each iteration maximises the acquisition (acquisition.ts: GP LCB at (softmax(u), ℓ*) with a
 *    trust region around the anchors and a repulsion from earlier proposals) by multi-start
 *    L-BFGS with analytic gradients. Starts: every anchor's logits ln max(x, 1e-6), plus
 *    `randomStarts` random anchors with N(0, 0.3²) noise on the logits (as the original). The
 *    original ran L-BFGS from all 100 starts; we screen the starts by their acquisition value and
 *    refine the best `refineStarts` (default 10) — the winner is nearly always among them, at a
 *    tenth of the cost (`refineStarts: Infinity` refines all).
 * 4. Fantasy update: the proposal is added to the GP with the GP mean as the observation (SPEC §10;
 *    the original drew y ~ N(μ, σ)), at fixed hyperparameters and y scaling (posterior.ts). The
 *    mean surface is therefore unchanged; σ shrinks around proposals, and the repulsion keeps later
 *    proposals apart.
 * 5. After T iterations every proposal is rounded with `toAlloy` (drop < 1 at.%, largest
 *    remainder, the design's constraints), duplicates merged, and the distinct alloys ranked by the
 *    LCB of the *original* GP (trained on data only). The original re-scored with the
 *    fantasy-augmented GP, whose σ the fantasies shrank; that flatters the proposals, so we report
 *    the honest one (the fantasy-GP LCB at proposal time is kept in the trace).
 *
 * Everything random comes from the Rng passed in (`fork('gp')` for the ML-II restarts,
 * `fork('starts-<t>')` for iteration t's random starts), so the same seed gives the same proposals.
 */
import type { GaussianProcessRegressor, GpOptions } from '../baselines/gp.ts';
import { LoadScaler, type LoadTransform } from '../data/scalers.ts';
import { type AlloyOptions, DEFAULT_ALLOY_OPTIONS, toAlloy } from '../design/alloy.ts';
import { DEFAULT_CONSTRAINTS, type DesignConstraints } from '../design/constraints.ts';
import { LCB_Z } from '../uq/lcb.ts';
import { InputError } from '../util/errors.ts';
import type { Rng } from '../util/rng.ts';
import {
  Acquisition,
  type AcquisitionOptions,
  DEFAULT_ACQUISITION_OPTIONS,
} from './acquisition.ts';
import {
  DEFAULT_LBFGS_OPTIONS,
  type LbfgsOptions,
  type LbfgsStatus,
  lbfgsMaximize,
} from './lbfgs.ts';
import { GpPosterior } from './posterior.ts';
import { logits, softmax } from './simplex.ts';

export interface BoOptions {
  /** Design load L*, N (default 0.5). */
  load: number;
  /** BO iterations T (default 200). */
  iterations: number;
  /** Number of anchors: best distinct training alloys near L* (default 15). */
  anchors: number;
  /**
   * Rows near L* the anchors are chosen from: max(anchorPoolMin, anchorPoolFraction·n) (50, 0.2),
   * plus the rows tied in load with the last of them.
   */
  anchorPoolMin: number;
  anchorPoolFraction: number;
  /** Acquisition: LCB z, trust region, repulsion. */
  acquisition: AcquisitionOptions;
  /** Random starts per iteration besides the anchors (default 85, as the original: 100 in all). */
  randomStarts: number;
  /** Starts refined by L-BFGS per iteration, best acquisition first (default 10). */
  refineStarts: number;
  /** Std of the Gaussian noise on a random start's logits (default 0.3). */
  startNoise: number;
  /** Floor of a start composition before taking logs (default 1e-6). */
  logitFloor: number;
  /** L-BFGS settings. */
  lbfgs: LbfgsOptions;
  /** GP settings (ML-II restarts, bounds; default 2 restarts). */
  gp: GpOptions;
  /** Load standardisation of the surrogate's features (default 'linear', as the §7 baselines). */
  loadTransform: LoadTransform;
  /** σ includes the GP's white noise (default true, as scikit-learn's predict(return_std)). */
  includeNoise: boolean;
  /** Rounding of proposals to castable alloys (SPEC §9.5). */
  alloy: AlloyOptions;
  /** Constraints the rounded alloys must satisfy (SPEC §9.6; default: 3–7 elements). */
  constraints: DesignConstraints;
}

export const DEFAULT_BO_OPTIONS: BoOptions = Object.freeze({
  load: 0.5,
  iterations: 200,
  anchors: 15,
  anchorPoolMin: 50,
  anchorPoolFraction: 0.2,
  acquisition: DEFAULT_ACQUISITION_OPTIONS,
  randomStarts: 85,
  refineStarts: 10,
  startNoise: 0.3,
  logitFloor: 1e-6,
  lbfgs: DEFAULT_LBFGS_OPTIONS,
  gp: { restarts: 2 },
  loadTransform: 'linear',
  includeNoise: true,
  alloy: DEFAULT_ALLOY_OPTIONS,
  constraints: DEFAULT_CONSTRAINTS,
});

/** The training data GP-BO needs (train_fit rows). */
export interface BoData {
  elements: readonly string[];
  trainFit: {
    /** Composition fractions over `elements`, one vector per row. */
    x: readonly ArrayLike<number>[];
    /** Measured HV. */
    hv: readonly number[];
    /** Load, N. */
    load: readonly number[];
  };
}

/** The fitted surrogate: the GP and the load scaler of its last feature. */
export interface Surrogate {
  gp: GaussianProcessRegressor;
  scaler: LoadScaler;
  /** Wall time of the fit, s. */
  fitSeconds: number;
}

/** GP prediction at one composition and the design load, HV. */
export interface GpPoint {
  mean: number;
  sd: number;
  lcb: number;
}

export interface BoProposal {
  /** 0-based iteration. */
  iteration: number;
  /** The unrounded composition x = softmax(u) over the elements. */
  x: number[];
  /** Acquisition value (HV). */
  acquisition: number;
  /** The current (fantasy-augmented) GP at x, as the acquisition saw it. */
  current: GpPoint;
  /** The GP trained on data only, at x. */
  base: GpPoint;
  /** Distance to the nearest anchor and to the nearest earlier proposal. */
  dAnchor: number;
  dSeen: number;
  /** Which start won (index into the iteration's starts; anchors first). */
  start: number;
  /** L-BFGS outcome of the winning start. */
  status: LbfgsStatus;
  lbfgsIterations: number;
  /** Acquisition evaluations in the whole iteration (screening + every refined start). */
  evaluations: number;
}

export interface BoTracePoint {
  iteration: number;
  /** LCB of this iteration's proposal under the current GP, and the best so far. */
  lcb: number;
  bestLcb: number;
  /** The same under the GP trained on data only. */
  baseLcb: number;
  bestBaseLcb: number;
}

export interface BoCandidate {
  formula: string;
  /** Rounded composition (fractions). */
  fractions: Record<string, number>;
  /** Rounded composition as a vector over the elements. */
  vector: number[];
  /** GP trained on data only, at the rounded composition and L*. */
  gp: GpPoint;
  /** First iteration that rounded to this alloy, and how many proposals did. */
  iteration: number;
  proposals: number;
  /** The unrounded proposal of the first iteration. */
  unrounded: Record<string, number>;
}

export interface BoResult {
  load: number;
  surrogate: {
    constant: number;
    length_scale: number;
    noise: number;
    log_marginal_likelihood: number;
    y_mean: number;
    y_std: number;
    /** The standardised design load (the GP's last feature). */
    load_feature: number;
    rows: number;
  };
  anchors: { row: number; hv: number; load: number; vector: number[] }[];
  proposals: BoProposal[];
  trace: BoTracePoint[];
  /** Distinct rounded alloys, best base-GP LCB first. */
  candidates: BoCandidate[];
  /** Proposals that could not be rounded to an alloy satisfying the constraints, by reason. */
  rejected: Record<string, number>;
  timings: Record<string, number>;
}

export interface BoHooks {
  /** A surrogate already fitted on these data (skips the ML-II fit). */
  surrogate?: Surrogate;
  /** Called after every iteration. */
  onIteration?: (iteration: number, total: number, bestLcb: number) => void;
}

/** Features of one row: composition then standardised load. */
function featureRow(x: ArrayLike<number>, loadFeature: number): Float64Array {
  const f = new Float64Array(x.length + 1);
  f.set(x as ArrayLike<number>);
  f[x.length] = loadFeature;
  return f;
}

function validate(data: BoData, o: BoOptions): void {
  const n = data.trainFit.x.length;
  if (n < 2) throw new InputError(`bo: need at least 2 training rows, got ${n}`);
  if (data.trainFit.hv.length !== n || data.trainFit.load.length !== n)
    throw new InputError('bo: train_fit x, hv and load must have the same length');
  for (const [i, v] of data.trainFit.x.entries())
    if (v.length !== data.elements.length)
      throw new InputError(
        `bo: train_fit row ${i + 1} has ${v.length} fractions; expected ${data.elements.length}`,
      );
  if (!(o.load > 0)) throw new InputError(`bo: the design load must be > 0 N, got ${o.load}`);
  const intAtLeast = (name: string, v: number, min: number) => {
    if (!(Number.isInteger(v) && v >= min))
      throw new InputError(`bo: ${name} must be an integer ≥ ${min}, got ${v}`);
  };
  intAtLeast('iterations', o.iterations, 1);
  intAtLeast('anchors', o.anchors, 1);
  intAtLeast('randomStarts', o.randomStarts, 0);
  if (!(o.refineStarts >= 1))
    throw new InputError(`bo: refineStarts must be ≥ 1, got ${o.refineStarts}`);
}

/** Fit the GP surrogate on train_fit (SPEC §10): composition fractions + standardised load. */
export async function fitSurrogate(
  data: BoData,
  o: Pick<BoOptions, 'gp' | 'loadTransform'>,
  rng: Rng,
): Promise<Surrogate> {
  const { GaussianProcessRegressor } = await import('../baselines/gp.ts');
  const t0 = performance.now();
  const tf = data.trainFit;
  const scaler = LoadScaler.fit(tf.load, o.loadTransform);
  const E = data.elements.length;
  const n = tf.x.length;
  const X = new Float64Array(n * (E + 1));
  for (let i = 0; i < n; i++) X.set(featureRow(tf.x[i], scaler.transform(tf.load[i])), i * (E + 1));
  const gp = new GaussianProcessRegressor(o.gp).fit({ rows: n, cols: E + 1, data: X }, tf.hv, rng);
  return { gp, scaler, fitSeconds: (performance.now() - t0) / 1000 };
}

/** Anchors (step 2): indices of train_fit rows. */
export function selectAnchors(data: BoData, o: BoOptions): number[] {
  const tf = data.trainFit;
  const n = tf.x.length;
  const pool = Math.min(n, Math.max(o.anchorPoolMin, Math.ceil(o.anchorPoolFraction * n)));
  const dist = (i: number) => Math.abs(tf.load[i] - o.load);
  const byLoad = Array.from({ length: n }, (_, i) => i).sort((a, b) => dist(a) - dist(b) || a - b);
  // rows tied with the last one in the pool join it (within 1e-6 N): many rows share a load
  const cut = dist(byLoad[pool - 1]) + 1e-6;
  const near = byLoad.filter((i) => dist(i) <= cut).sort((a, b) => tf.hv[b] - tf.hv[a] || a - b);
  const seen = new Set<string>();
  const out: number[] = [];
  for (const i of near) {
    const key = Array.from(tf.x[i], (v) => v.toFixed(6)).join(',');
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(i);
    if (out.length >= o.anchors) break;
  }
  return out;
}

/** Run GP-BO. */
export async function runBo(
  data: BoData,
  options: Partial<BoOptions>,
  rng: Rng,
  hooks: BoHooks = {},
): Promise<BoResult> {
  const o: BoOptions = { ...DEFAULT_BO_OPTIONS, ...options };
  validate(data, o);
  const timings: Record<string, number> = {};
  const sur = hooks.surrogate ?? (await fitSurrogate(data, o, rng.fork('gp')));
  timings.gp_fit = hooks.surrogate ? 0 : sur.fitSeconds;
  const t1 = performance.now();
  const loadFeature = sur.scaler.transform(o.load);
  const base = GpPosterior.fromRegressor(sur.gp, {
    includeNoise: o.includeNoise,
    capacity: o.iterations,
  });
  const current = base.clone();
  const anchorRows = selectAnchors(data, o);
  const anchors = anchorRows.map((i) => Float64Array.from(data.trainFit.x[i]));
  const seen: Float64Array[] = [];
  const acq = new Acquisition(current, loadFeature, anchors, seen, o.acquisition);
  const baseAt = (x: ArrayLike<number>): GpPoint => {
    const p = base.predict(featureRow(x, loadFeature));
    return { mean: p.mean, sd: p.sd, lcb: p.mean - o.acquisition.z * p.sd };
  };
  const anchorLogits = anchors.map((a) => logits(a, o.logitFloor));
  const proposals: BoProposal[] = [];
  const trace: BoTracePoint[] = [];
  let bestLcb = Number.NEGATIVE_INFINITY;
  let bestBaseLcb = Number.NEGATIVE_INFINITY;
  const fg = (u: Float64Array) => acq.valueAndGradient(u);
  for (let t = 0; t < o.iterations; t++) {
    const r = rng.fork(`starts-${t}`);
    const starts: Float64Array[] = anchorLogits.map((u) => Float64Array.from(u));
    for (let s = 0; s < o.randomStarts; s++) {
      const a = anchorLogits[r.int(anchorLogits.length)];
      starts.push(Float64Array.from(a, (v) => v + o.startNoise * r.normal()));
    }
    let evaluations = starts.length;
    const screened = starts
      .map((u, i) => ({ i, v: acq.value(u).value }))
      .sort((a, b) => b.v - a.v || a.i - b.i);
    let best: { start: number; res: ReturnType<typeof lbfgsMaximize> } | null = null;
    const nRefine = Math.min(screened.length, o.refineStarts);
    for (let k = 0; k < nRefine; k++) {
      const res = lbfgsMaximize(fg, starts[screened[k].i], o.lbfgs);
      evaluations += res.evaluations;
      if (!best || res.value > best.res.value) best = { start: screened[k].i, res };
    }
    if (!best) throw new InputError('bo: no start to optimise from');
    const v = acq.value(best.res.u);
    const x = softmax(best.res.u);
    const cur: GpPoint = { mean: v.mean, sd: v.sd, lcb: v.lcb };
    const bp = baseAt(x);
    proposals.push({
      iteration: t,
      x: Array.from(x),
      acquisition: v.value,
      current: cur,
      base: bp,
      dAnchor: v.dAnchor,
      dSeen: v.dSeen,
      start: best.start,
      status: best.res.status,
      lbfgsIterations: best.res.iterations,
      evaluations,
    });
    bestLcb = Math.max(bestLcb, cur.lcb);
    bestBaseLcb = Math.max(bestBaseLcb, bp.lcb);
    trace.push({ iteration: t, lcb: cur.lcb, bestLcb, baseLcb: bp.lcb, bestBaseLcb });
    seen.push(x);
    current.fantasize(featureRow(x, loadFeature));
    hooks.onIteration?.(t, o.iterations, bestLcb);
  }
  timings.bo_loop = (performance.now() - t1) / 1000;

  // step 5: round, merge duplicates, rank by the data-only GP's LCB
  const t2 = performance.now();
  const rejected: Record<string, number> = {};
  const byFormula = new Map<string, BoCandidate>();
  for (const p of proposals) {
    const a = toAlloy(data.elements, p.x, o.constraints, o.alloy);
    if (!a.ok) {
      rejected[a.reason] = (rejected[a.reason] ?? 0) + 1;
      continue;
    }
    const formula = a.alloy.toFormula({ step: o.alloy.step });
    const prev = byFormula.get(formula);
    if (prev) {
      prev.proposals++;
      continue;
    }
    const vector = Array.from(a.alloy.toVector(data.elements));
    byFormula.set(formula, {
      formula,
      fractions: a.alloy.toFractions(),
      vector,
      gp: baseAt(vector),
      iteration: p.iteration,
      proposals: 1,
      unrounded: a.unrounded,
    });
  }
  const candidates = [...byFormula.values()].sort(
    (a, b) => b.gp.lcb - a.gp.lcb || a.iteration - b.iteration,
  );
  timings.rounding = (performance.now() - t2) / 1000;

  return {
    load: o.load,
    surrogate: {
      constant: sur.gp.params.constant,
      length_scale: sur.gp.params.lengthScale,
      noise: sur.gp.params.noise,
      log_marginal_likelihood: sur.gp.logMarginalLikelihood,
      y_mean: sur.gp.yMean,
      y_std: sur.gp.yStd,
      load_feature: loadFeature,
      rows: data.trainFit.x.length,
    },
    anchors: anchorRows.map((i) => ({
      row: i,
      hv: data.trainFit.hv[i],
      load: data.trainFit.load[i],
      vector: Array.from(data.trainFit.x[i]),
    })),
    proposals,
    trace,
    candidates,
    rejected,
    timings,
  };
}

/** The data-only GP's prediction at compositions (rounded alloys of any method) at load L*. */
export function surrogateAt(
  sur: Surrogate,
  load: number,
  vectors: readonly ArrayLike<number>[],
  o: Pick<BoOptions, 'includeNoise'> & { z?: number } = { includeNoise: true },
): GpPoint[] {
  if (vectors.length === 0) return [];
  const E = vectors[0].length;
  const data = new Float64Array(vectors.length * (E + 1));
  const lf = sur.scaler.transform(load);
  for (const [i, v] of vectors.entries()) data.set(featureRow(v, lf), i * (E + 1));
  const { mean, variance } = sur.gp.predictWithVariance(
    { rows: vectors.length, cols: E + 1, data },
    { includeNoise: o.includeNoise },
  );
  const z = o.z ?? LCB_Z;
  return Array.from(mean, (m, i) => {
    const sd = Math.sqrt(variance[i]);
    return { mean: m, sd, lcb: m - z * sd };
  });
}
