/**
 * The latent space of one ensemble member (the design network, `meta.design_member`) as plain
 * arrays for the latent analysis (SPEC §8): latents z = μ(x, ℓ) of rows at their own loads, the
 * hardness head ŷ(z) in HV (inference mode: BatchNorm frozen, no dropout, no decoding) and its
 * gradient with respect to z. Each ensemble member has its own latent space, so every latent
 * quantity comes from one member; its hardness head is that member's prediction.
 *
 * An adapter of the model's member view (model/view.ts, physical units) to the analysis' `Matrix`.
 */
import type { HardnessModel } from '../../model/hardness-model.ts';
import { InputError } from '../../util/errors.ts';
import type { Matrix } from './stats.ts';

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
  if (!Number.isInteger(k) || k < 0 || k >= model.nMembers)
    throw new InputError(`latent: member ${k} does not exist (0 … ${model.nMembers - 1})`);
  const view = model.memberView(k);
  const d = view.latentDim;
  const E = view.elements.length;
  let disposed = false;
  const live = () => {
    if (disposed) throw new InputError('latent: the latent model was disposed');
  };
  const checkLoads = (loadsN: ArrayLike<number>, n: number) => {
    if (loadsN.length !== n) throw new InputError(`latent: ${loadsN.length} loads for ${n} rows`);
  };

  return {
    latentDim: d,
    bottleneck: view.bottleneck,
    encode(x, loadsN) {
      live();
      const n = loadsN.length;
      if (x.length !== n * E)
        throw new InputError(
          `latent: ${x.length} composition values for ${n} rows × ${E} elements`,
        );
      return { data: view.encode(x, loadsN), n, d };
    },
    hardness(z, loadsN) {
      live();
      checkLoads(loadsN, z.n);
      return view.hardness(z.data.subarray(0, z.n * d), loadsN);
    },
    hardnessGrad(z, loadsN) {
      live();
      checkLoads(loadsN, z.n);
      const g = view.hardnessGrad(z.data.subarray(0, z.n * d), loadsN);
      return { hv: g.hv, grad: { data: g.grad, n: z.n, d } };
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      view.dispose();
    },
  };
}
