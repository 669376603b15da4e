/**
 * The Huber hardness term of train/loss.ts: closed form, the JS kernel against the stock-op
 * reference (values and gradients), the squared error at δ = 0, and the trainer's input check.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { initBackend } from '../../src/nn/backend.ts';
import type { ForwardOutput } from '../../src/nn/model.ts';
import * as tf from '../../src/nn/tf.ts';
import { huber, type LossBatch, lossTerms, setLossKernel } from '../../src/train/loss.ts';
import { type MemberPlan, trainEnsemble } from '../../src/train/trainer.ts';
import { InputError } from '../../src/util/errors.ts';
import { Rng } from '../../src/util/rng.ts';
import { syntheticData, tinyModel } from '../nn/helpers.ts';

const M = 2;
const B = 6;
const E = 4;

/** The batch's plain arrays: residuals inside and beyond ±δ (δ = 0.3) and one padding row. */
function arrays() {
  const rng = new Rng('huber-test');
  const resid = [0.05, -0.2, 0.29, 0.31, -0.9, 2.5, -0.1, 0.6, -0.31, 1.2, 0, -3];
  const yhat = Float32Array.from({ length: M * B }, () => rng.normal());
  const y = Float32Array.from(yhat, (v, i) => v + resid[i]);
  const logits = Float32Array.from({ length: M * B * E }, () => rng.normal());
  const x = Float32Array.from({ length: M * B * E }, () => rng.uniform());
  // member 1 has 5 rows: its last row is padding (weight 0)
  const rowLoss = Float32Array.from({ length: M * B }, (_, i) =>
    i === M * B - 1 ? 0 : (0.5 + rng.uniform()) / (i < B ? B : B - 1),
  );
  const rowMean = Float32Array.from(rowLoss, (a, i) => (a === 0 ? 0 : 1 / (i < B ? B : B - 1)));
  const kl = Float32Array.from({ length: M * B }, () => rng.uniform());
  return { resid, yhat, y, logits, x, rowLoss, rowMean, kl };
}

/** The stacked batch of `arrays()` as tensors (call inside tf.tidy). */
function batch(delta?: number) {
  const { resid, yhat, y, logits, x, rowLoss, rowMean, kl } = arrays();
  const xlogx = new Float32Array(M * B);
  const b: LossBatch = {
    x: tf.tensor3d(x, [M, B, E]),
    y: tf.tensor2d(y, [M, B]),
    rowLoss: tf.tensor2d(rowLoss, [M, B]),
    rowMean: tf.tensor2d(rowMean, [M, B]),
    xlogx: tf.tensor2d(xlogx, [M, B]),
    beta: tf.tensor1d([1e-3, 2e-3]),
    huberDelta: delta,
  };
  const logXhat = tf.logSoftmax(tf.tensor3d(logits, [M, B, E]));
  const klT = tf.tensor2d(kl, [M, B]);
  const out = (yh: tf.Tensor): ForwardOutput =>
    ({ yhat: yh, logXhat, klPerDim: klT }) as unknown as ForwardOutput;
  return { b, out, yhat, y, rowLoss, resid };
}

/** Total, parts and ∂total/∂ŷ through the kernel (on) or the stock-op reference (off). */
function evalLoss(kernel: boolean, delta?: number) {
  setLossKernel(kernel);
  return tf.tidy(() => {
    const { b, out, yhat } = batch(delta);
    const yh = tf.tensor2d(yhat, [M, B]);
    let parts: Float32Array = new Float32Array(0);
    const { value, grad } = tf.valueAndGrad((t: tf.Tensor) => {
      const lt = lossTerms(out(t), b);
      parts = lt.parts.dataSync() as Float32Array;
      return lt.total as tf.Scalar;
    })(yh);
    return {
      total: value.dataSync()[0],
      parts: Array.from(parts),
      grad: Array.from(grad.dataSync()),
    };
  });
}

describe('Huber hardness loss (train/loss.ts)', () => {
  before(async () => {
    await initBackend('wasm');
  });
  after(() => setLossKernel(true));

  it('ρ: e² inside ±δ, 2δ|e| − δ² beyond, continuous with a continuous slope at ±δ', () => {
    assert.equal(huber(0.1, 0.3), 0.1 * 0.1);
    assert.equal(huber(-0.3, 0.3), 0.09);
    assert.ok(Math.abs(huber(1, 0.3) - 0.51) < 1e-15); // 2·0.3·1 − 0.09
    assert.ok(Math.abs(huber(-2, 0.3) - 1.11) < 1e-15);
    assert.equal(huber(5, 0), 25); // δ = 0: the squared error
    for (const s of [1, -1]) {
      const d = 0.3;
      const h = 1e-7;
      // value and one-sided slopes meet at the threshold (2δ on both sides)
      assert.ok(Math.abs(huber(s * (d + h), d) - huber(s * (d - h), d)) < 1e-6);
      const right = (huber(s * d + h, d) - huber(s * d, d)) / h;
      const left = (huber(s * d, d) - huber(s * d - h, d)) / h;
      assert.ok(Math.abs(right - 2 * s * d) < 1e-5 && Math.abs(left - 2 * s * d) < 1e-5);
    }
  });

  it('kernel = stock-op reference = closed form, values and ∂/∂ŷ', () => {
    const delta = 0.3;
    const k = evalLoss(true, delta);
    const r = evalLoss(false, delta);
    const { rowLoss, resid } = arrays();
    // the hardness part per member in closed form (float64)
    for (let m = 0; m < M; m++) {
      let hard = 0;
      for (let b = 0; b < B; b++) hard += rowLoss[m * B + b] * huber(resid[m * B + b], delta);
      // float32 inputs (ŷ and y rounded): ~1e-6 relative
      assert.ok(Math.abs(k.parts[m * 3] - hard) < 1e-5 * hard, `kernel member ${m}`);
      assert.ok(Math.abs(r.parts[m * 3] - hard) < 1e-5 * hard, `reference member ${m}`);
    }
    assert.ok(Math.abs(k.total - r.total) < 1e-5 * Math.abs(r.total));
    k.grad.forEach((g, i) => {
      const e = resid[i];
      const want = -2 * rowLoss[i] * Math.max(-delta, Math.min(delta, e));
      assert.ok(Math.abs(g - want) < 1e-5, `kernel ∂/∂ŷ[${i}] ${g} vs ${want}`);
      assert.ok(Math.abs(r.grad[i] - want) < 1e-5, `reference ∂/∂ŷ[${i}] ${r.grad[i]} vs ${want}`);
    });
    // rows beyond δ pull with the capped slope only: |∂/∂ŷ| ≤ 2aδ everywhere
    k.grad.forEach((g, i) => {
      assert.ok(Math.abs(g) <= 2 * rowLoss[i] * delta + 1e-6);
    });
  });

  it('δ = 0 and no δ are the squared error of SPEC §4 (both paths)', () => {
    for (const kernel of [true, false]) {
      const a = evalLoss(kernel, 0);
      const b = evalLoss(kernel, undefined);
      assert.deepEqual(a, b);
      const { rowLoss, resid } = arrays();
      let hard = 0;
      for (let i = 0; i < B; i++) hard += rowLoss[i] * resid[i] ** 2;
      assert.ok(Math.abs(a.parts[0] - hard) < 1e-5 * hard);
    }
  });

  it('the trainer rejects a negative or non-finite δ (InputError)', async () => {
    const model = tinyModel({}, 1);
    const data = syntheticData(40, model.options.nElements);
    const plans: MemberPlan[] = [
      { train: Array.from({ length: 30 }, (_, i) => i), val: [30, 31, 32, 33], seed: 1 },
    ];
    for (const huberDelta of [-0.1, Number.NaN, Number.POSITIVE_INFINITY]) {
      await assert.rejects(
        trainEnsemble(model, data, plans, {
          lr: 1e-3,
          batchSize: 8,
          maxEpochs: 1,
          patience: 1,
          beta: { mode: 'fixed', beta0: 1e-3 },
          huberDelta,
        }),
        (e: unknown) => e instanceof InputError && /huberDelta/.test((e as Error).message),
      );
    }
  });
});
