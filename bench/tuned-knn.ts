/**
 * The tuned k-NN of `vibann baselines` / `vibann evaluate --splits` (the same search, seeded, on
 * log-load features) and its test predictions: `runBaselines` reports metrics only, so the best
 * parameters are refitted on train_fit here, and the refit's test MAE must equal the search's.
 */
import { foldData } from '../src/baselines/features.ts';
import { modelSpecs, type Params } from '../src/baselines/models.ts';
import { runBaselines } from '../src/baselines/runner.ts';
import type { Dataset } from '../src/data/dataset.ts';
import type { Split } from '../src/data/split.ts';
import { accuracyMetrics } from '../src/uq/metrics.ts';
import { Rng } from '../src/util/rng.ts';

export function tunedKnnTest(
  ds: Dataset,
  split: Split,
  seed: number,
): { predictions: number[]; params: Params } {
  const kr = runBaselines(ds, split, { models: ['knn'], seed, loadTransform: 'log' }).results[0];
  const fd = foldData(ds, split.trainFit, split.test, 'log');
  const predictions = Array.from(
    modelSpecs().knn.fit(kr.best_params, fd.xFit, fd.yFit, new Rng(seed)).predict(fd.xVal),
  );
  const mae = accuracyMetrics(fd.yVal, predictions).mae;
  if (Math.abs(mae - kr.test.mae) > 1e-9)
    throw new Error(`k-NN refit MAE ${mae} differs from the search's ${kr.test.mae}`);
  return { predictions, params: kr.best_params };
}
