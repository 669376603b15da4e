import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  cholesky,
  choleskyInPlace,
  choleskySolve,
  invertLower,
  logDetFromCholesky,
  lowerMatVec,
  solveLower,
  solveLowerInPlace,
  solveLowerTransposed,
  solveLowerTransposedInPlace,
} from '../../src/math/linalg.ts';
import { Rng } from '../../src/util/rng.ts';

function close(a: number, b: number, tol: number, what = ''): void {
  assert.ok(Math.abs(a - b) <= tol, `${what} ${a} vs ${b} (tol ${tol})`);
}

// A fixed symmetric positive-definite 4 × 4 matrix (row-major) and a right-hand side.
const A = Float64Array.from([4, 2, 0.6, -1, 2, 5, 1.5, 0.3, 0.6, 1.5, 3, 0.2, -1, 0.3, 0.2, 2.5]);
const b = [1, -2, 0.5, 3];

/** A random SPD matrix M Mᵀ + n·I (n × n) from a seeded stream. */
function randomSpd(n: number, seed: string): Float64Array {
  const rng = new Rng(seed);
  const m = Array.from({ length: n * n }, () => rng.normal());
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let s = i === j ? n : 0;
      for (let k = 0; k < n; k++) s += m[i * n + k] * m[j * n + k];
      a[i * n + j] = s;
    }
  return a;
}

describe('Cholesky', () => {
  it('matches numpy.linalg.cholesky', () => {
    // numpy.linalg.cholesky(A).ravel() (numpy 2.4); agreement to a few ulps of the entries.
    const ref = [
      2.0, 0.0, 0.0, 0.0, 1.0, 2.0, 0.0, 0.0, 0.3, 0.6, 1.5968719422671311, 0.0, -0.5, 0.4,
      0.06888467201936646, 1.4440411704521392,
    ];
    const l = cholesky(A, 4);
    assert.ok(l);
    for (let i = 0; i < 16; i++) close(l[i], ref[i], 1e-15, `L[${i}]`);
  });

  it('L Lᵀ reproduces a random 30 × 30 SPD matrix; the in-place form agrees bit for bit', () => {
    const n = 30;
    const a = randomSpd(n, 'spd');
    const l = cholesky(a, n);
    assert.ok(l);
    let maxErr = 0;
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let k = 0; k < n; k++) s += l[i * n + k] * l[j * n + k];
        maxErr = Math.max(maxErr, Math.abs(s - a[i * n + j]) / Math.abs(a[i * n + i]));
      }
    // Backward error of Cholesky is O(n·ε) relative to the diagonal: 30 · 2.2e-16 ≈ 7e-15.
    assert.ok(maxErr < 1e-13, `max |LLᵀ − A| = ${maxErr}`);
    // In place within a larger buffer (stride 32): same lower triangle, upper triangle untouched.
    const st = 32;
    const buf = new Float64Array(n * st).fill(7);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) buf[i * st + j] = a[i * n + j];
    assert.ok(choleskyInPlace(buf, n, st));
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++)
        assert.equal(buf[i * st + j], j <= i ? l[i * n + j] : a[i * n + j], `(${i}, ${j})`);
    assert.equal(buf[n], 7); // padding column 30 of row 0
  });

  it('rejects matrices that are not positive definite', () => {
    assert.equal(cholesky([1, 2, 2, 1], 2), null); // eigenvalues 3, −1
    assert.equal(cholesky([0, 0, 0, 1], 2), null); // singular
    assert.equal(cholesky([Number.NaN, 0, 0, 1], 2), null);
    assert.equal(choleskyInPlace(Float64Array.from([1, 0, 0, -1]), 2), false);
  });
});

describe('triangular solves, log-determinant, inverse', () => {
  const l = cholesky(A, 4) as Float64Array;

  it('choleskySolve matches numpy.linalg.solve', () => {
    // numpy.linalg.solve(A, b) (numpy 2.4); the system's condition number is ≈ 4, so ~1e-15.
    const ref = [1.1839550344153158, -1.086550757889194, 0.3547786512205214, 1.775585812615188];
    const x = choleskySolve(l, 4, b);
    for (let i = 0; i < 4; i++) close(x[i], ref[i], 1e-14, `x[${i}]`);
  });

  it('forward and back substitution invert L and Lᵀ (residuals ~ε)', () => {
    const y = solveLower(l, 4, b);
    const ly = lowerMatVec(l, 4, y);
    for (let i = 0; i < 4; i++) close(ly[i], b[i], 1e-15, `Ly[${i}]`);
    const z = solveLowerTransposed(l, 4, b);
    for (let i = 0; i < 4; i++) {
      let s = 0;
      for (let k = i; k < 4; k++) s += l[k * 4 + i] * z[k];
      close(s, b[i], 1e-15, `Lᵀz[${i}]`);
    }
    // In-place forms with a stride give the same bits.
    const st = 6;
    const lb = new Float64Array(4 * st);
    for (let i = 0; i < 4; i++) for (let j = 0; j <= i; j++) lb[i * st + j] = l[i * 4 + j];
    const y2 = Float64Array.from([...b, 99]);
    solveLowerInPlace(lb, 4, y2, st);
    assert.deepEqual(Array.from(y2.subarray(0, 4)), Array.from(y));
    assert.equal(y2[4], 99);
    const z2 = Float64Array.from(b);
    solveLowerTransposedInPlace(lb, 4, z2, st);
    assert.deepEqual(Array.from(z2), Array.from(z));
  });

  it('log-determinant matches numpy.linalg.slogdet', () => {
    // numpy.linalg.slogdet(A)[1] (numpy 2.4)
    close(logDetFromCholesky(l, 4), 4.443573184325397, 1e-14);
  });

  it('invertLower gives L⁻¹ (L·L⁻¹ = I)', () => {
    const u = invertLower(l, 4);
    for (let i = 0; i < 4; i++)
      for (let j = 0; j < 4; j++) {
        let s = 0;
        for (let k = 0; k < 4; k++) s += l[i * 4 + k] * u[k * 4 + j];
        close(s, i === j ? 1 : 0, 1e-15, `(LU)[${i}][${j}]`);
        if (j > i) assert.equal(u[i * 4 + j], 0);
      }
  });
});
