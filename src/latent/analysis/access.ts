/**
 * The latent space of one ensemble member (the design network, `meta.design_member`) as plain
 * arrays for the latent analysis (SPEC §8): latents z = μ(x, ℓ) of rows at their own loads, the
 * hardness head ŷ(z) in HV (inference mode: BatchNorm frozen, no dropout, no decoding) and its
 * gradient with respect to z. Each ensemble member has its own latent space, so every latent
 * quantity comes from one member; its hardness head is that member's prediction.
 */
import type { HardnessModel } from '../../model/hardness-model.ts';
import { encode, hardnessFromLatent, type Net } from '../../nn/model.ts';
import * as tf from '../../nn/tf.ts';
import { InputError } from '../../util/errors.ts';
import type { Matrix } from './stats.ts';

/** Rows per tfjs call (memory bound, not a result-changing setting). */
const CHUNK = 4096;

export interface LatentModel {
  /** Latent dimension d. */
  readonly latentDim: number;
  /** Bottleneck kind of the network ('vib' or 'deterministic'). */
  readonly bottleneck: string;
  /** Latents μ of compositions x (n × E fractions) at loads in N (one per row), n × d. */
  encode(x: ArrayLike<number>, loadsN: ArrayLike<number>): Matrix;
  /** Predicted HV of latents (the load is used only when it joins after the bottleneck). */
  hardness(z: Matrix, loadsN: ArrayLike<number>): Float64Array;
  /** Predicted HV and ∂HV/∂z (HV per latent unit), n × d. */
  hardnessGrad(z: Matrix, loadsN: ArrayLike<number>): { hv: Float64Array; grad: Matrix };
  /** Release the parameter tensors. */
  dispose(): void;
}

/** The latent space of member `member` (default: the design network) of a trained model. */
export function memberLatentModel(model: HardnessModel, member?: number): LatentModel {
  const k = member ?? model.meta.design_member;
  if (!Number.isInteger(k) || k < 0 || k >= model.net.nMembers)
    throw new InputError(`latent: member ${k} does not exist (0 … ${model.net.nMembers - 1})`);
  const vm = model.net.select([k]);
  const net: Net = { options: vm.options, params: vm.tensors() };
  const E = vm.options.nElements;
  const d = vm.options.latentDim;
  const hvMean = model.hvScaler.mean;
  const hvStd = model.hvScaler.std;
  const std = (loadsN: ArrayLike<number>, from: number, to: number) =>
    Float32Array.from({ length: to - from }, (_, i) =>
      model.loadScaler.transform(loadsN[from + i]),
    );
  const checkLoads = (loadsN: ArrayLike<number>, n: number) => {
    if (loadsN.length !== n) throw new InputError(`latent: ${loadsN.length} loads for ${n} rows`);
  };
  let disposed = false;
  const live = () => {
    if (disposed) throw new InputError('latent: the latent model was disposed');
  };

  return {
    latentDim: d,
    bottleneck: vm.options.bottleneck,
    encode(x, loadsN) {
      live();
      const n = loadsN.length;
      if (x.length !== n * E)
        throw new InputError(
          `latent: ${x.length} composition values for ${n} rows × ${E} elements`,
        );
      const out = new Float64Array(n * d);
      for (let r0 = 0; r0 < n; r0 += CHUNK) {
        const r = Math.min(CHUNK, n - r0);
        const xs = Float32Array.from({ length: r * E }, (_, i) => x[r0 * E + i]);
        const mu = tf.tidy(() =>
          tf.reshape(
            encode(
              net,
              {
                x: tf.tensor3d(xs, [1, r, E]),
                load: tf.tensor3d(std(loadsN, r0, r0 + r), [1, r, 1]),
              },
              { training: false },
            ).mu,
            [r * d],
          ),
        );
        out.set(mu.dataSync(), r0 * d);
        mu.dispose();
      }
      return { data: out, n, d };
    },
    hardness(z, loadsN) {
      live();
      checkLoads(loadsN, z.n);
      const out = new Float64Array(z.n);
      for (let r0 = 0; r0 < z.n; r0 += CHUNK) {
        const r = Math.min(CHUNK, z.n - r0);
        const y = tf.tidy(() =>
          tf.reshape(
            hardnessFromLatent(
              net,
              tf.tensor3d(Float32Array.from(z.data.subarray(r0 * d, (r0 + r) * d)), [1, r, d]),
              tf.tensor3d(std(loadsN, r0, r0 + r), [1, r, 1]),
            ),
            [r],
          ),
        );
        const v = y.dataSync();
        y.dispose();
        for (let i = 0; i < r; i++) out[r0 + i] = hvMean + hvStd * v[i];
      }
      return out;
    },
    hardnessGrad(z, loadsN) {
      live();
      checkLoads(loadsN, z.n);
      const hv = new Float64Array(z.n);
      const grad = new Float64Array(z.n * d);
      for (let r0 = 0; r0 < z.n; r0 += CHUNK) {
        const r = Math.min(CHUNK, z.n - r0);
        const zt = tf.tensor3d(Float32Array.from(z.data.subarray(r0 * d, (r0 + r) * d)), [1, r, d]);
        const lt = tf.tensor3d(std(loadsN, r0, r0 + r), [1, r, 1]);
        // rows are independent in inference mode, so the gradient of the sum is the per-row gradient
        const f = (zz: tf.Tensor) => tf.sum(hardnessFromLatent(net, zz, lt)) as tf.Scalar;
        const { value, grads } = tf.valueAndGrads(f)([zt]);
        const y = tf.tidy(() => tf.reshape(hardnessFromLatent(net, zt, lt), [r]));
        const yv = y.dataSync();
        const gv = grads[0].dataSync();
        for (let i = 0; i < r; i++) hv[r0 + i] = hvMean + hvStd * yv[i];
        for (let i = 0; i < r * d; i++) grad[r0 * d + i] = hvStd * gv[i];
        tf.dispose([zt, lt, y, value, ...grads]);
      }
      return { hv, grad: { data: grad, n: z.n, d } };
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      for (const t of Object.values(net.params)) t.dispose();
    },
  };
}
