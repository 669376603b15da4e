/**
 * Permutation importance (SPEC §11): within a set of rows (a latent cluster's test rows), shuffle
 * one feature — an element fraction or the load — across the rows, renormalise every composition
 * to sum 1 again, and record the increase in MAE over the unshuffled predictions; repeated
 * `repeats` times (20) with seeded permutations. A feature that is constant within the rows (e.g.
 * an element none of them contains) cannot change anything: its importance is exactly 0 and it is
 * not evaluated. A row left with no element after the shuffle (a single-element row losing it)
 * keeps its original composition; such rows are counted.
 */
import { InputError } from '../util/errors.ts';
import type { Rng } from '../util/rng.ts';

/** Predicted HV of m rows: x is m × E fractions, loads in N. */
export type RowPredictor = (x: Float64Array, loadN: Float64Array) => ArrayLike<number>;

export interface PermutationOptions {
  /** Shuffles per feature (SPEC §11: 20). */
  repeats?: number;
  /** Random stream; feature f uses rng.fork(f). */
  rng: Rng;
  /** Called after each feature with the features done and the total, E + 1 (may throw to cancel). */
  onFeature?: (done: number, total: number) => void;
}

export interface FeatureImportance {
  /** Element symbol or 'load'. */
  feature: string;
  /** Mean increase in MAE over the repeats, HV. */
  mae_increase: number;
  /** Sample standard deviation of the increase over the repeats, HV. */
  sd: number;
  /** True when the feature is constant within the rows (importance 0, not evaluated). */
  constant: boolean;
}

export interface PermutationResult {
  n: number;
  repeats: number;
  /** MAE of the unshuffled predictions, HV. */
  base_mae: number;
  /** Every feature, largest increase first. */
  features: FeatureImportance[];
  /** Rows that kept their composition because the shuffle left them empty. */
  emptied_rows: number;
}

function mae(y: ArrayLike<number>, p: ArrayLike<number>, off: number, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.abs(p[off + i] - y[i]);
  return s / n;
}

export function permutationImportance(
  predict: RowPredictor,
  x: ArrayLike<number>,
  loadN: ArrayLike<number>,
  y: ArrayLike<number>,
  elements: readonly string[],
  o: PermutationOptions,
): PermutationResult {
  const E = elements.length;
  const n = y.length;
  if (x.length !== n * E || loadN.length !== n)
    throw new InputError(`permutation importance: sizes differ (${n} rows, ${E} elements)`);
  if (n < 2) throw new InputError('permutation importance: need at least 2 rows');
  const R = o.repeats ?? 20;
  const xs = Float64Array.from(x);
  const ls = Float64Array.from(loadN);
  const base = mae(y, predict(xs, ls), 0, n);
  const features: FeatureImportance[] = [];
  let emptied = 0;
  for (let j = 0; j <= E; j++) {
    const name = j < E ? elements[j] : 'load';
    const col = (i: number) => (j < E ? xs[i * E + j] : ls[i]);
    let constant = true;
    for (let i = 1; i < n && constant; i++) if (col(i) !== col(0)) constant = false;
    if (constant) {
      features.push({ feature: name, mae_increase: 0, sd: 0, constant: true });
      o.onFeature?.(j + 1, E + 1);
      continue;
    }
    const frng = o.rng.fork(name);
    const X = new Float64Array(R * n * E);
    const L = new Float64Array(R * n);
    for (let r = 0; r < R; r++) {
      const perm = frng.permutation(n);
      for (let i = 0; i < n; i++) {
        const dst = (r * n + i) * E;
        X.set(xs.subarray(i * E, (i + 1) * E), dst);
        L[r * n + i] = ls[i];
        if (j === E) {
          L[r * n + i] = ls[perm[i]];
          continue;
        }
        X[dst + j] = xs[perm[i] * E + j];
        let s = 0;
        for (let e = 0; e < E; e++) s += X[dst + e];
        if (s > 0) for (let e = 0; e < E; e++) X[dst + e] /= s;
        else {
          X.set(xs.subarray(i * E, (i + 1) * E), dst);
          emptied++;
        }
      }
    }
    const p = predict(X, L);
    const inc = Array.from({ length: R }, (_, r) => mae(y, p, r * n, n) - base);
    const m = inc.reduce((a, b) => a + b, 0) / R;
    const sd = R > 1 ? Math.sqrt(inc.reduce((a, b) => a + (b - m) ** 2, 0) / (R - 1)) : 0;
    features.push({ feature: name, mae_increase: m, sd, constant: false });
    o.onFeature?.(j + 1, E + 1);
  }
  features.sort((a, b) => b.mae_increase - a.mae_increase);
  return { n, repeats: R, base_mae: base, features, emptied_rows: emptied };
}
