/**
 * Training computes the descriptor branch's inputs once per row (`rowDescriptors`) and gathers
 * them per step (`gatherDescriptors`) instead of recomputing them from every batch: the gathered
 * values and the forward pass must be bit-identical to the per-batch computation, for a stack of
 * members with different constants and for padded (ragged) batches.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { initBackend } from '../../src/nn/backend.ts';
import { N_DESCRIPTORS, standardDescriptors } from '../../src/nn/descriptors.ts';
import { forward } from '../../src/nn/model.ts';
import { disposeNoise, trainingNoise } from '../../src/nn/sampling.ts';
import * as tf from '../../src/nn/tf.ts';
import { gatherDescriptors, rowDescriptors } from '../../src/train/trainer.ts';
import { Rng } from '../../src/util/rng.ts';
import { syntheticData, tinyModel } from '../nn/helpers.ts';

describe('training: descriptors computed once per row', () => {
  before(async () => {
    await initBackend('wasm');
  });

  it('gathered descriptors and the forward pass equal the per-batch computation bit for bit', () => {
    const M = 2;
    const m = tinyModel({ descriptors: true, descHidden: [4], attentionHeads: 0 }, M);
    const E = m.options.nElements;
    // per-member element constants and standardisation at generic values (the model layer fills
    // them from the element table; any values exercise the same ops)
    const rng = new Rng('desc-constants');
    for (const name of ['desc/props', 'desc/hmix', 'desc/shift', 'desc/scale']) {
      const v = m.values.get(name) as Float32Array;
      for (let i = 0; i < v.length; i++)
        v[i] = name === 'desc/scale' ? 0.5 + rng.uniform() : rng.uniform() * 2;
    }
    const data = syntheticData(40, E);
    const n = data.load.length;
    const desc = rowDescriptors(m, data);
    assert.ok(desc);
    assert.equal(desc.length, M * n * N_DESCRIPTORS);
    // a ragged step: member 0 has 5 rows, member 1 has 3 (padded with its first row)
    const rows = [
      [3, 17, 8, 30, 1],
      [22, 5, 39],
    ];
    const B = 5;
    const stack = [0, 1];
    const got = gatherDescriptors(desc, n, stack, rows, [0, 0], B);
    const xb = new Float32Array(M * B * E);
    const lb = new Float32Array(M * B);
    rows.forEach((r, j) => {
      for (let b = 0; b < B; b++) {
        const i = b < r.length ? r[b] : r[0];
        xb.set(data.x.subarray(i * E, (i + 1) * E), (j * B + b) * E);
        lb[j * B + b] = data.load[i];
      }
    });
    const all = m.tensors();
    const x = tf.tensor3d(xb, [M, B, E]);
    const load = tf.tensor3d(lb, [M, B, 1]);
    const ref = standardDescriptors(
      x,
      all['desc/props'],
      all['desc/hmix'],
      all['desc/shift'],
      all['desc/scale'],
    );
    assert.deepEqual(got, ref.dataSync());
    const noise = trainingNoise(m.options, B, [11, 12], [5, 3]);
    const d = tf.tensor3d(got, [M, B, N_DESCRIPTORS]);
    const net = { options: m.options, params: all };
    const run = (withDesc: boolean) =>
      tf.tidy(() => {
        const o = forward(
          net,
          { x, load, desc: withDesc ? d : undefined },
          { training: true, noise },
        );
        return [o.yhat.dataSync(), o.mu.dataSync(), o.z.dataSync()];
      });
    assert.deepEqual(run(true), run(false));
    // members whose rows in a step are none are padded with `pads` (as fillBatch pads x)
    const empty = gatherDescriptors(desc, n, stack, [[4], []], [0, 9], 2);
    assert.deepEqual(
      empty.subarray(2 * N_DESCRIPTORS),
      Float32Array.from(
        [9, 9].flatMap(() => [...desc.subarray((n + 9) * N_DESCRIPTORS, (n + 10) * N_DESCRIPTORS)]),
      ),
    );
    tf.dispose([...Object.values(all), x, load, ref, d]);
    disposeNoise(noise);
  });

  it('a model without the branch has none', () => {
    const m = tinyModel({ descriptors: false }, 1);
    assert.equal(rowDescriptors(m, syntheticData(5, m.options.nElements)), null);
  });
});
