/**
 * The JS/wasm kernels of src/nn/kernel.ts against the tfjs network of src/nn/model.ts (the
 * reference): values and gradients of the decoder, the hardness head and the MC-dropout ensemble
 * on random inputs, for the architectures the presets use (paper: attention + load path before
 * the bottleneck; default: Meyer head + descriptor branch; the load after the bottleneck; no
 * attention; no dropout), plus central finite differences of the kernels themselves.
 *
 * Tolerances: both sides compute the products in float32 with different summation orders (XNNPACK
 * vs the kernel's), and the kernel does the elementwise parts in float64, so values agree to a few
 * float32 ulps per layer: 1e-4 relative to the largest magnitude over ≤ 8 layers is ~10× the
 * observed differences and far below any real error (a wrong index or a missing term moves
 * results by ≥ 1e-2). Finite differences (Richardson-extrapolated central differences, `fd`) of
 * the float32 kernels at h = 1e-2 (latents) and 1e-3 (fractions): truncation O(h⁴), rounding
 * O(ε_f32·Σ|w·f|/h) ≈ 3e-3 for these sums of a few dozen O(1) outputs, so 5e-3·(1 + |derivative|)
 * (observed differences ≤ 2e-3).
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { setDescriptorParams } from '../../src/model/descriptors.ts';
import { initBackend } from '../../src/nn/backend.ts';
import { kernelSupport, latentKernel, mcKernel } from '../../src/nn/kernel.ts';
import { gemmInstance } from '../../src/nn/kernel-wasm.ts';
import { decodeLog, forward, hardnessFromLatent, type Net } from '../../src/nn/model.ts';
import type { VibannOptions } from '../../src/nn/options.ts';
import type { VibannModel } from '../../src/nn/params.ts';
import { disposeNoise, mcNoise } from '../../src/nn/sampling.ts';
import * as tf from '../../src/nn/tf.ts';
import { Rng } from '../../src/util/rng.ts';
import { maxRelDiff, syntheticData, tinyModel } from './helpers.ts';

const ELEMENTS = ['Fe', 'B', 'Nb', 'Co', 'Zr', 'Cu'];

const CASES: Record<string, Partial<VibannOptions>> = {
  'paper (attention, load before the bottleneck)': {},
  'default (Meyer head, descriptors)': {
    loadHead: 'meyer',
    descriptors: true,
    descHidden: [4],
    hvZero: -2.5,
  },
  'load after the bottleneck': { loadJoin: 'after-bottleneck' },
  'no attention, two head blocks, no dropout': {
    attentionHeads: 0,
    headHidden: [5, 4],
    dropout: 0,
  },
  'deterministic bottleneck, no decoder blocks': {
    bottleneck: 'deterministic',
    decoderHidden: [],
  },
};

function model(over: Partial<VibannOptions>, members: number): VibannModel {
  const m = tinyModel(over, members, 5);
  if (m.options.descriptors) setDescriptorParams(m, ELEMENTS, syntheticData(400, 6, 9).x);
  return m;
}

function normals(n: number, seed: string, scale = 1): Float64Array {
  const rng = new Rng(seed);
  return Float64Array.from({ length: n }, () => scale * rng.normal());
}

/** Compositions: n rows on the simplex with 2–4 elements present (exact zeros elsewhere). */
function compositions(n: number, E: number, seed: number): Float64Array {
  return Float64Array.from(syntheticData(n, E, seed).x);
}

/** Σ w ⊙ f(t) and ∂/∂t by tfjs (f returns a tensor of w's size). */
function tfValueGrad(
  f: (t: tf.Tensor) => tf.Tensor,
  t0: Float64Array,
  shape: number[],
  w: Float64Array,
): { value: Float32Array; grad: Float32Array } {
  const t = tf.tensor(Float32Array.from(t0), shape);
  const wt = tf.tensor(Float32Array.from(w), [w.length]);
  const out = tf.tidy(() => tf.reshape(f(t), [w.length]));
  const g = tf.grad((u: tf.Tensor) => tf.sum(tf.mul(tf.reshape(f(u), [w.length]), wt)))(t);
  const r = { value: out.dataSync() as Float32Array, grad: g.dataSync() as Float32Array };
  tf.dispose([t, wt, out, g]);
  return r;
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/**
 * Derivative of g(t) = Σ w ⊙ f(t) along v: central differences at steps h and h/2 combined by
 * Richardson extrapolation (truncation error O(h⁴); the descriptor layer standardised on a few
 * synthetic rows is steep, and a plain central difference at h = 1e-3 is off by ~5%).
 */
function fd(
  f: (t: Float64Array) => ArrayLike<number>,
  t0: Float64Array,
  v: Float64Array,
  w: ArrayLike<number>,
  h: number,
): number {
  const central = (s: number) => {
    const gp = dot(f(t0.map((x, i) => x + s * v[i])), w);
    const gm = dot(f(t0.map((x, i) => x - s * v[i])), w);
    return (gp - gm) / (2 * s);
  };
  return (4 * central(h / 2) - central(h)) / 3;
}

describe('JS/wasm network kernels vs the tfjs network', () => {
  before(async () => {
    await initBackend('wasm');
  });

  it('the wasm product equals a plain loop (float32 rounding), with ReLU and gate', () => {
    const { memory, gemm } = gemmInstance(1 << 20);
    const f = new Float32Array(memory.buffer);
    const rng = new Rng('gemm');
    for (const [rows, ni, no, xs, relu, bias, gated] of [
      [4, 3, 8, 3, 0, 0, 0],
      [12, 17, 24, 20, 1, 1, 0],
      [8, 56, 224, 56, 0, 1, 0],
      [8, 9, 16, 9, 0, 0, 1],
    ]) {
      const X = 16;
      const W = X + rows * xs;
      const Bv = W + ni * no;
      const G = Bv + no;
      const Y = G + rows * no;
      for (let i = X; i < Y; i++) f[i] = rng.normal();
      gemm(X * 4, xs, W * 4, bias ? Bv * 4 : 0, Y * 4, rows, ni, no, relu, gated ? G * 4 : 0);
      for (let r = 0; r < rows; r++) {
        for (let o = 0; o < no; o++) {
          let s = bias ? f[Bv + o] : 0;
          for (let i = 0; i < ni; i++) s += f[X + r * xs + i] * f[W + i * no + o];
          if (relu) s = Math.max(s, 0);
          if (gated && !(f[G + r * no + o] > 0)) s = 0;
          assert.ok(Math.abs(s - f[Y + r * no + o]) <= 1e-5 * (1 + Math.abs(s)), `${r},${o}`);
        }
      }
    }
  });

  it('the wasm exp is within 2 float32 ulps of exp over the softmax range', () => {
    const { memory, vexp } = gemmInstance(1 << 20);
    const f = new Float32Array(memory.buffer);
    const n = 20000;
    const xs = Float32Array.from({ length: n }, (_, i) => -87 + (i / n) * 175);
    f.set(xs, 16);
    vexp(64, n);
    for (let i = 0; i < n; i++) {
      const ref = Math.exp(xs[i]);
      assert.ok(Math.abs(f[16 + i] - ref) <= 2.5 * 2 ** -24 * ref, `exp(${xs[i]})`);
    }
  });

  it('refuses the pairwise branch (the callers fall back to tfjs)', () => {
    assert.match(kernelSupport(tinyModel({ pairwiseBranch: true }).options) ?? '', /pairwise/);
    assert.equal(kernelSupport(tinyModel().options), null);
  });

  for (const [name, over] of Object.entries(CASES)) {
    describe(name, () => {
      it('decoder: x̂, log x̂ and ∂/∂z of Σ w·x̂', () => {
        const m = model(over, 2);
        const o = m.options;
        const B = 7;
        const d = o.latentDim;
        const E = o.nElements;
        const k = latentKernel(m, 1, B);
        const z = normals(B * d, `${name}/z`);
        const w = normals(B * E, `${name}/w`);
        const net: Net = { options: o, params: m.member(1).tensors() };
        const ref = tfValueGrad(
          (t) => tf.exp(decodeLog(net, tf.reshape(t, [1, B, d]))),
          z,
          [B, d],
          w,
        );
        const out = k.decode(z);
        assert.ok(maxRelDiff(out.p, ref.value) < 1e-4, `x̂ ${maxRelDiff(out.p, ref.value)}`);
        // x̂ comes from a float32 exp (≤ 2 ulps), log x̂ from the logits: consistent to ~2e-7
        for (let i = 0; i < B * E; i++)
          assert.ok(Math.abs(Math.exp(out.logp[i]) - out.p[i]) <= 1e-6 * out.p[i]);
        const g = Float64Array.from(k.decodeBackward(w));
        assert.ok(maxRelDiff(g, ref.grad) < 1e-4, `∂/∂z ${maxRelDiff(g, ref.grad)}`);
        const v = normals(B * d, `${name}/v`);
        const num = fd((t) => Float64Array.from(k.decode(t).p), z, v, w, 1e-2);
        assert.ok(
          Math.abs(num - dot(g, v)) < 5e-3 * (1 + Math.abs(num)),
          `FD ${num} vs ${dot(g, v)}`,
        );
        tf.dispose(Object.values(net.params));
      });

      it('hardness head: ŷ and ∂/∂z of Σ w·ŷ', () => {
        const m = model(over, 2);
        const o = m.options;
        const B = 9;
        const d = o.latentDim;
        const k = latentKernel(m, 0, B);
        const z = normals(B * d, `${name}/zh`);
        const loads = normals(B, `${name}/l`);
        const w = normals(B, `${name}/wh`);
        const net: Net = { options: o, params: m.member(0).tensors() };
        const lt = tf.tensor3d(Float32Array.from(loads), [1, B, 1]);
        const ref = tfValueGrad(
          (t) => hardnessFromLatent(net, tf.reshape(t, [1, B, d]), lt),
          z,
          [B, d],
          w,
        );
        const y = Float64Array.from(k.head(z, loads));
        assert.ok(maxRelDiff(y, ref.value) < 1e-4, `ŷ ${maxRelDiff(y, ref.value)}`);
        const g = Float64Array.from(k.headBackward(w));
        assert.ok(maxRelDiff(g, ref.grad) < 1e-4, `∂/∂z ${maxRelDiff(g, ref.grad)}`);
        const v = normals(B * d, `${name}/vh`);
        const num = fd((t) => Float64Array.from(k.head(t, loads)), z, v, w, 1e-2);
        assert.ok(
          Math.abs(num - dot(g, v)) < 5e-3 * (1 + Math.abs(num)),
          `FD ${num} vs ${dot(g, v)}`,
        );
        tf.dispose([lt, ...Object.values(net.params)]);
      });

      it('MC ensemble: samples with the mcNoise masks and ∂/∂x', () => {
        const M = 3;
        const S = 5;
        const B = 6;
        const m = model(over, M);
        const o = m.options;
        const E = o.nElements;
        const seeds = [11, 12, 13];
        const ell = 0.4;
        const keys = Array.from({ length: B }, (_, r) => 1000 + 7 * r);
        const k = mcKernel(m, { seeds, passes: S, rows: B, load: ell, keys });
        const x = compositions(B, E, 21);
        const w = normals(M * S * B, `${name}/wm`);
        const net: Net = { options: o, params: m.tensors() };
        const noise = mcNoise(o, seeds, S, 0, B, keys);
        const loadT = tf.fill([1, S * B, 1], ell);
        const ones = tf.ones([S, 1, 1]);
        const ref = tfValueGrad(
          (t) => {
            const xt = tf.reshape(tf.mul(ones, tf.expandDims(t, 0)), [1, S * B, E]);
            return forward(
              net,
              { x: xt, load: loadT },
              { training: false, mc: true, noise, decoder: false },
            ).yhat;
          },
          x,
          [B, E],
          w,
        );
        const y = Float64Array.from(k.forward(x));
        assert.ok(maxRelDiff(y, ref.value) < 1e-4, `ŷ ${maxRelDiff(y, ref.value)}`);
        const g = Float64Array.from(k.backward(w));
        assert.ok(maxRelDiff(g, ref.grad) < 1e-4, `∂/∂x ${maxRelDiff(g, ref.grad)}`);
        // finite differences along a direction that keeps the present elements present
        const v = x.map((xi, i) => (xi > 0 ? Math.sin(1 + i) : 0));
        const num = fd((t) => Float64Array.from(k.forward(t)), x, v, w, 1e-3);
        assert.ok(
          Math.abs(num - dot(g, v)) < 5e-3 * (1 + Math.abs(num)),
          `FD ${num} vs ${dot(g, v)}`,
        );
        disposeNoise(noise);
        tf.dispose([loadT, ones, ...Object.values(net.params)]);
      });
    });
  }
});
