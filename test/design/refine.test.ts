import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { loadDataset, selectSplit } from '../../src/data/index.ts';
import { designData } from '../../src/design/data.ts';
import {
  DEFAULT_DESIGN_OPTIONS,
  designThresholds,
  fitLatentDensity,
  type RefineContext,
} from '../../src/design/pipeline.ts';
import { makeRefiner } from '../../src/design/refine.ts';
import { HardnessModel } from '../../src/model/hardness-model.ts';
import * as tf from '../../src/nn/tf.ts';
import { Rng } from '../../src/util/rng.ts';
import { sharedData } from '../helpers/paths.ts';

// Gradient refinement (SPEC §9.4) on a --quick model of the reference data.
describe('gradient refinement', () => {
  let model: HardnessModel;
  let ctx: Omit<RefineContext, 'rng'>;
  let seeds: number[][];

  before(async () => {
    const ds = loadDataset(sharedData('H_v_dataset.csv'));
    const split = selectSplit(ds);
    ({ model } = await HardnessModel.fit(ds, split, {
      preset: 'default',
      seed: 1,
      seeds: 1,
      quick: true,
    }));
    const data = designData(ds, split, model.elements);
    const o = {
      ...DEFAULT_DESIGN_OPTIONS,
      calibrationPasses: 20,
      gmm: { kMin: 1, kMax: 2, nInit: 2 },
    };
    const rng = new Rng(1);
    const d = await fitLatentDensity(model, data, o, rng);
    const t = await designThresholds(model, data, o, rng, d.logpThreshold);
    ctx = { load: 0.5, frame: d.frame, gmm: d.gmm, thresholds: t.thresholds, window: t.window };
    seeds = d.trainU.slice(0, 4);
  });

  it('leaves no tensors behind, is reproducible for a seed, and records the trajectory', async () => {
    const refine = makeRefiner(model, {
      maxSteps: 30,
      patience: 1000,
      passes: 4,
      lr: 0.05,
      snapshots: [0, 10],
    });
    const n0 = tf.memory().numTensors;
    const a = await refine(seeds, { ...ctx, rng: new Rng(2) });
    assert.equal(tf.memory().numTensors, n0, 'tensors leaked by a refinement run');
    const b = await refine(seeds, { ...ctx, rng: new Rng(2) });
    assert.equal(tf.memory().numTensors, n0);
    assert.deepEqual(a, b, 'same seed, same refinement');
    assert.equal(a.steps, 30);
    assert.deepEqual(
      a.trajectory.map((p) => p.step),
      [0, 10, 30],
    );
    // a weak (--quick) model has a near-singular latent GMM: far from every component the
    // Mahalanobis soft-min once underflowed to log 0 and turned the latents into NaN
    for (const p of a.trajectory)
      assert.ok(Number.isFinite(p.objective), JSON.stringify(a.trajectory.map((q) => q.objective)));
    for (const z of a.z) for (const v of z) assert.ok(Number.isFinite(v));
    assert.equal(a.z.length, seeds.length);
    assert.equal(a.z[0].length, ctx.frame.dim);
  });
});
