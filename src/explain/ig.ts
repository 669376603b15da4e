/**
 * Integrated gradients (Sundararajan et al. 2017; SPEC §11, docs/original.md §8.2): for a row x and a
 * baseline x0, IG_i = (x_i − x0_i) · ∫₀¹ ∂f/∂x_i(x0 + α(x − x0)) dα, the integral by the
 * trapezoid rule on `steps` equal intervals (steps + 1 gradient evaluations: α = 0, 1/steps, …, 1).
 * Completeness: Σ_i IG_i = f(x) − f(x0) up to the quadrature error, which is reported per row as
 * the gap |Σ_i IG_i − (f(x) − f(x0))|. For a function whose gradient is linear along the path
 * (e.g. a linear or quadratic f) the trapezoid rule is exact and so is the completeness.
 */
import { InputError } from '../util/errors.ts';

/**
 * Value and gradient of f at `n` points of F features each (row-major n × F); returns f (n) and
 * ∂f/∂features (n × F).
 */
export type ValueAndGrad = (
  points: Float64Array,
  n: number,
) => { f: ArrayLike<number>; grad: ArrayLike<number> };

export interface IgOptions {
  /** Trapezoid intervals along the path (SPEC §11: 200). */
  steps?: number;
  /** Upper bound on the path points evaluated in one call (memory; default 16384). */
  maxPoints?: number;
  /** Called after each batch of rows with the rows done and the total (may throw to cancel). */
  onBatch?: (done: number, total: number) => void;
}

export interface IgResult {
  /** Attributions, n × F (row-major), in the units of f. */
  attributions: Float64Array;
  n: number;
  features: number;
  /** f at each row. */
  fx: Float64Array;
  /** f at the baseline. */
  fBaseline: number;
  /** |Σ_i IG_i − (f(x) − f(x0))| per row. */
  gap: Float64Array;
  steps: number;
}

/** Integrated gradients of the n rows of x (n × F, row-major) against `baseline` (F). */
export function integratedGradients(
  fn: ValueAndGrad,
  x: ArrayLike<number>,
  baseline: ArrayLike<number>,
  o: IgOptions = {},
): IgResult {
  const F = baseline.length;
  if (F === 0 || x.length % F !== 0)
    throw new InputError(`integrated gradients: ${x.length} values are not rows of ${F} features`);
  const n = x.length / F;
  const steps = o.steps ?? 200;
  if (!Number.isInteger(steps) || steps < 1)
    throw new InputError(`integrated gradients: steps ${steps}; expected an integer ≥ 1`);
  const P = steps + 1;
  const rowsPerCall = Math.max(1, Math.floor((o.maxPoints ?? 16384) / P));
  const attributions = new Float64Array(n * F);
  const fx = new Float64Array(n);
  const gap = new Float64Array(n);
  let fBaseline = Number.NaN;
  for (let r0 = 0; r0 < n; r0 += rowsPerCall) {
    const r = Math.min(rowsPerCall, n - r0);
    const pts = new Float64Array(r * P * F);
    for (let i = 0; i < r; i++) {
      for (let k = 0; k < P; k++) {
        const a = k / steps;
        const base = (i * P + k) * F;
        for (let j = 0; j < F; j++) {
          const x0 = baseline[j];
          pts[base + j] = x0 + a * (x[(r0 + i) * F + j] - x0);
        }
      }
    }
    const { f, grad } = fn(pts, r * P);
    for (let i = 0; i < r; i++) {
      const row = r0 + i;
      let sum = 0;
      for (let j = 0; j < F; j++) {
        // trapezoid: (½g_0 + g_1 + … + g_{steps−1} + ½g_steps) / steps
        let s = 0;
        for (let k = 0; k < P; k++) {
          const g = grad[(i * P + k) * F + j];
          s += k === 0 || k === steps ? 0.5 * g : g;
        }
        const ig = (x[row * F + j] - baseline[j]) * (s / steps);
        attributions[row * F + j] = ig;
        sum += ig;
      }
      const f0 = f[i * P];
      const f1 = f[i * P + steps];
      if (Number.isNaN(fBaseline)) fBaseline = f0;
      fx[row] = f1;
      gap[row] = Math.abs(sum - (f1 - f0));
    }
    o.onBatch?.(r0 + r, n);
  }
  return { attributions, n, features: F, fx, fBaseline, gap, steps };
}
