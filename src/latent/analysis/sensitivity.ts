/**
 * Sensitivity of predicted hardness to each latent coordinate (SPEC §8): mean |∂HV/∂z_j| over a
 * reference set of latents (training latents plus draws from the latent GMM, ≥ 1000 in all), and
 * the Pearson and Spearman correlation of each coordinate with predicted HV over the rows.
 */
import { column, type Matrix, pearson, spearman, stdPop } from './stats.ts';

export interface CoordinateSensitivity {
  /** Latent coordinate index j (z<j>). */
  coordinate: number;
  /** Mean |∂HV/∂z_j| over the reference latents, HV per latent unit. */
  mean_abs_gradient: number;
  /** mean_abs_gradient × sd of z_j over the rows: HV per standard deviation of the coordinate. */
  mean_abs_gradient_per_sd: number;
  /** Standard deviation of z_j over the rows (latent units). */
  sd: number;
  /** Pearson correlation of z_j with predicted HV over the rows. */
  pearson: number;
  /** Spearman rank correlation of z_j with predicted HV over the rows. */
  spearman: number;
}

/**
 * Per-coordinate sensitivity: `grad` holds ∂HV/∂z at the reference latents (m × d); `z` and
 * `predicted` are the rows' latents and predicted HV (for the sd and the correlations).
 */
export function coordinateSensitivity(
  grad: Matrix,
  z: Matrix,
  predicted: ArrayLike<number>,
): CoordinateSensitivity[] {
  return Array.from({ length: grad.d }, (_, j) => {
    let s = 0;
    for (let i = 0; i < grad.n; i++) s += Math.abs(grad.data[i * grad.d + j]);
    const g = s / grad.n;
    const c = column(z, j);
    const sd = stdPop(c);
    return {
      coordinate: j,
      mean_abs_gradient: g,
      mean_abs_gradient_per_sd: g * sd,
      sd,
      pearson: pearson(c, predicted),
      spearman: spearman(c, predicted),
    };
  });
}
