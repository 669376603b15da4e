/**
 * Small multilayer perceptron regressor in plain TypeScript (SPEC §7), following scikit-learn's
 * MLPRegressor as the peer configures it:
 * - the target is standardised (population std) and predictions are mapped back (the peer's
 *   TransformedTargetRegressor);
 * - hidden layers with relu or tanh, identity output; Glorot-uniform weights and biases,
 *   bound √(6 / (fan_in + fan_out));
 * - loss per mini-batch ½·mean((ŷ − y)²) + (α / 2B)·Σ‖W‖² (biases not penalised);
 * - Adam (β₁ 0.9, β₂ 0.999, ε 1e-8, scikit-learn's bias-corrected step size), rows shuffled every
 *   epoch, the last batch may be short;
 * - stops when the epoch's training loss has not improved by `tol` for more than `nIterNoChange`
 *   epochs, or at `maxIter` epochs.
 * Plain loops on Float64Array: the networks are tiny (≤ 57·256 + 256·128 weights) and the inputs are
 * sparse (a handful of non-zero fractions per row), which the first layer exploits; tfjs would spend
 * more on op dispatch than on arithmetic at batch 16.
 */
import { mean, stdPop } from '../math/stats.ts';
import { InputError } from '../util/errors.ts';
import type { Rng } from '../util/rng.ts';
import type { DenseMatrix } from './features.ts';

export interface MlpOptions {
  /** Hidden layer widths, e.g. [128, 64]. */
  hidden: number[];
  /** Hidden activation. */
  activation: 'relu' | 'tanh';
  /** L2 penalty α on the weights (scikit-learn's alpha). */
  alpha: number;
  /** Adam learning rate. */
  learningRate: number;
  /** Mini-batch size (capped at the number of rows). */
  batchSize: number;
  /** Maximum epochs (default 2000, as the peer). */
  maxIter?: number;
  /** Minimum improvement of the epoch loss (default 1e-4). */
  tol?: number;
  /** Epochs without improvement tolerated (default 10). */
  nIterNoChange?: number;
}

export interface MlpJSON {
  kind: 'mlp';
  options: MlpOptions;
  /** Layer sizes including input and output. */
  sizes: number[];
  /** Weights per layer, row-major fan_in × fan_out. */
  weights: number[][];
  biases: number[][];
  yMean: number;
  yStd: number;
  /** Epochs run. */
  epochs: number;
}

export class MlpRegressor {
  readonly options: Required<MlpOptions>;
  sizes: number[] = [];
  weights: Float64Array[] = [];
  biases: Float64Array[] = [];
  yMean = 0;
  yStd = 1;
  epochs = 0;
  /** Training loss per epoch (standardised target), last fit. */
  lossCurve: number[] = [];

  constructor(o: MlpOptions) {
    if (o.hidden.length === 0 || o.hidden.some((h) => !(Number.isInteger(h) && h >= 1))) {
      throw new InputError(`MLP: hidden layers must be positive integers, got [${o.hidden}]`);
    }
    if (!(o.learningRate > 0))
      throw new InputError(`MLP: learningRate must be > 0, got ${o.learningRate}`);
    if (!(o.alpha >= 0)) throw new InputError(`MLP: alpha must be ≥ 0, got ${o.alpha}`);
    if (!(Number.isInteger(o.batchSize) && o.batchSize >= 1)) {
      throw new InputError(`MLP: batchSize must be an integer ≥ 1, got ${o.batchSize}`);
    }
    this.options = {
      ...o,
      hidden: [...o.hidden],
      maxIter: o.maxIter ?? 2000,
      tol: o.tol ?? 1e-4,
      nIterNoChange: o.nIterNoChange ?? 10,
    };
  }

  private act(v: number): number {
    return this.options.activation === 'relu' ? (v > 0 ? v : 0) : Math.tanh(v);
  }

  fit(x: DenseMatrix, y: ArrayLike<number>, rng: Rng): this {
    const o = this.options;
    const n = x.rows;
    if (y.length !== n) throw new InputError(`MLP: X has ${n} rows but y has ${y.length} values`);
    if (n === 0) throw new InputError('MLP: no rows to fit');
    this.yMean = mean(y);
    this.yStd = stdPop(y) || 1;
    const ys = Float64Array.from(y as ArrayLike<number>, (t) => (t - this.yMean) / this.yStd);

    const sizes = [x.cols, ...o.hidden, 1];
    const L = sizes.length - 1;
    this.sizes = sizes;
    this.weights = [];
    this.biases = [];
    for (let l = 0; l < L; l++) {
      const fi = sizes[l];
      const fo = sizes[l + 1];
      const bound = Math.sqrt(6 / (fi + fo));
      this.weights.push(
        Float64Array.from({ length: fi * fo }, () => (2 * rng.uniform() - 1) * bound),
      );
      this.biases.push(Float64Array.from({ length: fo }, () => (2 * rng.uniform() - 1) * bound));
    }
    // Sparse view of the inputs: non-zero columns per row.
    const nzIdx: Int32Array[] = [];
    const nzVal: Float64Array[] = [];
    for (let i = 0; i < n; i++) {
      const cols: number[] = [];
      const vals: number[] = [];
      for (let j = 0; j < x.cols; j++) {
        const val = x.data[i * x.cols + j];
        if (val !== 0) {
          cols.push(j);
          vals.push(val);
        }
      }
      nzIdx.push(Int32Array.from(cols));
      nzVal.push(Float64Array.from(vals));
    }

    const B = Math.min(o.batchSize, n);
    // Activations and deltas per layer for one batch: act[l] is B × sizes[l] (act[0] unused).
    const act = sizes.map((s) => new Float64Array(B * s));
    const delta = sizes.map((s) => new Float64Array(B * s));
    const gW = this.weights.map((w) => new Float64Array(w.length));
    const gB = this.biases.map((b) => new Float64Array(b.length));
    const mW = this.weights.map((w) => new Float64Array(w.length));
    const vW = this.weights.map((w) => new Float64Array(w.length));
    const mB = this.biases.map((b) => new Float64Array(b.length));
    const vB = this.biases.map((b) => new Float64Array(b.length));
    const b1 = 0.9;
    const b2 = 0.999;
    const eps = 1e-8;
    let step = 0;
    const order = Array.from({ length: n }, (_, i) => i);
    let bestLoss = Number.POSITIVE_INFINITY;
    let noImprove = 0;
    this.lossCurve = [];
    const relu = o.activation === 'relu';

    const tanh = !relu;
    const rowsBuf = new Int32Array(B);
    for (let epoch = 0; epoch < o.maxIter; epoch++) {
      rng.shuffle(order);
      let epochLoss = 0;
      for (let s0 = 0; s0 < n; s0 += B) {
        const bs = Math.min(B, n - s0);
        for (let r = 0; r < bs; r++) rowsBuf[r] = order[s0 + r];
        // Forward.
        sparseForward(act[1], this.weights[0], this.biases[0], nzIdx, nzVal, rowsBuf, bs, sizes[1]);
        if (L > 1) activate(act[1], bs * sizes[1], tanh);
        for (let l = 1; l < L; l++) {
          denseForward(
            act[l + 1],
            act[l],
            this.weights[l],
            this.biases[l],
            bs,
            sizes[l],
            sizes[l + 1],
          );
          if (l < L - 1) activate(act[l + 1], bs * sizes[l + 1], tanh);
        }
        // Loss and output delta: d(½ mean (ŷ − y)²)/dŷ = (ŷ − y) / bs.
        const outL = act[L];
        const dL = delta[L];
        let batchLoss = 0;
        for (let r = 0; r < bs; r++) {
          const e = outL[r] - ys[rowsBuf[r]];
          batchLoss += e * e;
          dL[r] = e / bs;
        }
        batchLoss = (0.5 * batchLoss) / bs;
        let wss = 0;
        for (const W of this.weights) wss += sumSquares(W);
        batchLoss += (0.5 * o.alpha * wss) / bs;
        epochLoss += batchLoss * bs;
        // Backward.
        for (let l = L - 1; l >= 0; l--) {
          scaleInto(gW[l], this.weights[l], o.alpha / bs);
          columnSums(gB[l], delta[l + 1], bs, sizes[l + 1]);
          if (l === 0) {
            sparseWeightGrad(gW[0], delta[1], nzIdx, nzVal, rowsBuf, bs, sizes[1]);
          } else {
            denseBackward(
              gW[l],
              delta[l],
              act[l],
              delta[l + 1],
              this.weights[l],
              bs,
              sizes[l],
              sizes[l + 1],
              tanh,
            );
          }
        }
        // Adam.
        step++;
        const lrT = (o.learningRate * Math.sqrt(1 - b2 ** step)) / (1 - b1 ** step);
        for (let l = 0; l < L; l++) {
          adam(this.weights[l], gW[l], mW[l], vW[l], lrT, b1, b2, eps);
          adam(this.biases[l], gB[l], mB[l], vB[l], lrT, b1, b2, eps);
        }
      }
      epochLoss /= n;
      this.lossCurve.push(epochLoss);
      this.epochs = epoch + 1;
      if (epochLoss > bestLoss - o.tol) noImprove++;
      else noImprove = 0;
      if (epochLoss < bestLoss) bestLoss = epochLoss;
      if (noImprove > o.nIterNoChange) break;
    }
    return this;
  }

  predict(x: DenseMatrix): Float64Array {
    if (this.weights.length === 0) throw new InputError('MLP: predict before fit');
    if (x.cols !== this.sizes[0])
      throw new InputError(`MLP: expected ${this.sizes[0]} features, got ${x.cols}`);
    const L = this.sizes.length - 1;
    const out = new Float64Array(x.rows);
    let cur = new Float64Array(this.sizes[0]);
    for (let i = 0; i < x.rows; i++) {
      cur = Float64Array.from(x.data.subarray(i * x.cols, (i + 1) * x.cols));
      for (let l = 0; l < L; l++) {
        const fi = this.sizes[l];
        const fo = this.sizes[l + 1];
        const W = this.weights[l];
        const nxt = Float64Array.from(this.biases[l]);
        for (let j = 0; j < fi; j++) {
          const xv = cur[j];
          if (xv === 0) continue;
          for (let k = 0; k < fo; k++) nxt[k] += xv * W[j * fo + k];
        }
        if (l < L - 1) for (let k = 0; k < fo; k++) nxt[k] = this.act(nxt[k]);
        cur = nxt;
      }
      out[i] = cur[0] * this.yStd + this.yMean;
    }
    return out;
  }

  toJSON(): MlpJSON {
    return {
      kind: 'mlp',
      options: { ...this.options, hidden: [...this.options.hidden] },
      sizes: [...this.sizes],
      weights: this.weights.map((w) => [...w]),
      biases: this.biases.map((b) => [...b]),
      yMean: this.yMean,
      yStd: this.yStd,
      epochs: this.epochs,
    };
  }

  static fromJSON(j: MlpJSON): MlpRegressor {
    const m = new MlpRegressor(j.options);
    m.sizes = [...j.sizes];
    m.weights = j.weights.map((w) => Float64Array.from(w));
    m.biases = j.biases.map((b) => Float64Array.from(b));
    m.yMean = j.yMean;
    m.yStd = j.yStd;
    m.epochs = j.epochs;
    return m;
  }
}

function adam(
  p: Float64Array,
  g: Float64Array,
  m: Float64Array,
  v: Float64Array,
  lrT: number,
  b1: number,
  b2: number,
  eps: number,
): void {
  for (let q = 0; q < p.length; q++) {
    m[q] = b1 * m[q] + (1 - b1) * g[q];
    v[q] = b2 * v[q] + (1 - b2) * g[q] * g[q];
    p[q] -= (lrT * m[q]) / (Math.sqrt(v[q]) + eps);
  }
}

// Small monomorphic kernels: V8 optimises these far better than one large training function.

/** out[r, :] = b + Σ_t val_t · W[idx_t, :] for the batch rows (sparse inputs). */
function sparseForward(
  out: Float64Array,
  W: Float64Array,
  b: Float64Array,
  nzIdx: Int32Array[],
  nzVal: Float64Array[],
  rows: Int32Array,
  bs: number,
  fo: number,
): void {
  for (let r = 0; r < bs; r++) {
    const oo = r * fo;
    for (let k = 0; k < fo; k++) out[oo + k] = b[k];
    const idx = nzIdx[rows[r]];
    const val = nzVal[rows[r]];
    for (let t = 0; t < idx.length; t++) {
      const xv = val[t];
      const wo = idx[t] * fo;
      for (let k = 0; k < fo; k++) out[oo + k] += xv * W[wo + k];
    }
  }
}

/**
 * out = inp · W + b for a bs × fi batch. The loop runs over the rows of W outermost, so each row
 * of W is read once per batch (W does not fit in L1; the bs × fo output does).
 */
function denseForward(
  out: Float64Array,
  inp: Float64Array,
  W: Float64Array,
  b: Float64Array,
  bs: number,
  fi: number,
  fo: number,
): void {
  for (let r = 0; r < bs; r++) {
    const oo = r * fo;
    for (let k = 0; k < fo; k++) out[oo + k] = b[k];
  }
  for (let j = 0; j < fi; j++) {
    const wo = j * fo;
    for (let r = 0; r < bs; r++) {
      const xv = inp[r * fi + j];
      if (xv === 0) continue;
      const oo = r * fo;
      for (let k = 0; k < fo; k++) out[oo + k] += xv * W[wo + k];
    }
  }
}

function activate(a: Float64Array, len: number, tanh: boolean): void {
  if (tanh) for (let q = 0; q < len; q++) a[q] = Math.tanh(a[q]);
  else for (let q = 0; q < len; q++) if (a[q] < 0) a[q] = 0;
}

function sumSquares(a: Float64Array): number {
  let s = 0;
  for (let q = 0; q < a.length; q++) s += a[q] * a[q];
  return s;
}

function scaleInto(out: Float64Array, a: Float64Array, c: number): void {
  for (let q = 0; q < a.length; q++) out[q] = c * a[q];
}

function columnSums(out: Float64Array, d: Float64Array, bs: number, fo: number): void {
  out.fill(0);
  for (let r = 0; r < bs; r++) {
    const oo = r * fo;
    for (let k = 0; k < fo; k++) out[k] += d[oo + k];
  }
}

/** gW[idx_t, :] += val_t · dOut[r, :] (first layer, sparse inputs). */
function sparseWeightGrad(
  gw: Float64Array,
  dOut: Float64Array,
  nzIdx: Int32Array[],
  nzVal: Float64Array[],
  rows: Int32Array,
  bs: number,
  fo: number,
): void {
  for (let r = 0; r < bs; r++) {
    const oo = r * fo;
    const idx = nzIdx[rows[r]];
    const val = nzVal[rows[r]];
    for (let t = 0; t < idx.length; t++) {
      const xv = val[t];
      const wo = idx[t] * fo;
      for (let k = 0; k < fo; k++) gw[wo + k] += xv * dOut[oo + k];
    }
  }
}

/**
 * gW += inpᵀ · dOut, and dIn = (dOut · Wᵀ) ⊙ f'(inp), where inp is the previous layer's activation
 * output (relu: f' = [a > 0]; tanh: f' = 1 − a²). Rows of W / gW outermost, as in denseForward.
 */
function denseBackward(
  gw: Float64Array,
  dIn: Float64Array,
  inp: Float64Array,
  dOut: Float64Array,
  W: Float64Array,
  bs: number,
  fi: number,
  fo: number,
  tanh: boolean,
): void {
  for (let j = 0; j < fi; j++) {
    const wo = j * fo;
    for (let r = 0; r < bs; r++) {
      const io = r * fi + j;
      const xv = inp[io];
      if (!tanh && xv === 0) {
        // An inactive relu unit: no weight gradient and no delta.
        dIn[io] = 0;
        continue;
      }
      const oo = r * fo;
      let s = 0;
      for (let k = 0; k < fo; k++) {
        const g = dOut[oo + k];
        gw[wo + k] += xv * g;
        s += W[wo + k] * g;
      }
      dIn[io] = tanh ? s * (1 - xv * xv) : s;
    }
  }
}
