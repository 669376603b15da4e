/** The training data a design run (or the GP-BO comparison) needs, taken from a dataset and its split. */
import type { Dataset } from '../data/dataset.ts';
import type { Split } from '../data/split.ts';
import { familyWeights } from '../data/weights.ts';
import type { DesignData } from './pipeline.ts';

/**
 * train_fit compositions, HV, loads and §2 family weights (the latent GMM is fitted with them,
 * SPEC §9.1), and the calibration compositions (for the thresholds, §9.2).
 */
export function designData(ds: Dataset, split: Split, elements: readonly string[]): DesignData {
  const E = ds.elements.length;
  const row = (r: number) => ds.x.subarray(r * E, (r + 1) * E);
  const tf = split.trainFit;
  return {
    elements,
    trainFit: {
      x: tf.map(row),
      composition: tf.map((r) => ds.compositions[r]),
      hv: tf.map((r) => ds.hv[r]),
      load: tf.map((r) => ds.load[r]),
      weight: Array.from(familyWeights(ds, tf)),
    },
    calibration: {
      x: split.calibration.map(row),
      composition: split.calibration.map((r) => ds.compositions[r]),
    },
    known: {
      x: Array.from({ length: ds.nRows }, (_, r) => row(r)),
      composition: [...ds.compositions],
      hv: Array.from(ds.hv),
      load: Array.from(ds.load),
    },
  };
}
