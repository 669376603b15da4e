/**
 * Linear baselines (SPEC §7) with scikit-learn's objectives, so α values are comparable with the
 * peer's:
 * - Ridge: min ‖y − Xw − b‖² + α‖w‖², closed form on centred data (Cholesky of XᵀX + αI);
 * - Lasso: min (1/2n)‖y − Xw − b‖² + α‖w‖₁, cyclic coordinate descent on centred data, stopped by
 *   scikit-learn's rule (largest update ≤ tol·largest weight, then duality gap ≤ tol·‖y_c‖²).
 * The intercept b is not penalised: b = ȳ − x̄ᵀw.
 */
import { cholesky, choleskySolve } from '../math/linalg.ts';
import { InputError, VibannError } from '../util/errors.ts';
import type { DenseMatrix } from './features.ts';

/** Column means of X and the mean of y. */
function centre(
  x: DenseMatrix,
  y: ArrayLike<number>,
): { xc: Float64Array; yc: Float64Array; xMean: Float64Array; yMean: number } {
  const { rows: n, cols: d, data } = x;
  if (y.length !== n)
    throw new InputError(`linear model: X has ${n} rows but y has ${y.length} values`);
  if (n === 0) throw new InputError('linear model: no rows to fit');
  const xMean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) xMean[j] += data[i * d + j];
  for (let j = 0; j < d; j++) xMean[j] /= n;
  let yMean = 0;
  for (let i = 0; i < n; i++) yMean += y[i];
  yMean /= n;
  const xc = new Float64Array(n * d);
  const yc = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) xc[i * d + j] = data[i * d + j] - xMean[j];
    yc[i] = y[i] - yMean;
  }
  return { xc, yc, xMean, yMean };
}

function predictLinear(x: DenseMatrix, w: Float64Array, b: number): Float64Array {
  if (x.cols !== w.length)
    throw new InputError(`linear model: expected ${w.length} features, got ${x.cols}`);
  const out = new Float64Array(x.rows);
  for (let i = 0; i < x.rows; i++) {
    let s = b;
    for (let j = 0; j < x.cols; j++) s += x.data[i * x.cols + j] * w[j];
    out[i] = s;
  }
  return out;
}

export interface RidgeOptions {
  /** L2 penalty α ≥ 0 on ‖w‖² (scikit-learn's Ridge α; no 1/n factor). */
  alpha: number;
}

export interface LinearJSON {
  kind: 'ridge' | 'lasso';
  alpha: number;
  coef: number[];
  intercept: number;
  /** Lasso: coordinate-descent sweeps used. */
  nIter?: number;
}

/** Ridge regression in closed form. */
export class Ridge {
  readonly alpha: number;
  coef: Float64Array = new Float64Array(0);
  intercept = 0;
  constructor(o: RidgeOptions) {
    if (!(o.alpha >= 0)) throw new InputError(`Ridge: alpha must be ≥ 0, got ${o.alpha}`);
    this.alpha = o.alpha;
  }
  fit(x: DenseMatrix, y: ArrayLike<number>): this {
    const { xc, yc, xMean, yMean } = centre(x, y);
    const { rows: n, cols: d } = x;
    const a = new Float64Array(d * d);
    const b = new Float64Array(d);
    for (let i = 0; i < n; i++) {
      const r = i * d;
      for (let j = 0; j < d; j++) {
        const v = xc[r + j];
        if (v === 0) continue;
        b[j] += v * yc[i];
        for (let k = 0; k <= j; k++) a[j * d + k] += v * xc[r + k];
      }
    }
    for (let j = 0; j < d; j++) {
      for (let k = 0; k < j; k++) a[k * d + j] = a[j * d + k];
      // A tiny jitter keeps α = 0 solvable when columns are collinear (fractions sum to 1).
      a[j * d + j] += this.alpha > 0 ? this.alpha : 1e-10;
    }
    const l = cholesky(a, d);
    if (l === null) throw new VibannError('Ridge: XᵀX + αI is not positive definite');
    this.coef = choleskySolve(l, d, b);
    let dot = 0;
    for (let j = 0; j < d; j++) dot += xMean[j] * this.coef[j];
    this.intercept = yMean - dot;
    return this;
  }
  predict(x: DenseMatrix): Float64Array {
    return predictLinear(x, this.coef, this.intercept);
  }
  toJSON(): LinearJSON {
    return { kind: 'ridge', alpha: this.alpha, coef: [...this.coef], intercept: this.intercept };
  }
  static fromJSON(j: LinearJSON): Ridge {
    const m = new Ridge({ alpha: j.alpha });
    m.coef = Float64Array.from(j.coef);
    m.intercept = j.intercept;
    return m;
  }
}

export interface LassoOptions {
  /** L1 penalty α ≥ 0 in (1/2n)‖y − Xw − b‖² + α‖w‖₁ (scikit-learn's Lasso α). */
  alpha: number;
  /** Maximum coordinate-descent sweeps (default 200 000, as the peer). */
  maxIter?: number;
  /** Tolerance of scikit-learn's stopping rule (default 1e-4). */
  tol?: number;
}

/** Lasso by cyclic coordinate descent. */
export class Lasso {
  readonly alpha: number;
  readonly maxIter: number;
  readonly tol: number;
  coef: Float64Array = new Float64Array(0);
  intercept = 0;
  /** Sweeps used by the last fit. */
  nIter = 0;
  constructor(o: LassoOptions) {
    if (!(o.alpha >= 0)) throw new InputError(`Lasso: alpha must be ≥ 0, got ${o.alpha}`);
    this.alpha = o.alpha;
    this.maxIter = o.maxIter ?? 200_000;
    this.tol = o.tol ?? 1e-4;
  }

  fit(x: DenseMatrix, y: ArrayLike<number>): this {
    const { rows: n, cols: d, data } = x;
    if (y.length !== n) throw new InputError(`Lasso: X has ${n} rows but y has ${y.length} values`);
    if (n === 0) throw new InputError('Lasso: no rows to fit');
    // The composition columns are sparse, so the centred design X_c = X − 1x̄ᵀ is never formed.
    // Columns of X_c sum to 0, hence so does the residual r = y_c − X_c w, and
    // x_cⱼᵀr = xⱼᵀr = xⱼᵀr̃ + m·Σᵢxᵢⱼ with r̃ = y_c − Xw (sparse updates) and m = x̄ᵀw.
    const colPtr = new Int32Array(d + 1);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < d; j++) if (data[i * d + j] !== 0) colPtr[j + 1]++;
    for (let j = 0; j < d; j++) colPtr[j + 1] += colPtr[j];
    const rowIdx = new Int32Array(colPtr[d]);
    const vals = new Float64Array(colPtr[d]);
    const fill = colPtr.slice(0, d);
    const xMean = new Float64Array(d);
    const colSum = new Float64Array(d);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < d; j++) {
        const v = data[i * d + j];
        if (v === 0) continue;
        rowIdx[fill[j]] = i;
        vals[fill[j]++] = v;
        colSum[j] += v;
      }
    }
    const norm2 = new Float64Array(d);
    for (let j = 0; j < d; j++) {
      xMean[j] = colSum[j] / n;
      let s = 0;
      for (let q = colPtr[j]; q < colPtr[j + 1]; q++) s += vals[q] * vals[q];
      // ‖x_cⱼ‖² = ‖xⱼ‖² − n·x̄ⱼ².
      norm2[j] = Math.max(s - n * xMean[j] * xMean[j], 0);
    }
    let yMean = 0;
    for (let i = 0; i < n; i++) yMean += y[i];
    yMean /= n;
    const yc = Float64Array.from(y as ArrayLike<number>, (v) => v - yMean);
    const w = new Float64Array(d);
    const rt = Float64Array.from(yc); // r̃ = y_c − Xw
    let m = 0; // x̄ᵀw
    const dotCol = (j: number): number => {
      let s = 0;
      for (let q = colPtr[j]; q < colPtr[j + 1]; q++) s += vals[q] * rt[rowIdx[q]];
      return s + m * colSum[j];
    };
    const l1 = this.alpha * n; // penalty in the n-scaled objective ½‖r‖² + nα‖w‖₁
    let yNorm2 = 0;
    for (let i = 0; i < n; i++) yNorm2 += yc[i] * yc[i];
    const tolScaled = this.tol * yNorm2;
    let it = 0;
    for (; it < this.maxIter; it++) {
      let maxW = 0;
      let maxDw = 0;
      for (let j = 0; j < d; j++) {
        if (!(norm2[j] > 1e-300)) continue;
        const wOld = w[j];
        const rho = dotCol(j) + norm2[j] * wOld;
        const wNew = (Math.sign(rho) * Math.max(Math.abs(rho) - l1, 0)) / norm2[j];
        if (wNew !== wOld) {
          const dw = wNew - wOld;
          for (let q = colPtr[j]; q < colPtr[j + 1]; q++) rt[rowIdx[q]] -= dw * vals[q];
          m += dw * xMean[j];
          w[j] = wNew;
        }
        maxDw = Math.max(maxDw, Math.abs(wNew - wOld));
        maxW = Math.max(maxW, Math.abs(wNew));
      }
      if (maxW === 0 || maxDw / maxW < this.tol || it === this.maxIter - 1) {
        // Duality gap of the n-scaled problem (scikit-learn's enet_coordinate_descent, β = 0).
        let dualNorm = 0;
        for (let j = 0; j < d; j++) dualNorm = Math.max(dualNorm, Math.abs(dotCol(j)));
        let rNorm2 = 0;
        let ry = 0;
        for (let i = 0; i < n; i++) {
          const r = rt[i] + m;
          rNorm2 += r * r;
          ry += r * yc[i];
        }
        let l1Norm = 0;
        for (let j = 0; j < d; j++) l1Norm += Math.abs(w[j]);
        let gap: number;
        let cst: number;
        if (dualNorm > l1) {
          cst = l1 / dualNorm;
          gap = 0.5 * (rNorm2 + rNorm2 * cst * cst);
        } else {
          cst = 1;
          gap = rNorm2;
        }
        gap += l1 * l1Norm - cst * ry;
        if (gap < tolScaled) {
          it++;
          break;
        }
      }
    }
    this.nIter = it;
    this.coef = w;
    this.intercept = yMean - m;
    return this;
  }
  predict(x: DenseMatrix): Float64Array {
    return predictLinear(x, this.coef, this.intercept);
  }
  toJSON(): LinearJSON {
    return {
      kind: 'lasso',
      alpha: this.alpha,
      coef: [...this.coef],
      intercept: this.intercept,
      nIter: this.nIter,
    };
  }
  static fromJSON(j: LinearJSON, o: Omit<LassoOptions, 'alpha'> = {}): Lasso {
    const m = new Lasso({ alpha: j.alpha, ...o });
    m.coef = Float64Array.from(j.coef);
    m.intercept = j.intercept;
    m.nIter = j.nIter ?? 0;
    return m;
  }
}
