/**
 * Latent-space MCMC (SPEC §9.3): C chains advance in lock-step, and the target of all their
 * proposals is evaluated in one batched call (the expensive part: decode + MC passes).
 *
 * Proposal from state z (a three-part mixture):
 *   with probability g (0.1): an independent draw from the latent mixture p_GMM;
 *   otherwise a Gaussian step around z with covariance s²·Σ_k, k = the component most responsible
 *   for z, s = small (0.10) with probability p_small (0.7), else large (0.25).
 * Because k depends on the current state, the proposal is not symmetric; the Hastings ratio uses
 * the density of this exact mixture in both directions:
 *   q(z'|z) = g·p_GMM(z') + (1−g)·[p_small·N(z'; z, s_small²Σ_k(z)) + (1−p_small)·N(z'; z, s_large²Σ_k(z))].
 * (The original code omitted the small-step part and its global move always returned one point;
 * docs/original.md §9.4.)
 *
 * Acceptance at temperature T: ln u < (log π(z') − log π(z))/T + ln q(z|z') − ln q(z'|z).
 * A repulsion term against the last M accepted samples across chains keeps chains from
 * collapsing onto one point; it is recomputed for the current state at every step (the original
 * let it go stale). Proposals below the support threshold have log π = −∞ and are rejected
 * without evaluating the expensive target.
 */
import { logSumExp } from '../math/logsumexp.ts';
import type { Rng } from '../util/rng.ts';
import { GaussianShape } from './mvn.ts';

/** The latent mixture as the sampler needs it. */
export interface MixtureLike {
  readonly weights: readonly number[];
  readonly means: readonly (readonly number[])[];
  readonly covariances: readonly (readonly (readonly number[])[])[];
}

export interface McmcOptions {
  /** Number of chains run in lock-step (default 32). */
  chains: number;
  /** Steps per chain (default 700). */
  steps: number;
  /** Steps before recording starts (default 250). */
  burnIn: number;
  /** Record every `thin`-th step after burn-in (default 5). */
  thin: number;
  /** Probability of an independent draw from the mixture (default 0.1). */
  globalProb: number;
  /** Within local moves, probability of the small step (default 0.7). */
  smallProb: number;
  /** Small-step scale on Σ_k (default 0.10). */
  smallScale: number;
  /** Large-step scale on Σ_k (default 0.25). */
  largeScale: number;
  /** Temperature during burn-in (default 2); 1 afterwards. */
  burnInTemperature: number;
  /** Repulsion strength in nats (default 0.15). */
  repulsionWeight: number;
  /** Squared length scale of the repulsion kernel, in latent units² (default 1). */
  repulsionLength2: number;
  /** Number of recent accepted samples the repulsion acts against (default 64). */
  repulsionMemory: number;
  /** 'exact' (default) uses the full mixture density; 'none' treats the proposal as symmetric (only for tests). */
  hastings: 'exact' | 'none';
}

export const DEFAULT_MCMC_OPTIONS: McmcOptions = Object.freeze({
  chains: 32,
  steps: 700,
  burnIn: 250,
  thin: 5,
  globalProb: 0.1,
  smallProb: 0.7,
  smallScale: 0.1,
  largeScale: 0.25,
  burnInTemperature: 2,
  repulsionWeight: 0.15,
  repulsionLength2: 1,
  repulsionMemory: 64,
  hastings: 'exact',
});

/** Result of evaluating the (expensive part of the) target at a batch of latents. */
export interface TargetBatch<I> {
  /** log π without the repulsion term; −Infinity where infeasible. */
  logTarget: ArrayLike<number>;
  /** Per-latent diagnostics kept with recorded samples (μ, σ, log p, …). */
  info: I[];
}

export interface McmcTarget<I> {
  /** Cheap support check: log p_GMM(z) per latent (used for the −∞ pre-check). */
  logDensity(Z: readonly number[][]): Float64Array;
  /** Support threshold: below it log π = −∞. */
  readonly logDensityThreshold: number;
  /**
   * The batched expensive target; called once per step for all feasible proposals, with their
   * `logDensity` values (already computed for the support pre-check; -1 step: the initial states).
   */
  evaluate(
    Z: readonly number[][],
    step: number,
    logDensity: ArrayLike<number>,
  ): TargetBatch<I> | Promise<TargetBatch<I>>;
}

export interface McmcSample<I> {
  chain: number;
  step: number;
  z: number[];
  logTarget: number;
  info: I;
}

export interface McmcResult<I> {
  samples: McmcSample<I>[];
  /** Accepted / proposed, per chain, over all steps. */
  acceptanceRate: number[];
  /** Accepted / proposed, per chain, after burn-in. */
  acceptanceRateAfterBurnIn: number[];
  /** Proposals rejected by the support pre-check, all chains. */
  rejectedBySupport: number;
  /** Target evaluations made (latents). */
  evaluations: number;
}

/** The exact proposal mixture and its density. */
export class MixtureProposal {
  private readonly shapes: GaussianShape[];
  private readonly logW: number[];
  private readonly mixture: MixtureLike;
  private readonly o: McmcOptions;

  constructor(mixture: MixtureLike, o: McmcOptions) {
    this.mixture = mixture;
    this.o = o;
    this.shapes = mixture.covariances.map((c) => new GaussianShape(c as number[][]));
    this.logW = mixture.weights.map((w) => Math.log(w));
  }

  /** Per-component log(w_k N(z; μ_k, Σ_k)). */
  private componentLogs(z: ArrayLike<number>): number[] {
    return this.shapes.map((s, k) => this.logW[k] + s.logPdf(z, this.mixture.means[k]));
  }

  /** log p_GMM(z). */
  logMixture(z: ArrayLike<number>): number {
    return logSumExp(this.componentLogs(z));
  }

  /** The component with the largest responsibility for z. */
  mostResponsible(z: ArrayLike<number>): number {
    const l = this.componentLogs(z);
    let b = 0;
    for (let k = 1; k < l.length; k++) if (l[k] > l[b]) b = k;
    return b;
  }

  /** ln q(to | from) of the three-part mixture. */
  logDensity(to: ArrayLike<number>, from: ArrayLike<number>): number {
    const { globalProb: g, smallProb: ps, smallScale, largeScale } = this.o;
    const k = this.mostResponsible(from);
    const s = this.shapes[k];
    return logSumExp([
      Math.log(g) + this.logMixture(to),
      Math.log((1 - g) * ps) + s.logPdf(to, from, smallScale),
      Math.log((1 - g) * (1 - ps)) + s.logPdf(to, from, largeScale),
    ]);
  }

  /** A draw from q(· | from). */
  sample(from: ArrayLike<number>, rng: Rng): number[] {
    const u = rng.uniform();
    if (u < this.o.globalProb) return this.sampleMixture(rng);
    const k = this.mostResponsible(from);
    const scale = rng.uniform() < this.o.smallProb ? this.o.smallScale : this.o.largeScale;
    return this.shapes[k].sample(from, rng, scale);
  }

  /** A draw from p_GMM. */
  sampleMixture(rng: Rng): number[] {
    let u = rng.uniform();
    let k = 0;
    const w = this.mixture.weights;
    while (k < w.length - 1 && u >= w[k]) {
      u -= w[k];
      k++;
    }
    return this.shapes[k].sample(this.mixture.means[k], rng);
  }
}

function repulsion(z: ArrayLike<number>, memory: readonly number[][], o: McmcOptions): number {
  if (memory.length === 0 || o.repulsionWeight === 0) return 0;
  let s = 0;
  for (const m of memory) {
    let d2 = 0;
    for (let i = 0; i < m.length; i++) d2 += (z[i] - m[i]) ** 2;
    s += Math.exp(-d2 / (2 * o.repulsionLength2));
  }
  return (o.repulsionWeight * s) / memory.length;
}

/**
 * Run the chains from the given initial latents (one per chain; each must be feasible).
 * `onStep` is called after every step (progress reporting).
 */
export async function runMcmc<I>(
  target: McmcTarget<I>,
  mixture: MixtureLike,
  init: readonly number[][],
  rng: Rng,
  options: Partial<McmcOptions> = {},
  onStep?: (step: number, acceptedSoFar: number) => void,
): Promise<McmcResult<I>> {
  const o: McmcOptions = { ...DEFAULT_MCMC_OPTIONS, ...options, chains: init.length };
  const proposal = new MixtureProposal(mixture, o);
  const C = init.length;
  const z = init.map((v) => [...v]);
  const first = await target.evaluate(z, -1, target.logDensity(z));
  const base = Float64Array.from(first.logTarget);
  const info = [...first.info];
  for (let c = 0; c < C; c++) {
    if (!Number.isFinite(base[c]))
      throw new Error(`runMcmc: initial state of chain ${c} is infeasible (log π = ${base[c]})`);
  }
  const memory: number[][] = [];
  const accepted = new Array<number>(C).fill(0);
  const acceptedAfter = new Array<number>(C).fill(0);
  const samples: McmcSample<I>[] = [];
  let rejectedBySupport = 0;
  let evaluations = C;
  let total = 0;

  for (let t = 0; t < o.steps; t++) {
    const burn = t < o.burnIn;
    const T = burn ? o.burnInTemperature : 1;
    const props = z.map((zc) => proposal.sample(zc, rng));
    const logp = target.logDensity(props);
    const feasible: number[] = [];
    for (let c = 0; c < C; c++) {
      if (logp[c] >= target.logDensityThreshold) feasible.push(c);
      else rejectedBySupport++;
    }
    let evalRes: TargetBatch<I> | undefined;
    if (feasible.length > 0) {
      evalRes = await target.evaluate(
        feasible.map((c) => props[c]),
        t,
        feasible.map((c) => logp[c]),
      );
      evaluations += feasible.length;
    }
    feasible.forEach((c, j) => {
      const lt = evalRes!.logTarget[j];
      if (!Number.isFinite(lt)) return;
      const cur = base[c] - repulsion(z[c], memory, o);
      const nxt = lt - repulsion(props[c], memory, o);
      let logA = (nxt - cur) / T;
      if (o.hastings === 'exact')
        logA += proposal.logDensity(z[c], props[c]) - proposal.logDensity(props[c], z[c]);
      if (Math.log(rng.uniform()) < logA) {
        z[c] = props[c];
        base[c] = lt;
        info[c] = evalRes!.info[j];
        accepted[c]++;
        total++;
        if (!burn) acceptedAfter[c]++;
        if (o.repulsionMemory > 0) {
          memory.push([...props[c]]);
          if (memory.length > o.repulsionMemory) memory.shift();
        }
      }
    });
    if (!burn && (t - o.burnIn) % o.thin === 0) {
      for (let c = 0; c < C; c++)
        samples.push({ chain: c, step: t, z: [...z[c]], logTarget: base[c], info: info[c] });
    }
    onStep?.(t, total);
  }
  const after = Math.max(1, o.steps - o.burnIn);
  return {
    samples,
    acceptanceRate: accepted.map((a) => a / o.steps),
    acceptanceRateAfterBurnIn: acceptedAfter.map((a) => a / after),
    rejectedBySupport,
    evaluations,
  };
}
