/**
 * What the design pipeline needs from a trained model (its contract; `HardnessModel` implements
 * it, and so do the analytic stand-ins of the tests). The latent space is that of one ensemble
 * member (the "design network", whose encoder and decoder parametrise compositions); every
 * prediction of hardness uses the full ensemble with MC dropout. Physical units throughout:
 * compositions as fractions over `elements`, loads in N, hardness in HV.
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
  /** z = μ(x, L) of the design network (deterministic), one row per composition; L in N. */
  encode(x: readonly ArrayLike<number>[], load: number): Promise<number[][]>;
  /** Decoder output x̂ = D(z) (a probability vector over the elements), deterministic. */
  decode(z: readonly (readonly number[])[]): Promise<number[][]>;
  /** Ensemble MC-dropout prediction at one load (N), `passes` per member, seeded. */
  predictAt(
    x: readonly ArrayLike<number>[],
    load: number,
    passes: number,
    seed: number,
  ): Promise<McStats>;
  /**
   * The prediction the MCMC search scores its samples with (default: `predictAt`). A model with
   * a neighbour term (model/neighbour.ts) searches with its networks alone, so the chains are not
   * drawn into the known alloys that the term lifts and the novelty gate then rejects; the
   * screening, the gates and the report use `predictAt`, like every other prediction.
   */
  searchAt?(
    x: readonly ArrayLike<number>[],
    load: number,
    passes: number,
    seed: number,
  ): Promise<McStats>;
}
