/**
 * Gradient refinement of latent seeds (SPEC §9.4), in TensorFlow.js. The B seed latents (in the
 * design's latent frame, z = mean + V·u; latent/frame.ts) are optimised jointly with Adam. Everything is scored on the decoded composition x̂ = D(z) itself
 * (banned elements zeroed and the rest renormalised), through the full ensemble in MC-dropout
 * mode with dropout masks drawn once (common random numbers), so the objective is a smooth,
 * deterministic S-pass estimate (the original code scored softplus(x̂), a different composition;
 * docs/original.md §9.8). Objective (HV units, minimised), averaged over seeds:
 *   −LCB + w_win·(relu(lo − LCB) + relu(LCB − hi)) + w_maha·softmin_k d²_k(z) + w_σ·relu(σ − 2.5σ_ref)
 *   + w_sup·relu(logp_thr + margin − log p_GMM(u)) + w_rep·Σ_{b≠b'} relu(r − ‖u_b − u_b'‖)/(B(B−1))
 * Stop when the best objective improves by < `relTol` (relative) over `patience` steps, or at
 * `maxSteps`; the best iterate of each seed is kept.
 *
 * The model enters through its views (model/view.ts), in physical units: the design network's
 * decoder and the ensemble's MC sampler (HV samples of fractions at the design load), so each step
 * is one forward and one backward pass for all seeds together. Two engines compute the objective
 * and its gradient (`RefineOptions.engine`): 'kernel' (default) — the JS/wasm kernels of
 * nn/kernel.ts through `decoderKernel`/`mcKernel`, the rest of the objective by hand in float64 —
 * and 'tfjs' — the same objective as tfjs ops with `tf.valueAndGrads`, the reference the kernel
 * path is tested against (test/nn/kernel-refine.test.ts); networks the kernels do not support use
 * tfjs. Both feed the same Adam update (tfjs's `tf.train.adam` rule, in float64).
 */
import { inverse, Matrix } from 'ml-matrix';
import type { HardnessModel } from '../model/hardness-model.ts';
import type { DecoderKernelView, McKernelView } from '../model/view.ts';
import { groupedMatMul } from '../nn/kernels.ts';
import * as tf from '../nn/tf.ts';
import { LCB_Z } from '../uq/lcb.ts';
import type { RefineContext, RefineFn, RefineResult } from './pipeline.ts';

export interface RefineOptions {
  /**
   * Adam learning rate on the frame coordinates (default 1e-2). SPEC §9.4 says 1e-4 for a
   * unit-scale 16-d latent; the default model's frame coordinates have a scale of several units,
   * and at 1e-4 the refinement gained 1 HV in 200 steps and the stopping rule ended it (measured
   * on the reference default model), so the default here is larger. `--refine-lr` sets it.
   */
  lr: number;
  /** Step cap (default 1000; SPEC's 5000 does not fit the 3-minute design budget on 2 cores). */
  maxSteps: number;
  /** Stop when the best objective improved by less than relTol (relative) over this many steps (default 200). */
  patience: number;
  /** Relative improvement threshold of the stopping rule (default 1e-3). */
  relTol: number;
  /** MC passes per member inside the loop (default 16). */
  passes: number;
  /** Weight of the target-window penalty (HV per HV outside the window; default 1). */
  windowWeight: number;
  /** Weight of the Mahalanobis² penalty to the nearest GMM component (HV per unit; default 2). */
  mahalanobisWeight: number;
  /**
   * Weight of the support barrier, HV per nat of GMM log-density below the support threshold plus
   * `supportMargin` (default 50). The gate is checked on the rounded, re-encoded alloy, which moves
   * a little in the latent space, hence the margin.
   */
  supportWeight: number;
  /** Margin above the support threshold the barrier aims for, nats (default 2). */
  supportMargin: number;
  /** Weight of the σ-cap penalty (HV per HV above 2.5·σ_ref; default 1). */
  sigmaWeight: number;
  /** Weight (HV) and radius (latent units) of the pairwise repulsion between seeds. */
  repulsionWeight: number;
  repulsionRadius: number;
  /** Steps at which the trajectory is recorded (the step where it stops is always added). */
  snapshots: number[];
  /** Objective and gradient by the JS/wasm kernels (default) or by tfjs ops (the reference). */
  engine: 'kernel' | 'tfjs';
}

export const DEFAULT_REFINE_OPTIONS: RefineOptions = {
  lr: 1e-2,
  maxSteps: 1000,
  patience: 200,
  relTol: 1e-3,
  passes: 16,
  windowWeight: 1,
  mahalanobisWeight: 2,
  supportWeight: 50,
  supportMargin: 2,
  sigmaWeight: 1,
  repulsionWeight: 10,
  repulsionRadius: 0.75,
  snapshots: [0, 250, 500, 1000, 5000],
  engine: 'kernel',
};

/** A `RefineFn` for the design pipeline that optimises latents of `model`'s design network. */
export function makeRefiner(model: HardnessModel, options: Partial<RefineOptions> = {}): RefineFn {
  const o = { ...DEFAULT_REFINE_OPTIONS, ...options };
  return async (seeds: number[][], ctx: RefineContext): Promise<RefineResult> =>
    refine(model, seeds, ctx, o);
}

/** The refinement objective at B latents u (frame coordinates, B × d row-major), with its gradient. */
export interface RefineObjective {
  readonly engine: 'kernel' | 'tfjs';
  evaluate(u: Float64Array): {
    objective: number;
    /** Per-seed LCB (HV) and objective term. */
    lcb: Float64Array;
    perSeed: Float64Array;
    /** ∂objective/∂u, B × d. */
    grad: Float64Array;
  };
  dispose(): void;
}

/** What both engines precompute from the context: the GMM in precision form, the frame, the mask. */
interface Shared {
  B: number;
  d: number;
  dz: number;
  K: number;
  means: Float64Array;
  precisions: Float64Array;
  logConst: Float64Array;
  supportLevel: number;
  sigmaCap: number;
  lo: number;
  hi: number;
}

function shared(model: HardnessModel, B: number, ctx: RefineContext, o: RefineOptions): Shared {
  const d = ctx.frame.dim;
  const gm = ctx.gmm;
  const K = gm.nComponents;
  return {
    B,
    d,
    dz: model.latentDim,
    K,
    means: Float64Array.from(gm.means.flat()),
    precisions: Float64Array.from(
      gm.covariances.flatMap((c) => inverse(new Matrix(c)).to1DArray()),
    ),
    // log(w_k) − ½(k·ln 2π + ln det Σ_k): the constant part of each component's log-density
    logConst: Float64Array.from(
      gm.covariances.map((_c, k) => {
        const L = gm.choleskyFactor(k);
        let logdet = 0;
        for (let i = 0; i < d; i++) logdet += 2 * Math.log(L[i][i]);
        return Math.log(gm.weights[k]) - 0.5 * (d * Math.log(2 * Math.PI) + logdet);
      }),
    ),
    supportLevel: ctx.thresholds.logpThreshold + o.supportMargin,
    sigmaCap: ctx.thresholds.sigmaCapFactor * ctx.thresholds.sigmaRef,
    lo: ctx.window[0],
    hi: ctx.window[1],
  };
}

/**
 * The objective of the file header for B latents, by the kernels ('kernel', when the network is
 * supported) or by tfjs ops ('tfjs'). `memberSeeds`: the MC masks' seed of each member.
 */
export function refineObjective(
  model: HardnessModel,
  B: number,
  ctx: RefineContext,
  o: RefineOptions,
  memberSeeds: readonly number[],
): RefineObjective {
  const sh = shared(model, B, ctx, o);
  if (o.engine === 'kernel') {
    const decoder = model.memberView();
    const ensemble = model.ensembleView();
    const dec = decoder.decoderKernel(B);
    const mc = ensemble.mcKernel({ loadN: ctx.load, passes: o.passes, rows: B, seed: memberSeeds });
    if (dec && mc)
      return kernelObjective(sh, ctx, o, dec, mc, () => {
        ensemble.dispose();
        decoder.dispose();
      });
    ensemble.dispose();
    decoder.dispose();
  }
  return tfjsObjective(model, sh, ctx, o, memberSeeds);
}

function kernelObjective(
  sh: Shared,
  ctx: RefineContext,
  o: RefineOptions,
  dec: DecoderKernelView,
  mc: McKernelView,
  release: () => void,
): RefineObjective {
  const { B, d, dz, K, means, precisions, logConst } = sh;
  const N = mc.members * mc.passes;
  const E = (n: number) => n / B;
  const frameMean = Float64Array.from(ctx.frame.mean);
  const basis = Float64Array.from(ctx.frame.basis.flat()); // d × dz
  const mask = ctx.mask ? Float64Array.from(ctx.mask.map((m) => (m ? 1 : 0))) : null;
  const zNet = new Float64Array(B * dz);
  const lcb = new Float64Array(B);
  const perSeed = new Float64Array(B);
  const grad = new Float64Array(B * d);
  const dY = new Float64Array(N * B);
  const diff = new Float64Array(d);
  const pd = new Float64Array(d);
  const d2 = new Float64Array(K);
  let xm = new Float64Array(0);
  let dxm = new Float64Array(0);
  return {
    engine: 'kernel',
    evaluate(u) {
      // lift u to the network's latent: z = mean + u·V
      for (let b = 0; b < B; b++) {
        for (let j = 0; j < dz; j++) {
          let s = frameMean[j];
          for (let i = 0; i < d; i++) s += u[b * d + i] * basis[i * dz + j];
          zNet[b * dz + j] = s;
        }
      }
      const xh = dec.decode(zNet);
      const nE = E(xh.length);
      if (xm.length !== xh.length) {
        xm = new Float64Array(xh.length);
        dxm = new Float64Array(xh.length);
      }
      const sums = new Float64Array(B);
      for (let b = 0; b < B; b++) {
        let s = 0;
        for (let j = 0; j < nE; j++) {
          const v = mask ? xh[b * nE + j] * mask[j] : xh[b * nE + j];
          xm[b * nE + j] = v;
          s += v;
        }
        sums[b] = s;
        if (mask) for (let j = 0; j < nE; j++) xm[b * nE + j] /= s;
      }
      const Y = mc.samples(xm); // [N·B], row n·B + b
      grad.fill(0);
      let objective = 0;
      let rep = 0;
      for (let b = 0; b < B; b++) {
        let mean = 0;
        for (let n = 0; n < N; n++) mean += Y[n * B + b];
        mean /= N;
        let variance = 0;
        for (let n = 0; n < N; n++) variance += (Y[n * B + b] - mean) ** 2;
        variance /= N;
        const sigma = Math.sqrt(variance + 1e-6);
        const l = mean - LCB_Z * sigma;
        lcb[b] = l;
        const win = Math.max(sh.lo - l, 0) + Math.max(l - sh.hi, 0);
        // Mahalanobis² to each component, soft minimum and GMM log-density (exponents floored at −80)
        let sMaha = 0;
        let sLogp = 0;
        const eMaha = new Float64Array(K);
        const eLogp = new Float64Array(K);
        for (let k = 0; k < K; k++) {
          for (let i = 0; i < d; i++) diff[i] = u[b * d + i] - means[k * d + i];
          let q = 0;
          for (let j = 0; j < d; j++) {
            let t = 0;
            for (let i = 0; i < d; i++) t += diff[i] * precisions[(k * d + i) * d + j];
            q += t * diff[j];
          }
          d2[k] = q;
          eMaha[k] = Math.max(-q / d, -80);
          eLogp[k] = Math.max(logConst[k] - 0.5 * q, -80);
          sMaha += Math.exp(eMaha[k]);
          sLogp += Math.exp(eLogp[k]);
        }
        const maha = -d * Math.log(sMaha);
        const logp = Math.log(sLogp);
        const sup = Math.max(sh.supportLevel - logp, 0);
        const sig = Math.max(sigma - sh.sigmaCap, 0);
        perSeed[b] =
          -l +
          o.windowWeight * win +
          o.mahalanobisWeight * maha +
          o.supportWeight * sup +
          o.sigmaWeight * sig;
        objective += perSeed[b] / B;
        // gradient of perSeed_b / B: through LCB and σ to the samples …
        const gl = (-1 + o.windowWeight * ((sh.lo - l > 0 ? -1 : 0) + (l - sh.hi > 0 ? 1 : 0))) / B;
        const gs = (-LCB_Z * gl + (sigma - sh.sigmaCap > 0 ? o.sigmaWeight / B : 0)) / (N * sigma);
        for (let n = 0; n < N; n++) dY[n * B + b] = gl / N + gs * (Y[n * B + b] - mean);
        // … and through the GMM terms to u directly
        const gSup = sh.supportLevel - logp > 0 ? -o.supportWeight / B : 0;
        for (let k = 0; k < K; k++) {
          let g = 0;
          if (-d2[k] / d >= -80) g += (o.mahalanobisWeight / B) * (Math.exp(eMaha[k]) / sMaha);
          if (logConst[k] - 0.5 * d2[k] >= -80) g += gSup * (Math.exp(eLogp[k]) / sLogp) * -0.5;
          if (g === 0) continue;
          for (let i = 0; i < d; i++) diff[i] = u[b * d + i] - means[k * d + i];
          // ∂d²/∂u = (P + Pᵀ)·diff
          pd.fill(0);
          for (let i = 0; i < d; i++) {
            for (let j = 0; j < d; j++) {
              const pij = precisions[(k * d + i) * d + j];
              pd[i] += pij * diff[j];
              pd[j] += pij * diff[i];
            }
          }
          for (let i = 0; i < d; i++) grad[b * d + i] += g * pd[i];
        }
      }
      // pairwise repulsion Σ_{b≠b'} relu(r − ‖u_b − u_b'‖) / (B(B−1))
      if (B > 1) {
        const c = o.repulsionWeight / (B * (B - 1));
        for (let b = 0; b < B; b++) {
          for (let b2 = 0; b2 < B; b2++) {
            if (b2 === b) continue;
            let s = 0;
            for (let i = 0; i < d; i++) s += (u[b * d + i] - u[b2 * d + i]) ** 2;
            const dist = Math.sqrt(s + 1e-12);
            const t = o.repulsionRadius - dist;
            if (t <= 0) continue;
            rep += t;
            for (let i = 0; i < d; i++) {
              const g = (-c * (u[b * d + i] - u[b2 * d + i])) / dist;
              grad[b * d + i] += g;
              grad[b2 * d + i] -= g;
            }
          }
        }
        objective += (o.repulsionWeight * rep) / (B * (B - 1));
      }
      // back through the ensemble, the mask's renormalisation, the decoder and the frame
      const dx = mc.backward(dY);
      for (let b = 0; b < B; b++) {
        if (!mask) {
          for (let j = 0; j < nE; j++) dxm[b * nE + j] = dx[b * nE + j];
          continue;
        }
        let dot = 0;
        for (let j = 0; j < nE; j++) dot += xm[b * nE + j] * dx[b * nE + j];
        for (let j = 0; j < nE; j++) dxm[b * nE + j] = (mask[j] * (dx[b * nE + j] - dot)) / sums[b];
      }
      const dzNet = dec.backward(dxm);
      for (let b = 0; b < B; b++) {
        for (let i = 0; i < d; i++) {
          let s = 0;
          for (let j = 0; j < dz; j++) s += dzNet[b * dz + j] * basis[i * dz + j];
          grad[b * d + i] += s;
        }
      }
      return { objective, lcb, perSeed, grad };
    },
    dispose: release,
  };
}

function tfjsObjective(
  model: HardnessModel,
  sh: Shared,
  ctx: RefineContext,
  o: RefineOptions,
  memberSeeds: readonly number[],
): RefineObjective {
  const { B, d, dz, K } = sh;
  // the design network's decoder and the ensemble's MC-dropout estimate with masks drawn once
  const decoder = model.memberView();
  const ensemble = model.ensembleView();
  const sampler = ensemble.mcSampler({
    loadN: ctx.load,
    passes: o.passes,
    rows: B,
    seed: memberSeeds,
  });
  const means = tf.tensor3d(Float32Array.from(sh.means), [K, 1, d]);
  const logConst = tf.tensor2d(Float32Array.from(sh.logConst), [K, 1]);
  const precisions = tf.tensor3d(Float32Array.from(sh.precisions), [K, d, d]);
  const maskT = ctx.mask ? tf.tensor1d(ctx.mask.map((m) => (m ? 1 : 0))) : null;
  const frameMean = tf.tensor2d(Float32Array.from(ctx.frame.mean), [1, dz]);
  const frameBasis = tf.tensor3d(Float32Array.from(ctx.frame.basis.flat()), [1, d, dz]);
  const [lo, hi] = [sh.lo, sh.hi];

  /** Per-seed LCB and objective terms; scalar objective. */
  const evaluate = (z: tf.Tensor) => {
    // lift u to the network's latent: z = mean + u·V
    const zNet = tf.add(groupedMatMul(tf.expandDims(z, 0) as tf.Tensor3D, frameBasis), frameMean); // [1, B, dz]
    let xh: tf.Tensor = decoder.decodeTensor(tf.reshape(zNet, [B, dz])); // [B, E] fractions
    if (maskT) xh = tf.div(tf.mul(xh, maskT), tf.sum(tf.mul(xh, maskT), 1, true));
    const yHv = sampler.samples(xh); // [M·S, B], HV
    const { mean, variance } = tf.moments(yHv, 0); // pooled over M·S samples = law of total variance
    const sigma = tf.sqrt(tf.add(variance, 1e-6));
    const lcb = tf.sub(mean, tf.mul(sigma, LCB_Z));
    const win = tf.add(tf.relu(tf.sub(lo, lcb)), tf.relu(tf.sub(lcb, hi)));
    const diff = tf.sub(tf.expandDims(z, 0), means); // [K, B, d]
    const d2 = tf.sum(tf.mul(groupedMatMul(diff as tf.Tensor3D, precisions), diff), 2); // [K, B]
    // smooth minimum over components, temperature d: −d·ln Σ_k exp(−d²_k/d) (≈ min_k d²_k); the
    // exponents are floored at −80 so that far from every component exp does not underflow to 0
    // (log 0 = −∞ would turn the latents into NaN)
    const maha = tf.mul(tf.log(tf.sum(tf.exp(tf.maximum(tf.div(d2, -d), -80)), 0)), -d); // [B]
    // GMM log-density; exponents floored at −80 so exp never underflows to 0 (float32)
    const logp = tf.log(tf.sum(tf.exp(tf.maximum(tf.sub(logConst, tf.mul(d2, 0.5)), -80)), 0)); // [B]
    const sup = tf.relu(tf.sub(sh.supportLevel, logp));
    const sig = tf.relu(tf.sub(sigma, sh.sigmaCap));
    let rep: tf.Tensor = tf.scalar(0);
    if (B > 1) {
      const du = tf.sub(tf.expandDims(z, 1), tf.expandDims(z, 0));
      const dist = tf.sqrt(tf.add(tf.sum(tf.square(du), 2), 1e-12));
      const offDiag = tf.sub(tf.ones([B, B]), tf.eye(B));
      rep = tf.div(tf.sum(tf.mul(tf.relu(tf.sub(o.repulsionRadius, dist)), offDiag)), B * (B - 1));
    }
    const perSeed = tf.addN([
      tf.neg(lcb),
      tf.mul(win, o.windowWeight),
      tf.mul(maha, o.mahalanobisWeight),
      tf.mul(sup, o.supportWeight),
      tf.mul(sig, o.sigmaWeight),
    ]);
    const objective = tf.add(tf.mean(perSeed), tf.mul(rep, o.repulsionWeight));
    return { objective, lcb, perSeed };
  };

  return {
    engine: 'tfjs',
    evaluate(u) {
      const z = tf.tensor2d(Float32Array.from(u), [B, d]);
      const kept: tf.Tensor[] = [];
      const { value, grads } = tf.valueAndGrads((zz: tf.Tensor) => {
        const r = evaluate(zz);
        kept.push(tf.keep(r.lcb), tf.keep(r.perSeed));
        return r.objective as tf.Scalar;
      })([z]);
      const out = {
        objective: value.dataSync()[0],
        lcb: Float64Array.from(kept[0].dataSync()),
        perSeed: Float64Array.from(kept[1].dataSync()),
        grad: Float64Array.from(grads[0].dataSync()),
      };
      tf.dispose([z, value, ...kept, ...grads]);
      return out;
    },
    dispose() {
      sampler.dispose();
      ensemble.dispose();
      decoder.dispose();
      for (const t of [means, precisions, logConst, frameMean, frameBasis]) t.dispose();
      maskT?.dispose();
    },
  };
}

/** Adam (tfjs's `tf.train.adam` rule: β₁ 0.9, β₂ 0.999, ε 1e-7, bias-corrected), in float64. */
class Adam {
  private readonly m: Float64Array;
  private readonly v: Float64Array;
  private b1t = 1;
  private b2t = 1;
  constructor(
    private readonly lr: number,
    n: number,
  ) {
    this.m = new Float64Array(n);
    this.v = new Float64Array(n);
  }
  step(x: Float64Array, g: Float64Array): void {
    const b1 = 0.9;
    const b2 = 0.999;
    this.b1t *= b1;
    this.b2t *= b2;
    for (let i = 0; i < x.length; i++) {
      this.m[i] = b1 * this.m[i] + (1 - b1) * g[i];
      this.v[i] = b2 * this.v[i] + (1 - b2) * g[i] * g[i];
      const mh = this.m[i] / (1 - this.b1t);
      const vh = this.v[i] / (1 - this.b2t);
      x[i] -= (this.lr * mh) / (Math.sqrt(vh) + 1e-7);
    }
  }
}

async function refine(
  model: HardnessModel,
  seeds: number[][],
  ctx: RefineContext,
  o: RefineOptions,
): Promise<RefineResult> {
  const B = seeds.length;
  const d = ctx.frame.dim; // the seeds, the GMM and the optimisation live in frame coordinates u
  const memberSeeds = Array.from({ length: model.nMembers }, () => ctx.rng.nextSeed());
  const f = refineObjective(model, B, ctx, o, memberSeeds);
  const u = Float64Array.from(seeds.flat());
  const opt = new Adam(o.lr, u.length);

  const trajectory: RefineResult['trajectory'] = [];
  const best = seeds.map((s) => [...s]);
  const bestPer = new Array<number>(B).fill(Number.POSITIVE_INFINITY);
  let bestObj = Number.POSITIVE_INFINITY;
  let lastCheckObj = Number.POSITIVE_INFINITY;
  let step = 0;
  try {
    for (step = 0; step <= o.maxSteps; step++) {
      // Score the current iterate and take its gradient in one pass; the update comes after the
      // scores are read, so the kept best is exactly a scored point.
      const r = f.evaluate(u);
      const objVal = r.objective;
      for (let b = 0; b < B; b++) {
        if (r.perSeed[b] < bestPer[b]) {
          bestPer[b] = r.perSeed[b];
          best[b] = Array.from(u.subarray(b * d, (b + 1) * d));
        }
      }
      if (objVal < bestObj) bestObj = objVal;
      let stop = step === o.maxSteps;
      if (!stop && step > 0 && step % o.patience === 0) {
        const improved = (lastCheckObj - bestObj) / Math.max(1, Math.abs(lastCheckObj));
        stop = Number.isFinite(lastCheckObj) && improved < o.relTol;
        lastCheckObj = bestObj;
      } else if (step === 0) {
        lastCheckObj = objVal;
      }
      if (o.snapshots.includes(step) || stop)
        trajectory.push({ step, lcb: Array.from(r.lcb), objective: objVal });
      if (!stop) opt.step(u, r.grad);
      ctx.onStep?.(step, o.maxSteps, bestObj);
      if (stop) break;
    }
  } finally {
    f.dispose();
  }
  return { z: best, steps: step, trajectory };
}
