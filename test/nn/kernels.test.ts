import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { initBackend } from '../../src/nn/backend.ts';
import {
  fastGroupedMatMul,
  groupedMatMul,
  groupedMatMulReference,
  setGroupedMatMulEngine,
  setGroupedMatMulReference,
} from '../../src/nn/kernels.ts';
import * as tf from '../../src/nn/tf.ts';
import { maxRelDiff } from './helpers.ts';

describe('grouped matmul (wasm XNNPACK per group vs stock tfjs ops)', () => {
  before(async () => {
    const info = await initBackend('wasm');
    assert.equal(info.backend, 'wasm', 'the wasm backend must load here');
    assert.equal(fastGroupedMatMul(), true);
  });

  for (const [tA, tB] of [
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ] as const) {
    for (const Ga of [1, 3]) {
      it(`transposeA=${tA} transposeB=${tB}, a groups ${Ga}: values and gradients`, () => {
        const G = 3;
        const [R, K, N] = [5, 7, 4];
        const start = tf.memory().numTensors;
        tf.tidy(() => {
          const a = tf.randomNormal(
            tA ? [Ga, K, R] : [Ga, R, K],
            0,
            1,
            'float32',
            1,
          ) as tf.Tensor3D;
          const b = tf.randomNormal(tB ? [G, N, K] : [G, K, N], 0, 1, 'float32', 2) as tf.Tensor3D;
          const bias = tf.randomNormal([G, N], 0, 1, 'float32', 3) as tf.Tensor2D;
          const wts = tf.randomNormal([G, R, N], 0, 1, 'float32', 4);
          for (const act of ['linear', 'relu'] as const) {
            const y1 = groupedMatMul(a, b, {
              bias,
              transposeA: tA,
              transposeB: tB,
              activation: act,
            });
            const y2 = groupedMatMulReference(a, b, bias, tA, tB, act);
            // float32 products of 7 terms: agreement to a few ulps of the output scale
            assert.ok(maxRelDiff(y1.dataSync(), y2.dataSync()) < 1e-5);
            const loss = (x: tf.Tensor, w: tf.Tensor, c: tf.Tensor) =>
              tf.sum(
                tf.mul(
                  groupedMatMul(x as tf.Tensor3D, w as tf.Tensor3D, {
                    bias: c as tf.Tensor2D,
                    transposeA: tA,
                    transposeB: tB,
                    activation: act,
                  }),
                  wts,
                ),
              );
            const g1 = tf.grads(loss)([a, b, bias]);
            setGroupedMatMulReference(true);
            const g2 = tf.grads(loss)([a, b, bias]);
            setGroupedMatMulReference(false);
            for (let i = 0; i < 3; i++) {
              assert.deepEqual(g1[i].shape, g2[i].shape);
              assert.ok(maxRelDiff(g1[i].dataSync(), g2[i].dataSync()) < 1e-5, `gradient ${i}`);
            }
          }
        });
        assert.equal(tf.memory().numTensors, start, 'no tensor leaks');
      });
    }
  }

  it('large operands with few rows (transposed backward path) agree with the reference', () => {
    tf.tidy(() => {
      for (const [tA, tB] of [
        [false, true],
        [true, true],
      ] as const) {
        const a = tf.randomNormal(
          tA ? [2, 300, 3] : [2, 3, 300],
          0,
          1,
          'float32',
          5,
        ) as tf.Tensor3D;
        const b = tf.randomNormal(
          tB ? [2, 200, 300] : [2, 300, 200],
          0,
          1,
          'float32',
          6,
        ) as tf.Tensor3D;
        const y1 = groupedMatMul(a, b, { transposeA: tA, transposeB: tB });
        const y2 = groupedMatMulReference(a, b, null, tA, tB, 'linear');
        // sums of 300 float32 products in different orders: relative to the output scale
        assert.ok(maxRelDiff(y1.dataSync(), y2.dataSync()) < 1e-5);
      }
    });
  });
});

describe('grouped matmul: the SIMD product equals XNNPACK bit for bit', () => {
  before(async () => {
    await initBackend('wasm');
    assert.equal(fastGroupedMatMul(), true);
  });

  // The products of a training step of the default network (rows 32 and a ragged 30; the
  // widths of the attention, composition, latent, head, decoder and descriptor layers, the
  // one-output heads; forward, dA = dY·Bᵀ and dB = Aᵀ·dY), and shared (1-group) operands.
  const shapes: [number, number, number][] = [
    [32, 56, 224],
    [30, 224, 128],
    [32, 128, 64],
    [30, 56, 24],
    [32, 15, 32],
    [30, 96, 64],
    [32, 64, 1],
    [32, 64, 56],
    [224, 30, 128],
    [3, 5, 9],
  ];
  for (const [R, K, N] of shapes) {
    it(`${R}×${K}·${K}×${N}: every transpose, with and without bias and ReLU, shared operands`, () => {
      const start = tf.memory().numTensors;
      tf.tidy(() => {
        const G = 3;
        for (const [tA, tB] of [
          [false, false],
          [true, false],
          [false, true],
          [true, true],
        ] as const) {
          for (const [Ga, Gb] of [
            [G, G],
            [1, G],
            [G, 1],
          ]) {
            const a = tf.randomNormal(
              tA ? [Ga, K, R] : [Ga, R, K],
              0,
              1,
              'float32',
              11,
            ) as tf.Tensor3D;
            const b = tf.randomNormal(
              tB ? [Gb, N, K] : [Gb, K, N],
              0,
              1,
              'float32',
              12,
            ) as tf.Tensor3D;
            const bias = tf.randomNormal([G, N], 0, 1, 'float32', 13) as tf.Tensor2D;
            for (const [withBias, act] of [
              [false, 'linear'],
              [true, 'linear'],
              [true, 'relu'],
            ] as const) {
              const opts = {
                bias: withBias ? bias : null,
                transposeA: tA,
                transposeB: tB,
                activation: act,
              };
              setGroupedMatMulEngine('xnnpack');
              const ref = groupedMatMul(a, b, opts).dataSync();
              setGroupedMatMulEngine('simd');
              const y = groupedMatMul(a, b, opts).dataSync();
              let differ = 0;
              for (let i = 0; i < y.length; i++) if (!Object.is(y[i], ref[i])) differ++;
              assert.equal(
                differ,
                0,
                `tA=${tA} tB=${tB} Ga=${Ga} Gb=${Gb} bias=${withBias} ${act}`,
              );
            }
          }
        }
      });
      setGroupedMatMulEngine('simd');
      assert.equal(tf.memory().numTensors, start);
    });
  }
});
