/**
 * Training on worker threads (src/train/parallel.ts) against one stacked run in this thread: the
 * same weights bit for bit, the same reports, one merged progress event per epoch, members that
 * stop early at different epochs, and errors from a thread.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { initBackend } from '../../src/nn/backend.ts';
import { VibannModel } from '../../src/nn/params.ts';
import { memberGroups, trainEnsembleParallel } from '../../src/train/parallel.ts';
import { type EpochEvent, type MemberPlan, trainEnsemble } from '../../src/train/trainer.ts';
import { Rng } from '../../src/util/rng.ts';
import { syntheticData, tinyOptions } from '../nn/helpers.ts';

const E = 6;
const data = syntheticData(80, E, 21);
const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);

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
      assert.deepEqual(
        new Uint32Array(b.buffer, b.byteOffset, b.length),
        new Uint32Array(a.buffer, a.byteOffset, a.length),
        s.name,
      );
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
