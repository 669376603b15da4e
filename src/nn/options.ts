/**
 * Typed options of the VIBANN network (SPEC §3). Defaults follow the paper; every variant of
 * SPEC §3 (attention heads, bottleneck, load join, pairwise branch) is an option.
 */
import { InputError } from '../util/errors.ts';

export type Bottleneck = 'vib' | 'deterministic';
export type LoadJoin = 'before-bottleneck' | 'after-bottleneck';
/**
 * How the load enters (SPEC §3 load head): 'network' — the load path of blocks joins as `loadJoin`
 * says (the paper; no shape constraint); 'meyer' — the network sees the composition only and its
 * head predicts the two parameters of Meyer's law for a Vickers indenter, H(L) = H_ref·(L/L_ref)^(−β)
 * with β ≥ 0, so the hardness cannot rise with the load.
 */
export type LoadHead = 'network' | 'meyer';

export interface VibannOptions {
  /** Number of composition inputs E (the element basis size; 56 on the reference dataset). */
  nElements: number;
  /** Latent dimension d (SPEC §3: 16). */
  latentDim: number;
  /** Attention heads H; 0 = no attention, x goes straight to the composition path (SPEC §3: 4). */
  attentionHeads: number;
  /** MC-dropout rate p of every dropout layer, in [0, 1) (SPEC §3: 0.33). */
  dropout: number;
  /** 'vib': μ and log σ² heads with sampling and KL; 'deterministic': plain Dense d, no KL. */
  bottleneck: Bottleneck;
  /** Where the load path joins: before the bottleneck (z depends on load) or after it (into the hardness head). */
  loadJoin: LoadJoin;
  /** Add the original code's pairwise branch: all x_i·x_j (i<j) → Dense layers, fused with the composition path. */
  pairwiseBranch: boolean;
  /** Widths of the composition path's Dense-ReLU-BN-dropout blocks (SPEC §3: [128, 64]). */
  compHidden: number[];
  /** Widths of the load path's blocks (SPEC §3: [32]). */
  loadHidden: number[];
  /** Widths of the hardness head's blocks before the final Dense 1 (SPEC §3: [64]). */
  headHidden: number[];
  /** Widths of the decoder's blocks before the final Dense E softmax (SPEC §3: [128, 64]). */
  decoderHidden: number[];
  /** Widths of the pairwise branch's blocks (original code: [128, 64]); used only with pairwiseBranch. */
  pairwiseHidden: number[];
  /** Width of the block fusing the composition and pairwise paths (original code: 64); used only with pairwiseBranch. */
  fuseHidden: number;
  /** BatchNorm moving-average momentum, Keras convention: moving = m·moving + (1−m)·batch (SPEC §3: 0.99). */
  bnMomentum: number;
  /** BatchNorm variance epsilon (SPEC §3: 1e-3). */
  bnEpsilon: number;
  /** Training only: the hardness loss uses z = μ while the decoder sees the sampled z (SPEC §4 default preset). */
  hardnessOnMean: boolean;
  /** Load path: 'network' (SPEC §3, as `loadJoin`) or 'meyer' (monotone ISE law, SPEC §3 load head). */
  loadHead: LoadHead;
  /**
   * 'meyer' only: the standardised hardness of 0 HV, −m_y/s_y (the power law's origin; the model
   * layer sets it from the HV scaler). Dimensionless (units of the train_fit HV standard deviation).
   */
  hvZero: number;
  /**
   * Add the composition-descriptor branch (SPEC §3 descriptor branch): δ, ΔH_mix, ΔS_mix, Δχ, VEC
   * and weighted means/spreads of element properties (src/chem/descriptors.ts), computed inside the
   * network from x (differentiable), standardised on train_fit, → `descHidden` blocks, joined with
   * the composition path before the bottleneck. The element constants are non-trainable tensors
   * the model layer fills in.
   */
  descriptors: boolean;
  /** Widths of the descriptor branch's blocks (used only with `descriptors`). */
  descHidden: number[];
}

/** SPEC §3 defaults (the paper's architecture) for a given element count. */
export function defaultVibannOptions(nElements = 56): VibannOptions {
  return {
    nElements,
    latentDim: 16,
    attentionHeads: 4,
    dropout: 0.33,
    bottleneck: 'vib',
    loadJoin: 'before-bottleneck',
    pairwiseBranch: false,
    compHidden: [128, 64],
    loadHidden: [32],
    headHidden: [64],
    decoderHidden: [128, 64],
    pairwiseHidden: [128, 64],
    fuseHidden: 64,
    bnMomentum: 0.99,
    bnEpsilon: 1e-3,
    hardnessOnMean: false,
    loadHead: 'network',
    hvZero: -3,
    descriptors: false,
    descHidden: [32],
  };
}

function posInt(v: unknown, name: string, min = 1): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
    throw new InputError(
      `VibannOptions.${name}: expected an integer ≥ ${min}, got ${JSON.stringify(v)}`,
    );
  }
  return v;
}

function widths(v: unknown, name: string, allowEmpty: boolean): number[] {
  if (!Array.isArray(v) || (!allowEmpty && v.length === 0)) {
    throw new InputError(
      `VibannOptions.${name}: expected an array of positive integers, got ${JSON.stringify(v)}`,
    );
  }
  return v.map((x, i) => posInt(x, `${name}[${i}]`));
}

/** Fill defaults and validate; throws InputError naming the bad field. */
export function resolveVibannOptions(
  partial: Partial<VibannOptions> & { nElements: number },
): VibannOptions {
  const o: VibannOptions = { ...defaultVibannOptions(partial.nElements), ...partial };
  posInt(o.nElements, 'nElements', 2);
  posInt(o.latentDim, 'latentDim');
  posInt(o.attentionHeads, 'attentionHeads', 0);
  if (typeof o.dropout !== 'number' || !(o.dropout >= 0 && o.dropout < 1)) {
    throw new InputError(
      `VibannOptions.dropout: expected a rate in [0, 1), got ${JSON.stringify(o.dropout)}`,
    );
  }
  if (o.bottleneck !== 'vib' && o.bottleneck !== 'deterministic') {
    throw new InputError(
      `VibannOptions.bottleneck: expected 'vib' or 'deterministic', got ${JSON.stringify(o.bottleneck)}`,
    );
  }
  if (o.loadJoin !== 'before-bottleneck' && o.loadJoin !== 'after-bottleneck') {
    throw new InputError(
      `VibannOptions.loadJoin: expected 'before-bottleneck' or 'after-bottleneck', got ${JSON.stringify(o.loadJoin)}`,
    );
  }
  if (typeof o.pairwiseBranch !== 'boolean')
    throw new InputError('VibannOptions.pairwiseBranch: expected a boolean');
  if (typeof o.hardnessOnMean !== 'boolean')
    throw new InputError('VibannOptions.hardnessOnMean: expected a boolean');
  if (o.loadHead !== 'network' && o.loadHead !== 'meyer') {
    throw new InputError(
      `VibannOptions.loadHead: expected 'network' or 'meyer', got ${JSON.stringify(o.loadHead)}`,
    );
  }
  if (typeof o.hvZero !== 'number' || !Number.isFinite(o.hvZero))
    throw new InputError(`VibannOptions.hvZero: expected a finite number, got ${o.hvZero}`);
  if (typeof o.descriptors !== 'boolean')
    throw new InputError('VibannOptions.descriptors: expected a boolean');
  o.descHidden = widths(o.descHidden, 'descHidden', false);
  o.compHidden = widths(o.compHidden, 'compHidden', false);
  o.loadHidden = widths(o.loadHidden, 'loadHidden', false);
  o.headHidden = widths(o.headHidden, 'headHidden', true);
  o.decoderHidden = widths(o.decoderHidden, 'decoderHidden', true);
  o.pairwiseHidden = widths(o.pairwiseHidden, 'pairwiseHidden', false);
  posInt(o.fuseHidden, 'fuseHidden');
  if (!(o.bnMomentum >= 0 && o.bnMomentum < 1)) {
    throw new InputError(
      `VibannOptions.bnMomentum: expected a value in [0, 1), got ${o.bnMomentum}`,
    );
  }
  if (!(o.bnEpsilon > 0))
    throw new InputError(`VibannOptions.bnEpsilon: expected > 0, got ${o.bnEpsilon}`);
  return o;
}
