/**
 * MC-dropout prediction with ensemble pooling (SPEC §5).
 *
 * S passes for all rows run as one batched computation per chunk of rows (the rows are tiled S
 * times; the ensemble's members are stacked), with dropout on, BatchNorm frozen and z = μ.
 * Pooling in HV units by the law of total variance: μ = mean of the member means;
 * σ² = mean of the member variances (population, over passes) + variance of the member means
 * (population). LCB = μ − LCB_Z·σ (lcb.ts). Seeded: member k uses seed + 7919·(k+1) (as the
 * peer), and a mask entry depends only on (seed, member, layer, pass, composition, unit): rows
 * are keyed by their composition (noise.ts `compositionKey`), not by their index, so results do
 * not depend on the chunk size or the row order, and every load of one composition shares the
 * same masks — with the Meyer load head (SPEC §3) μ is then non-increasing in the load at any S.
 */

import { forward } from '../nn/model.ts';
import { compositionKeys } from '../nn/noise.ts';
import type { VibannModel } from '../nn/params.ts';
import * as tf from '../nn/tf.ts';
import { InputError } from '../util/errors.ts';
import { LCB_Z } from './lcb.ts';

export interface PredictOptions {
  /** MC passes S (SPEC §5: 100). */
  passes?: number;
  /** Seed of the MC masks (same seed → same μ, σ). */
  seed?: number;
  /** Hardness scaler: HV = mean + std·ỹ (train_fit statistics). Default identity (standardised units). */
  scale?: { mean: number; std: number };
  /** Upper bound on M·S·rows evaluated at once (memory/cache); default 32768. */
  maxTiledRows?: number;
  /** Return every sample, [M][S][n] flattened member-major (HV units). */
  returnSamples?: boolean;
  /** Return the per-member means and variances (HV units). */
  returnMembers?: boolean;
}

export interface PredictResult {
  /** Pooled mean μ per row, HV. */
  mean: Float64Array;
  /** Pooled standard deviation σ per row, HV. */
  std: Float64Array;
  /** μ − LCB_Z·σ per row, HV. */
  lcb: Float64Array;
  /** Samples (HV) indexed [(k·S + s)·n + i] when asked for. */
  samples?: Float32Array;
  /** Per-member MC means [k][i] (HV) when asked for. */
  memberMeans?: Float64Array[];
  /** Per-member MC variances (population over passes) [k][i] (HV²) when asked for. */
  memberVars?: Float64Array[];
  /** M, S, n. */
  nMembers: number;
  passes: number;
  n: number;
}

export { LCB_Z };

/**
 * Pool per-member MC means and variances (population) by the law of total variance.
 * means[k][i], vars[k][i] → { mean, std }.
 */
export function poolMembers(
  means: ArrayLike<number>[],
  vars: ArrayLike<number>[],
): { mean: Float64Array; std: Float64Array } {
  const M = means.length;
  const n = M > 0 ? means[0].length : 0;
  const mean = new Float64Array(n);
  const std = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let mu = 0;
    let ev = 0;
    for (let k = 0; k < M; k++) {
      mu += means[k][i];
      ev += vars[k][i];
    }
    mu /= M;
    ev /= M;
    let vm = 0;
    for (let k = 0; k < M; k++) vm += (means[k][i] - mu) ** 2;
    vm /= M;
    mean[i] = mu;
    std[i] = Math.sqrt(ev + vm);
  }
  return { mean, std };
}

/** Add one chunk's samples (member-major, pass-major rows) to the per-member sums, in HV. */
function accumulate(
  yv: ArrayLike<number>,
  M: number,
  S: number,
  Se: number,
  r: number,
  r0: number,
  n: number,
  sc: { mean: number; std: number },
  sum: Float64Array[],
  sumSq: Float64Array[],
  samples: Float32Array | undefined,
): void {
  for (let k = 0; k < M; k++) {
    const su = sum[k];
    const sq = sumSq[k];
    for (let s = 0; s < S; s++) {
      const base = (k * Se + (Se > 1 ? s : 0)) * r;
      for (let i = 0; i < r; i++) {
        const v = sc.mean + sc.std * yv[base + i];
        su[r0 + i] += v;
        sq[r0 + i] += v * v;
        if (samples) samples[(k * S + s) * n + r0 + i] = v;
      }
    }
  }
}

/**
 * MC-dropout prediction of rows (x: n × E on the simplex, load: n standardised) with every
 * member of `model`.
 */
export function predictMC(
  model: VibannModel,
  x: Float32Array,
  load: Float32Array,
  opts: PredictOptions = {},
): PredictResult {
  const E = model.options.nElements;
  const n = load.length;
  if (x.length !== n * E)
    throw new InputError(`predictMC: x has ${x.length} values, expected ${n}×${E}`);
  const S = opts.passes ?? 100;
  if (!Number.isInteger(S) || S < 1)
    throw new InputError(`predictMC: passes must be a positive integer, got ${S}`);
  const seed = opts.seed ?? 1;
  const sc = opts.scale ?? { mean: 0, std: 1 };
  const M = model.nMembers;
  const seeds = Array.from({ length: M }, (_, k) => (seed + 7919 * (k + 1)) >>> 0);
  const budget = opts.maxTiledRows ?? 32768;
  const R = Math.max(1, Math.min(n, Math.floor(budget / (M * S))));
  const sum = Array.from({ length: M }, () => new Float64Array(n));
  const sumSq = Array.from({ length: M }, () => new Float64Array(n));
  const samples = opts.returnSamples ? new Float32Array(M * S * n) : undefined;
  const keys = compositionKeys(x, E);
  const params = model.tensors();
  // Without dropout every pass is the same: evaluate once and replicate.
  const mc = model.options.dropout > 0;
  const Se = mc ? S : 1;
  try {
    for (let r0 = 0; r0 < n; r0 += R) {
      const r = Math.min(R, n - r0);
      // The rows go in once; the network expands them to the S passes at the first dropout of
      // each path (row s·r + i is pass s of row r0 + i), with masks generated in the kernels.
      const yhat = tf.tidy(() => {
        const xT = tf.tensor3d(x.subarray(r0 * E, (r0 + r) * E), [1, r, E]);
        const lT = tf.tensor3d(load.subarray(r0, r0 + r), [1, r, 1]);
        return forward(
          { options: model.options, params },
          { x: xT, load: lT },
          mc
            ? {
                training: false,
                mc: true,
                tile: S,
                noise: {
                  masks: {},
                  hash: {
                    seeds,
                    passes: S,
                    rowStart: r0,
                    keys: Array.from(keys.subarray(r0, r0 + r)),
                  },
                },
                decoder: false,
                logvar: false,
              }
            : { training: false, decoder: false, logvar: false },
        ).yhat;
      });
      const yv = yhat.dataSync();
      yhat.dispose();
      accumulate(yv, M, S, Se, r, r0, n, sc, sum, sumSq, samples);
    }
  } finally {
    tf.dispose(Object.values(params));
  }
  const res = resultFromSums(sum, sumSq, S, n, opts.returnMembers);
  if (samples) res.samples = samples;
  return res;
}

/**
 * μ, σ, LCB from per-member sums over S passes (sum[k][i], sumSq[k][i]): member means and
 * population variances, pooled by the law of total variance (`poolMembers`).
 */
function resultFromSums(
  sum: Float64Array[],
  sumSq: Float64Array[],
  S: number,
  n: number,
  returnMembers?: boolean,
): PredictResult {
  const means = sum.map((su) => su.map((v) => v / S));
  const vars = sumSq.map((sq, k) => sq.map((v, i) => Math.max(0, v / S - means[k][i] ** 2)));
  const pooled = poolMembers(means, vars);
  const lcb = pooled.mean.map((m, i) => m - LCB_Z * pooled.std[i]);
  const res: PredictResult = {
    mean: pooled.mean,
    std: pooled.std,
    lcb,
    nMembers: sum.length,
    passes: S,
    n,
  };
  if (returnMembers) {
    res.memberMeans = means;
    res.memberVars = vars;
  }
  return res;
}

/**
 * The pooled prediction of given MC samples (HV), [(k·S + s)·n + i] for M members × S passes × n
 * rows — what `predictMC` returns for its own samples (e.g. samples a post-processing changed).
 */
export function predictFromSamples(
  samples: Float32Array,
  M: number,
  S: number,
  n: number,
): PredictResult {
  if (samples.length !== M * S * n)
    throw new InputError(`predictFromSamples: ${samples.length} samples, expected ${M}·${S}·${n}`);
  const sum = Array.from({ length: M }, () => new Float64Array(n));
  const sumSq = Array.from({ length: M }, () => new Float64Array(n));
  for (let k = 0; k < M; k++) {
    for (let s = 0; s < S; s++) {
      const b = (k * S + s) * n;
      for (let i = 0; i < n; i++) {
        const v = samples[b + i];
        sum[k][i] += v;
        sumSq[k][i] += v * v;
      }
    }
  }
  const res = resultFromSums(sum, sumSq, S, n);
  res.samples = samples;
  return res;
}
