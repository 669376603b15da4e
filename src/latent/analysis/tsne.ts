/**
 * Exact t-SNE (van der Maaten & Hinton 2008) for the 2-D latent map of SPEC §8, following
 * scikit-learn's `TSNE(method='exact', init='pca', learning_rate='auto')` (the original code used
 * sklearn's defaults with PCA initialisation, docs/original.md §7.3):
 * - P: per row a Gaussian over squared Euclidean distances whose bandwidth is found by bisection
 *   so that the perplexity is `perplexity` (entropy in nats, tolerance 1e-5, ≤ 100 steps);
 *   symmetrised P = (P_{j|i} + P_{i|j}) / 2n, floored at 1e-12.
 * - Q: Student-t with one degree of freedom.
 * - Gradient descent with momentum 0.5 and early exaggeration 12 for the first 250 iterations,
 *   then momentum 0.8; per-parameter gains (+0.2 / ×0.8, floor 0.01); learning rate
 *   max(n / 12 / 4, 50); 1000 iterations in all.
 * - Initialisation: the first two principal components, scaled so PC1 has standard deviation
 *   1e-4 (deterministic), or seeded N(0, 1e-4²) draws with init 'random'.
 * O(n²) memory and time per iteration: meant for a few thousand points at most.
 */
import { InputError } from '../../util/errors.ts';
import type { Rng } from '../../util/rng.ts';
import { fitPca, pcaScores } from './pca.ts';
import type { Matrix } from './stats.ts';

export interface TsneOptions {
  /** Effective number of neighbours (default 30). */
  perplexity?: number;
  /** Total gradient-descent iterations, the exaggeration phase included (default 1000). */
  iterations?: number;
  /** Iterations with early exaggeration and momentum 0.5 (default 250). */
  exaggerationIterations?: number;
  /** Early exaggeration factor (default 12). */
  earlyExaggeration?: number;
  /** Learning rate; default 'auto' = max(n / earlyExaggeration / 4, 50). */
  learningRate?: number | 'auto';
  /** 'pca' (default, deterministic) or 'random' (seeded by `rng`). */
  init?: 'pca' | 'random';
  /** Called every 10 iterations and after the last with the iterations done and the total (may throw to cancel). */
  onIteration?: (done: number, total: number) => void;
}

export interface TsneResult {
  /** Embedding, n × 2 (row-major). */
  embedding: Matrix;
  /** KL(P ‖ Q) of the final embedding (nats). */
  klDivergence: number;
  perplexity: number;
  iterations: number;
}

function squaredDistances(x: Matrix): Float64Array {
  const { n, d, data } = x;
  const D = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) {
        const t = data[i * d + k] - data[j * d + k];
        s += t * t;
      }
      D[i * n + j] = s;
      D[j * n + i] = s;
    }
  }
  return D;
}

/** Conditional P_{j|i} with the bandwidth matching the perplexity, row-major n × n. */
export function conditionalP(D: Float64Array, n: number, perplexity: number): Float64Array {
  const P = new Float64Array(n * n);
  const target = Math.log(perplexity);
  const row = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let dmin = Number.POSITIVE_INFINITY;
    for (let j = 0; j < n; j++) if (j !== i && D[i * n + j] < dmin) dmin = D[i * n + j];
    let beta = 1;
    let lo = Number.NEGATIVE_INFINITY;
    let hi = Number.POSITIVE_INFINITY;
    for (let step = 0; step < 100; step++) {
      let sum = 0;
      let sdp = 0;
      for (let j = 0; j < n; j++) {
        if (j === i) {
          row[j] = 0;
          continue;
        }
        const dj = D[i * n + j] - dmin;
        const p = Math.exp(-dj * beta);
        row[j] = p;
        sum += p;
        sdp += dj * p;
      }
      if (sum <= 0) sum = 1e-300;
      const H = Math.log(sum) + (beta * sdp) / sum;
      const diff = H - target;
      if (Math.abs(diff) <= 1e-5) break;
      if (diff > 0) {
        lo = beta;
        beta = hi === Number.POSITIVE_INFINITY ? beta * 2 : (beta + hi) / 2;
      } else {
        hi = beta;
        beta = lo === Number.NEGATIVE_INFINITY ? beta / 2 : (beta + lo) / 2;
      }
    }
    let sum = 0;
    for (let j = 0; j < n; j++) sum += row[j];
    for (let j = 0; j < n; j++) P[i * n + j] = sum > 0 ? row[j] / sum : 0;
  }
  return P;
}

/** t-SNE embedding of the rows of x in 2-D (see the file header). */
export function tsne(x: Matrix, rng: Rng, o: TsneOptions = {}): TsneResult {
  const n = x.n;
  const perplexity = o.perplexity ?? 30;
  if (n < 4) throw new InputError(`t-SNE: need at least 4 points, got ${n}`);
  if (!(perplexity > 0 && perplexity < n))
    throw new InputError(`t-SNE: perplexity ${perplexity} must lie in (0, ${n}) (the point count)`);
  const iters = o.iterations ?? 1000;
  const exIters = Math.min(o.exaggerationIterations ?? 250, iters);
  const exag = o.earlyExaggeration ?? 12;
  const lr =
    o.learningRate === undefined || o.learningRate === 'auto'
      ? Math.max(n / exag / 4, 50)
      : o.learningRate;

  const Pc = conditionalP(squaredDistances(x), n, perplexity);
  const P = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++)
      P[i * n + j] = Math.max((Pc[i * n + j] + Pc[j * n + i]) / (2 * n), 1e-12);
  for (let i = 0; i < n; i++) P[i * n + i] = 0;

  // initial embedding
  const Y = new Float64Array(n * 2);
  if ((o.init ?? 'pca') === 'pca') {
    const s = pcaScores(fitPca(x, 2), x);
    let m = 0;
    for (let i = 0; i < n; i++) m += s.data[i * s.d];
    m /= n;
    let v = 0;
    for (let i = 0; i < n; i++) v += (s.data[i * s.d] - m) ** 2;
    const sd = Math.sqrt(v / n) || 1;
    for (let i = 0; i < n; i++)
      for (let c = 0; c < 2; c++) Y[i * 2 + c] = c < s.d ? (s.data[i * s.d + c] / sd) * 1e-4 : 0;
  } else {
    for (let i = 0; i < 2 * n; i++) Y[i] = 1e-4 * rng.normal();
  }

  const update = new Float64Array(n * 2);
  const gains = new Float64Array(n * 2).fill(1);
  const grad = new Float64Array(n * 2);
  const W = new Float64Array(n * n);
  for (let it = 0; it < iters; it++) {
    const ex = it < exIters ? exag : 1;
    const momentum = it < exIters ? 0.5 : 0.8;
    // Student-t kernel (upper triangle; P and W are symmetric)
    let sumW = 0;
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        const a = Y[i * 2] - Y[j * 2];
        const b = Y[i * 2 + 1] - Y[j * 2 + 1];
        const w = 1 / (1 + a * a + b * b);
        W[i * n + j] = w;
        sumW += 2 * w;
      }
    }
    // ∂KL/∂y_i = 4 Σ_j (p_ij − q_ij)(1 + ‖y_i − y_j‖²)⁻¹ (y_i − y_j); each pair once
    grad.fill(0);
    const inv = 1 / sumW;
    for (let i = 0; i < n; i++) {
      let g0 = 0;
      let g1 = 0;
      const yi0 = Y[i * 2];
      const yi1 = Y[i * 2 + 1];
      for (let j = i + 1; j < n; j++) {
        const w = W[i * n + j];
        const f = 4 * (ex * P[i * n + j] - w * inv) * w;
        const d0 = f * (yi0 - Y[j * 2]);
        const d1 = f * (yi1 - Y[j * 2 + 1]);
        g0 += d0;
        g1 += d1;
        grad[j * 2] -= d0;
        grad[j * 2 + 1] -= d1;
      }
      grad[i * 2] += g0;
      grad[i * 2 + 1] += g1;
    }
    for (let k = 0; k < 2 * n; k++) {
      const same = update[k] * grad[k] < 0;
      gains[k] = Math.max(same ? gains[k] + 0.2 : gains[k] * 0.8, 0.01);
      update[k] = momentum * update[k] - lr * gains[k] * grad[k];
      Y[k] += update[k];
    }
    if (o.onIteration && ((it + 1) % 10 === 0 || it + 1 === iters)) o.onIteration(it + 1, iters);
  }
  // KL(P ‖ Q) of the final embedding
  let sumW = 0;
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      if (i === j) continue;
      const a = Y[i * 2] - Y[j * 2];
      const b = Y[i * 2 + 1] - Y[j * 2 + 1];
      sumW += 1 / (1 + a * a + b * b);
    }
  let kl = 0;
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      if (i === j) continue;
      const a = Y[i * 2] - Y[j * 2];
      const b = Y[i * 2 + 1] - Y[j * 2 + 1];
      const q = Math.max(1 / (1 + a * a + b * b) / sumW, 1e-300);
      const p = P[i * n + j];
      kl += p * Math.log(p / q);
    }
  return { embedding: { data: Y, n, d: 2 }, klDivergence: kl, perplexity, iterations: iters };
}
