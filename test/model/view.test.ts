import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { HardnessModel, type HardnessModelMeta } from '../../src/model/hardness-model.ts';
import { initBackend } from '../../src/nn/backend.ts';
import { decodeLog, encode, forward, hardnessFromLatent } from '../../src/nn/model.ts';
import * as tf from '../../src/nn/tf.ts';
import { predictMC } from '../../src/uq/predict.ts';
import { compositions, tinyHardnessModel, tinyNet } from './helpers.ts';

// The tiny model's scalers (helpers.ts): HV = 900 + 300·ŷ, ℓ = (ln L − 0.3)/1.2.
const HV_MEAN = 900;
const HV_STD = 300;
const ell = (L: number) => (Math.log(L) - 0.3) / 1.2;
const LOADS = [0.1, 0.5, 1, 2.5, 9.8];

/** The raw ensemble's inference-mode hardness (member mean) in HV — the independent reference. */
function rawHardness(x: Float64Array, loads: number[]): Float64Array {
  const vm = tinyNet();
  const n = loads.length;
  const params = vm.tensors();
  const y = tf.tidy(() =>
    tf.mean(
      forward(
        { options: vm.options, params },
        {
          x: tf.tensor3d(Float32Array.from(x), [1, n, 6]),
          load: tf.tensor3d(loads.map(ell), [1, n, 1]),
        },
        { training: false, decoder: false },
      ).yhat,
      0,
    ),
  );
  const v = Float64Array.from(y.dataSync(), (t) => HV_MEAN + HV_STD * t);
  tf.dispose([y, ...Object.values(params)]);
  return v;
}

describe('model views in physical units (fractions, N, HV)', () => {
  before(async () => {
    await initBackend('wasm');
  });

  it('ensemble hardness = HV of the member-mean inference-mode prediction at ℓ(L)', () => {
    const view = tinyHardnessModel().ensembleView();
    const x = compositions(5, 'v');
    const f = view.hardness(x, LOADS);
    const ref = rawHardness(x, LOADS);
    // same float32 network on the same inputs: only the HV scaling differs in order (≤ 1e-4 HV)
    for (let i = 0; i < 5; i++) assert.ok(Math.abs(f[i] - ref[i]) < 1e-3, `row ${i}`);
    assert.equal(view.members, 3);
    view.dispose();
  });

  it('∂f/∂x (HV per fraction) and ∂f/∂L (HV per N) agree with central finite differences', () => {
    const view = tinyHardnessModel().ensembleView();
    const x = compositions(4, 'g');
    const loads = [0.3, 1, 2, 7];
    const g = view.hardnessGrad(x, loads);
    const f = view.hardness(x, loads);
    for (let i = 0; i < 4; i++) assert.ok(Math.abs(g.hv[i] - f[i]) < 1e-9);
    let worst = 0;
    let scale = 0;
    for (let i = 0; i < 4; i++) {
      for (let j = 0; j <= 6; j++) {
        const xp = Float64Array.from(x);
        const xm = Float64Array.from(x);
        const lp = [...loads];
        const lm = [...loads];
        // steps: 1e-2 in a fraction; 1 % of the load (the network sees ln L)
        const h = j < 6 ? 1e-2 : 1e-2 * loads[i];
        if (j < 6) {
          xp[i * 6 + j] += h;
          xm[i * 6 + j] -= h;
        } else {
          lp[i] += h;
          lm[i] -= h;
        }
        const fd = (view.hardness(xp, lp)[i] - view.hardness(xm, lm)[i]) / (2 * h);
        const an = j < 6 ? g.dx[i * 6 + j] : g.dLoad[i];
        worst = Math.max(worst, Math.abs(fd - an) / Math.max(1, Math.abs(an)));
        scale = Math.max(scale, Math.abs(an));
      }
    }
    assert.ok(scale > 1, 'the gradient is not trivially zero');
    // float32 network at HV scale 300: f carries ~1e-4 HV of rounding, /(2h) ≈ 5e-3 HV per unit,
    // plus O(h²) truncation where a ReLU kink is near; 1 % of the gradient covers both
    assert.ok(worst < 1e-2, `max relative |FD − analytic| ${worst} (gradient scale ${scale})`);
    view.dispose();
  });

  it('the load coordinate: ℓ(L) as the scaler, its inverse, and dℓ/dL', () => {
    const c = tinyHardnessModel().ensembleView().loadCoordinate;
    assert.equal(c.kind, 'log');
    for (const L of LOADS) {
      assert.ok(Math.abs(c.of(L) - ell(L)) < 1e-15);
      assert.ok(Math.abs(c.load(c.of(L)) - L) < 1e-12 * L);
      assert.ok(Math.abs(c.slope(L) - 1 / (1.2 * L)) < 1e-15);
    }
    const lin = tinyHardnessModel({ load: { transform: 'linear', mean: 2, std: 4 } }).ensembleView()
      .loadCoordinate;
    assert.equal(lin.of(10), 2);
    assert.equal(lin.load(2), 10);
    assert.equal(lin.slope(10), 0.25);
  });

  it('attention rows sum to 1; null without attention heads', () => {
    const view = tinyHardnessModel().ensembleView();
    const a = view.attention(compositions(3, 'a'), [1, 1, 1]);
    assert.ok(a);
    for (let i = 0; i < 3; i++) {
      let s = 0;
      for (let j = 0; j < 6; j++) s += a[i * 6 + j];
      assert.ok(Math.abs(s - 1) < 1e-5);
    }
    view.dispose();
    const plain = tinyHardnessModel({ network: { attentionHeads: 0 } }).ensembleView();
    assert.equal(plain.hasAttention, false);
    assert.equal(plain.attention(compositions(2, 'a'), [1, 1]), null);
    plain.dispose();
  });

  it('the MC sampler pools to the MC prediction of the same seed (same masks), differentiably', () => {
    const model = tinyHardnessModel();
    const view = model.ensembleView();
    const x = compositions(4, 's');
    const S = 6;
    const seed = 17;
    const L = 0.5;
    const pred = model.predictRows(Float32Array.from(x), [L, L, L, L], { passes: S, seed });
    // predictRows keys its masks by composition (SPEC §5): give the sampler the same keys
    const sampler = view.mcSampler({ loadN: L, passes: S, rows: 4, seed, maskCompositions: x });
    const [mean, sd] = tf.tidy(() => {
      const m = tf.moments(sampler.samples(tf.tensor2d(Float32Array.from(x), [4, 6])), 0);
      return [m.mean, tf.sqrt(m.variance)];
    });
    const mv = mean.dataSync();
    const sv = sd.dataSync();
    tf.dispose([mean, sd]);
    // explicit masks (sampler) vs masks generated in the kernels (predictMC) are the same numbers;
    // the difference is float32 summation order over M·S = 18 samples of ~1000 HV (≤ 1e-3 HV)
    for (let i = 0; i < 4; i++) {
      assert.ok(Math.abs(mv[i] - pred.mean[i]) < 1e-2, `mean ${mv[i]} vs ${pred.mean[i]}`);
      assert.ok(Math.abs(sv[i] - pred.std[i]) < 1e-2, `std ${sv[i]} vs ${pred.std[i]}`);
    }
    assert.ok(pred.std[0] > 1, 'dropout gives a spread');
    sampler.dispose();
    view.dispose();

    // d(Σ_i mean_i)/dx against central differences of the same fixed-mask estimate; unit HV
    // scale so that float32 differences keep their digits
    const unit = tinyHardnessModel({ hv: { mean: 0, std: 1 } }).ensembleView();
    const us = unit.mcSampler({ loadN: L, passes: S, rows: 4, seed });
    const x0 = tf.tensor2d(Float32Array.from(x), [4, 6]);
    const rowMeans = (t: tf.Tensor) => tf.mean(us.samples(t), 0);
    const gT = tf.grad((t: tf.Tensor) => tf.sum(rowMeans(t)) as tf.Scalar)(x0);
    const g = gT.dataSync();
    // h = 1e-3: with 18 masked passes per row a step of 1e-2 crosses ReLU kinks; the rounding
    // noise of a float32 row mean of O(1) is ~6e-8/(2h) = 3e-5
    const h = 1e-3;
    let worst = 0;
    let scale = 0;
    for (let k = 0; k < 24; k++) {
      const e = new Float32Array(24);
      e[k] = h;
      const v = (sign: number) =>
        tf.tidy(
          () => rowMeans(tf.add(x0, tf.mul(tf.tensor2d(e, [4, 6]), sign))).dataSync()[(k / 6) | 0],
        );
      worst = Math.max(worst, Math.abs((v(1) - v(-1)) / (2 * h) - g[k]));
      scale = Math.max(scale, Math.abs(g[k]));
    }
    assert.ok(scale > 1e-3, 'the gradient is not trivially zero');
    assert.ok(worst < 1e-4, `sampler gradient vs FD: ${worst} (scale ${scale})`);
    tf.dispose([x0, gT]);
    us.dispose();
    unit.dispose();
  });

  it('member view: latents, decoder and head equal the raw member; ∂ŷ/∂z by finite differences', () => {
    const model = tinyHardnessModel({ hv: { mean: 0, std: 1 } });
    const view = model.memberView();
    assert.equal(view.member, 1);
    assert.equal(view.latentDim, 3);
    const x = compositions(4, 'z');
    const loads = [0.5, 1, 2, 5];
    const z = view.encode(x, loads);
    const vm = tinyNet().select([1]);
    const params = vm.tensors();
    const net = { options: vm.options, params };
    const [muRef, xhRef, yRef] = tf.tidy(() => {
      const l = tf.tensor3d(loads.map(ell), [1, 4, 1]);
      const mu = encode(net, { x: tf.tensor3d(Float32Array.from(x), [1, 4, 6]), load: l }).mu;
      return [mu, tf.exp(decodeLog(net, mu)), hardnessFromLatent(net, mu, l)];
    });
    const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol: number, what: string) => {
      assert.equal(a.length, b.length, what);
      for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= tol, `${what}[${i}]`);
    };
    // identical float32 computations: equal to the last bit
    close(z, muRef.dataSync(), 0, 'z');
    const xh = view.decode(z);
    close(xh, xhRef.dataSync(), 0, 'x̂');
    for (let i = 0; i < 4; i++) {
      let s = 0;
      for (let j = 0; j < 6; j++) s += xh[i * 6 + j];
      assert.ok(Math.abs(s - 1) < 1e-5, 'x̂ is a probability vector');
    }
    close(view.hardness(z, loads), yRef.dataSync(), 1e-6, 'ŷ');
    const xt = tf.tidy(() => view.decodeTensor(tf.tensor2d(Float32Array.from(z), [4, 3])));
    close(xt.dataSync(), xh, 0, 'decodeTensor');
    tf.dispose([muRef, xhRef, yRef, xt, ...Object.values(params)]);

    const g = view.hardnessGrad(z, loads);
    const h = 1e-2;
    let worst = 0;
    for (let i = 0; i < 4; i++) {
      for (let j = 0; j < 3; j++) {
        const zp = Float64Array.from(z);
        const zm = Float64Array.from(z);
        zp[i * 3 + j] += h;
        zm[i * 3 + j] -= h;
        const fd = (view.hardness(zp, loads)[i] - view.hardness(zm, loads)[i]) / (2 * h);
        worst = Math.max(worst, Math.abs(fd - g.grad[i * 3 + j]));
      }
    }
    // unit HV scale, float32: ~1e-7/h noise plus O(h²) truncation
    assert.ok(worst < 2e-3, `max |FD − analytic| ${worst}`);
    view.dispose();
  });

  it('no view method leaves tensors behind; disposed views refuse to work', () => {
    const model = tinyHardnessModel();
    const x = compositions(3, 'leak');
    const loads = [0.5, 1, 2];
    const ens = model.ensembleView();
    const mem = model.memberView(2);
    const once = () => {
      ens.hardness(x, loads);
      ens.hardnessGrad(x, loads);
      ens.attention(x, loads);
      const s = ens.mcSampler({ loadN: 1, passes: 3, rows: 3, seed: [1, 2, 3] });
      tf.dispose(tf.tidy(() => s.samples(tf.tensor2d(Float32Array.from(x), [3, 6]))));
      const { value, grads } = tf.variableGrads(
        () => tf.sum(s.samples(mem.decodeTensor(tf.mul(zv, 1)))) as tf.Scalar,
        [zv],
      );
      tf.dispose([value, grads[zv.name]]);
      s.dispose();
      const z = mem.encode(x, loads);
      mem.decode(z);
      mem.hardness(z, loads);
      mem.hardnessGrad(z, loads);
      tf.dispose(tf.tidy(() => mem.decodeTensor(tf.tensor2d(Float32Array.from(z), [3, 3]))));
    };
    const zv = tf.variable(tf.zeros([3, 3]));
    once(); // warm-up: cached constants (pair selectors)
    const n1 = tf.memory().numTensors;
    for (let k = 0; k < 3; k++) once();
    assert.equal(tf.memory().numTensors, n1, 'tensors leaked by view methods');
    zv.dispose();
    ens.dispose();
    mem.dispose();
    ens.dispose(); // idempotent
    // each view held one tensor per parameter; zv was one more
    assert.equal(
      tf.memory().numTensors,
      n1 - 2 * tinyNet().specs.length - 1,
      'disposing the views releases their parameters',
    );
    assert.throws(() => ens.hardness(x, loads), /disposed/);
    assert.throws(() => mem.encode(x, loads), /disposed/);
    assert.throws(() => model.memberView(3), /member 3 does not exist/);
  });

  it('predictRows on a sub-ensemble = the MC prediction of those networks alone', () => {
    const model = tinyHardnessModel();
    const x = Float32Array.from(compositions(5, 'cv'));
    const loads = [0.5, 1, 2, 5, 9.8];
    const a = model.predictRows(x, loads, { passes: 5, seed: 3, members: [2] });
    const b = predictMC(tinyNet().select([2]), x, Float32Array.from(loads, ell), {
      passes: 5,
      seed: 3,
      scale: { mean: HV_MEAN, std: HV_STD },
    });
    assert.deepEqual(a.mean, b.mean);
    assert.deepEqual(a.std, b.std);
    assert.equal(a.nMembers, 1);
    assert.throws(() => model.predictRows(x, loads, { members: [5] }), /member 5/);
  });
});

describe('HardnessModel without its internals', () => {
  it('validation RMSE of each member in HV = √(standardised MSE) × the HV scale', () => {
    const members = [0.04, 0.09, 0.01].map((bestValMse) => ({ bestValMse }));
    const meta = { ...tinyHardnessModel().meta, training: { wall_s: 1, backend: 'wasm', members } };
    const m = new HardnessModel(tinyNet(), meta as unknown as HardnessModelMeta);
    // HV std 300: √0.04·300 = 60, √0.09·300 = 90, √0.01·300 = 30 (to float64 rounding)
    const r = m.validationRmse();
    for (const [k, v] of [60, 90, 30].entries()) assert.ok(Math.abs(r[k] - v) < 1e-9);
    assert.equal(m.nMembers, 3);
    assert.equal(m.networkOptions.latentDim, 3);
  });
});
