/**
 * The training loss of SPEC §4 for a stacked batch, per member m:
 *   L_m = Σ_b a_b ρ(ỹ_b − ŷ_b) + 0.5 · Σ_b a_b KL(x_b ‖ x̂_b) + β_m · Σ_b r_b KL_b/d
 * with ρ(e) = e² (SPEC §4), or with a Huber threshold δ (`TrainHyper.huberDelta`, which no
 * preset sets; Huber, "Robust estimation of a location parameter", Ann. Math. Statist. 35 (1964)
 * 73–101) ρ(e) = e² for |e| ≤ δ and 2δ|e| − δ² beyond — twice Huber's ρ, so that it equals the
 * squared error inside δ and is continuous with a continuous derivative at ±δ
 * (dρ/de = 2·clip(e, −δ, δ)),
 * with a_b = w_b / B_m (sample weight over the member's batch size; 0 on padding rows) and
 * r_b = 1 / B_m — i.e. (1/B)Σ w(ỹ−ŷ)² + 0.5(1/B)Σ w KL(x‖x̂) + β·mean(KL/d) — and
 * KL(x‖x̂) = Σ_{k: x_k>0} x_k ln(x_k/x̂_k) = Σ x ln x − Σ x ln x̂ (the first sum is a data constant).
 * The total minimised is Σ_m L_m (members share no parameters, so each gets its own gradient).
 */
import { registerJsKernel, runJsKernel } from '../nn/jsKernels.ts';
import type { ForwardOutput } from '../nn/model.ts';
import * as tf from '../nn/tf.ts';

export interface LossBatch {
  /** Compositions [M, B, E]. */
  x: tf.Tensor;
  /** Standardised hardness targets [M, B]. */
  y: tf.Tensor;
  /** a_b = w_b / B_m (0 on padding rows) [M, B]. */
  rowLoss: tf.Tensor;
  /** r_b = 1 / B_m (0 on padding rows) [M, B]. */
  rowMean: tf.Tensor;
  /** Σ_k x_k ln x_k per row [M, B]. */
  xlogx: tf.Tensor;
  /** β per member [M]. */
  beta: tf.Tensor;
  /** Huber threshold δ of the hardness term (standardised units); absent or 0: squared error. */
  huberDelta?: number;
}

export interface LossTerms {
  /** Σ_m L_m (scalar). */
  total: tf.Tensor;
  /** Per member [M, 3]: weighted hardness loss ρ, weighted reconstruction KL, mean KL/d (batch means). */
  parts: tf.Tensor;
}

const LOSS = 'VibannLoss';
const LOSS_GRAD = 'VibannLossGrad';
let registered = false;

function ensureRegistered(): void {
  if (registered) return;
  registered = true;
  // parts [M, 3] and total: see the file header
  registerJsKernel(
    LOSS,
    ['yhat', 'y', 'rowLoss', 'rowMean', 'logx', 'x', 'xlogx', 'kl', 'beta'],
    (ins, shapes, attrs) => {
      const [yhat, y, rowLoss, rowMean, logx, x, xlogx, kl, beta] = ins;
      const delta = Number(attrs.huberDelta ?? 0);
      const [M, B] = shapes[0] as number[];
      const E = shapes[5] ? (shapes[5] as number[])[2] : 0;
      const parts = new Float32Array(M * 3);
      let total = 0;
      for (let m = 0; m < M; m++) {
        let hard = 0;
        let rec = 0;
        let k = 0;
        for (let b = 0; b < B; b++) {
          const q = m * B + b;
          const a = (rowLoss as Float32Array)[q];
          const e = (y as Float32Array)[q] - (yhat as Float32Array)[q];
          hard += a * huber(e, delta);
          if (logx && a !== 0) {
            let cross = 0;
            for (let j = q * E; j < (q + 1) * E; j++) cross += (x as Float32Array)[j] * logx[j];
            rec += a * ((xlogx as Float32Array)[q] - cross);
          }
          if (kl) k += (rowMean as Float32Array)[q] * kl[q];
        }
        parts[m * 3] = hard;
        parts[m * 3 + 1] = rec;
        parts[m * 3 + 2] = k;
        total += hard + 0.5 * rec + (beta as Float32Array)[m] * k;
      }
      return [
        { shape: [], values: Float32Array.of(total) },
        { shape: [M, 3], values: parts },
      ];
    },
  );
  // ∂/∂ŷ = −2a·clip(ỹ − ŷ, ±δ), ∂/∂ln x̂ = −½ a x, ∂/∂(KL/d) = β r, all times the incoming g
  registerJsKernel(
    LOSS_GRAD,
    ['g', 'yhat', 'y', 'rowLoss', 'rowMean', 'x', 'beta'],
    (ins, shapes, attrs) => {
      const [g, yhat, y, rowLoss, rowMean, x, beta] = ins as Float32Array[];
      const delta = Number(attrs.huberDelta ?? 0);
      const [M, B] = shapes[1] as number[];
      const E = x ? (shapes[5] as number[])[2] : 0;
      const gv = g[0];
      const dy = new Float32Array(M * B);
      const dl = new Float32Array(M * B * E);
      const dk = new Float32Array(M * B);
      for (let m = 0; m < M; m++) {
        for (let b = 0; b < B; b++) {
          const q = m * B + b;
          const a = rowLoss[q];
          const e = y[q] - yhat[q];
          dy[q] = -2 * gv * a * (delta > 0 ? Math.max(-delta, Math.min(delta, e)) : e);
          for (let j = q * E; j < (q + 1) * E; j++) dl[j] = -0.5 * gv * a * x[j];
          dk[q] = gv * beta[m] * rowMean[q];
        }
      }
      return [
        { shape: [M, B], values: dy },
        { shape: [M, B, E], values: dl },
        { shape: [M, B], values: dk },
      ];
    },
  );
}

/** ρ(e): e² (δ ≤ 0), or e² inside ±δ and 2δ|e| − δ² beyond (the file header). */
export function huber(e: number, delta: number): number {
  const ae = Math.abs(e);
  return delta > 0 && ae > delta ? delta * (2 * ae - delta) : e * e;
}

let useKernel = true;
/** Use the JS loss kernel (default) or the composition of stock ops (a reference for tests). */
export function setLossKernel(on: boolean): void {
  useKernel = on;
}

/** SPEC §4 loss terms of a training-mode forward output. */
export function lossTerms(out: ForwardOutput, b: LossBatch): LossTerms {
  if (useKernel && out.logXhat) return lossTermsKernel(out, b);
  return lossTermsReference(out, b);
}

/** The loss as one differentiable JS kernel (w.r.t. ŷ, log x̂ and KL/d). */
function lossTermsKernel(out: ForwardOutput, b: LossBatch): LossTerms {
  ensureRegistered();
  const M = out.yhat.shape[0] as number;
  const Bn = out.yhat.shape[1] as number;
  const kl = out.klPerDim ?? tf.zeros([M, Bn]);
  let parts: tf.Tensor | null = null;
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [yhat, logx, k] = args as tf.Tensor[];
    const save = args[3] as tf.GradSaveFunc;
    const [total, p] = runJsKernel(
      LOSS,
      {
        yhat,
        y: b.y,
        rowLoss: b.rowLoss,
        rowMean: b.rowMean,
        logx,
        x: b.x,
        xlogx: b.xlogx,
        kl: k,
        beta: b.beta,
      },
      { huberDelta: b.huberDelta ?? 0 },
    );
    parts = tf.keep(p);
    save([yhat]);
    return {
      value: total,
      gradFunc: (g: tf.Tensor, saved: tf.Tensor[]) =>
        runJsKernel(
          LOSS_GRAD,
          {
            g,
            yhat: saved[0],
            y: b.y,
            rowLoss: b.rowLoss,
            rowMean: b.rowMean,
            x: b.x,
            beta: b.beta,
          },
          { huberDelta: b.huberDelta ?? 0 },
        ),
    };
  });
  const total = f(out.yhat, out.logXhat as tf.Tensor, kl);
  // `parts` is kept (it must outlive the gradient's tidy scopes): hand it to the caller's scope
  const p = parts as unknown as tf.Tensor;
  const tracked = tf.clone(p);
  p.dispose();
  return { total, parts: tracked };
}

/** SPEC §4 loss terms with stock tfjs ops (the kernel's tested reference). */
export function lossTermsReference(out: ForwardOutput, b: LossBatch): LossTerms {
  const e = tf.sub(b.y, out.yhat);
  const delta = b.huberDelta ?? 0;
  // ρ(e) = 2e·c − c² with c = clip(e, −δ, δ): e² inside ±δ, 2δ|e| − δ² beyond; dρ/de = 2c
  let rho: tf.Tensor;
  if (delta > 0) {
    const c = tf.clipByValue(e, -delta, delta);
    rho = tf.sub(tf.mul(tf.scalar(2), tf.mul(e, c)), tf.square(c));
  } else rho = tf.square(e);
  const hard = tf.sum(tf.mul(b.rowLoss, rho), -1); // [M]
  const M = out.yhat.shape[0] as number;
  let recon: tf.Tensor = tf.zeros([M]);
  if (out.logXhat) {
    const cross = tf.sum(tf.mul(b.x, out.logXhat), -1); // Σ x ln x̂ [M, B]
    recon = tf.sum(tf.mul(b.rowLoss, tf.sub(b.xlogx, cross)), -1);
  }
  let kl: tf.Tensor = tf.zeros([M]);
  if (out.klPerDim) kl = tf.sum(tf.mul(b.rowMean, out.klPerDim), -1);
  const perMember = tf.add(tf.add(hard, tf.mul(tf.scalar(0.5), recon)), tf.mul(b.beta, kl));
  return { total: tf.sum(perMember), parts: tf.stack([hard, recon, kl], 1) };
}

/** Σ_k x_k ln x_k of each row of an n×E row-major array (0·ln 0 = 0). */
export function rowXlogX(x: Float32Array, E: number): Float64Array {
  const n = x.length / E;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = 0; k < E; k++) {
      const v = x[i * E + k];
      if (v > 0) s += v * Math.log(v);
    }
    out[i] = s;
  }
  return out;
}
