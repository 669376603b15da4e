import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { integratedGradients, type ValueAndGrad } from '../../src/explain/ig.ts';
import { InputError } from '../../src/util/errors.ts';
import { Rng } from '../../src/util/rng.ts';

function close(a: number, b: number, tol: number, what = ''): void {
  assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b} (tol ${tol})`);
}

/** f(x) = b + w·x, ∂f/∂x = w. */
function linear(w: number[], b: number): ValueAndGrad {
  const F = w.length;
  return (pts, n) => {
    const f = new Float64Array(n);
    const grad = new Float64Array(n * F);
    for (let i = 0; i < n; i++) {
      let s = b;
      for (let j = 0; j < F; j++) {
        s += w[j] * pts[i * F + j];
        grad[i * F + j] = w[j];
      }
      f[i] = s;
    }
    return { f, grad };
  };
}

/** f(x) = Σ c_j x_j², ∂f/∂x_j = 2 c_j x_j (a gradient linear along any straight path). */
function quadratic(c: number[]): ValueAndGrad {
  const F = c.length;
  return (pts, n) => {
    const f = new Float64Array(n);
    const grad = new Float64Array(n * F);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < F; j++) {
        const x = pts[i * F + j];
        f[i] += c[j] * x * x;
        grad[i * F + j] = 2 * c[j] * x;
      }
    }
    return { f, grad };
  };
}

const rng = new Rng('ig');
const F = 5;
const n = 7;
const X = Float64Array.from({ length: n * F }, () => rng.uniform());
const x0 = Array.from({ length: F }, () => rng.uniform());

describe('integrated gradients', () => {
  it('linear toy model: IG = (x − x0)·w exactly, Σ IG = f(x) − f(x0), gap 0', () => {
    const w = [3, -1.5, 0, 2.25, 10];
    const r = integratedGradients(linear(w, 4), X, x0, { steps: 200 });
    assert.equal(r.n, n);
    assert.equal(r.features, F);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < F; j++)
        close(r.attributions[i * F + j], (X[i * F + j] - x0[j]) * w[j], 1e-12, `IG[${i}][${j}]`);
      close(r.gap[i], 0, 1e-12, `gap ${i}`);
    }
    close(r.fBaseline, 4 + w.reduce((s, v, j) => s + v * x0[j], 0), 1e-12, 'f(x0)');
  });

  it('quadratic model: the trapezoid rule is exact, IG_j = c_j (x_j² − x0_j²)', () => {
    const c = [1, -2, 0.5, 3, -0.25];
    for (const steps of [1, 7, 200]) {
      const r = integratedGradients(quadratic(c), X, x0, { steps });
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < F; j++)
          close(
            r.attributions[i * F + j],
            c[j] * (X[i * F + j] ** 2 - x0[j] ** 2),
            1e-12,
            `steps ${steps} IG[${i}][${j}]`,
          );
        close(r.gap[i], 0, 1e-12, `gap ${i}`);
      }
    }
  });

  it('a curved model: the completeness gap falls as 1/steps² (trapezoid rule)', () => {
    // f = exp(Σ x_j): gradient exp(Σ x) in every coordinate
    const fn: ValueAndGrad = (pts, m) => {
      const f = new Float64Array(m);
      const grad = new Float64Array(m * F);
      for (let i = 0; i < m; i++) {
        let s = 0;
        for (let j = 0; j < F; j++) s += pts[i * F + j];
        f[i] = Math.exp(s);
        grad.fill(f[i], i * F, (i + 1) * F);
      }
      return { f, grad };
    };
    const g10 = integratedGradients(fn, X, x0, { steps: 10 }).gap;
    const g200 = integratedGradients(fn, X, x0, { steps: 200 }).gap;
    for (let i = 0; i < n; i++) {
      assert.ok(g10[i] > 0);
      // error ∝ h²: 20× more steps → ~400× smaller (tolerance for the higher-order terms)
      const ratio = g10[i] / g200[i];
      assert.ok(ratio > 300 && ratio < 500, `row ${i}: ratio ${ratio}`);
    }
  });

  it('results do not depend on how the path points are chunked', () => {
    const c = [1, -2, 0.5, 3, -0.25];
    const a = integratedGradients(quadratic(c), X, x0, { steps: 20 });
    const b = integratedGradients(quadratic(c), X, x0, { steps: 20, maxPoints: 21 });
    assert.deepEqual(Array.from(a.attributions), Array.from(b.attributions));
  });

  it('rejects bad shapes and step counts', () => {
    assert.throws(() => integratedGradients(linear([1, 2], 0), [1, 2, 3], [0, 0]), InputError);
    assert.throws(() => integratedGradients(linear([1], 0), [1], [0], { steps: 0 }), InputError);
  });
});
