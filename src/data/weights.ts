/**
 * Sample weights that down-weight over-represented chemistries (SPEC §2).
 *
 * Counts per element family over the training rows only; w = 1/√count; rows of the single most
 * frequent family × 0.35; divided by the mean; clipped to [0.25, 4.0]. Also label-distribution
 * smoothing weights (`ldsWeights`, an ablation no preset uses; docs/presets.md "Huber loss").
 */

import { mean } from '../math/stats.ts';
import { InputError } from '../util/errors.ts';
import type { Dataset } from './dataset.ts';
import { familyKey } from './family.ts';

export type SampleWeighting = 'family' | 'none' | 'lds';

export interface FamilyWeightOptions {
  /** Extra factor for the single most frequent family (default 0.35). */
  topFamilyFactor?: number;
  /** Lower clip after normalising to mean 1 (default 0.25). */
  min?: number;
  /** Upper clip after normalising to mean 1 (default 4.0). */
  max?: number;
}

/** Weights of `rows` (aligned with `rows`), computed from those rows only. */
export function familyWeights(
  ds: Dataset,
  rows: readonly number[],
  o: FamilyWeightOptions = {},
): Float64Array {
  const factor = o.topFamilyFactor ?? 0.35;
  const lo = o.min ?? 0.25;
  const hi = o.max ?? 4.0;
  const keys = rows.map((r) => familyKey(ds.compositions[r]));
  const counts = new Map<string, number>();
  for (const k of keys) counts.set(k, (counts.get(k) ?? 0) + 1);
  // The single most frequent family; on a tie the first one met in row order (as the peer does).
  let top = keys[0];
  for (const [k, c] of counts) if (c > (counts.get(top) ?? 0)) top = k;
  const w = Float64Array.from(
    keys,
    (k) => (1 / Math.sqrt(counts.get(k)!)) * (k === top ? factor : 1),
  );
  const m = mean(w);
  for (let i = 0; i < w.length; i++) w[i] = Math.min(hi, Math.max(lo, w[i] / m));
  return w;
}

export interface LdsOptions {
  /** Gaussian kernel bandwidth of the label density, HV (default 100). */
  bandwidth?: number;
  /** Lower clip after normalising to mean 1 (default 0.25). */
  min?: number;
  /** Upper clip after normalising to mean 1 (default 4.0). */
  max?: number;
}

/**
 * Label-distribution-smoothing weights (Yang et al., "Delving into Deep Imbalanced Regression",
 * ICML 2021, section 3.1, inverse-square-root reweighting): the hardness density of `rows` smoothed by a
 * Gaussian kernel, w = 1/√ρ̃(y), divided by the mean, clipped — rare hardness values (the hardest
 * and the softest glasses) weigh more, so the fit is not pulled towards the crowded middle.
 */
export function ldsWeights(ds: Dataset, rows: readonly number[], o: LdsOptions = {}): Float64Array {
  const h = o.bandwidth ?? 100;
  if (!(h > 0 && Number.isFinite(h)))
    throw new InputError(`ldsWeights: the bandwidth must be a finite number of HV > 0, got ${h}`);
  const lo = o.min ?? 0.25;
  const hi = o.max ?? 4.0;
  const y = rows.map((r) => ds.hv[r]);
  const w = Float64Array.from(y, (yi) => {
    let rho = 0;
    for (const yj of y) rho += Math.exp(-0.5 * ((yi - yj) / h) ** 2);
    return 1 / Math.sqrt(rho);
  });
  const m = mean(w);
  for (let i = 0; i < w.length; i++) w[i] = Math.min(hi, Math.max(lo, w[i] / m));
  return w;
}

/** Weights for `rows` under a weighting scheme ('none' gives ones). */
export function sampleWeights(
  ds: Dataset,
  rows: readonly number[],
  scheme: SampleWeighting,
): Float64Array {
  if (scheme === 'none') return new Float64Array(rows.length).fill(1);
  if (scheme === 'lds') return ldsWeights(ds, rows);
  if (scheme === 'family') return familyWeights(ds, rows);
  throw new InputError(
    `unknown sample weighting '${String(scheme)}' (expected 'family', 'none' or 'lds')`,
  );
}
