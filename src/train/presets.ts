/**
 * Training presets (SPEC §4 Presets).
 * - `paper`: exactly SPEC §3/§4 (the paper's stated settings): Adam 1e-4, batch 16, β controller,
 *   d = 16, dropout 0.33, family sample weights, linear load.
 * - `v1`: the settings a CV study with the peer found best (SPEC §4 Presets; the default until
 *   the monotone load head): Adam 1e-3, batch 32, fixed β 1e-3, hardness loss on z = μ, d = 64,
 *   dropout 0.1, no sample weights, ln-load, the paper's load path.
 * - `v2`: `v1` with the Meyer load head (SPEC §3 load head: HV cannot rise with the load) and
 *   the composition-descriptor branch (CV RMSE 117.2 vs 121.2 HV without; docs/presets.md); the
 *   default until the neighbour term.
 * - `default`: `v2` with the neighbour term chosen by CV at fit time (model/neighbour.ts;
 *   docs/accuracy.md).
 * No preset sets `huberDelta` (a Huber hardness loss; docs/presets.md "Huber loss": better in the
 * 5-fold CV, level on 11 held-out test sets); `bench/nn-cv.ts --train huberDelta=0.3` trains with it.
 * The sample-weight and load-transform parts are applied by the data layer; they are carried here
 * so that one object describes a run.
 */

import type { SampleWeighting } from '../data/weights.ts';
import type { VibannOptions } from '../nn/options.ts';
import { InputError } from '../util/errors.ts';
import type { BetaOptions } from './beta.ts';
import { DEFAULT_BETA } from './beta.ts';

export type PresetName = 'paper' | 'default' | 'v1' | 'v2';

/** The preset names `--preset` accepts. */
export const PRESET_NAMES: readonly PresetName[] = ['default', 'paper', 'v1', 'v2'];

/** A preset name from user input; InputError naming the accepted names otherwise. */
export function parsePresetName(name: string, what = '--preset'): PresetName {
  if ((PRESET_NAMES as readonly string[]).includes(name)) return name as PresetName;
  throw new InputError(
    `${what} expects one of ${PRESET_NAMES.map((n) => `'${n}'`).join(', ')}, got '${name}'`,
  );
}

export interface TrainHyper {
  /** Adam learning rate. */
  lr: number;
  /** Mini-batch size (rows). */
  batchSize: number;
  /** Epoch cap per network. */
  maxEpochs: number;
  /** Early-stopping patience in epochs without a strict improvement of the validation MSE. */
  patience: number;
  /** β of the VIB term: controller or fixed. */
  beta: BetaOptions;
  /**
   * Huber threshold δ of the hardness term, in standardised HV units (HV / sd of train_fit's HV):
   * residuals beyond δ count linearly (train/loss.ts). Absent: the squared error of SPEC §4.
   */
  huberDelta?: number;
}

export interface Preset {
  name: PresetName;
  /** Network options that differ from SPEC §3 defaults. */
  network: Partial<VibannOptions>;
  /** Optimiser, batch, epochs, early stopping, β. */
  training: TrainHyper;
  /** §2 sample weights (data layer): per-family weights, none, or label-distribution smoothing ('lds', ablations only). */
  sampleWeights: SampleWeighting;
  /** §1 load standardisation (data layer): L or ln L. */
  loadTransform: 'linear' | 'log';
  /** MC-dropout passes S for prediction (SPEC §5: 100). */
  mcPasses: number;
  /**
   * The neighbour term (model/neighbour.ts): 'cv' — chosen by cross-validation on the members'
   * out-of-fold predictions when the model is fitted (possibly none); 'none' (absent: 'none').
   */
  neighbour?: 'cv' | 'none';
}

/** What the `default` preset changes in `v1`'s network (docs/presets.md: CV table). */
const DEFAULT_NETWORK: Partial<VibannOptions> = { loadHead: 'meyer', descriptors: true };

export function preset(name: PresetName): Preset {
  if (name === 'paper') {
    return {
      name,
      network: { latentDim: 16, dropout: 0.33, hardnessOnMean: false },
      training: {
        lr: 1e-4,
        batchSize: 16,
        maxEpochs: 1000,
        patience: 100,
        beta: { ...DEFAULT_BETA },
      },
      sampleWeights: 'family',
      loadTransform: 'linear',
      mcPasses: 100,
    };
  }
  if (name === 'default') return { ...preset('v2'), name, neighbour: 'cv' };
  if (name === 'v2') {
    const v1 = preset('v1');
    return { ...v1, name, network: { ...v1.network, ...DEFAULT_NETWORK } };
  }
  if (name === 'v1') {
    return {
      name,
      network: { latentDim: 64, dropout: 0.1, hardnessOnMean: true },
      training: {
        lr: 1e-3,
        batchSize: 32,
        maxEpochs: 1000,
        patience: 100,
        beta: { ...DEFAULT_BETA, mode: 'fixed', beta0: 1e-3 },
      },
      sampleWeights: 'none',
      loadTransform: 'log',
      mcPasses: 100,
    };
  }
  throw new InputError(
    `unknown preset '${String(name)}' (expected ${PRESET_NAMES.map((n) => `'${n}'`).join(', ')})`,
  );
}

/** Small caps for smoke runs (`--quick`): few epochs, short patience, fewer MC passes. */
export function quickCaps(
  p: Preset,
  caps: { maxEpochs?: number; patience?: number; mcPasses?: number } = {},
): Preset {
  return {
    ...p,
    training: {
      ...p.training,
      maxEpochs: caps.maxEpochs ?? 5,
      patience: caps.patience ?? 3,
    },
    mcPasses: caps.mcPasses ?? 20,
  };
}
