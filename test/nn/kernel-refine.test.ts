/**
 * The design refinement's objective (SPEC §9.4) by the JS/wasm kernels against the tfjs reference
 * (src/design/refine.ts, engines 'kernel' and 'tfjs'), on a --quick default-preset model (Meyer
 * head + descriptor branch) of the reference data: value, per-seed LCB and objective terms, and
 * the gradient with respect to the frame coordinates, at the seeds and after a few steps away
 * from them; with and without a banned element.
 *
 * Tolerances: the tfjs side is float32 throughout; the kernel side computes the products in
 * float32 and the rest in float64. The objective is a sum of terms of a few thousand HV, so
 * float32 rounding alone is ~1e-4 HV per term; we allow 1e-5 relative to the objective's scale
 * on values and 1e-4 relative to the gradient's largest component (the σ term differentiates a
 * variance of 40 float32 samples, whose rounding is amplified by 1/σ). Observed: 1e-7 and 3e-7.
 */
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
import { DEFAULT_REFINE_OPTIONS, refineObjective } from '../../src/design/refine.ts';
import { HardnessModel } from '../../src/model/hardness-model.ts';
import { initBackend } from '../../src/nn/backend.ts';
import * as tf from '../../src/nn/tf.ts';
import { Rng } from '../../src/util/rng.ts';
import { quickModel } from '../helpers/model-cache.ts';
import { sharedData } from '../helpers/paths.ts';

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('refinement objective: kernel engine vs tfjs engine', () => {
  let model: HardnessModel;
  let ctx: RefineContext;
  let seeds: number[][];

  before(async () => {
    await initBackend('wasm');
    model = await HardnessModel.load(await quickModel());
    const ds = loadDataset(sharedData('H_v_dataset.csv'));
    const split = selectSplit(ds);
    const data = designData(ds, split, model.elements);
    const o = {
      ...DEFAULT_DESIGN_OPTIONS,
      calibrationPasses: 20,
      gmm: { kMin: 1, kMax: 3, nInit: 2 },
    };
    const rng = new Rng(1);
    const d = await fitLatentDensity(model, data, o, rng);
    const t = await designThresholds(model, data, o, rng, d.logpThreshold);
    ctx = {
      load: 0.5,
      frame: d.frame,
      gmm: d.gmm,
      thresholds: t.thresholds,
      window: t.window,
      rng: new Rng(3),
    };
    // seeds spread over the training latents, two of them close together (repulsion active)
    seeds = [0, 37, 81, 122, 160, 200].map((i) => [...d.trainU[i]]);
    seeds.push(seeds[0].map((v, i) => v + (i === 0 ? 0.2 : 0)));
  });

  for (const banned of [false, true]) {
    it(`same value, LCB and gradient${banned ? ' with a banned element' : ''}`, () => {
      const c: RefineContext = banned
        ? { ...ctx, mask: model.elements.map((e) => e !== 'B' && e !== 'Fe') }
        : ctx;
      const o = { ...DEFAULT_REFINE_OPTIONS, passes: 8 };
      const memberSeeds = Array.from({ length: model.nMembers }, (_, k) => 100 + k);
      const n0 = tf.memory().numTensors;
      const fk = refineObjective(model, seeds.length, c, { ...o, engine: 'kernel' }, memberSeeds);
      const ft = refineObjective(model, seeds.length, c, { ...o, engine: 'tfjs' }, memberSeeds);
      assert.equal(fk.engine, 'kernel');
      assert.equal(ft.engine, 'tfjs');
      let u = Float64Array.from(seeds.flat());
      for (let step = 0; step < 3; step++) {
        const a = fk.evaluate(u);
        const b = ft.evaluate(u);
        const scale = Math.max(1, Math.abs(b.objective), maxAbs(b.perSeed));
        assert.ok(
          Math.abs(a.objective - b.objective) < 1e-5 * scale,
          `objective ${a.objective} vs ${b.objective}`,
        );
        assert.ok(maxAbsDiff(a.lcb, b.lcb) < 1e-5 * scale, `LCB ${maxAbsDiff(a.lcb, b.lcb)}`);
        assert.ok(maxAbsDiff(a.perSeed, b.perSeed) < 1e-5 * scale, 'per-seed objective');
        const gs = maxAbs(b.grad);
        assert.ok(gs > 0, 'the gradient is not zero');
        assert.ok(
          maxAbsDiff(a.grad, b.grad) < 1e-4 * gs,
          `gradient ${maxAbsDiff(a.grad, b.grad)} of ${gs}`,
        );
        // move along the negative gradient (a few latent units) and compare again
        const g = Float64Array.from(a.grad);
        u = u.map((v, i) => v - (0.5 * g[i]) / gs);
      }
      fk.dispose();
      ft.dispose();
      assert.equal(tf.memory().numTensors, n0, 'tensors leaked');
    });
  }
});
