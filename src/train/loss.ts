/**
 * The training loss of SPEC §4 for a stacked batch, per member m:
 *   L_m = Σ_b a_b (ỹ_b − ŷ_b)² + 0.5 · Σ_b a_b KL(x_b ‖ x̂_b) + β_m · Σ_b r_b KL_b/d
 * with a_b = w_b / B_m (sample weight over the member's batch size; 0 on padding rows) and
 * r_b = 1 / B_m — i.e. (1/B)Σ w(ỹ−ŷ)² + 0.5(1/B)Σ w KL(x‖x̂) + β·mean(KL/d) — and
 * KL(x‖x̂) = Σ_{k: x_k>0} x_k ln(x_k/x̂_k) = Σ x ln x − Σ x ln x̂ (the first sum is a data constant).
 * The total minimised is Σ_m L_m (members share no parameters, so each gets its own gradient).
 */
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
}

export interface LossTerms {
  /** Σ_m L_m (scalar). */
  total: tf.Tensor;
  /** Per member [M, 3]: weighted hardness MSE, weighted reconstruction KL, mean KL/d (batch means). */
  parts: tf.Tensor;
}

/** SPEC §4 loss terms of a training-mode forward output. */
export function lossTerms(out: ForwardOutput, b: LossBatch): LossTerms {
  const hard = tf.sum(tf.mul(b.rowLoss, tf.square(tf.sub(b.y, out.yhat))), -1); // [M]
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
