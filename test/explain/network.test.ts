import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { integratedGradients } from '../../src/explain/ig.ts';
import { ensembleFunction } from '../../src/explain/network.ts';
import { memberLatentModel } from '../../src/latent/analysis/access.ts';
import { initBackend } from '../../src/nn/backend.ts';
import { forward } from '../../src/nn/model.ts';
import * as tf from '../../src/nn/tf.ts';
import { compositions, tinyHardnessModel, tinyNet } from '../model/helpers.ts';

describe('the ensemble as a function for interpretability', () => {
  before(async () => {
    await initBackend('wasm');
  });

  it('value = hvMean + hvStd × mean over networks of the inference-mode ŷ', () => {
    const ens = ensembleFunction(tinyHardnessModel());
    const vm = tinyNet();
    const x = compositions(5, 'v');
    const l = [-1, -0.3, 0, 0.4, 1.2];
    const f = ens.value(x, l);
    const net = { options: vm.options, params: vm.tensors() };
    const y = tf.tidy(() =>
      tf.mean(
        forward(
          net,
          { x: tf.tensor3d(Float32Array.from(x), [1, 5, 6]), load: tf.tensor3d(l, [1, 5, 1]) },
          { training: false, decoder: false },
        ).yhat,
        0,
      ),
    );
    const yv = y.dataSync();
    for (let i = 0; i < 5; i++)
      assert.ok(Math.abs(f[i] - (900 + 300 * yv[i])) < 1e-3, `row ${i}: ${f[i]}`);
    tf.dispose([y, ...Object.values(net.params)]);
    ens.dispose();
  });

  it('∂f/∂x and ∂f/∂ℓ agree with central finite differences', () => {
    // unit HV scale so float32 differences keep their digits
    const ens = ensembleFunction(tinyHardnessModel({ hv: { mean: 0, std: 1 } }));
    const x = compositions(3, 'g');
    const l = [-0.5, 0.2, 0.9];
    const g = ens.valueAndGrad(x, l);
    const h = 1e-2;
    let worst = 0;
    let scale = 0;
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j <= 6; j++) {
        const xp = Float64Array.from(x);
        const xm = Float64Array.from(x);
        const lp = [...l];
        const lm = [...l];
        if (j < 6) {
          xp[i * 6 + j] += h;
          xm[i * 6 + j] -= h;
        } else {
          lp[i] += h;
          lm[i] -= h;
        }
        const fd = (ens.value(xp, lp)[i] - ens.value(xm, lm)[i]) / (2 * h);
        const an = j < 6 ? g.gx[i * 6 + j] : g.gl[i];
        worst = Math.max(worst, Math.abs(fd - an));
        scale = Math.max(scale, Math.abs(an));
      }
    }
    // float32 network: differences carry ~1e-7/h relative noise plus O(h²) truncation
    assert.ok(worst <= 2e-3 * Math.max(scale, 1), `max |FD − analytic| ${worst} (scale ${scale})`);
    ens.dispose();
  });

  it('integrated gradients through the network: completeness gap tiny with 200 steps', () => {
    const ens = ensembleFunction(tinyHardnessModel());
    const n = 4;
    const xc = compositions(n, 'ig');
    const F = 7;
    const X = new Float64Array(n * F);
    for (let i = 0; i < n; i++) {
      X.set(xc.subarray(i * 6, (i + 1) * 6), i * F);
      X[i * F + 6] = -1 + i * 0.7;
    }
    const x0 = [1 / 6, 1 / 6, 1 / 6, 1 / 6, 1 / 6, 1 / 6, 0];
    const r = integratedGradients(
      (pts, m) => {
        const xs = new Float64Array(m * 6);
        const ls = new Float64Array(m);
        for (let i = 0; i < m; i++) {
          xs.set(pts.subarray(i * F, i * F + 6), i * 6);
          ls[i] = pts[i * F + 6];
        }
        const g = ens.valueAndGrad(xs, ls);
        const grad = new Float64Array(m * F);
        for (let i = 0; i < m; i++) {
          grad.set(g.gx.subarray(i * 6, (i + 1) * 6), i * F);
          grad[i * F + 6] = g.gl[i];
        }
        return { f: g.f, grad };
      },
      X,
      x0,
      { steps: 200 },
    );
    for (let i = 0; i < n; i++) {
      const df = Math.abs(r.fx[i] - r.fBaseline);
      // piecewise-linear ReLU network: the trapezoid error is a small fraction of f(x) − f(x0)
      assert.ok(r.gap[i] <= 0.01 * df + 0.05, `row ${i}: gap ${r.gap[i]} vs |Δf| ${df}`);
    }
    ens.dispose();
  });

  it('attention rows sum to 1 (mean over heads and networks); no tensors leak', () => {
    const ens = ensembleFunction(tinyHardnessModel());
    const x = compositions(4, 'a');
    const l = [0, 0, 0, 0];
    ens.value(x, l);
    const before = tf.memory().numTensors;
    for (let k = 0; k < 3; k++) {
      ens.value(x, l);
      ens.valueAndGrad(x, l);
      ens.attention(x, l);
    }
    assert.equal(tf.memory().numTensors, before);
    const a = ens.attention(x, l)!;
    for (let i = 0; i < 4; i++) {
      let s = 0;
      for (let j = 0; j < 6; j++) s += a[i * 6 + j];
      assert.ok(Math.abs(s - 1) < 1e-5, `row ${i} sums to ${s}`);
    }
    ens.dispose();
  });
});

describe('the design network’s latent space', () => {
  before(async () => {
    await initBackend('wasm');
  });

  it('latents, head and ∂HV/∂z (finite differences); no tensors leak', () => {
    const lm = memberLatentModel(tinyHardnessModel({ hv: { mean: 0, std: 1 } }));
    assert.equal(lm.latentDim, 3);
    const x = compositions(4, 'z');
    const loads = [0.5, 1, 2, 5];
    const z = lm.encode(x, loads);
    assert.equal(z.n, 4);
    assert.equal(z.d, 3);
    const before = tf.memory().numTensors;
    const g = lm.hardnessGrad(z, loads);
    const hv = lm.hardness(z, loads);
    assert.equal(tf.memory().numTensors, before);
    for (let i = 0; i < 4; i++) assert.ok(Math.abs(g.hv[i] - hv[i]) < 1e-6);
    const h = 1e-2;
    let worst = 0;
    for (let i = 0; i < 4; i++) {
      for (let j = 0; j < 3; j++) {
        const zp = { ...z, data: Float64Array.from(z.data) };
        const zm = { ...z, data: Float64Array.from(z.data) };
        zp.data[i * 3 + j] += h;
        zm.data[i * 3 + j] -= h;
        const fd = (lm.hardness(zp, loads)[i] - lm.hardness(zm, loads)[i]) / (2 * h);
        worst = Math.max(worst, Math.abs(fd - g.grad.data[i * 3 + j]));
      }
    }
    assert.ok(worst < 2e-3, `max |FD − analytic| ${worst}`);
    lm.dispose();
    assert.throws(() => lm.hardness(z, loads), /disposed/);
  });
});
