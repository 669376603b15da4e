import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { logits, softmax, softmaxVjp } from '../../src/bo/simplex.ts';

const logitVec = (n: number, max = 50) =>
  fc.array(fc.double({ min: -max, max, noNaN: true }), { minLength: n, maxLength: n });

describe('softmax parametrisation (SPEC §10)', () => {
  it('keeps the simplex: entries in [0, 1], sum 1, for any finite logits', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 60 }).chain((n) => logitVec(n, 1e4)),
        (u) => {
          const x = softmax(u);
          let s = 0;
          for (const v of x) {
            assert.ok(v >= 0 && v <= 1 && Number.isFinite(v));
            s += v;
          }
          // n ≤ 60 terms each with relative rounding ≤ 2⁻⁵³: the sum is 1 within 1e-13
          assert.ok(Math.abs(s - 1) < 1e-13, `sum ${s}`);
        },
      ),
    );
  });

  it('is strictly inside the simplex for moderate logits and shift-invariant', () => {
    fc.assert(
      fc.property(logitVec(8, 30), fc.double({ min: -100, max: 100, noNaN: true }), (u, c) => {
        const x = softmax(u);
        for (const v of x) assert.ok(v > 0); // e^(−60) ≫ the smallest double
        const y = softmax(u.map((v) => v + c));
        // shifting by c changes the rounding of u − max(u) by at most ~|c|·2⁻⁵², i.e. < 1e-13 relative
        x.forEach((v, i) => {
          assert.ok(Math.abs(v - y[i]) <= 1e-12 * v + 1e-300);
        });
      }),
    );
  });

  it('inverts logits of a composition with entries above the floor', () => {
    const x = [0.5, 0.3, 0.15, 0.05];
    const back = softmax(logits(x));
    back.forEach((v, i) => {
      assert.ok(Math.abs(v - x[i]) < 1e-15);
    }); // exp(log x) to 1 ulp
    const floored = softmax(logits([0.6, 0.4, 0, 0]));
    assert.ok(Math.abs(floored[2] - 1e-6 / (1 + 2e-6)) < 1e-18);
  });

  it('VJP equals the Jacobian-vector product by central differences', () => {
    const u = [0.3, -1.2, 2.0, 0.1, -0.5];
    const g = [1.5, -0.7, 0.2, 3.1, -2.2];
    const x = softmax(u);
    const vjp = softmaxVjp(x, g);
    const h = 1e-6;
    for (let j = 0; j < u.length; j++) {
      const up = softmax(u.map((v, k) => (k === j ? v + h : v)));
      const dn = softmax(u.map((v, k) => (k === j ? v - h : v)));
      let fd = 0;
      for (let i = 0; i < u.length; i++) fd += (g[i] * (up[i] - dn[i])) / (2 * h);
      // central difference error O(h²) ≈ 1e-12 plus rounding ≈ 1e-16/h ≈ 1e-10
      assert.ok(Math.abs(fd - vjp[j]) < 1e-8, `j=${j}: fd ${fd} vs ${vjp[j]}`);
    }
    // gradients along the all-ones direction vanish (shift invariance)
    assert.ok(Math.abs(vjp.reduce((a, b) => a + b, 0)) < 1e-14);
  });
});
