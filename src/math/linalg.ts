/**
 * Dense linear algebra on row-major Float64Arrays: the one Cholesky factorisation of the code base,
 * triangular solves with its factor, the inverse of a triangular factor, the log-determinant and
 * L·x. Matrices are n × n with element (i, j) at `i * stride + j` (stride defaults to n, so a caller
 * can keep a factor inside a larger buffer and grow it row by row, as the GP-BO posterior does).
 *
 * Summation order is fixed (ascending inner index) so every caller gets the same bits it got from
 * its former private copy: l_ij = (a_ij − Σ_{k<j} l_ik l_jk) / l_jj, l_jj = √(a_jj − Σ_{k<j} l_jk²).
 * Used by the latent mixture (latent/gmm.ts), the MCMC proposal (design/mvn.ts), ridge regression
 * (baselines/linear.ts) and the Gaussian processes (baselines/gp.ts, bo/posterior.ts).
 */

/**
 * Cholesky factorisation in place: overwrites the lower triangle (diagonal included) of the
 * symmetric positive-definite matrix `a` with L, A = L Lᵀ. Only the lower triangle of `a` is read;
 * the strict upper triangle is left untouched. Returns false (leaving `a` partly overwritten) when a
 * pivot is not > 0 (not positive definite, or NaN).
 */
export function choleskyInPlace(a: Float64Array, n: number, stride = n): boolean {
  for (let j = 0; j < n; j++) {
    const rj = j * stride;
    let s = a[rj + j];
    for (let k = 0; k < j; k++) s -= a[rj + k] * a[rj + k];
    if (!(s > 0)) return false;
    const ljj = Math.sqrt(s);
    a[rj + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      const ri = i * stride;
      let t = a[ri + j];
      for (let k = 0; k < j; k++) t -= a[ri + k] * a[rj + k];
      a[ri + j] = t / ljj;
    }
  }
  return true;
}

/**
 * The lower Cholesky factor L of the symmetric positive-definite n × n matrix `a` (only its lower
 * triangle is read) as a new n × n array with zeros above the diagonal, or null if `a` is not
 * positive definite.
 */
export function cholesky(a: ArrayLike<number>, n: number): Float64Array | null {
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) l[i * n + j] = a[i * n + j];
  return choleskyInPlace(l, n) ? l : null;
}

/** Solves L x = b in place (forward substitution); only b[0 … n) is used. */
export function solveLowerInPlace(l: Float64Array, n: number, b: Float64Array, stride = n): void {
  for (let i = 0; i < n; i++) {
    const ri = i * stride;
    let s = b[i];
    for (let k = 0; k < i; k++) s -= l[ri + k] * b[k];
    b[i] = s / l[ri + i];
  }
}

/** Solves Lᵀ x = b in place (back substitution with the transpose of L); only b[0 … n) is used. */
export function solveLowerTransposedInPlace(
  l: Float64Array,
  n: number,
  b: Float64Array,
  stride = n,
): void {
  for (let i = n - 1; i >= 0; i--) {
    let s = b[i];
    for (let k = i + 1; k < n; k++) s -= l[k * stride + i] * b[k];
    b[i] = s / l[i * stride + i];
  }
}

/** x = L⁻¹ b (a new array). */
export function solveLower(l: Float64Array, n: number, b: ArrayLike<number>): Float64Array {
  const x = Float64Array.from(b);
  solveLowerInPlace(l, n, x);
  return x;
}

/** x = L⁻ᵀ b (a new array). */
export function solveLowerTransposed(
  l: Float64Array,
  n: number,
  b: ArrayLike<number>,
): Float64Array {
  const x = Float64Array.from(b);
  solveLowerTransposedInPlace(l, n, x);
  return x;
}

/** Solves (L Lᵀ) x = b for a Cholesky factor L (a new array). */
export function choleskySolve(l: Float64Array, n: number, b: ArrayLike<number>): Float64Array {
  const x = Float64Array.from(b);
  solveLowerInPlace(l, n, x);
  solveLowerTransposedInPlace(l, n, x);
  return x;
}

/** ln|A| = 2 Σ ln L_ii for A = L Lᵀ. */
export function logDetFromCholesky(l: Float64Array, n: number, stride = n): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += 2 * Math.log(l[i * stride + i]);
  return s;
}

/** The inverse of a lower-triangular matrix (itself lower triangular), column by column. */
export function invertLower(l: Float64Array, n: number): Float64Array {
  const u = new Float64Array(n * n);
  for (let c = 0; c < n; c++) {
    u[c * n + c] = 1 / l[c * n + c];
    for (let i = c + 1; i < n; i++) {
      let s = 0;
      for (let m = c; m < i; m++) s -= l[i * n + m] * u[m * n + c];
      u[i * n + c] = s / l[i * n + i];
    }
  }
  return u;
}

/** out = L x for a lower-triangular L (only the lower triangle is read). */
export function lowerMatVec(
  l: Float64Array,
  n: number,
  x: ArrayLike<number>,
  out: Float64Array = new Float64Array(n),
): Float64Array {
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = 0; k <= i; k++) s += l[i * n + k] * x[k];
    out[i] = s;
  }
  return out;
}
