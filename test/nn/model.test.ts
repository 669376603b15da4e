import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { initBackend } from '../../src/nn/backend.ts';
import { setGroupedMatMulReference } from '../../src/nn/kernels.ts';
import {
  decodeLog,
  encode,
  forward,
  hardnessFromLatent,
  type Net,
  setFusedBlocks,
} from '../../src/nn/model.ts';
import { deriveSeed, fillKeepMask } from '../../src/nn/noise.ts';
import type { VibannOptions } from '../../src/nn/options.ts';
import type { VibannModel } from '../../src/nn/params.ts';
import { disposeNoise, trainingNoise } from '../../src/nn/sampling.ts';
import * as tf from '../../src/nn/tf.ts';
import { lossTerms, rowXlogX, setLossKernel } from '../../src/train/loss.ts';
import { maxRelDiff, syntheticData, tinyModel } from './helpers.ts';

interface Case {
  model: VibannModel;
  B: number;
  x: Float32Array;
  load: Float32Array;
  y: Float32Array;
  w: Float32Array;
  rows: number[];
  seeds: number[];
}

/** A stacked batch of B rows per member (member k uses rows[k] ≤ B valid rows). */
function makeCase(over: Partial<VibannOptions>, members: number, B: number, rows?: number[]): Case {
  const model = tinyModel(over, members);
  const E = model.options.nElements;
  const d = syntheticData(members * B, E, 11);
  return {
    model,
    B,
    x: d.x,
    load: d.load,
    y: d.y,
    w: d.w,
    rows: rows ?? new Array(members).fill(B),
    seeds: Array.from({ length: members }, (_, k) => 1000 + k),
  };
}

/** SPEC §4 loss of a case in training mode as a function of the trainable tensors. */
function lossFn(c: Case, beta = 0.3) {
  const m = c.model;
  const o = m.options;
  const M = m.nMembers;
  const E = o.nElements;
  const trainable = m.specs.filter((s) => s.trainable);
  const state = m.specs.filter((s) => !s.trainable);
  const rowLoss = new Float32Array(M * c.B);
  const rowMean = new Float32Array(M * c.B);
  for (let k = 0; k < M; k++) {
    for (let b = 0; b < c.rows[k]; b++) {
      rowLoss[k * c.B + b] = c.w[k * c.B + b] / c.rows[k];
      rowMean[k * c.B + b] = 1 / c.rows[k];
    }
  }
  const xl = Float32Array.from(rowXlogX(c.x, E));
  const ragged = c.rows.some((r) => r !== c.B);
  // inputs, noise and state live until dispose(): the backward pass reads the masks
  const all = m.tensors();
  const noise = trainingNoise(o, c.B, c.seeds, c.rows);
  const x = tf.tensor3d(c.x, [M, c.B, E]);
  const load = tf.tensor3d(c.load, [M, c.B, 1]);
  const rowWeights = ragged ? tf.tensor3d(rowMean, [M, 1, c.B]) : undefined;
  const batch = {
    x,
    y: tf.tensor2d(c.y, [M, c.B]),
    rowLoss: tf.tensor2d(rowLoss, [M, c.B]),
    rowMean: tf.tensor2d(rowMean, [M, c.B]),
    xlogx: tf.tensor2d(xl, [M, c.B]),
    beta: tf.fill([M], beta),
  };
  const f = (...ts: tf.Tensor[]): tf.Scalar => {
    const params: Record<string, tf.Tensor> = {};
    for (const s of state) params[s.name] = all[s.name];
    trainable.forEach((s, i) => {
      params[s.name] = ts[i];
    });
    const out = forward({ options: o, params }, { x, load }, { training: true, noise, rowWeights });
    const lt = lossTerms(out, batch);
    for (const s of Object.values(out.batchStats)) tf.dispose([s.mean, s.variance]);
    return lt.total as tf.Scalar;
  };
  const dispose = () => {
    tf.dispose([...Object.values(all), x, load, ...Object.values(batch)]);
    rowWeights?.dispose();
    disposeNoise(noise);
  };
  const params0 = trainable.map((s) =>
    tf.tensor(m.values.get(s.name) as Float32Array, [M, ...s.shape]),
  );
  return { f, params0, dispose };
}

function gradsOf(c: Case): { value: number; grads: Float32Array[] } {
  const { f, params0, dispose } = lossFn(c);
  const { value, grads } = tf.valueAndGrads(f)(params0);
  const out = { value: value.dataSync()[0], grads: grads.map((g) => g.dataSync() as Float32Array) };
  tf.dispose([value, ...grads, ...params0]);
  dispose();
  return out;
}

const VARIANTS: [string, Partial<VibannOptions>][] = [
  ['paper architecture (attention, VIB, load before the bottleneck)', {}],
  ['no attention, deterministic bottleneck', { attentionHeads: 0, bottleneck: 'deterministic' }],
  [
    'load after the bottleneck, hardness on μ',
    { loadJoin: 'after-bottleneck', hardnessOnMean: true },
  ],
  ['pairwise branch', { pairwiseBranch: true }],
];

describe('VIBANN network', () => {
  before(async () => {
    await initBackend('wasm');
  });
  after(() => {
    setFusedBlocks(true);
    setGroupedMatMulReference(false);
    setLossKernel(true);
  });

  for (const [label, over] of VARIANTS) {
    it(`loss gradient matches central finite differences: ${label}`, () => {
      // two members, one with a ragged (padded) batch; sizes chosen so that no ReLU sits within
      // the step of its kink (with tiny batches BatchNorm makes the loss strongly curved)
      const c = makeCase(over, 2, 8, [8, 5]);
      gradsOf(c); // warm-up: creates the cached constants (pairwise selectors) once
      const start = tf.memory().numTensors;
      const { f, params0, dispose } = lossFn(c);
      const { value, grads } = tf.valueAndGrads(f)(params0);
      value.dispose();
      const g = grads.map((t) => t.dataSync() as Float32Array);
      // directional derivatives along 4 random unit directions
      let seed = 1;
      for (let rep = 0; rep < 4; rep++) {
        const dirs = params0.map((p) => tf.randomNormal(p.shape, 0, 1, 'float32', seed++));
        const norm = Math.sqrt(
          dirs.reduce((s, d) => s + tf.tidy(() => tf.sum(tf.square(d)).dataSync()[0]), 0),
        );
        const h = 1e-3;
        const at = (t: number) =>
          tf.tidy(
            () => f(...params0.map((p, i) => tf.add(p, tf.mul(dirs[i], t / norm)))).dataSync()[0],
          );
        const fd = (at(h) - at(-h)) / (2 * h);
        let an = 0;
        dirs.forEach((d, i) => {
          const dv = d.dataSync();
          for (let j = 0; j < dv.length; j++) an += (g[i][j] * dv[j]) / norm;
        });
        // float32 loss (~1) over a 2e-3 step: ~1e-4 absolute noise; 2 % relative bound
        assert.ok(
          Math.abs(fd - an) <= 2e-2 * Math.max(1, Math.abs(an)),
          `FD ${fd} vs analytic ${an}`,
        );
        tf.dispose(dirs);
      }
      tf.dispose([...grads, ...params0]);
      dispose();
      assert.equal(tf.memory().numTensors, start);
    });
  }

  it('fused blocks, VIB and loss kernels equal the composition of stock ops (values and gradients, ragged batch)', () => {
    for (const [, over] of VARIANTS) {
      const c = makeCase(over, 3, 5, [5, 3, 5]);
      const a = gradsOf(c);
      setFusedBlocks(false);
      setGroupedMatMulReference(true);
      setLossKernel(false);
      const b = gradsOf(c);
      setFusedBlocks(true);
      setGroupedMatMulReference(false);
      setLossKernel(true);
      // float32 with float64 accumulations in the fused kernels: ~1e-6 relative
      assert.ok(Math.abs(a.value - b.value) < 1e-5 * Math.abs(b.value));
      for (const [i, g] of a.grads.entries())
        assert.ok(maxRelDiff(g, b.grads[i]) < 1e-4, `gradient ${i}`);
    }
  });

  it('wasm and cpu backends agree within 1e-4 relative (loss and gradients)', async () => {
    const c = makeCase({}, 2, 8);
    const w = gradsOf(c);
    await initBackend('cpu');
    const cpu = gradsOf(c);
    await initBackend('wasm');
    assert.ok(Math.abs(w.value - cpu.value) < 1e-4 * Math.abs(cpu.value));
    for (const [i, g] of w.grads.entries())
      assert.ok(maxRelDiff(g, cpu.grads[i]) < 1e-4, `gradient ${i}`);
  });

  it('VIB KL per row equals the closed form ½ Σ (e^{logσ²} + μ² − 1 − logσ²) / d', () => {
    const c = makeCase({}, 2, 7);
    const o = c.model.options;
    tf.tidy(() => {
      const params = c.model.tensors();
      const noise = trainingNoise(o, c.B, c.seeds, c.rows);
      const out = forward(
        { options: o, params },
        { x: tf.tensor3d(c.x, [2, c.B, o.nElements]), load: tf.tensor3d(c.load, [2, c.B, 1]) },
        { training: true, noise },
      );
      const mu = out.mu.dataSync();
      const lv = (out.logvar as tf.Tensor).dataSync();
      const kl = (out.klPerDim as tf.Tensor).dataSync();
      const d = o.latentDim;
      for (let r = 0; r < 2 * c.B; r++) {
        let s = 0;
        for (let j = 0; j < d; j++)
          s += Math.exp(lv[r * d + j]) + mu[r * d + j] ** 2 - 1 - lv[r * d + j];
        // float32 arithmetic on O(1) terms
        assert.ok(Math.abs(kl[r] - (0.5 * s) / d) < 1e-5 * Math.max(1, Math.abs(kl[r])));
      }
      for (const s of Object.values(out.batchStats)) tf.dispose([s.mean, s.variance]);
    });
    // μ = 0 and log σ² = 0 (zero weights) give KL = 0 exactly
    const z = c.model.clone();
    for (const n of ['mu/kernel', 'mu/bias', 'logvar/kernel', 'logvar/bias'])
      (z.values.get(n) as Float32Array).fill(0);
    tf.tidy(() => {
      const out = forward(
        { options: o, params: z.tensors() },
        { x: tf.tensor3d(c.x, [2, c.B, o.nElements]), load: tf.tensor3d(c.load, [2, c.B, 1]) },
        { training: true, noise: trainingNoise(o, c.B, c.seeds, c.rows) },
      );
      assert.ok((out.klPerDim as tf.Tensor).dataSync().every((v) => v === 0));
      for (const s of Object.values(out.batchStats)) tf.dispose([s.mean, s.variance]);
    });
  });

  it('MC mode: rate 0 equals the deterministic pass; a positive rate gives spread; BatchNorm frozen', () => {
    for (const rate of [0, 0.3]) {
      const c = makeCase({ dropout: rate }, 2, 9);
      const o = c.model.options;
      const before = c.model.clone();
      tf.tidy(() => {
        const net: Net = { options: o, params: c.model.tensors() };
        const inputs = {
          x: tf.tensor3d(c.x.subarray(0, 9 * 6), [1, 9, 6]),
          load: tf.tensor3d(c.load.subarray(0, 9), [1, 9, 1]),
        };
        const det = forward(net, inputs, { training: false, decoder: true });
        assert.deepEqual(Object.keys(det.batchStats), [], 'no batch statistics at inference');
        const masks: Record<string, tf.Tensor> = {};
        for (const [name, t] of Object.entries(trainingNoise(o, 9, [5, 6], [9, 9]).masks))
          masks[name] = t;
        const mc = forward(net, inputs, { training: false, mc: true, noise: { masks } });
        const dv = det.yhat.dataSync();
        const mv = mc.yhat.dataSync();
        if (rate === 0) {
          assert.deepEqual(Array.from(mv), Array.from(dv));
          assert.deepEqual(Array.from(mc.mu.dataSync()), Array.from(det.mu.dataSync()));
        } else {
          assert.ok(maxRelDiff(mv, dv) > 1e-3, 'dropout changes the prediction');
          // z = μ in MC mode: the latent of the MC pass is the deterministic μ only if no dropout precedes it
          assert.notDeepEqual(Array.from(mc.mu.dataSync()), Array.from(det.mu.dataSync()));
        }
      });
      for (const [name, v] of before.values)
        assert.deepEqual(c.model.values.get(name), v, `${name} unchanged`);
    }
  });

  it('dropout is required to have masks when active, and masks keep the expected fraction', () => {
    const c = makeCase({ dropout: 0.3 }, 1, 4);
    assert.throws(
      () =>
        tf.tidy(
          () =>
            forward(
              { options: c.model.options, params: c.model.tensors() },
              { x: tf.tensor3d(c.x, [1, 4, 6]), load: tf.tensor3d(c.load, [1, 4, 1]) },
              { training: false, mc: true },
            ).yhat,
        ),
      /no mask/,
    );
    const buf = new Float32Array(200000);
    fillKeepMask(buf, 0, deriveSeed(9, 1), 0, 1000, 200, 0.3);
    const kept = buf.reduce((s, v) => s + (v > 0 ? 1 : 0), 0) / buf.length;
    // binomial sd of the kept fraction over 2e5 draws ≈ 0.001
    assert.ok(Math.abs(kept - 0.7) < 0.005, `kept ${kept}`);
    assert.ok(buf.every((v) => v === 0 || Math.abs(v - 1 / 0.7) < 1e-6));
  });

  it('attention weights are a distribution over the elements; encoder, head and decoder compose to forward', () => {
    const c = makeCase({}, 2, 5);
    const o = c.model.options;
    tf.tidy(() => {
      const net: Net = { options: o, params: c.model.tensors() };
      const inputs = {
        x: tf.tensor3d(c.x.subarray(0, 30), [1, 5, 6]),
        load: tf.tensor3d(c.load.subarray(0, 5), [1, 5, 1]),
      };
      const out = forward(net, inputs, { training: false, attention: true });
      const att = (out.attention as tf.Tensor).arraySync() as number[][][];
      for (const m of att)
        for (const row of m) assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-5);
      const enc = encode(net, inputs);
      assert.deepEqual(
        Array.from(enc.mu.dataSync()),
        Array.from(out.z.dataSync()),
        'z = μ at inference',
      );
      const yh = hardnessFromLatent(net, enc.mu, inputs.load);
      assert.ok(maxRelDiff(yh.dataSync(), out.yhat.dataSync()) < 1e-6);
      const lx = decodeLog(net, enc.mu);
      assert.ok(maxRelDiff(lx.dataSync(), (out.logXhat as tf.Tensor).dataSync()) < 1e-6);
      // x̂ is a distribution
      const xh = tf.sum(tf.exp(lx), -1).dataSync();
      assert.ok(xh.every((v) => Math.abs(v - 1) < 1e-5));
      // gradients of head and decoder w.r.t. z (inverse design) are finite and non-zero
      const g = tf.grad((z: tf.Tensor) =>
        tf.add(tf.sum(hardnessFromLatent(net, z, inputs.load)), tf.sum(decodeLog(net, z))),
      )(enc.mu);
      assert.ok(g.dataSync().every(Number.isFinite));
      assert.ok(tf.sum(tf.abs(g)).dataSync()[0] > 0);
    });
  });
});
