/**
 * The ensemble as a plain function of its inputs for the interpretability tools (SPEC §11):
 * f(x, ℓ) = mean over the M networks of their inference-mode prediction (BatchNorm frozen, no
 * MC dropout, z = μ) in HV, its gradient with respect to the composition x and the standardised
 * load ℓ, and the attention weights (mean over heads and networks).
 */
import type { HardnessModel } from '../model/hardness-model.ts';
import { forward, type Net } from '../nn/model.ts';
import * as tf from '../nn/tf.ts';
import { InputError } from '../util/errors.ts';

/** Rows per tfjs call (memory bound only). */
const CHUNK = 4096;

export interface EnsembleFunction {
  readonly elements: readonly string[];
  /** Networks in the ensemble. */
  readonly members: number;
  /** Standardised load ℓ of a load in N. */
  standardLoad(loadN: number): number;
  /** f(x, ℓ) in HV for n rows: x is n × E fractions, ℓ standardised loads. */
  value(x: ArrayLike<number>, load: ArrayLike<number>): Float64Array;
  /** f and its gradient: ∂f/∂x (n × E, HV per unit fraction) and ∂f/∂ℓ (n, HV per standardised unit). */
  valueAndGrad(
    x: ArrayLike<number>,
    load: ArrayLike<number>,
  ): { f: Float64Array; gx: Float64Array; gl: Float64Array };
  /** Attention per element (mean over heads and networks), n × E; null without attention heads. */
  attention(x: ArrayLike<number>, load: ArrayLike<number>): Float64Array | null;
  dispose(): void;
}

export function ensembleFunction(model: HardnessModel): EnsembleFunction {
  const vm = model.net;
  const net: Net = { options: vm.options, params: vm.tensors() };
  const E = vm.options.nElements;
  const M = vm.nMembers;
  const hvMean = model.hvScaler.mean;
  const hvStd = model.hvScaler.std;
  let disposed = false;
  const inputs = (x: ArrayLike<number>, load: ArrayLike<number>, r0: number, r: number) => {
    const xs = new Float32Array(r * E);
    for (let i = 0; i < r * E; i++) xs[i] = x[r0 * E + i];
    const ls = new Float32Array(r);
    for (let i = 0; i < r; i++) ls[i] = load[r0 + i];
    return { x: tf.tensor3d(xs, [1, r, E]), load: tf.tensor3d(ls, [1, r, 1]) };
  };
  const check = (x: ArrayLike<number>, load: ArrayLike<number>) => {
    if (disposed) throw new InputError('explain: the ensemble function was disposed');
    if (x.length !== load.length * E)
      throw new InputError(
        `explain: ${x.length} composition values for ${load.length} rows × ${E}`,
      );
    return load.length;
  };
  /** Σ over rows of the member-mean ŷ (standardised units). */
  const total = (x: tf.Tensor, load: tf.Tensor) =>
    tf.div(
      tf.sum(forward(net, { x, load }, { training: false, decoder: false }).yhat),
      tf.scalar(M),
    ) as tf.Scalar;

  return {
    elements: model.elements,
    members: M,
    standardLoad: (L) => model.loadScaler.transform(L),
    value(x, load) {
      const n = check(x, load);
      const out = new Float64Array(n);
      for (let r0 = 0; r0 < n; r0 += CHUNK) {
        const r = Math.min(CHUNK, n - r0);
        const y = tf.tidy(() => {
          const inp = inputs(x, load, r0, r);
          const yh = forward(net, inp, { training: false, decoder: false }).yhat; // [M, r]
          return tf.mean(yh, 0);
        });
        const v = y.dataSync();
        y.dispose();
        for (let i = 0; i < r; i++) out[r0 + i] = hvMean + hvStd * v[i];
      }
      return out;
    },
    valueAndGrad(x, load) {
      const n = check(x, load);
      const f = new Float64Array(n);
      const gx = new Float64Array(n * E);
      const gl = new Float64Array(n);
      for (let r0 = 0; r0 < n; r0 += CHUNK) {
        const r = Math.min(CHUNK, n - r0);
        const inp = inputs(x, load, r0, r);
        const { value, grads } = tf.valueAndGrads((a: tf.Tensor, b: tf.Tensor) => total(a, b))([
          inp.x,
          inp.load,
        ]);
        const y = tf.tidy(() =>
          tf.mean(forward(net, inp, { training: false, decoder: false }).yhat, 0),
        );
        const yv = y.dataSync();
        const g0 = grads[0].dataSync();
        const g1 = grads[1].dataSync();
        for (let i = 0; i < r; i++) {
          f[r0 + i] = hvMean + hvStd * yv[i];
          gl[r0 + i] = hvStd * g1[i];
        }
        for (let i = 0; i < r * E; i++) gx[r0 * E + i] = hvStd * g0[i];
        tf.dispose([inp.x, inp.load, value, y, ...grads]);
      }
      return { f, gx, gl };
    },
    attention(x, load) {
      const n = check(x, load);
      if (vm.options.attentionHeads === 0) return null;
      const out = new Float64Array(n * E);
      for (let r0 = 0; r0 < n; r0 += CHUNK) {
        const r = Math.min(CHUNK, n - r0);
        const a = tf.tidy(() => {
          const inp = inputs(x, load, r0, r);
          const att = forward(net, inp, { training: false, decoder: false, attention: true })
            .attention as tf.Tensor; // [M, r, E]
          return tf.mean(att, 0);
        });
        out.set(a.dataSync(), r0 * E);
        a.dispose();
      }
      return out;
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      for (const t of Object.values(net.params)) t.dispose();
    },
  };
}
