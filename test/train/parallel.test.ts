/**
 * Training on worker threads (src/train/parallel.ts) against one stacked run in this thread: the
 * same weights bit for bit, the same reports, one merged progress event per epoch, members that
 * stop early at different epochs, and errors from a thread. And what it rests on: a member's
 * training does not depend on the other members of its stack, also when its batches are padded to
 * a wider member's (with the descriptor branch, whose δ of an all-zero padding row was infinite).
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { loadDataset } from '../../src/data/dataset.ts';
import { setDescriptorParams } from '../../src/model/descriptors.ts';
import { initBackend } from '../../src/nn/backend.ts';
import { VibannModel } from '../../src/nn/params.ts';
import { memberGroups, trainEnsembleParallel } from '../../src/train/parallel.ts';
import {
  type EpochEvent,
  type MemberPlan,
  type MemberReport,
  trainEnsemble,
} from '../../src/train/trainer.ts';
import { Rng } from '../../src/util/rng.ts';
import { sharedData } from '../helpers/paths.ts';
import { syntheticData, tinyOptions } from '../nn/helpers.ts';

const E = 6;
const data = syntheticData(80, E, 21);
const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);
/** The bits of float32 weights, for exact comparison. */
const bits = (v: Float32Array) => new Uint32Array(v.buffer, v.byteOffset, v.length);

/** A freshly initialised stack with the descriptor branch's constants set for `elements`. */
function initWithDescriptors(
  options: ReturnType<typeof tinyOptions>,
  seeds: number[],
  elements: readonly string[],
  fitX: Float32Array,
): VibannModel {
  const m = VibannModel.init(
    options,
    seeds.map((s) => new Rng(s).fork('init')),
  );
  setDescriptorParams(m, [...elements], fitX);
  return m;
}

function initFor(seeds: number[]): VibannModel {
  return VibannModel.init(
    tinyOptions({ descriptors: false }),
    seeds.map((s) => new Rng(s).fork('init')),
  );
}

describe('training on worker threads', () => {
  before(async () => {
    await initBackend('wasm');
  });

  it('splits the members into contiguous groups, larger first', () => {
    assert.deepEqual(memberGroups(5, 2), [
      [0, 1, 2],
      [3, 4],
    ]);
    assert.deepEqual(memberGroups(3, 3), [[0], [1], [2]]);
    assert.deepEqual(memberGroups(2, 4), [[0], [1]]);
  });

  it('gives every member the weights and report of the one-thread run, bit for bit', async () => {
    const seeds = [11, 12, 13, 14, 15];
    // different row sets and sizes, and a short patience, so members stop at different epochs
    const plans: MemberPlan[] = seeds.map((seed, k) => ({
      train: range(0, 50 + 4 * k),
      val: range(60, 80),
      seed,
    }));
    const hyper = {
      lr: 5e-3,
      batchSize: 8,
      maxEpochs: 12,
      patience: 3,
      beta: { mode: 'controller' as const },
    };
    const one = await trainEnsemble(initFor(seeds), data, plans, hyper);
    const events: EpochEvent[] = [];
    let steps = 0;
    const two = await trainEnsembleParallel(initFor(seeds), data, plans, {
      ...hyper,
      threads: 2,
      onEpoch: (e) => events.push(e),
      onStep: () => {
        steps++;
      },
    });
    for (const s of one.model.specs) {
      const a = one.model.values.get(s.name) as Float32Array;
      const b = two.model.values.get(s.name) as Float32Array;
      assert.deepEqual(bits(b), bits(a), s.name);
    }
    const strip = (r: (typeof one.members)[number]) => ({
      ...r,
      wallS: 0,
      history: r.history.map((h) => ({ ...h, wallMs: 0 })),
    });
    assert.deepEqual(two.members.map(strip), one.members.map(strip));
    const epochs = Math.max(...one.members.map((m) => m.epochsRun));
    assert.ok(
      new Set(one.members.map((m) => m.epochsRun)).size > 1,
      'members stopped at different epochs',
    );
    assert.deepEqual(
      events.map((e) => e.epoch),
      range(1, epochs + 1),
    );
    for (const e of events) {
      assert.equal(e.members.length, 5);
      for (const m of e.members) {
        const rep = one.members[m.member];
        assert.equal(m.record !== null, e.epoch <= rep.epochsRun, `${e.epoch} ${m.member}`);
        if (m.record) assert.equal(m.record.valMse, rep.history[e.epoch - 1].valMse);
      }
    }
    assert.ok(steps > 0);
  });

  it('a member padded to a wider member’s batch trains as alone (descriptor branch on): same bits, finite', async () => {
    // regression: padding rows were all-zero compositions, whose δ descriptor is infinite; 0 · ∞
    // made the padded member's descriptor-branch gradient NaN (the grouped CV of the uncertainty
    // fit, whose networks have different row counts, lost their descriptor branches this way)
    const elements = ['B', 'Fe', 'Nb', 'Co', 'Zr', 'Cu'];
    const options = tinyOptions({ descriptors: true, descHidden: [4] });
    const init = (seeds: number[]) =>
      initWithDescriptors(options, seeds, elements, data.x.subarray(0, 60 * E));
    // batch 8: member 0 has 7 batches (the last of 2 rows), member 1 six (the last of 5 rows),
    // so in step 6 member 1's 5 rows are padded to member 0's 8
    const plans: MemberPlan[] = [
      { train: range(0, 50), val: range(60, 80), seed: 21 },
      { train: range(5, 50), val: range(60, 75), seed: 22 },
    ];
    const hyper = {
      lr: 5e-3,
      batchSize: 8,
      maxEpochs: 3,
      patience: 10,
      beta: { mode: 'controller' as const },
    };
    const both = await trainEnsemble(init([21, 22]), data, plans, hyper);
    const alone = await trainEnsemble(init([21, 22]).select([1]), data, [plans[1]], hyper);
    for (const s of both.model.specs) {
      const all = both.model.values.get(s.name) as Float32Array;
      const a = all.subarray(all.length / 2);
      const b = alone.model.values.get(s.name) as Float32Array;
      assert.ok(
        a.every((v) => Number.isFinite(v)),
        `${s.name}: non-finite weights of the padded member`,
      );
      assert.deepEqual(bits(a), bits(b), s.name);
    }
    assert.equal(both.members[1].bestValMse, alone.members[0].bestValMse);
    // and on two threads (one member each)
    const two = await trainEnsembleParallel(init([21, 22]), data, plans, { ...hyper, threads: 2 });
    for (const s of both.model.specs) {
      const a = both.model.values.get(s.name) as Float32Array;
      const b = two.model.values.get(s.name) as Float32Array;
      assert.deepEqual(bits(b), bits(a), s.name);
    }
    assert.equal(two.threads, 2);
  });

  it('a member trains as alone in any stack: the element basis of the data (E > 48), different row counts, early stops', async () => {
    // regression (issue 16, `lofo --family Cu,Mg,Yb`): the descriptor branch's products x·props
    // and x·hmix were stock tf.matMul, which the wasm backend runs on XNNPACK for one member
    // ([1, B, E]) and on its blocked loop (the inner dimension in blocks of 48: products with 56
    // inner terms differed in the last bits, with ≤ 49 they did not) for a stack: with the
    // dataset's 56 elements a member's descriptors differed once it trained alone (its
    // companions stopped early, or on a thread of its own), and its weights went their own way
    // (one grouped-CV network of 5: μ 540 vs 713 HV on a held-out row)
    const elements = loadDataset(sharedData('H_v_dataset.csv')).elements;
    const El = elements.length;
    assert.ok(El > 48, `${El} elements`);
    const d = syntheticData(120, El, 31);
    const options = tinyOptions({
      nElements: El,
      descriptors: true,
      descHidden: [4],
      loadHead: 'meyer',
      hvZero: -2,
    });
    const seeds = [31, 32, 33];
    const init = () => initWithDescriptors(options, seeds, elements, d.x.subarray(0, 100 * El));
    // the grouped-CV pattern: train sets of different sizes (one much smaller), so members are
    // padded to wider ones and have steps without rows; a short patience, so they stop at
    // different epochs and the last one trains on alone in the stack
    const plans: MemberPlan[] = [
      { train: range(0, 70), val: range(100, 120), seed: 31 },
      { train: range(20, 66), val: range(100, 112), seed: 32 },
      { train: range(50, 73), val: range(106, 120), seed: 33 },
    ];
    const hyper = {
      lr: 5e-3,
      batchSize: 8,
      maxEpochs: 14,
      patience: 2,
      beta: { mode: 'controller' as const },
    };
    const strip = (r: MemberReport) => ({
      ...r,
      member: 0,
      wallS: 0,
      history: r.history.map((h) => ({ ...h, wallMs: 0 })),
    });
    const stack = await trainEnsemble(init(), d, plans, hyper);
    assert.ok(
      new Set(stack.members.map((m) => m.epochsRun)).size > 1,
      `members stopped at different epochs: ${stack.members.map((m) => m.epochsRun)}`,
    );
    for (let k = 0; k < plans.length; k++) {
      const alone = await trainEnsemble(init().select([k]), d, [plans[k]], hyper);
      for (const s of stack.model.specs) {
        const all = stack.model.values.get(s.name) as Float32Array;
        const n = all.length / plans.length;
        const a = all.subarray(k * n, (k + 1) * n);
        assert.ok(
          a.every((v) => Number.isFinite(v)),
          `${s.name}: non-finite weights`,
        );
        assert.deepEqual(
          bits(a),
          bits(alone.model.values.get(s.name) as Float32Array),
          `member ${k}: ${s.name}`,
        );
      }
      assert.deepEqual(strip(alone.members[0]), strip(stack.members[k]), `member ${k}`);
    }
    // and on two threads (stacks of 2 + 1)
    const two = await trainEnsembleParallel(init(), d, plans, { ...hyper, threads: 2 });
    assert.equal(two.threads, 2);
    for (const s of stack.model.specs) {
      assert.deepEqual(
        bits(two.model.values.get(s.name) as Float32Array),
        bits(stack.model.values.get(s.name) as Float32Array),
        s.name,
      );
    }
  });

  it('reports an error raised in a thread', async () => {
    const seeds = [1, 2];
    const plans: MemberPlan[] = seeds.map((seed) => ({
      train: range(0, 40),
      val: range(60, 80),
      seed,
    }));
    // a NaN hardness makes the validation MSE never finite: trainEnsemble throws in the thread
    const bad = { ...data, y: data.y.map((v, i) => (i >= 60 ? Number.NaN : v)) };
    await assert.rejects(
      trainEnsembleParallel(initFor(seeds), bad, plans, {
        lr: 1e-3,
        batchSize: 8,
        maxEpochs: 2,
        patience: 5,
        beta: { mode: 'controller' },
        threads: 2,
      }),
      /training thread \d: member 0: the validation MSE was never finite/,
    );
  });
});
