/**
 * The network's descriptor branch (SPEC §3 descriptor branch) computes exactly the descriptors of
 * src/chem/descriptors.ts (`descriptorVector`, the independent scalar implementation tested
 * against published values), differentiably.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { DESCRIPTOR_FEATURES, descriptorVector } from '../../src/chem/descriptors.ts';
import { descriptorConstants, descriptorRows } from '../../src/model/descriptors.ts';
import { initBackend } from '../../src/nn/backend.ts';
import { DESC_CONST_COLS, N_DESCRIPTORS, rawDescriptors } from '../../src/nn/descriptors.ts';
import * as tf from '../../src/nn/tf.ts';
import { InputError } from '../../src/util/errors.ts';

const ELEMENTS = ['B', 'Be', 'Cu', 'Fe', 'Nb', 'Ni', 'Ti', 'Zr'];
const ALLOYS: Record<string, number>[] = [
  { Zr: 41.2, Ti: 13.8, Cu: 12.5, Ni: 10, Be: 22.5 },
  { Cu: 50, Zr: 50 },
  { Fe: 72, B: 24, Nb: 4 },
  { Fe: 100 },
  { B: 68, Nb: 24, Fe: 8 },
];

function vec(a: Record<string, number>): Float32Array {
  const s = Object.values(a).reduce((p, q) => p + q, 0);
  return Float32Array.from(ELEMENTS, (e) => (a[e] ?? 0) / s);
}

describe('descriptor branch (SPEC §3)', () => {
  before(async () => {
    await initBackend('wasm');
  });

  it('the tensor layer equals descriptorVector for published glasses and a pure element', () => {
    assert.equal(N_DESCRIPTORS, DESCRIPTOR_FEATURES.length);
    const x = new Float32Array(ALLOYS.length * ELEMENTS.length);
    ALLOYS.forEach((a, i) => {
      x.set(vec(a), i * ELEMENTS.length);
    });
    const got = descriptorRows(ELEMENTS, x);
    ALLOYS.forEach((_a, i) => {
      const fr: Record<string, number> = {};
      ELEMENTS.forEach((e, k) => {
        if (x[i * ELEMENTS.length + k] > 0) fr[e] = x[i * ELEMENTS.length + k];
      });
      const want = descriptorVector(fr);
      DESCRIPTOR_FEATURES.forEach((name, j) => {
        const g = got[i * N_DESCRIPTORS + j];
        // float32 arithmetic: relative 1e-4, plus an absolute floor for values at 0 (a pure
        // element's spreads: √(1e-8 floor) = 1e-4 in the property's units; ΔS via ln(x + 1e-12))
        const tol = 1e-4 * Math.abs(want[j]) + (name === 'melting_point_spread' ? 0.5 : 2e-3);
        assert.ok(Math.abs(g - want[j]) <= tol, `${name} of alloy ${i}: ${g} vs ${want[j]}`);
      });
    });
  });

  it('is differentiable in x (finite gradients at compositions with zeros), matching central differences', () => {
    const E = ELEMENTS.length;
    const { props, hmix } = descriptorConstants(ELEMENTS);
    const P = tf.tensor3d(props, [1, E, DESC_CONST_COLS]);
    const H = tf.tensor3d(hmix, [1, E, E]);
    // a fixed random linear functional of the descriptors, scaled to O(1) per feature
    const w = tf.tensor1d(
      Float32Array.from([
        5, 0.05, 0.1, 3, 0.3, 5, 1, 0.5, 0.002, 0.005, 0.1, 0.2, 0.01, 0.005, 0.01,
      ]),
    );
    const f = (x: tf.Tensor) =>
      tf.sum(tf.mul(rawDescriptors(tf.reshape(x, [1, 1, E]), P, H), w)) as tf.Scalar;
    const x0 = vec({ Fe: 60, B: 25, Nb: 10, Zr: 5 });
    const g = tf.tidy(() => tf.grad(f)(tf.tensor1d(x0)).dataSync());
    assert.ok(g.every(Number.isFinite), 'finite gradient, also for the absent elements');
    const h = 1e-3;
    for (const k of [0, 3, 4]) {
      const up = Float32Array.from(x0);
      const dn = Float32Array.from(x0);
      up[k] += h;
      dn[k] -= h;
      const fd = tf.tidy(
        () => (f(tf.tensor1d(up)).dataSync()[0] - f(tf.tensor1d(dn)).dataSync()[0]) / (2 * h),
      );
      // float32 values of O(10) differenced over 2e-3: ~1e-2 rounding, plus O(h²) curvature
      assert.ok(
        Math.abs(g[k] - fd) < 0.05 * Math.max(1, Math.abs(fd)),
        `∂/∂x_${k}: ${g[k]} vs ${fd}`,
      );
    }
    tf.dispose([P, H, w]);
  });

  it('an element outside the cited table is an InputError naming it', () => {
    assert.throws(
      () => descriptorConstants(['Fe', 'Xx']),
      (e: unknown) => e instanceof InputError && /Xx/.test(e.message),
    );
  });
});
