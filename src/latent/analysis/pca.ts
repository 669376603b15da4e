/**
 * PCA map of the latents (SPEC §8): fitted on the train_fit latents (centred, not scaled, as the
 * original code, docs/original.md §7.7), explained-variance ratios, scores of any rows, and the R² of
 * a straight-line fit of predicted HV on PC1 and on PC2.
 *
 * Signs: a principal direction is defined up to sign; each is oriented so that the scores of the
 * `orientBy` values (predicted HV) correlate non-negatively with it, else so that its largest
 * loading is positive. Plots then read "hardness grows to the right" on PC1.
 */
import { PCA } from 'ml-pca';
import { InputError } from '../../util/errors.ts';
import { columnMeans, type Matrix, pearson, r2Linear, toRows } from './stats.ts';

export interface PcaFit {
  /** Latent mean of the fitted rows (length d). */
  mean: number[];
  /** Principal directions as rows (orthonormal), nComponents × d. */
  components: number[][];
  /** Fraction of the total variance of the fitted rows along every direction (all d, descending). */
  explainedVarianceRatio: number[];
}

/** Fit PCA on the rows of z; keep `nComponents` directions (default 2). */
export function fitPca(z: Matrix, nComponents = 2): PcaFit {
  if (z.n < 2) throw new InputError('PCA: need at least 2 latents');
  const k = Math.min(nComponents, z.d);
  const pca = new PCA(toRows(z), { center: true, scale: false });
  const V = pca.getEigenvectors();
  const components = Array.from({ length: k }, (_, c) =>
    Array.from({ length: z.d }, (_, j) => V.get(j, c)),
  );
  for (const v of components) {
    let big = 0;
    for (let j = 1; j < v.length; j++) if (Math.abs(v[j]) > Math.abs(v[big])) big = j;
    if (v[big] < 0) for (let j = 0; j < v.length; j++) v[j] = -v[j];
  }
  return {
    mean: Array.from(columnMeans(z)),
    components,
    explainedVarianceRatio: pca.getExplainedVariance(),
  };
}

/** Scores of the rows of z on the fitted directions, n × nComponents (row-major). */
export function pcaScores(fit: PcaFit, z: Matrix): Matrix {
  const k = fit.components.length;
  const out = new Float64Array(z.n * k);
  for (let i = 0; i < z.n; i++) {
    for (let c = 0; c < k; c++) {
      const v = fit.components[c];
      let s = 0;
      for (let j = 0; j < z.d; j++) s += v[j] * (z.data[i * z.d + j] - fit.mean[j]);
      out[i * k + c] = s;
    }
  }
  return { data: out, n: z.n, d: k };
}

/**
 * Flip directions so that the scores of the fitted rows `z` correlate non-negatively with `y`
 * (returns a new fit; directions with an undefined correlation are left alone).
 */
export function orientPca(fit: PcaFit, z: Matrix, y: ArrayLike<number>): PcaFit {
  const s = pcaScores(fit, z);
  const components = fit.components.map((v, c) => {
    const col = Float64Array.from({ length: s.n }, (_, i) => s.data[i * s.d + c]);
    const r = pearson(col, y);
    return Number.isFinite(r) && r < 0 ? v.map((x) => -x) : [...v];
  });
  return { ...fit, components };
}

/** R² of y on each score column (univariate least squares). */
export function r2OnScores(scores: Matrix, y: ArrayLike<number>): number[] {
  return Array.from({ length: scores.d }, (_, c) => {
    const col = Float64Array.from({ length: scores.n }, (_, i) => scores.data[i * scores.d + c]);
    return r2Linear(col, y);
  });
}
