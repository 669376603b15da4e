/**
 * Hyperparameter search: an Optuna-like, seeded Tree-structured Parzen Estimator (SPEC §7: "our own
 * seeded TPE sampler (nothing in npm does it)"), a random sampler for comparison, and a Study that
 * stores every trial and serialises to JSON (a resumable trial log).
 *
 * TPE (Bergstra et al. 2011; the defaults follow Optuna's univariate `TPESampler`):
 * - the first `nStartupTrials` complete trials are drawn at random from the prior;
 * - after that, the complete trials carrying a parameter are sorted by value and split into the best
 *   γ(n) = min(⌈0.1 n⌉, 25) ("below", l) and the rest ("above", g);
 * - each group becomes a Parzen estimator: a weighted mixture of truncated normals centred on the
 *   observations (in log space for log parameters) plus a prior component (centre of the range,
 *   σ = range width). Bandwidths are adaptive: each observation's σ is the larger distance to its
 *   sorted neighbours, clipped to [range / min(100, n + 1), range] ("magic clip"). Observations are
 *   weighted equally when n < 25, otherwise older ones ramp down from 1/n to 1 with the 25 most
 *   recent at 1;
 * - categorical parameters use a smoothed categorical kernel per observation plus a uniform prior;
 * - `nEiCandidates` candidates are drawn from l, and the one maximising log l(x) − log g(x) is kept.
 * Parameters are sampled independently of each other (Optuna's default, `multivariate = false`).
 *
 * Parallel trials (`Study.optimizeParallel`, `parallel` = W): trial k starts once every trial
 * numbered ≤ k − W has finished, and is sampled as if exactly those were finished: the W − 1 trials
 * before it are shown to the sampler as running, whatever their actual state. With
 * `constantLiar` (Optuna's `constant_liar`), running trials join the "above" group g(x) — they count
 * as bad — so parallel trials are pushed away from each other's points instead of repeating them.
 * The trials therefore depend only on the seed, W and the objective's values, not on which worker
 * finished first; W = 1 is the sequential search.
 *
 * Reproducibility: the draw for parameter `name` of trial `k` uses the stream
 * `Rng(seed).fork(k/name)`, so it depends only on the seed, the trial number, the parameter name and
 * the complete trials before it. Running N trials in one go, or M, saving to JSON, loading and
 * running N − M more, gives identical trials.
 */

import { logSumExp } from '../math/logsumexp.ts';
import { normalLogPdf } from '../math/normal.ts';
import { InputError, VibannError } from '../util/errors.ts';
import { Rng } from '../util/rng.ts';
import { normIntervalMass, truncNormalSample } from './normal.ts';

/** A parameter value as stored in the trial log. */
export type ParamValue = number | string | boolean | null;

/** A real parameter on [low, high] (log: sampled uniformly in ln space, needs low > 0). */
export interface FloatDistribution {
  type: 'float';
  low: number;
  high: number;
  log: boolean;
}

/** An integer parameter on {low, …, high} (log: log-uniform prior, needs low ≥ 1). */
export interface IntDistribution {
  type: 'int';
  low: number;
  high: number;
  log: boolean;
}

/** One of a list of choices. */
export interface CategoricalDistribution {
  type: 'categorical';
  choices: ParamValue[];
}

export type Distribution = FloatDistribution | IntDistribution | CategoricalDistribution;

export type TrialState = 'running' | 'complete' | 'fail';

/** One trial as stored in the log. */
export interface TrialRecord {
  /** 0-based trial number, in the order trials were asked. */
  number: number;
  state: TrialState;
  /** Parameter values (external representation: the float, the integer, or the choice itself). */
  params: Record<string, ParamValue>;
  /** The distribution each parameter was drawn from. */
  distributions: Record<string, Distribution>;
  /** Objective value (complete trials), else null. */
  value: number | null;
  /** Free-form values attached by the objective (e.g. per-fold scores). */
  userAttrs: Record<string, unknown>;
  /** Why a trial failed, if it did. */
  error?: string;
}

/** A sampler proposes the value of one parameter of one trial, given the trials so far. */
export interface Sampler {
  sample(ctx: SampleContext): ParamValue;
  toJSON(): SamplerJSON;
}

export interface SampleContext {
  /** Every trial of the study so far (this one included, state running). */
  trials: readonly TrialRecord[];
  /** Number of the trial being sampled. */
  trialNumber: number;
  /** Parameter name. */
  name: string;
  distribution: Distribution;
  /** 'minimize' or 'maximize'. */
  direction: Direction;
}

export type Direction = 'minimize' | 'maximize';

export interface RandomSamplerJSON {
  kind: 'random';
  seed: number | string;
}

export interface TpeOptions {
  /** Seed of every draw (default 1). */
  seed?: number | string;
  /** Complete trials drawn at random before TPE starts (default 10, as Optuna). */
  nStartupTrials?: number;
  /** Candidates drawn from l(x) per parameter; the best by l/g is kept (default 24, as Optuna). */
  nEiCandidates?: number;
  /** Weight of the prior component in each Parzen estimator (default 1, as Optuna). */
  priorWeight?: number;
  /** Clip bandwidths below at range / min(100, n + 1) (default true, as Optuna). */
  considerMagicClip?: boolean;
  /** Let the range ends count as neighbours of the outermost observations (default false). */
  considerEndpoints?: boolean;
  /** Cap of the "below" group size, γ(n) = min(⌈gammaFraction·n⌉, gammaMax) (default 25). */
  gammaMax?: number;
  /** Fraction of complete trials in the "below" group (default 0.1). */
  gammaFraction?: number;
  /** Put running trials in the "above" group (Optuna's `constant_liar`; default false). */
  constantLiar?: boolean;
}

export interface TpeSamplerJSON extends Required<TpeOptions> {
  kind: 'tpe';
}

export type SamplerJSON = RandomSamplerJSON | TpeSamplerJSON;

function paramRng(seed: number | string, trialNumber: number, name: string): Rng {
  return new Rng(seed).fork(`${trialNumber}/${name}`);
}

/** Bounds of a numeric distribution in the space the estimators work in. */
function internalBounds(d: FloatDistribution | IntDistribution): [number, number] {
  const lo = d.type === 'int' ? d.low - 0.5 : d.low;
  const hi = d.type === 'int' ? d.high + 0.5 : d.high;
  return d.log ? [Math.log(lo), Math.log(hi)] : [lo, hi];
}

function toInternal(d: FloatDistribution | IntDistribution, v: number): number {
  return d.log ? Math.log(v) : v;
}

function fromInternal(d: FloatDistribution | IntDistribution, t: number): number {
  const v = d.log ? Math.exp(t) : t;
  if (d.type === 'int') return Math.min(d.high, Math.max(d.low, Math.round(v)));
  return Math.min(d.high, Math.max(d.low, v));
}

/** A value drawn from the prior of a distribution (uniform in the internal space). */
function samplePrior(d: Distribution, rng: Rng): ParamValue {
  if (d.type === 'categorical') return d.choices[rng.int(d.choices.length)];
  const [lo, hi] = internalBounds(d);
  return fromInternal(d, lo + (hi - lo) * rng.uniform());
}

/** Checks a distribution's bounds; throws InputError naming the parameter. */
export function validateDistribution(name: string, d: Distribution): void {
  if (d.type === 'categorical') {
    if (d.choices.length === 0) throw new InputError(`parameter '${name}': no choices given`);
    return;
  }
  if (!Number.isFinite(d.low) || !Number.isFinite(d.high) || d.low > d.high) {
    throw new InputError(
      `parameter '${name}': expected finite low ≤ high, got [${d.low}, ${d.high}]`,
    );
  }
  if (d.type === 'int' && (!Number.isInteger(d.low) || !Number.isInteger(d.high))) {
    throw new InputError(`parameter '${name}': integer bounds expected, got [${d.low}, ${d.high}]`);
  }
  if (d.log && d.low <= 0) {
    throw new InputError(`parameter '${name}': a log-scale range needs low > 0, got ${d.low}`);
  }
}

function sameDistribution(a: Distribution, b: Distribution): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Uniform random search: every parameter from its prior. */
export class RandomSampler implements Sampler {
  readonly seed: number | string;
  constructor(o: { seed?: number | string } = {}) {
    this.seed = o.seed ?? 1;
  }
  sample(ctx: SampleContext): ParamValue {
    return samplePrior(ctx.distribution, paramRng(this.seed, ctx.trialNumber, ctx.name));
  }
  toJSON(): RandomSamplerJSON {
    return { kind: 'random', seed: this.seed };
  }
}

/** Optuna's default observation weights: flat below 25, else a ramp for the older ones. */
export function defaultWeights(n: number): number[] {
  if (n === 0) return [];
  if (n < 25) return new Array(n).fill(1);
  const ramp = n - 25;
  const w: number[] = [];
  for (let i = 0; i < ramp; i++)
    w.push(ramp === 1 ? 1 / n : 1 / n + ((1 - 1 / n) * i) / (ramp - 1));
  for (let i = 0; i < 25; i++) w.push(1);
  return w;
}

/** A weighted mixture of normals truncated to [low, high] (internal space). */
export class NumericParzen {
  readonly mus: number[];
  readonly sigmas: number[];
  /** Normalised mixture weights. */
  readonly weights: number[];
  readonly low: number;
  readonly high: number;
  private readonly logNorm: number[];

  constructor(
    obs: readonly number[],
    obsWeights: readonly number[],
    low: number,
    high: number,
    o: { priorWeight: number; considerMagicClip: boolean; considerEndpoints: boolean },
  ) {
    this.low = low;
    this.high = high;
    const range = high - low;
    const mus = [...obs];
    const w = [...obsWeights];
    // Prior component: centre of the range, σ = range.
    const priorMu = 0.5 * (low + high);
    const priorSigma = range;
    mus.push(priorMu);
    w.push(o.priorWeight);
    const n = mus.length;
    const order = mus.map((_, i) => i).sort((a, b) => mus[a] - mus[b] || a - b);
    const sorted = order.map((i) => mus[i]);
    const withEnds = [low, ...sorted, high];
    const sortedSigmas = new Array<number>(n);
    for (let i = 0; i < n; i++) {
      sortedSigmas[i] = Math.max(withEnds[i + 1] - withEnds[i], withEnds[i + 2] - withEnds[i + 1]);
    }
    if (!o.considerEndpoints && n >= 2) {
      sortedSigmas[0] = withEnds[2] - withEnds[1];
      sortedSigmas[n - 1] = withEnds[n] - withEnds[n - 1];
    }
    const sigmas = new Array<number>(n);
    for (let k = 0; k < n; k++) sigmas[order[k]] = sortedSigmas[k];
    const maxSigma = range;
    const minSigma = o.considerMagicClip ? range / Math.min(100, 1 + n) : 1e-12;
    for (let i = 0; i < n; i++) sigmas[i] = Math.min(maxSigma, Math.max(minSigma, sigmas[i]));
    sigmas[n - 1] = priorSigma;
    // A zero-width range (low = high) would give σ = 0; keep the mixture defined.
    for (let i = 0; i < n; i++) if (!(sigmas[i] > 0)) sigmas[i] = 1e-12;
    const total = w.reduce((s, v) => s + v, 0);
    this.mus = mus;
    this.sigmas = sigmas;
    this.weights = w.map((v) => v / total);
    this.logNorm = mus.map((m, i) =>
      Math.log(Math.max(normIntervalMass((low - m) / sigmas[i], (high - m) / sigmas[i]), 1e-300)),
    );
  }

  sample(rng: Rng): number {
    const k = pickIndex(this.weights, rng.uniform());
    return truncNormalSample(this.mus[k], this.sigmas[k], this.low, this.high, rng.uniform());
  }

  logPdf(x: number): number {
    const terms = this.mus.map(
      (m, i) =>
        Math.log(this.weights[i]) +
        normalLogPdf((x - m) / this.sigmas[i]) -
        Math.log(this.sigmas[i]) -
        this.logNorm[i],
    );
    return logSumExp(terms);
  }
}

/** A weighted mixture of smoothed categorical kernels (one per observation) and a uniform prior. */
export class CategoricalParzen {
  /** Probability of each choice index. */
  readonly probs: number[];
  constructor(
    obs: readonly number[],
    obsWeights: readonly number[],
    k: number,
    priorWeight: number,
  ) {
    const n = obs.length;
    const rows = n + 1;
    const p = new Array<number>(k).fill(0);
    const w = [...obsWeights, priorWeight];
    const total = w.reduce((s, v) => s + v, 0);
    // Each kernel: priorWeight / rows on every choice, + 1 on its observed choice; row-normalised.
    for (let r = 0; r < rows; r++) {
      const base = priorWeight / rows;
      const rowSum = base * k + (r < n ? 1 : 0);
      for (let c = 0; c < k; c++) {
        const v = (base + (r < n && obs[r] === c ? 1 : 0)) / rowSum;
        p[c] += (w[r] / total) * v;
      }
    }
    this.probs = p;
  }
  sample(rng: Rng): number {
    return pickIndex(this.probs, rng.uniform());
  }
  logPdf(c: number): number {
    return Math.log(this.probs[c]);
  }
}

function pickIndex(weights: readonly number[], u: number): number {
  let acc = 0;
  for (let i = 0; i < weights.length; i++) {
    acc += weights[i];
    if (u < acc) return i;
  }
  return weights.length - 1;
}

/** Optuna-like univariate TPE sampler (see the module comment). */
export class TpeSampler implements Sampler {
  readonly options: Required<TpeOptions>;
  constructor(o: TpeOptions = {}) {
    this.options = {
      seed: o.seed ?? 1,
      nStartupTrials: o.nStartupTrials ?? 10,
      nEiCandidates: o.nEiCandidates ?? 24,
      priorWeight: o.priorWeight ?? 1,
      considerMagicClip: o.considerMagicClip ?? true,
      considerEndpoints: o.considerEndpoints ?? false,
      gammaMax: o.gammaMax ?? 25,
      gammaFraction: o.gammaFraction ?? 0.1,
      constantLiar: o.constantLiar ?? false,
    };
    if (!(this.options.nEiCandidates >= 1))
      throw new InputError(`TPE: nEiCandidates must be ≥ 1, got ${this.options.nEiCandidates}`);
  }

  /** Size of the "below" group for n complete trials. */
  gamma(n: number): number {
    return Math.min(Math.ceil(this.options.gammaFraction * n), this.options.gammaMax);
  }

  sample(ctx: SampleContext): ParamValue {
    const o = this.options;
    const rng = paramRng(o.seed, ctx.trialNumber, ctx.name);
    const complete = ctx.trials.filter(
      (t) => t.state === 'complete' && t.number !== ctx.trialNumber,
    );
    if (complete.length < o.nStartupTrials) return samplePrior(ctx.distribution, rng);
    const d = ctx.distribution;
    const sign = ctx.direction === 'maximize' ? -1 : 1;
    const withParam = complete.filter(
      (t) =>
        t.value !== null &&
        Object.hasOwn(t.params, ctx.name) &&
        sameDistribution(t.distributions[ctx.name], d),
    );
    if (withParam.length === 0) return samplePrior(d, rng);
    const byLoss = [...withParam].sort(
      (a, b) => sign * ((a.value as number) - (b.value as number)) || a.number - b.number,
    );
    const nBelow = this.gamma(withParam.length);
    const below = byLoss.slice(0, nBelow).sort((a, b) => a.number - b.number);
    // constant liar: the other running trials (with this parameter drawn) count as bad ones
    const liars = o.constantLiar
      ? ctx.trials.filter(
          (t) =>
            t.state === 'running' &&
            t.number !== ctx.trialNumber &&
            Object.hasOwn(t.params, ctx.name) &&
            sameDistribution(t.distributions[ctx.name], d),
        )
      : [];
    const above = [...byLoss.slice(nBelow), ...liars].sort((a, b) => a.number - b.number);
    const wBelow = defaultWeights(below.length);
    const wAbove = defaultWeights(above.length);

    if (d.type === 'categorical') {
      const idx = (t: TrialRecord) => d.choices.indexOf(t.params[ctx.name]);
      const l = new CategoricalParzen(below.map(idx), wBelow, d.choices.length, o.priorWeight);
      const g = new CategoricalParzen(above.map(idx), wAbove, d.choices.length, o.priorWeight);
      let best = -1;
      let bestScore = Number.NEGATIVE_INFINITY;
      for (let i = 0; i < o.nEiCandidates; i++) {
        const c = l.sample(rng);
        const s = l.logPdf(c) - g.logPdf(c);
        if (s > bestScore) {
          bestScore = s;
          best = c;
        }
      }
      return d.choices[best];
    }

    const [lo, hi] = internalBounds(d);
    const obs = (ts: TrialRecord[]) => ts.map((t) => toInternal(d, t.params[ctx.name] as number));
    const po = {
      priorWeight: o.priorWeight,
      considerMagicClip: o.considerMagicClip,
      considerEndpoints: o.considerEndpoints,
    };
    const l = new NumericParzen(obs(below), wBelow, lo, hi, po);
    const g = new NumericParzen(obs(above), wAbove, lo, hi, po);
    let best = lo;
    let bestScore = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < o.nEiCandidates; i++) {
      const x = l.sample(rng);
      const s = l.logPdf(x) - g.logPdf(x);
      if (s > bestScore) {
        bestScore = s;
        best = x;
      }
    }
    return fromInternal(d, best);
  }

  toJSON(): TpeSamplerJSON {
    return { kind: 'tpe', ...this.options };
  }
}

export function samplerFromJSON(j: SamplerJSON): Sampler {
  if (j.kind === 'random') return new RandomSampler({ seed: j.seed });
  if (j.kind === 'tpe') return new TpeSampler(j);
  throw new InputError(`study: unknown sampler kind '${(j as { kind: string }).kind}'`);
}

/** A running trial: the objective asks it for parameter values. */
export class Trial {
  readonly number: number;
  private readonly study: Study;
  private readonly record: TrialRecord;
  /** The sampler sees trials numbered ≤ number − lag as they are, later ones as running. */
  private readonly lag: number;

  constructor(study: Study, record: TrialRecord, lag = 1) {
    this.study = study;
    this.record = record;
    this.number = record.number;
    this.lag = lag;
  }

  /** The parameters drawn so far. */
  get params(): Readonly<Record<string, ParamValue>> {
    return this.record.params;
  }

  /** A real value on [low, high]; log = true samples ln uniformly (low > 0). */
  suggestFloat(name: string, low: number, high: number, o: { log?: boolean } = {}): number {
    return this.suggest(name, { type: 'float', low, high, log: o.log ?? false }) as number;
  }

  /** An integer on {low, …, high}; log = true samples log-uniformly (low ≥ 1). */
  suggestInt(name: string, low: number, high: number, o: { log?: boolean } = {}): number {
    return this.suggest(name, { type: 'int', low, high, log: o.log ?? false }) as number;
  }

  /** One of `choices`. */
  suggestCategorical<T extends ParamValue>(name: string, choices: readonly T[]): T {
    return this.suggest(name, { type: 'categorical', choices: [...choices] }) as T;
  }

  /** Attach a JSON-serialisable value to the trial's record. */
  setUserAttr(key: string, value: unknown): void {
    this.record.userAttrs[key] = value;
  }

  private suggest(name: string, d: Distribution): ParamValue {
    validateDistribution(name, d);
    const r = this.record;
    if (Object.hasOwn(r.params, name)) {
      if (!sameDistribution(r.distributions[name], d)) {
        throw new InputError(
          `trial ${r.number}: parameter '${name}' was already drawn from a different distribution`,
        );
      }
      return r.params[name];
    }
    const v = this.study.sampler.sample({
      trials: this.study.trialsSeenBy(r.number, this.lag),
      trialNumber: r.number,
      name,
      distribution: d,
      direction: this.study.direction,
    });
    r.params[name] = v;
    r.distributions[name] = d;
    return v;
  }
}

export interface StudyJSON {
  kind: 'vibann-study';
  version: 1;
  /** Free label (e.g. the model being tuned). */
  name: string;
  direction: Direction;
  sampler: SamplerJSON;
  trials: TrialRecord[];
}

export interface StudyOptions {
  /** Free label stored in the log. */
  name?: string;
  /** 'minimize' (default) or 'maximize'. */
  direction?: Direction;
  /** Default: a TpeSampler with seed 1. */
  sampler?: Sampler;
}

export interface OptimizeOptions {
  /** Called after each trial finishes (e.g. to write the log, or print progress). */
  onTrial?: (t: TrialRecord, study: Study) => void;
  /** Record objective errors as failed trials instead of rethrowing (default false). */
  catchErrors?: boolean;
}

/** A set of trials sharing a sampler and a direction. */
export class Study {
  readonly name: string;
  readonly direction: Direction;
  readonly sampler: Sampler;
  private readonly _trials: TrialRecord[];

  constructor(o: StudyOptions = {}, trials: TrialRecord[] = []) {
    this.name = o.name ?? 'study';
    this.direction = o.direction ?? 'minimize';
    this.sampler = o.sampler ?? new TpeSampler();
    this._trials = trials;
  }

  get trials(): readonly TrialRecord[] {
    return this._trials;
  }

  /**
   * The trials as the sampler of trial `k` sees them with lag W: those numbered ≤ k − W as they
   * are, k − W + 1 … k − 1 as running (their values hidden), none after k.
   */
  trialsSeenBy(k: number, lag = 1): readonly TrialRecord[] {
    if (lag <= 1) return this._trials.filter((t) => t.number <= k);
    return this._trials
      .filter((t) => t.number <= k)
      .map((t) =>
        t.number > k - lag && t.number < k && t.state !== 'running'
          ? { ...t, state: 'running' as const, value: null }
          : t,
      );
  }

  /**
   * Start a new trial; parameters are drawn when the objective asks for them, from the trials as
   * `trialsSeenBy(number, lag)` shows them (lag 1: every earlier trial as it is).
   */
  ask(o: { lag?: number } = {}): Trial {
    const rec: TrialRecord = {
      number: this._trials.length,
      state: 'running',
      params: {},
      distributions: {},
      value: null,
      userAttrs: {},
    };
    this._trials.push(rec);
    return new Trial(this, rec, o.lag ?? 1);
  }

  /** Finish a trial with its objective value, or with an error (a failed trial). */
  tell(trial: Trial | number, result: number | Error): TrialRecord {
    const n = typeof trial === 'number' ? trial : trial.number;
    const rec = this._trials[n];
    if (rec?.state !== 'running') throw new VibannError(`study: trial ${n} is not running`);
    if (result instanceof Error || !Number.isFinite(result)) {
      rec.state = 'fail';
      rec.error = result instanceof Error ? result.message : `objective returned ${result}`;
    } else {
      rec.state = 'complete';
      rec.value = result;
    }
    return rec;
  }

  /** Run `nTrials` more trials of a synchronous objective. */
  optimize(objective: (t: Trial) => number, nTrials: number, o: OptimizeOptions = {}): void {
    for (let i = 0; i < nTrials; i++) {
      const t = this.ask();
      let r: number | Error;
      try {
        r = objective(t);
      } catch (e) {
        if (!o.catchErrors) {
          this.tell(t, e instanceof Error ? e : new Error(String(e)));
          throw e;
        }
        r = e instanceof Error ? e : new Error(String(e));
      }
      const rec = this.tell(t, r);
      o.onTrial?.(rec, this);
    }
  }

  /** Run `nTrials` more trials of an asynchronous objective, one after another. */
  async optimizeAsync(
    objective: (t: Trial) => Promise<number>,
    nTrials: number,
    o: OptimizeOptions = {},
  ): Promise<void> {
    for (let i = 0; i < nTrials; i++) {
      const t = this.ask();
      let r: number | Error;
      try {
        r = await objective(t);
      } catch (e) {
        if (!o.catchErrors) {
          this.tell(t, e instanceof Error ? e : new Error(String(e)));
          throw e;
        }
        r = e instanceof Error ? e : new Error(String(e));
      }
      const rec = this.tell(t, r);
      o.onTrial?.(rec, this);
    }
  }

  /**
   * Run `nTrials` more trials of an asynchronous objective with up to `parallel` (W) of them at
   * once: trial k starts when every trial numbered ≤ k − W has finished and is sampled with lag W
   * (see the module comment), so the trials do not depend on the order in which they finish.
   * `onTrial` is called as each finishes. An objective error (without `catchErrors`) stops asking
   * new trials; the running ones are awaited, then the first error is thrown.
   */
  async optimizeParallel(
    objective: (t: Trial) => Promise<number>,
    nTrials: number,
    o: OptimizeOptions & { parallel: number },
  ): Promise<void> {
    const W = Math.max(1, Math.floor(o.parallel));
    const first = this._trials.length;
    const running = new Map<number, Promise<void>>();
    let error: unknown;
    for (let i = 0; i < nTrials && error === undefined; i++) {
      const k = first + i;
      for (;;) {
        const blocking = [...running.keys()].filter((n) => n <= k - W);
        if (blocking.length === 0) break;
        await Promise.race(blocking.map((n) => running.get(n)));
      }
      if (error !== undefined) break;
      const t = this.ask({ lag: W });
      const p = (async () => {
        let r: number | Error;
        try {
          r = await objective(t);
        } catch (e) {
          r = e instanceof Error ? e : new Error(String(e));
          if (!o.catchErrors && error === undefined) error = e;
        }
        const rec = this.tell(t, r);
        o.onTrial?.(rec, this);
      })().finally(() => running.delete(k));
      running.set(k, p);
    }
    await Promise.all(running.values());
    if (error !== undefined) throw error;
  }

  /** The best complete trial (ties: the earliest). */
  get bestTrial(): TrialRecord {
    let best: TrialRecord | undefined;
    const sign = this.direction === 'maximize' ? -1 : 1;
    for (const t of this._trials) {
      if (t.state !== 'complete' || t.value === null) continue;
      if (!best || sign * (t.value - (best.value as number)) < 0) best = t;
    }
    if (!best) throw new VibannError(`study '${this.name}': no complete trial yet`);
    return best;
  }

  get bestValue(): number {
    return this.bestTrial.value as number;
  }

  get bestParams(): Record<string, ParamValue> {
    return { ...this.bestTrial.params };
  }

  /** Number of complete trials. */
  get nComplete(): number {
    return this._trials.filter((t) => t.state === 'complete').length;
  }

  toJSON(): StudyJSON {
    return {
      kind: 'vibann-study',
      version: 1,
      name: this.name,
      direction: this.direction,
      sampler: this.sampler.toJSON(),
      trials: structuredClone(this._trials),
    };
  }

  /**
   * Rebuild a study from its log. A trial still marked running (the process ended during it) is
   * recorded as failed, so the next trial gets a fresh number and the sampler ignores it.
   */
  static fromJSON(j: StudyJSON): Study {
    if (j?.kind !== 'vibann-study' || j.version !== 1 || !Array.isArray(j.trials)) {
      throw new InputError(
        "study log: expected a JSON object with kind 'vibann-study', version 1 and a trials array",
      );
    }
    const trials = structuredClone(j.trials).map((t, i) => {
      if (t.number !== i)
        throw new InputError(`study log: trial at position ${i} has number ${t.number}`);
      if (t.state === 'running') return { ...t, state: 'fail' as const, error: 'interrupted' };
      return t;
    });
    return new Study(
      { name: j.name, direction: j.direction, sampler: samplerFromJSON(j.sampler) },
      trials,
    );
  }
}
