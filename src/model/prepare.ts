/**
 * From a dataset and a split to the standardised arrays the network trains on (SPEC §1, §2):
 * scalers and sample weights are fitted on train_fit rows only and shared by every ensemble
 * member; every row of the dataset is transformed so that members can index any of them.
 */
import type { Dataset } from '../data/dataset.ts';
import { LoadScaler, type LoadTransform, StandardScaler } from '../data/scalers.ts';
import type { Split } from '../data/split.ts';
import { type SampleWeighting, sampleWeights } from '../data/weights.ts';
import type { MemberPlan, TrainingArrays } from '../train/trainer.ts';
import { InputError } from '../util/errors.ts';
import { Rng } from '../util/rng.ts';

export interface Prepared {
  arrays: TrainingArrays;
  loadScaler: LoadScaler;
  hvScaler: StandardScaler;
}

export function prepareArrays(
  ds: Dataset,
  split: Split,
  loadTransform: LoadTransform,
  weighting: SampleWeighting,
): Prepared {
  const tf = split.trainFit;
  const loadScaler = LoadScaler.fit(
    tf.map((r) => ds.load[r]),
    loadTransform,
  );
  const hvScaler = StandardScaler.fit(tf.map((r) => ds.hv[r]));
  const n = ds.nRows;
  const w = new Float32Array(n).fill(1);
  const wt = sampleWeights(ds, tf, weighting);
  tf.forEach((r, i) => {
    w[r] = wt[i];
  });
  return {
    arrays: {
      x: Float32Array.from(ds.x),
      load: Float32Array.from(ds.load, (L) => loadScaler.transform(L)),
      y: Float32Array.from(ds.hv, (h) => hvScaler.transform(h)),
      w,
      nElements: ds.elements.length,
    },
    loadScaler,
    hvScaler,
  };
}

/**
 * Member plans (SPEC §4): for each seed s and CV fold k, train on train_fit minus fold k and stop
 * on fold k, seeded 1000·s + k (as the PyTorch peer). Without folds: one network per seed on a
 * seeded 15 % hold-out of train_fit.
 */
export function memberPlans(
  split: Split,
  seeds: readonly number[],
  holdoutFraction = 0.15,
): MemberPlan[] {
  const plans: MemberPlan[] = [];
  for (const s of seeds) {
    if (split.cvFolds.length >= 2) {
      split.cvFolds.forEach((fold, k) => {
        const inFold = new Set(fold);
        plans.push({
          train: split.trainFit.filter((r) => !inFold.has(r)),
          val: [...fold],
          seed: 1000 * s + k,
        });
      });
    } else {
      const perm = new Rng(`holdout-${s}`).shuffle([...split.trainFit]);
      const nVal = Math.max(1, Math.round(holdoutFraction * perm.length));
      if (perm.length - nVal < 2)
        throw new InputError(`train_fit has only ${perm.length} rows; too few to train`);
      plans.push({
        train: perm.slice(nVal).sort((a, b) => a - b),
        val: perm.slice(0, nVal).sort((a, b) => a - b),
        seed: 1000 * s,
      });
    }
  }
  return plans;
}
