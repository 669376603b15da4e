import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { initBackend } from '../../src/nn/backend.ts';
import { fusedBlock, setBatchNormEngine } from '../../src/nn/fused.ts';
import * as tf from '../../src/nn/tf.ts';

/**
 * The SIMD batch norm (src/nn/bn-wasm.ts) against the JS loops of fused.ts, bit for bit: forward
 * outputs, batch statistics and every gradient of the fused block, in training (with and without
 * row weights: ragged members with padding rows of weight 0; with and without dropout masks,
 * shared or per member) and in inference (moving statistics). Both compute the same float64
 * operations in the same order per unit, so any difference is a bug.
 */
describe('fused block: SIMD batch norm equals the JS loops bit for bit', () => {
  before(async () => {
    await initBackend('wasm');
  });

  const run = (
    engine: 'simd' | 'js',
    M: number,
    B: number,
    inW: number,
    w: number,
    training: boolean,
    ragged: boolean,
    maskGroups: number,
  ): number[][] => {
    setBatchNormEngine(engine);
    try {
      return tf.tidy(() => {
        const h = tf.randomNormal([M, B, inW], 0, 1, 'float32', 21);
        const W = tf.randomNormal([M, inW, w], 0, 0.3, 'float32', 22);
        const b = tf.randomNormal([M, w], 0, 0.1, 'float32', 23);
        const gamma = tf.randomNormal([M, w], 1, 0.2, 'float32', 24);
        const beta = tf.randomNormal([M, w], 0, 0.2, 'float32', 25);
        const mask =
          maskGroups > 0
            ? tf.mul(
                tf.cast(
                  tf.greater(tf.randomUniform([maskGroups, B, w], 0, 1, 'float32', 26), 0.1),
                  'float32',
                ),
                1 / 0.9,
              )
            : undefined;
        // member m counts B − 3m rows (1/count each), the rest are padding rows (weight 0)
        const rwv = new Float32Array(M * B);
        for (let m = 0; m < M; m++) {
          const n = ragged ? B - 3 * m : B;
          for (let r = 0; r < n; r++) rwv[m * B + r] = 1 / n;
        }
        const rowWeights = training ? tf.tensor3d(rwv, [M, 1, B]) : undefined;
        const movingMean = training ? undefined : tf.randomNormal([M, w], 0.3, 0.1, 'float32', 27);
        const movingVar = training ? undefined : tf.randomUniform([M, w], 0.5, 2, 'float32', 28);
        const dy = tf.randomNormal([M, B, w], 0, 1, 'float32', 29);
        const out: number[][] = [];
        const g = tf.grads(
          (hh: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor, gg: tf.Tensor, be: tf.Tensor) => {
            const o = fusedBlock(hh, ww, bb, gg, be, {
              training,
              eps: 1e-3,
              rowWeights,
              movingMean,
              movingVar,
              mask,
            });
            if (o.mean)
              out.push(
                Array.from(o.mean.dataSync()),
                Array.from((o.variance as tf.Tensor).dataSync()),
              );
            o.mean?.dispose();
            o.variance?.dispose();
            out.push(Array.from(o.y.dataSync()));
            return tf.sum(tf.mul(o.y, dy));
          },
        );
        for (const t of g([h, W, b, gamma, beta])) out.push(Array.from(t.dataSync()));
        return out;
      });
    } finally {
      setBatchNormEngine('simd');
    }
  };

  for (const [training, ragged, maskGroups, w] of [
    [true, false, 0, 64],
    [true, true, 3, 128],
    [true, true, 1, 32],
    [true, false, 3, 6],
    [false, false, 0, 64],
    [false, false, 3, 32],
  ] as const) {
    it(`${training ? 'training' : 'inference'}, ${ragged ? 'ragged members' : 'full batches'}, masks ${maskGroups}, width ${w}`, () => {
      const start = tf.memory().numTensors;
      const js = run('js', 3, 32, 20, w, training, ragged, maskGroups);
      const simd = run('simd', 3, 32, 20, w, training, ragged, maskGroups);
      assert.equal(simd.length, js.length);
      js.forEach((a, i) => {
        let differ = 0;
        for (let k = 0; k < a.length; k++) if (!Object.is(a[k], simd[i][k])) differ++;
        assert.equal(differ, 0, `output ${i}: ${differ} of ${a.length} values differ`);
      });
      assert.equal(tf.memory().numTensors, start);
    });
  }

  for (const [tile, keyed, w] of [
    [true, false, 64],
    [false, false, 32],
    [true, true, 128],
    [false, true, 6],
  ] as const) {
    it(`MC-dropout masks inside the kernel (inference): tile ${tile}, row keys ${keyed}, width ${w}`, () => {
      const start = tf.memory().numTensors;
      const run = (engine: 'simd' | 'js'): number[] => {
        setBatchNormEngine(engine);
        try {
          return tf.tidy(() => {
            const M = 3;
            const R = 7;
            const S = 5;
            const h = tf.randomNormal([M, tile ? R : S * R, 20], 0, 1, 'float32', 31);
            const W = tf.randomNormal([M, 20, w], 0, 0.3, 'float32', 32);
            const b = tf.randomNormal([M, w], 0, 0.1, 'float32', 33);
            const gamma = tf.randomNormal([M, w], 1, 0.2, 'float32', 34);
            const beta = tf.randomNormal([M, w], 0, 0.2, 'float32', 35);
            const movingMean = tf.randomNormal([M, w], 0.3, 0.1, 'float32', 36);
            const movingVar = tf.randomUniform([M, w], 0.5, 2, 'float32', 37);
            const o = fusedBlock(h, W, b, gamma, beta, {
              training: false,
              eps: 1e-3,
              movingMean,
              movingVar,
              hash: {
                seeds: [11, 22, 33],
                rate: 0.1,
                passes: S,
                rowStart: 4,
                tile,
                rowKeys: keyed ? [5, 9, 2, 7, 1, 3, 8] : undefined,
              },
            });
            return Array.from(o.y.dataSync());
          });
        } finally {
          setBatchNormEngine('simd');
        }
      };
      const js = run('js');
      const simd = run('simd');
      assert.equal(simd.length, js.length);
      let differ = 0;
      let zeros = 0;
      for (let k = 0; k < js.length; k++) {
        if (!Object.is(js[k], simd[k])) differ++;
        if (js[k] === 0) zeros++;
      }
      assert.equal(differ, 0, `${differ} of ${js.length} values differ`);
      assert.ok(zeros > 0, 'some units are dropped');
      assert.equal(tf.memory().numTensors, start);
    });
  }
});
