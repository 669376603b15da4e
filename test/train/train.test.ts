import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { initBackend } from '../../src/nn/backend.ts';
import { forward } from '../../src/nn/model.ts';
import { VibannModel } from '../../src/nn/params.ts';
import * as tf from '../../src/nn/tf.ts';
import { StackedAdam } from '../../src/train/adam.ts';
import { BetaController } from '../../src/train/beta.ts';
import { preset, quickCaps } from '../../src/train/presets.ts';
import { type EpochEvent, type MemberPlan, trainEnsemble } from '../../src/train/trainer.ts';
import { Rng } from '../../src/util/rng.ts';
import { syntheticData, tinyOptions } from '../nn/helpers.ts';

const E = 6;
const data = syntheticData(60, E, 21);
const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);

function initFor(seeds: number[], over = {}): VibannModel {
  return VibannModel.init(
    tinyOptions(over),
    seeds.map((s) => new Rng(s).fork('init')),
  );
}

const hyper = {
  lr: 3e-3,
  batchSize: 8,
  maxEpochs: 4,
  patience: 100,
  beta: { mode: 'controller' as const },
};

describe('β controller (SPEC §4)', () => {
  it('multiplies by 1.05 at or above the target, divides below, clips to [1e-6, 100]', () => {
    const c = new BetaController();
    assert.equal(c.beta, 1e-3);
    c.update(0.15);
    assert.ok(Math.abs(c.beta - 1.05e-3) < 1e-15);
    c.update(0.2);
    assert.ok(Math.abs(c.beta - 1.05 ** 2 * 1e-3) < 1e-15);
    c.update(0.1);
    c.update(0.1);
    c.update(0.1);
    assert.ok(Math.abs(c.beta - 1e-3 / 1.05) < 1e-15);
    const hi = new BetaController({ beta0: 99 });
    hi.update(1);
    assert.equal(hi.beta, 100);
    const lo = new BetaController({ beta0: 1.02e-6 });
    lo.update(0);
    assert.equal(lo.beta, 1e-6);
    const fixed = new BetaController({ mode: 'fixed', beta0: 1e-3 });
    fixed.update(5);
    fixed.update(0);
    assert.equal(fixed.beta, 1e-3);
    assert.deepEqual(
      BetaController.fromJSON(JSON.parse(JSON.stringify(c.toJSON()))).toJSON(),
      c.toJSON(),
    );
  });
});

describe('Adam (per member)', () => {
  it('one step matches the hand formula; a member without a step is untouched', () => {
    const theta = new Float32Array([1, 2, 3, 4]); // 2 members × 2
    const adam = new StackedAdam({ lr: 0.1 }, 2);
    adam.beginStep(0);
    adam.apply('p', theta, 0, new Float32Array([0.5, -2]), 0);
    // t = 1: m̂ = g, v̂ = g², step = lr·g/(|g| + ε)
    assert.ok(Math.abs(theta[0] - (1 - 0.1 * (0.5 / (0.5 + 1e-7)))) < 1e-6);
    assert.ok(Math.abs(theta[1] - (2 + 0.1 * (2 / (2 + 1e-7)))) < 1e-6);
    assert.deepEqual(Array.from(theta.subarray(2)), [3, 4]);
  });

  for (const engine of ['wasm', 'js'] as const)
    it(`${engine} engine: equals a plain reference Adam bit for bit, moments below 1e-200 flushed on both signs`, () => {
      // Reference: the update of the module doc, moments in float64, |m|, v < 1e-200 → 0. The
      // gradients mix normal values, both signs, zeros, float32 subnormals and long zero runs (so
      // moments decay through the flush level on both signs).
      const n = 65; // odd: the wasm engine's last parameter takes its scalar tail
      const rng = new Rng(7);
      const adam = new StackedAdam({ lr: 1e-3, beta1: 0.5 }, 1, engine);
      assert.equal(adam.engine, engine);
      const theta = new Float32Array(n).map(() => rng.normal());
      const ref = Array.from(theta);
      const m = new Float64Array(n);
      const v = new Float64Array(n);
      let flushedNeg = 0;
      for (let t = 1; t <= 1000; t++) {
        const g = new Float32Array(n).map((_, i) =>
          t > 40 && i % 2 === 0 ? 0 : i % 7 === 0 ? (rng.uniform() - 0.5) * 1e-40 : rng.normal(),
        );
        adam.beginStep(0);
        adam.apply('p', theta, 0, g, 0);
        for (let i = 0; i < n; i++) {
          const mi = 0.5 * m[i] + 0.5 * g[i];
          const vi = 0.999 * v[i] + 0.001 * g[i] * g[i];
          if (mi < 0 && Math.abs(mi) < 1e-200 && m[i] !== 0) flushedNeg++;
          m[i] = Math.abs(mi) < 1e-200 ? 0 : mi;
          v[i] = vi < 1e-200 ? 0 : vi;
          const step =
            ((1e-3 / (1 - 0.5 ** t)) * m[i]) /
            (Math.sqrt(v[i]) * (1 / Math.sqrt(1 - 0.999 ** t)) + 1e-7);
          ref[i] = Math.fround(ref[i] - step);
        }
      }
      assert.ok(flushedNeg > 0, 'some negative moments decayed through the flush level');
      assert.deepEqual(Array.from(theta), ref);
    });

  it('wasm and js engines agree bit for bit on a stack: several tensors, members skipping steps', () => {
    const rng = new Rng(3);
    const M = 3;
    const sizes = { a: 7, b: 130, c: 1 } as const;
    const mk = () =>
      Object.fromEntries(
        Object.entries(sizes).map(([k, n]) => [k, new Float32Array(M * n).map(() => rng.normal())]),
      );
    const t1 = mk();
    const t2 = Object.fromEntries(Object.entries(t1).map(([k, v]) => [k, Float32Array.from(v)]));
    const w = new StackedAdam({ lr: 1e-2 }, M, 'wasm');
    const j = new StackedAdam({ lr: 1e-2 }, M, 'js');
    for (let step = 0; step < 50; step++) {
      for (let k = 0; k < M; k++) {
        if ((step + k) % 4 === 0) continue; // member k has no rows in this step
        w.beginStep(k);
        j.beginStep(k);
        for (const [name, n] of Object.entries(sizes)) {
          const g = new Float32Array(M * n).map(() => rng.normal());
          w.apply(name, t1[name], k, g, k * n);
          j.apply(name, t2[name], k, g, k * n);
        }
      }
    }
    for (const name of Object.keys(sizes))
      assert.deepEqual(Array.from(t1[name]), Array.from(t2[name]), name);
  });
});

describe('presets', () => {
  it('paper = SPEC §4; default = SPEC §4 Presets; quick caps', () => {
    const p = preset('paper');
    assert.equal(p.training.lr, 1e-4);
    assert.equal(p.training.batchSize, 16);
    assert.equal(p.training.patience, 100);
    assert.equal(p.training.maxEpochs, 1000);
    assert.equal(p.training.beta.mode, 'controller');
    assert.equal(p.network.latentDim, 16);
    assert.equal(p.network.dropout, 0.33);
    assert.equal(p.sampleWeights, 'family');
    assert.equal(p.loadTransform, 'linear');
    const d = preset('default');
    assert.equal(d.training.lr, 1e-3);
    assert.equal(d.training.batchSize, 32);
    assert.equal(d.training.beta.mode, 'fixed');
    assert.equal(d.training.beta.beta0, 1e-3);
    assert.equal(d.network.hardnessOnMean, true);
    assert.equal(d.network.latentDim, 64);
    assert.equal(d.network.dropout, 0.1);
    assert.equal(d.sampleWeights, 'none');
    assert.equal(d.loadTransform, 'log');
    assert.ok(quickCaps(d).training.maxEpochs <= 10);
    // the default is v2 (Meyer head + descriptors) with the neighbour term chosen by CV; v2 and v1
    // (the earlier defaults) have none
    const v2 = preset('v2');
    assert.deepEqual({ ...d, name: 'v2', neighbour: undefined }, { ...v2, neighbour: undefined });
    assert.equal(d.neighbour, 'cv');
    assert.equal(v2.neighbour, undefined);
    assert.equal(preset('v1').neighbour, undefined);
    assert.equal(v2.network.loadHead, 'meyer');
    assert.equal(v2.network.descriptors, true);
  });
});

describe('stacked ensemble training', () => {
  before(async () => {
    await initBackend('wasm');
  });

  it('2 members trained together equal each member trained alone (ragged sizes included)', async () => {
    // member 0: 37 rows (batches 8,8,8,8,5), member 1: 33 rows (8,8,8,8 + a trailing 1, dropped)
    const plans: MemberPlan[] = [
      { train: range(0, 37), val: range(40, 50), seed: 11 },
      { train: range(10, 43), val: range(50, 60), seed: 12 },
    ];
    const both = await trainEnsemble(initFor([11, 12]), data, plans, hyper);
    for (const k of [0, 1]) {
      const alone = await trainEnsemble(initFor([11 + k]), data, [plans[k]], hyper);
      const hb = both.members[k].history;
      const ha = alone.members[0].history;
      assert.equal(hb.length, ha.length);
      hb.forEach((r, i) => {
        // same computation, summed in a different grouping: float32 noise only
        assert.ok(
          Math.abs(r.valMse - ha[i].valMse) < 1e-4 * Math.max(1, ha[i].valMse),
          `epoch ${i + 1} val`,
        );
        assert.ok(
          Math.abs(r.hard - ha[i].hard) < 1e-4 * Math.max(1, ha[i].hard),
          `epoch ${i + 1} hard`,
        );
        assert.ok(Math.abs(r.klPerDim - ha[i].klPerDim) < 1e-4 * Math.max(1, ha[i].klPerDim));
        assert.equal(r.beta, ha[i].beta);
      });
      const mk = both.model.member(k);
      for (const [name, v] of alone.model.values) {
        const w = mk.values.get(name) as Float32Array;
        let dmax = 0;
        for (let i = 0; i < v.length; i++) dmax = Math.max(dmax, Math.abs(v[i] - w[i]));
        assert.ok(dmax < 1e-4, `${name}: max |Δ| ${dmax}`);
      }
    }
  });

  it('per-epoch history, β controller, early stopping with best-weights restore, stable tensor count', async () => {
    const plans: MemberPlan[] = [
      { train: range(0, 40), val: range(40, 60), seed: 5 },
      { train: range(20, 60), val: range(0, 20), seed: 6 },
    ];
    const start = tf.memory().numTensors;
    const counts: number[] = [];
    const events: EpochEvent[] = [];
    const res = await trainEnsemble(initFor([5, 6]), data, plans, {
      ...hyper,
      lr: 2e-2, // large steps: the validation MSE stops improving quickly
      maxEpochs: 40,
      patience: 3,
      onEpoch: (e) => {
        counts.push(tf.memory().numTensors);
        events.push(e);
      },
    });
    assert.ok(
      counts.every((c) => c === counts[0]),
      `numTensors across epochs: ${counts}`,
    );
    for (const m of res.members) {
      assert.ok(m.stoppedEarly, 'patience 3 stops before 40 epochs');
      assert.equal(m.epochsRun, m.bestEpoch + 3);
      assert.equal(m.history.length, m.epochsRun);
      // β follows the controller from the recorded KL/d
      for (let i = 1; i < m.history.length; i++) {
        const prev = m.history[i - 1];
        const expect = prev.klPerDim >= 0.15 ? prev.beta * 1.05 : prev.beta / 1.05;
        assert.ok(Math.abs(m.history[i].beta - expect) < 1e-12 * expect);
      }
      for (const r of m.history) {
        assert.ok(
          Number.isFinite(r.hard) &&
            Number.isFinite(r.recon) &&
            Number.isFinite(r.valMse) &&
            r.wallMs > 0,
        );
      }
    }
    assert.equal(events.length, Math.max(...res.members.map((m) => m.epochsRun)));
    // the restored weights reproduce each member's best validation MSE
    for (const [k, plan] of plans.entries()) {
      const val = Array.from(plan.val);
      const yh = tf.tidy(() => {
        const x = tf.tensor3d(
          Float32Array.from(val.flatMap((i) => Array.from(data.x.subarray(i * E, (i + 1) * E)))),
          [1, val.length, E],
        );
        const l = tf.tensor3d(Float32Array.from(val.map((i) => data.load[i])), [1, val.length, 1]);
        const m = res.model.member(k);
        return forward(
          { options: m.options, params: m.tensors() },
          { x, load: l },
          { training: false, decoder: false },
        ).yhat.dataSync();
      });
      const mse = val.reduce((s, i, j) => s + data.w[i] * (data.y[i] - yh[j]) ** 2, 0) / val.length;
      assert.ok(
        Math.abs(mse - res.members[k].bestValMse) < 1e-5 * Math.max(1, mse),
        `member ${k}: ${mse} vs ${res.members[k].bestValMse}`,
      );
    }
    assert.equal(tf.memory().numTensors, start);
  });

  it('learns: with a fixed small β it fits synthetic data (validation MSE well below the variance)', async () => {
    const plans: MemberPlan[] = [{ train: range(0, 48), val: range(48, 60), seed: 9 }];
    const p = quickCaps(preset('default'), { maxEpochs: 60, patience: 60 });
    // BatchNorm momentum 0.9 here: with 3 steps per epoch the 0.99 moving averages would still be
    // far from the batch statistics after 60 epochs (0.99^180 ≈ 0.16), which is not what is tested
    const res = await trainEnsemble(
      initFor([9], { dropout: 0.1, hardnessOnMean: true, bnMomentum: 0.9 }),
      data,
      plans,
      {
        ...p.training,
        batchSize: 16,
        lr: 1e-2,
      },
    );
    const ys = range(48, 60).map((i) => data.y[i]);
    const mean = ys.reduce((a, b) => a + b, 0) / ys.length;
    const variance = ys.reduce((a, b) => a + (b - mean) ** 2, 0) / ys.length;
    const first = res.members[0].history[0].valMse;
    assert.ok(
      res.members[0].bestValMse < 0.5 * first,
      `best ${res.members[0].bestValMse} vs first ${first}`,
    );
    assert.ok(
      res.members[0].bestValMse < 0.3 * variance,
      `best ${res.members[0].bestValMse} vs var ${variance}`,
    );
  });

  it('rejects bad plans', async () => {
    await assert.rejects(
      trainEnsemble(initFor([1]), data, [{ train: [0], val: [1], seed: 1 }], hyper),
      /at least 2 training rows/,
    );
    await assert.rejects(
      trainEnsemble(initFor([1]), data, [{ train: [0, 99], val: [1], seed: 1 }], hyper),
      /out of range/,
    );
    await assert.rejects(
      trainEnsemble(initFor([1, 2]), data, [{ train: [0, 1], val: [2], seed: 1 }], hyper),
      /plans/,
    );
  });
});
