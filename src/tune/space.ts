/**
 * The search space of `vibann tune` (SPEC §7): latent dimension ∈ {8, 16, 32, 64} and dropout ∈
 * [0.1, 0.5]; the paper's own setting (d = 16, dropout 0.33) is scored first as the reference.
 */
import type { Trial } from './tpe.ts';

/** The network settings a tuning trial varies. */
export interface NetworkSettings {
  /** Latent dimension d. */
  latentDim: number;
  /** Dropout rate. */
  dropout: number;
}

/** The search space: latent dimension choices and the dropout interval. */
export const TUNE_SPACE = {
  latentDim: [8, 16, 32, 64],
  dropout: { low: 0.1, high: 0.5 },
} as const;

/** The paper's setting, scored before the search as the reference. */
export const REFERENCE_NETWORK: Readonly<NetworkSettings> = { latentDim: 16, dropout: 0.33 };

/** Draw one trial's network settings from the space (the draw order is part of the seeded search). */
export function suggestNetwork(t: Trial): NetworkSettings {
  return {
    latentDim: t.suggestCategorical('latentDim', [...TUNE_SPACE.latentDim]),
    dropout: t.suggestFloat('dropout', TUNE_SPACE.dropout.low, TUNE_SPACE.dropout.high),
  };
}
