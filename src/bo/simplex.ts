/**
 * The softmax parametrisation of compositions for GP-BO (SPEC §10): x = softmax(u), u ∈ ℝᴱ, so an
 * unconstrained optimiser moves on the open simplex (every x_k > 0, Σ x_k = 1). Softmax is
 * shift-invariant (u and u + c·1 give the same x); nothing here depends on the shift.
 */

/** x = softmax(u), computed with the max subtracted (no overflow for large logits). */
export function softmax(u: ArrayLike<number>): Float64Array {
  const n = u.length;
  let m = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) if (u[i] > m) m = u[i];
  const x = new Float64Array(n);
  let s = 0;
  for (let i = 0; i < n; i++) {
    x[i] = Math.exp(u[i] - m);
    s += x[i];
  }
  for (let i = 0; i < n; i++) x[i] /= s;
  return x;
}

/**
 * Vector–Jacobian product of softmax: given x = softmax(u) and g = ∂f/∂x, returns ∂f/∂u =
 * (diag(x) − x xᵀ) g = x ⊙ (g − xᵀg).
 */
export function softmaxVjp(x: ArrayLike<number>, g: ArrayLike<number>): Float64Array {
  let xg = 0;
  for (let i = 0; i < x.length; i++) xg += x[i] * g[i];
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = x[i] * (g[i] - xg);
  return out;
}

/**
 * Logits of a composition: u_k = ln max(x_k, floor) (SPEC §10 / the original's start points). With
 * the default floor 1e-6 an absent element starts at weight ≈ 1e-6 and its gradient is scaled by
 * that weight, so a start stays in its alloy's element set unless the objective pulls hard.
 */
export function logits(x: ArrayLike<number>, floor = 1e-6): Float64Array {
  return Float64Array.from(x as ArrayLike<number>, (v) => Math.log(Math.max(v, floor)));
}
