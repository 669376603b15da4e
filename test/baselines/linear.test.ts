import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type DenseMatrix, denseMatrix } from '../../src/baselines/features.ts';
import { Lasso, Ridge } from '../../src/baselines/linear.ts';

/** Columns 2–4 of the 8×8 Hadamard matrix: centred, orthogonal, XᵀX = 8·I = n·I. */
const H = [
  [1, 1, 1],
  [-1, 1, 1],
  [1, -1, 1],
  [-1, -1, 1],
  [1, 1, -1],
  [-1, 1, -1],
  [1, -1, -1],
  [-1, -1, -1],
];
const xOrth = denseMatrix(8, 3, H.flat());
const yOrth = [3.2, -1.1, 0.4, 2.5, -0.7, 1.9, 0.05, -2.2];
const n = 8;

const dotCol = (x: DenseMatrix, j: number, v: number[]) => {
  let s = 0;
  for (let i = 0; i < x.rows; i++) s += x.data[i * x.cols + j] * v[i];
  return s;
};
const meanY = yOrth.reduce((a, b) => a + b, 0) / n;
const soft = (z: number, a: number) => Math.sign(z) * Math.max(Math.abs(z) - a, 0);

/** A small non-orthogonal problem with scikit-learn 1.2.1 reference fits (exact rational data). */
const m = 40;
const xs: number[] = [];
const ys: number[] = [];
for (let i = 0; i < m; i++) {
  const r = [((i * 37) % 101) / 101, ((i * 53 + 7) % 97) / 97, ((i * 29 + 3) % 89) / 89];
  xs.push(...r);
  ys.push(r[0] ** 2 + 2 * r[1] - r[2] + ((i * 5) % 3) / 10);
}
const xSmall = denseMatrix(m, 3, xs);

describe('Ridge', () => {
  it('orthogonal design: w = Xᵀy / (n + α), b = ȳ', () => {
    for (const alpha of [0, 0.5, 4]) {
      const r = new Ridge({ alpha }).fit(xOrth, yOrth);
      for (let j = 0; j < 3; j++) {
        // α = 0 solves with a 1e-10 jitter: relative effect ~1e-11.
        assert.ok(Math.abs(r.coef[j] - dotCol(xOrth, j, yOrth) / (n + alpha)) < 1e-10);
      }
      assert.ok(Math.abs(r.intercept - meanY) < 1e-12);
    }
  });

  it('matches scikit-learn Ridge(alpha=0.3) on a correlated problem', () => {
    const r = new Ridge({ alpha: 0.3 }).fit(xSmall, ys);
    const ref = [0.9977781246550982, 1.7910333939877485, -1.1045571182782243];
    // Closed form both sides: agreement to rounding (1e-10).
    for (let j = 0; j < 3; j++) assert.ok(Math.abs(r.coef[j] - ref[j]) < 1e-10, `${r.coef[j]}`);
    assert.ok(Math.abs(r.intercept - 0.08710893938331132) < 1e-10);
  });

  it('JSON round trip predicts identically', () => {
    const r = new Ridge({ alpha: 0.3 }).fit(xSmall, ys);
    const back = Ridge.fromJSON(JSON.parse(JSON.stringify(r.toJSON())));
    assert.deepEqual(back.predict(xSmall), r.predict(xSmall));
  });
});

describe('Lasso', () => {
  it('orthogonal design: soft-thresholding, w = S(xⱼᵀy / n, α)', () => {
    for (const alpha of [0, 0.1, 0.3, 2]) {
      const l = new Lasso({ alpha, tol: 1e-12 }).fit(xOrth, yOrth);
      for (let j = 0; j < 3; j++) {
        const expect = soft(dotCol(xOrth, j, yOrth) / n, alpha);
        // Orthogonal columns: coordinate descent is exact after one sweep, up to rounding in the
        // sparse residual bookkeeping (~1e-11 here).
        assert.ok(
          Math.abs(l.coef[j] - expect) < 1e-10,
          `α ${alpha} j ${j}: ${l.coef[j]} vs ${expect}`,
        );
      }
      assert.ok(Math.abs(l.intercept - meanY) < 1e-12);
    }
    // A large α zeroes every weight.
    const z = new Lasso({ alpha: 10 }).fit(xOrth, yOrth);
    assert.deepEqual([...z.coef], [0, 0, 0]);
  });

  it('matches scikit-learn Lasso on a correlated problem, and satisfies the KKT conditions', () => {
    const l = new Lasso({ alpha: 0.01, tol: 1e-12, maxIter: 1_000_000 }).fit(xSmall, ys);
    const ref = [0.9545471797904603, 1.8405112655784674, -1.0851849253333463];
    // Both converged to 1e-10-level duality gaps: the unique optimum to ~1e-7.
    for (let j = 0; j < 3; j++) assert.ok(Math.abs(l.coef[j] - ref[j]) < 1e-6, `${l.coef[j]}`);
    assert.ok(Math.abs(l.intercept - 0.07492396995875017) < 1e-6);
    // KKT: |x_cⱼᵀ r| / n ≤ α, with equality and sign(wⱼ) where wⱼ ≠ 0.
    const p = l.predict(xSmall);
    const r = ys.map((v, i) => v - p[i]);
    for (let j = 0; j < 3; j++) {
      const g = dotCol(xSmall, j, r) / m; // r sums to 0, so xⱼ need not be centred
      assert.ok(Math.abs(g - 0.01 * Math.sign(l.coef[j])) < 1e-6, `KKT ${j}: ${g}`);
    }
  });

  it('default tolerance stops where scikit-learn does (alpha 0.05)', () => {
    const l = new Lasso({ alpha: 0.05 }).fit(xSmall, ys);
    const ref = [0.5169316486688368, 1.3717772638131338, -0.48328770124514464];
    // Same stopping rule (tol 1e-4 on updates, then the duality gap): agreement to ~1e-9.
    for (let j = 0; j < 3; j++) assert.ok(Math.abs(l.coef[j] - ref[j]) < 1e-8, `${l.coef[j]}`);
    assert.equal(l.nIter, 5);
  });

  it('JSON round trip predicts identically', () => {
    const l = new Lasso({ alpha: 0.05 }).fit(xSmall, ys);
    const back = Lasso.fromJSON(JSON.parse(JSON.stringify(l.toJSON())));
    assert.deepEqual(back.predict(xSmall), l.predict(xSmall));
  });
});
