/**
 * What the design pipeline needs from a trained model. The latent space is that of one ensemble
 * member (the "design network", whose encoder and decoder parametrise compositions); every
 * prediction of hardness uses the full ensemble with MC dropout.
 */
export interface McStats {
  /** Predictive mean per row, HV. */
  mean: Float64Array;
  /** Predictive standard deviation per row, HV. */
  std: Float64Array;
}

export interface DesignModel {
  /** Element basis of the model (order of every composition vector). */
  readonly elements: readonly string[];
  /** Dimension of the latent space. */
  readonly latentDim: number;
  /** z = μ(x, L) of the design network (deterministic), one row per composition. */
  encode(x: readonly ArrayLike<number>[], load: number): Promise<number[][]>;
  /** Decoder output x̂ = D(z) (a probability vector over the elements), deterministic. */
  decode(z: readonly (readonly number[])[]): Promise<number[][]>;
  /** Ensemble MC-dropout prediction at one load, `passes` per member, seeded. */
  predictAt(
    x: readonly ArrayLike<number>[],
    load: number,
    passes: number,
    seed: number,
  ): Promise<McStats>;
}

/** Restrict a decoded vector to the permitted elements and renormalise (SPEC §9.6). */
export function applyMask(v: ArrayLike<number>, mask: readonly boolean[] | undefined): number[] {
  if (!mask) return Array.from(v);
  let s = 0;
  const out = Array.from(v, (x, i) => (mask[i] ? x : 0));
  for (const x of out) s += x;
  if (!(s > 0)) throw new Error('applyMask: the permitted elements have zero probability');
  return out.map((x) => x / s);
}
