import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { initBackend } from '../../src/nn/backend.ts';
import { forward } from '../../src/nn/model.ts';
import { compositionKeys } from '../../src/nn/noise.ts';
import { disposeNoise, mcNoise } from '../../src/nn/sampling.ts';
import * as tf from '../../src/nn/tf.ts';
import { LCB_Z, poolMembers, predictMC } from '../../src/uq/predict.ts';
import { syntheticData, tinyModel } from '../nn/helpers.ts';

describe('MC-dropout prediction and ensemble pooling (SPEC §5)', () => {
  before(async () => {
    await initBackend('wasm');
  });
  const d = syntheticData(23, 6, 8);
  const scale = { mean: 1000, std: 400 };

  it('pools by the law of total variance (hand computation)', () => {
    // two members, one row: means 10 and 14, variances 4 and 9
    const p = poolMembers([[10], [14]], [[4], [9]]);
    assert.equal(p.mean[0], 12);
    // mean variance 6.5 + variance of means ((10−12)² + (14−12)²)/2 = 4 → σ² = 10.5
    assert.ok(Math.abs(p.std[0] - Math.sqrt(10.5)) < 1e-12);
  });

  it('pooled statistics equal a direct computation over the returned samples', () => {
    const m = tinyModel({ dropout: 0.3 }, 3);
    const r = predictMC(m, d.x, d.load, {
      passes: 11,
      seed: 3,
      scale,
      returnSamples: true,
      returnMembers: true,
    });
    const S = 11;
    const n = d.load.length;
    const s = r.samples as Float32Array;
    for (let i = 0; i < n; i++) {
      const means: number[] = [];
      const vars: number[] = [];
      for (let k = 0; k < 3; k++) {
        let a = 0;
        for (let j = 0; j < S; j++) a += s[(k * S + j) * n + i];
        a /= S;
        let v = 0;
        for (let j = 0; j < S; j++) v += (s[(k * S + j) * n + i] - a) ** 2;
        means.push(a);
        vars.push(v / S);
      }
      const mu = means.reduce((p, q) => p + q, 0) / 3;
      const sig2 =
        vars.reduce((p, q) => p + q, 0) / 3 + means.reduce((p, q) => p + (q - mu) ** 2, 0) / 3;
      // samples are float32 HV values (~1e3): 1e-3 HV absolute
      assert.ok(Math.abs(r.mean[i] - mu) < 1e-3);
      assert.ok(Math.abs(r.std[i] - Math.sqrt(sig2)) < 1e-3);
      assert.ok(Math.abs(r.lcb[i] - (r.mean[i] - LCB_Z * r.std[i])) < 1e-9);
      assert.ok(Math.abs((r.memberMeans as Float64Array[])[1][i] - means[1]) < 1e-3);
    }
  });

  it('is seeded (same seed → identical μ, σ; another seed differs) and independent of the chunk size', () => {
    const m = tinyModel({ dropout: 0.3 }, 2);
    const a = predictMC(m, d.x, d.load, { passes: 9, seed: 5, scale });
    const b = predictMC(m, d.x, d.load, { passes: 9, seed: 5, scale, maxTiledRows: 2 * 9 * 4 }); // 4 rows per chunk
    const c = predictMC(m, d.x, d.load, { passes: 9, seed: 6, scale });
    assert.deepEqual(b.mean, a.mean);
    assert.deepEqual(b.std, a.std);
    assert.notDeepEqual(c.mean, a.mean);
    // a member's predictions do not depend on the other members of the stack
    const solo = predictMC(m.member(0), d.x, d.load, {
      passes: 9,
      seed: 5,
      scale,
      returnMembers: true,
    });
    const both = predictMC(m, d.x, d.load, { passes: 9, seed: 5, scale, returnMembers: true });
    assert.deepEqual(
      (solo.memberMeans as Float64Array[])[0],
      (both.memberMeans as Float64Array[])[0],
    );
  });

  it('the batched path (rows expanded to the passes inside the network, masks generated in the kernels) equals explicit tiling with mask tensors', () => {
    for (const over of [{}, { pairwiseBranch: true, loadJoin: 'after-bottleneck' as const }]) {
      const m = tinyModel({ dropout: 0.3, ...over }, 2);
      const S = 9;
      const n = 23;
      const E = 6;
      const r = predictMC(m, d.x, d.load, { passes: S, seed: 5, returnSamples: true });
      // MC prediction keys the masks by composition (SPEC §5)
      const noise = mcNoise(m.options, [5 + 7919, 5 + 2 * 7919], S, 0, n, compositionKeys(d.x, E));
      const xt = new Float32Array(S * n * E);
      const lt = new Float32Array(S * n);
      for (let s = 0; s < S; s++) {
        xt.set(d.x, s * n * E);
        lt.set(d.load, s * n);
      }
      const y = tf.tidy(() =>
        forward(
          { options: m.options, params: m.tensors() },
          { x: tf.tensor3d(xt, [1, S * n, E]), load: tf.tensor3d(lt, [1, S * n, 1]) },
          { training: false, mc: true, noise, decoder: false },
        ).yhat.dataSync(),
      );
      disposeNoise(noise);
      const smp = r.samples as Float32Array;
      // same arithmetic except the row count of the first products: float32 rounding only
      for (let i = 0; i < y.length; i++)
        assert.ok(Math.abs(smp[i] - y[i]) < 1e-5 * Math.max(1, Math.abs(y[i])));
    }
  });

  it('dropout 0: one network gives σ = 0 and μ = the deterministic prediction; BatchNorm statistics unchanged', () => {
    const m = tinyModel({ dropout: 0 }, 1);
    const before = m.clone();
    const r = predictMC(m, d.x, d.load, { passes: 5, seed: 1, scale });
    const det = tf.tidy(() =>
      forward(
        { options: m.options, params: m.tensors() },
        { x: tf.tensor3d(d.x, [1, 23, 6]), load: tf.tensor3d(d.load, [1, 23, 1]) },
        { training: false, decoder: false },
      ).yhat.dataSync(),
    );
    for (let i = 0; i < 23; i++) {
      assert.ok(r.std[i] < 1e-3, 'no spread without dropout'); // float rounding of identical passes
      assert.ok(Math.abs(r.mean[i] - (scale.mean + scale.std * det[i])) < 1e-3);
    }
    for (const [name, v] of before.values) assert.deepEqual(m.values.get(name), v);
    // a positive rate gives spread
    const r2 = predictMC(tinyModel({ dropout: 0.3 }, 1), d.x, d.load, {
      passes: 20,
      seed: 1,
      scale,
    });
    assert.ok(r2.std.every((s) => s > 1e-2));
  });

  it('keeps the tensor count stable across predict calls', () => {
    const m = tinyModel({ dropout: 0.2, pairwiseBranch: true }, 2);
    predictMC(m, d.x, d.load, { passes: 4, seed: 1 }); // warm-up (cached constants)
    const start = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) predictMC(m, d.x, d.load, { passes: 4, seed: i, maxTiledRows: 50 });
    assert.equal(tf.memory().numTensors, start);
  });
});
