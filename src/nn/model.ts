/**
 * The VIBANN network (SPEC §3) as pure functions of an explicit parameter record.
 *
 * `forward(net, inputs, cfg)` computes ŷ, log x̂, μ, log σ², z and the attention weights for a
 * stacked ensemble (leading model dimension M on every tensor). The encoder, the hardness head
 * and the decoder are also exported separately (`encode`, `hardnessFromLatent`, `decodeLog`) so
 * that gradients with respect to the latent z can be taken (inverse design).
 *
 * Modes (SPEC §3):
 * - training: BatchNorm uses the batch statistics (returned in `batchStats` so the caller can
 *   update the moving averages), dropout is on, z = μ + exp(½ log σ²)·ε.
 * - inference (training false): BatchNorm uses its moving statistics (frozen), z = μ; dropout
 *   is on only when `mc` is true (MC-dropout mode).
 * Randomness is an input (`noise`: dropout keep masks and ε, see noise.ts), so the functions are
 * deterministic given their arguments.
 *
 * Block = Dense → ReLU → BatchNorm → dropout, as in the peer (`../shared/bench/peer_torch.py`).
 */
import { VibannError } from '../util/errors.ts';
import { standardDescriptors } from './descriptors.ts';
import { fusedBlock } from './fused.ts';
import { klPerDim as klPerDimOp, sampleLatent } from './jsKernels.ts';
import { groupedMatMul } from './kernels.ts';
import { deriveSeed } from './noise.ts';
import type { VibannOptions } from './options.ts';
import { type Architecture, allBlocks, architecture, type BlockSpec } from './params.ts';
import * as tf from './tf.ts';

/** The network: options plus named parameter tensors [M, ...shape] (see params.ts). */
export interface Net {
  options: VibannOptions;
  params: Record<string, tf.Tensor>;
}

/** Network inputs: compositions [Mx, B, E] (rows on the simplex) and standardised loads [Mx, B, 1]; Mx ∈ {1, M}. */
export interface NetInputs {
  x: tf.Tensor;
  load: tf.Tensor;
  /**
   * The standardised descriptors of x ([M, B, 15], `standardDescriptors`), when the caller has
   * them: training, where no gradient reaches x, computes them once per row instead of per step.
   * Absent: computed from x (differentiable in x).
   */
  desc?: tf.Tensor;
}

/** Noise for one forward pass: keep masks (values 0 or 1/(1−p)) per block name, [M|1, B, width]; ε [M, B, d]. */
export interface Noise {
  masks: Record<string, tf.Tensor>;
  eps?: tf.Tensor;
  /**
   * Inference only (MC prediction), instead of mask tensors: masks generated inside the
   * BatchNorm-dropout kernels from per-member seeds — the same numbers as `mcNoise(options,
   * seeds, passes, rowStart, rows)` — for `passes` passes over rows starting at `rowStart`.
   * Not differentiable.
   */
  hash?: {
    seeds: number[];
    passes: number;
    rowStart: number;
    /** Per-row mask keys (compositionKey of noise.ts) used instead of the row index rowStart + r. */
    keys?: number[];
  };
}

export interface ForwardConfig {
  /** Training mode (batch statistics, dropout, sampled z). */
  training: boolean;
  /** MC-dropout at inference: dropout on, BatchNorm frozen, z = μ. Ignored in training. */
  mc?: boolean;
  /** Dropout masks and ε; required when dropout or sampling is active. */
  noise?: Noise;
  /**
   * Training only: weights of the rows in the batch statistics, [M|1, 1, B] (1/n_k on member k's
   * valid rows, 0 on padding rows). Default: 1/B on every row.
   */
  rowWeights?: tf.Tensor;
  /** Compute the decoder (default true). */
  decoder?: boolean;
  /** Return the attention weights (mean over heads; default false). */
  attention?: boolean;
  /** Compute log σ² (default true; MC prediction of the hardness skips it). */
  logvar?: boolean;
  /**
   * MC prediction with `noise.hash`: the inputs hold R rows and every layer before the first
   * dropout of each path is evaluated once; the rows are expanded to `tile` passes (pass-major,
   * row s·R + r) at that dropout. Outputs have tile·R rows.
   */
  tile?: number;
}

export interface BatchStat {
  /** Batch mean [M, 1, width]. */
  mean: tf.Tensor;
  /** Batch (population) variance [M, 1, width]. */
  variance: tf.Tensor;
}

export interface ForwardOutput {
  /** Standardised hardness ŷ [M, B]. */
  yhat: tf.Tensor;
  /** log x̂ [M, B, E] (null when the decoder was not asked for). */
  logXhat: tf.Tensor | null;
  /** μ [M, B, d] (the deterministic bottleneck's output for 'deterministic'). */
  mu: tf.Tensor;
  /** log σ² [M, B, d] (null for the deterministic bottleneck). */
  logvar: tf.Tensor | null;
  /** z [M, B, d]: sampled in training (VIB), μ otherwise. */
  z: tf.Tensor;
  /** KL(q(z|x) ‖ N(0, I)) / d per row [M, B] (VIB, training mode only; else null). */
  klPerDim: tf.Tensor | null;
  /** Attention per element, mean over heads [M, B, E] (null unless asked for and heads > 0). */
  attention: tf.Tensor | null;
  /**
   * Training mode: the batch statistics of every BatchNorm, by block name. With the fused
   * blocks these are kept tensors (they survive tf.tidy): dispose them when done.
   */
  batchStats: Record<string, BatchStat>;
}

interface Ctx {
  options: VibannOptions;
  training: boolean;
  dropOn: boolean;
  noise?: Noise;
  rowWeights?: tf.Tensor;
  stats: Record<string, BatchStat>;
  tile: number;
}

const streamCache = new WeakMap<VibannOptions, Map<string, number>>();
/** Noise stream of each block: its index in the network order (as `dropoutBlocks`). */
function streamOf(o: VibannOptions, name: string): number {
  let m = streamCache.get(o);
  if (!m) {
    m = new Map(allBlocks(arch(o)).map((b, i) => [b.name, i]));
    streamCache.set(o, m);
  }
  return m.get(name) as number;
}

const archCache = new WeakMap<VibannOptions, Architecture>();
function arch(o: VibannOptions): Architecture {
  let a = archCache.get(o);
  if (!a) {
    a = architecture(o);
    archCache.set(o, a);
  }
  return a;
}

function param(p: Record<string, tf.Tensor>, name: string): tf.Tensor {
  const t = p[name];
  if (!t) throw new VibannError(`network parameter '${name}' is missing`);
  return t;
}

function dense(
  p: Record<string, tf.Tensor>,
  name: string,
  h: tf.Tensor,
  act: 'linear' | 'relu',
): tf.Tensor {
  return groupedMatMul(h as tf.Tensor3D, param(p, `${name}/kernel`) as tf.Tensor3D, {
    bias: param(p, `${name}/bias`) as tf.Tensor2D,
    activation: act,
  });
}

function as3(t: tf.Tensor, w: number): tf.Tensor {
  return tf.reshape(t, [t.shape[0], 1, w]);
}

let useFused = true;
/** Use the fused block op (default) or the composition of stock ops (a reference for tests). */
export function setFusedBlocks(on: boolean): void {
  useFused = on;
}

/** Dense → ReLU → BatchNorm → (MC-)dropout. */
function block(
  p: Record<string, tf.Tensor>,
  b: BlockSpec,
  h: tf.Tensor,
  ctx: Ctx,
  first = false,
): tf.Tensor {
  const hash = ctx.dropOn && !ctx.training ? ctx.noise?.hash : undefined;
  if (hash) {
    const stream = streamOf(ctx.options, b.name);
    return fusedBlock(
      h,
      param(p, `${b.name}/kernel`),
      param(p, `${b.name}/bias`),
      param(p, `${b.name}/gamma`),
      param(p, `${b.name}/beta`),
      {
        training: false,
        eps: ctx.options.bnEpsilon,
        movingMean: param(p, `${b.name}/movingMean`),
        movingVar: param(p, `${b.name}/movingVar`),
        hash: {
          seeds: hash.seeds.map((sd) => deriveSeed(sd, stream)),
          rate: ctx.options.dropout,
          passes: hash.passes,
          rowStart: hash.rowStart,
          rowKeys: hash.keys,
          tile: first && ctx.tile > 1,
        },
      },
    ).y;
  }
  const mask = ctx.dropOn ? ctx.noise?.masks[b.name] : undefined;
  if (ctx.dropOn && !mask)
    throw new VibannError(`dropout is active but no mask was given for block '${b.name}'`);
  if (useFused) {
    const out = fusedBlock(
      h,
      param(p, `${b.name}/kernel`),
      param(p, `${b.name}/bias`),
      param(p, `${b.name}/gamma`),
      param(p, `${b.name}/beta`),
      {
        training: ctx.training,
        eps: ctx.options.bnEpsilon,
        rowWeights: ctx.rowWeights,
        movingMean: ctx.training ? undefined : param(p, `${b.name}/movingMean`),
        movingVar: ctx.training ? undefined : param(p, `${b.name}/movingVar`),
        mask,
      },
    );
    if (out.mean && out.variance) ctx.stats[b.name] = { mean: out.mean, variance: out.variance };
    return out.y;
  }
  return blockReference(p, b, h, ctx, mask);
}

function blockReference(
  p: Record<string, tf.Tensor>,
  b: BlockSpec,
  h: tf.Tensor,
  ctx: Ctx,
  mask: tf.Tensor | undefined,
): tf.Tensor {
  const r = dense(p, b.name, h, 'relu');
  const w = b.width;
  const gamma = as3(param(p, `${b.name}/gamma`), w);
  const beta = as3(param(p, `${b.name}/beta`), w);
  const eps = tf.scalar(ctx.options.bnEpsilon);
  let y: tf.Tensor;
  if (ctx.training) {
    const B = r.shape[1] as number;
    const rw = ctx.rowWeights ?? tf.fill([1, 1, B], 1 / B);
    // batch mean and population variance as products with the row weights (a fast reduction
    // over the batch axis on wasm, and it handles padded rows of a ragged stacked batch)
    const mean = groupedMatMul(rw as tf.Tensor3D, r as tf.Tensor3D);
    const c = tf.sub(r, mean);
    const variance = groupedMatMul(rw as tf.Tensor3D, tf.square(c) as tf.Tensor3D);
    ctx.stats[b.name] = { mean, variance };
    const scale = tf.mul(gamma, tf.rsqrt(tf.add(variance, eps)));
    y = tf.add(tf.mul(c, scale), beta);
  } else {
    const mm = as3(param(p, `${b.name}/movingMean`), w);
    const mv = as3(param(p, `${b.name}/movingVar`), w);
    const scale = tf.mul(gamma, tf.rsqrt(tf.add(mv, eps)));
    const shift = tf.sub(beta, tf.mul(mm, scale));
    y = tf.add(tf.mul(r, scale), shift);
  }
  if (mask) y = tf.mul(y, mask);
  return y;
}

/** A chain of blocks; `inputPath`: the chain starts from the network inputs (comp, pair, load). */
function blocks(
  p: Record<string, tf.Tensor>,
  bs: BlockSpec[],
  h: tf.Tensor,
  ctx: Ctx,
  inputPath = false,
): tf.Tensor {
  let out = h;
  bs.forEach((b, i) => {
    out = block(p, b, out, ctx, inputPath && i === 0);
  });
  return out;
}

const pairCache = new Map<number, { I: tf.Tensor; J: tf.Tensor }>();
/** One-hot selectors [1, E, E(E−1)/2] so that x·I and x·J give x_i and x_j of every pair i<j (lexicographic). */
function pairSelectors(E: number): { I: tf.Tensor; J: tf.Tensor } {
  let s = pairCache.get(E);
  if (!s) {
    const P = (E * (E - 1)) / 2;
    const I = new Float32Array(E * P);
    const J = new Float32Array(E * P);
    let c = 0;
    for (let i = 0; i < E; i++) {
      for (let j = i + 1; j < E; j++, c++) {
        I[i * P + c] = 1;
        J[j * P + c] = 1;
      }
    }
    s = { I: tf.keep(tf.tensor3d(I, [1, E, P])), J: tf.keep(tf.tensor3d(J, [1, E, P])) };
    pairCache.set(E, s);
  }
  return s;
}

function ctxOf(net: Net, cfg: ForwardConfig): Ctx {
  const o = net.options;
  return {
    options: o,
    training: cfg.training,
    dropOn: o.dropout > 0 && (cfg.training || cfg.mc === true),
    noise: cfg.noise,
    rowWeights: cfg.rowWeights,
    stats: {},
    tile: cfg.tile ?? 1,
  };
}

function to3(t: tf.Tensor): tf.Tensor {
  return t.rank === 2 ? tf.expandDims(t, 0) : t;
}

export interface EncodeOutput {
  mu: tf.Tensor;
  logvar: tf.Tensor | null;
  /** The load path's output [M, B, w] (needed by the head when the load joins after the bottleneck); null with the Meyer head (no load path). */
  loadFeat: tf.Tensor | null;
  attention: tf.Tensor | null;
}

function encodeCtx(
  net: Net,
  inputs: NetInputs,
  ctx: Ctx,
  wantAttention: boolean,
  wantLogvar = true,
): EncodeOutput {
  if (ctx.tile > 1 && !(ctx.dropOn && !ctx.training && ctx.noise?.hash)) {
    throw new VibannError(
      'tile needs MC mode with hashed masks (noise.hash) and a positive dropout rate',
    );
  }
  const o = net.options;
  const a = arch(o);
  const p = net.params;
  const x = to3(inputs.x);
  const load = to3(inputs.load);
  let h = x;
  let attention: tf.Tensor | null = null;
  if (a.attention) {
    const H = a.attention.heads;
    const E = o.nElements;
    const logits = dense(p, 'att', x, 'linear');
    const M = logits.shape[0] as number;
    const B = logits.shape[1] as number;
    const att = tf.softmax(tf.reshape(logits, [M, B, H, E]));
    h = tf.reshape(tf.mul(att, tf.reshape(x, [x.shape[0] as number, B, 1, E])), [M, B, H * E]);
    if (wantAttention) attention = tf.mean(att, 2);
  }
  let enc = blocks(p, a.comp, h, ctx, true);
  if (a.fuse) {
    const { I, J } = pairSelectors(o.nElements);
    const pairs = tf.mul(
      groupedMatMul(x as tf.Tensor3D, I as tf.Tensor3D),
      groupedMatMul(x as tf.Tensor3D, J as tf.Tensor3D),
    );
    const pr = blocks(p, a.pair, pairs, ctx, true);
    enc = block(p, a.fuse, tf.concat([enc, pr], 2), ctx);
  }
  if (a.desc.length) {
    // SPEC §3 descriptor branch: descriptors of x (differentiable), standardised on train_fit
    const d =
      inputs.desc ??
      standardDescriptors(
        x,
        param(p, 'desc/props'),
        param(p, 'desc/hmix'),
        param(p, 'desc/shift'),
        param(p, 'desc/scale'),
      );
    enc = tf.concat([enc, blocks(p, a.desc, d, ctx, true)], 2);
  }
  const loadFeat = a.meyer ? null : blocks(p, a.load, load, ctx, true);
  const f =
    loadFeat && o.loadJoin === 'before-bottleneck'
      ? tf.concat([enc, broadcastTo(loadFeat, enc)], 2)
      : enc;
  const mu = dense(p, 'mu', f, 'linear');
  const logvar = o.bottleneck === 'vib' && wantLogvar ? dense(p, 'logvar', f, 'linear') : null;
  return { mu, logvar, loadFeat, attention };
}

/** Broadcast t's leading dim to ref's (concat needs equal shapes). */
function broadcastTo(t: tf.Tensor, ref: tf.Tensor): tf.Tensor {
  if (t.shape[0] === ref.shape[0]) return t;
  return tf.tile(t, [(ref.shape[0] as number) / (t.shape[0] as number), 1, 1]);
}

/**
 * Offset of the ISE exponent's softplus (per unit of standardised ln L): at initialisation
 * (ise output ≈ 0) the exponent is softplus(−3) ≈ 0.049 per ℓ unit — a mild size effect, as
 * measured for metallic glasses — rather than softplus(0) = 0.69.
 */
export const ISE_OFFSET = -3;

/**
 * SPEC §3 load head 'meyer': Meyer's law P = A·dⁿ (Meyer 1908) with the Vickers relation
 * HV = 0.1891·P/d² (P in N, d in mm) gives HV ∝ P^(1 − 2/n) = P^(−β), β = 2/n − 1 ≥ 0 for the
 * indentation size effect (n ≤ 2). With ℓ the standardised ln L (ℓ = 0 at L_ref, the geometric
 * mean train_fit load) and c = hvZero (the standardised 0 HV):
 *   H_ref = softplus(a − c) > 0 (units of s_y),  β_ℓ = softplus(b + ISE_OFFSET) ≥ 0,
 *   ŷ = c + H_ref·exp(−β_ℓ·ℓ),  i.e. HV(L) = H_ref·s_y·(L/L_ref)^(−β_ℓ/s_ℓ).
 * a, b are the head's two outputs (they depend on the composition only), so ŷ is non-increasing
 * in ℓ for every composition and every dropout mask.
 */
function meyerLaw(a: tf.Tensor, b: tf.Tensor, load: tf.Tensor, c: number, tile: number): tf.Tensor {
  let l = load;
  const rows = a.shape[1] as number;
  if ((l.shape[1] as number) !== rows) {
    // MC tiling: ℓ [Mx, R, 1] → [Mx, tile·R, 1], row s·R + r = pass s of row r
    const [Mx, R] = l.shape as number[];
    if (R * tile !== rows)
      throw new VibannError(`Meyer head: ${R} loads for ${rows} rows (tile ${tile})`);
    l = tf.reshape(tf.mul(tf.reshape(l, [Mx, 1, R, 1]), tf.ones([1, tile, 1, 1])), [Mx, rows, 1]);
  }
  const cs = tf.scalar(c);
  const href = tf.softplus(tf.sub(a, cs));
  const beta = tf.softplus(tf.add(b, tf.scalar(ISE_OFFSET)));
  return tf.add(cs, tf.mul(href, tf.exp(tf.neg(tf.mul(beta, l)))));
}

function headCtx(
  net: Net,
  z: tf.Tensor,
  loadFeat: tf.Tensor | null,
  ctx: Ctx,
  load: tf.Tensor | null = null,
): tf.Tensor {
  const o = net.options;
  const a = arch(o);
  if (a.meyer) {
    if (!load) throw new VibannError('the Meyer load head needs the load');
    const h = blocks(net.params, a.head, z, ctx);
    const y = meyerLaw(
      dense(net.params, 'out', h, 'linear'),
      dense(net.params, 'ise', h, 'linear'),
      load,
      o.hvZero,
      ctx.tile,
    );
    return tf.reshape(y, [y.shape[0] as number, y.shape[1] as number]);
  }
  let hin = z;
  if (o.loadJoin === 'after-bottleneck') {
    if (!loadFeat)
      throw new VibannError('the hardness head needs the load (loadJoin after-bottleneck)');
    hin = tf.concat([z, broadcastTo(loadFeat, z)], 2);
  }
  const h = blocks(net.params, a.head, hin, ctx);
  const y = dense(net.params, 'out', h, 'linear');
  return tf.reshape(y, [y.shape[0] as number, y.shape[1] as number]);
}

function decodeCtx(net: Net, z: tf.Tensor, ctx: Ctx): tf.Tensor {
  const a = arch(net.options);
  const h = blocks(net.params, a.dec, z, ctx);
  return tf.logSoftmax(dense(net.params, 'recon', h, 'linear'));
}

/** The whole network (see the file header for the modes). */
export function forward(net: Net, inputs: NetInputs, cfg: ForwardConfig): ForwardOutput {
  const o = net.options;
  const ctx = ctxOf(net, cfg);
  const { mu, logvar, loadFeat, attention } = encodeCtx(
    net,
    inputs,
    ctx,
    cfg.attention === true,
    cfg.training || cfg.logvar !== false,
  );
  let z = mu;
  let klPerDim: tf.Tensor | null = null;
  if (cfg.training && logvar) {
    const eps = cfg.noise?.eps;
    if (!eps) throw new VibannError('VIB training needs ε (noise.eps)');
    if (useFused) {
      z = sampleLatent(mu, logvar, eps);
      // SPEC §3: KL per row = ½ Σ_j (e^{logσ²} + μ² − 1 − logσ²), divided by d
      klPerDim = klPerDimOp(mu, logvar);
    } else {
      z = tf.add(mu, tf.mul(tf.exp(tf.mul(logvar, tf.scalar(0.5))), eps));
      const terms = tf.sub(tf.add(tf.exp(logvar), tf.square(mu)), tf.add(logvar, tf.scalar(1)));
      klPerDim = tf.mul(tf.sum(terms, -1), tf.scalar(0.5 / o.latentDim));
    }
  }
  const hz = cfg.training && o.hardnessOnMean ? mu : z;
  const yhat = headCtx(net, hz, loadFeat, ctx, to3(inputs.load));
  const logXhat = cfg.decoder === false ? null : decodeCtx(net, z, ctx);
  return { yhat, logXhat, mu, logvar, z, klPerDim, attention, batchStats: ctx.stats };
}

/** Encoder only: μ, log σ², the load features and (optionally) attention; z = μ at inference. */
export function encode(
  net: Net,
  inputs: NetInputs,
  cfg: ForwardConfig & { attention?: boolean } = { training: false },
): EncodeOutput {
  return encodeCtx(net, inputs, ctxOf(net, cfg), cfg.attention === true);
}

/**
 * Hardness head from latents z [M|1, B, d] at standardised loads [M|1, B, 1] (the load is used
 * when it joins after the bottleneck, and always by the Meyer head). Returns ŷ [M, B]. Differentiable w.r.t. z.
 */
export function hardnessFromLatent(
  net: Net,
  z: tf.Tensor,
  load: tf.Tensor | null,
  cfg: ForwardConfig = { training: false },
): tf.Tensor {
  const ctx = ctxOf(net, cfg);
  let loadFeat: tf.Tensor | null = null;
  const meyer = arch(net.options).meyer;
  if (net.options.loadJoin === 'after-bottleneck' && !meyer) {
    if (!load)
      throw new VibannError('hardnessFromLatent: loadJoin after-bottleneck needs the load');
    loadFeat = blocks(net.params, arch(net.options).load, to3(load), ctx);
  }
  if (meyer && !load)
    throw new VibannError('hardnessFromLatent: the Meyer load head needs the load');
  return headCtx(net, to3(z), loadFeat, ctx, load ? to3(load) : null);
}

/** Decoder: log x̂ [M, B, E] from latents z [M|1, B, d]. Differentiable w.r.t. z. */
export function decodeLog(
  net: Net,
  z: tf.Tensor,
  cfg: ForwardConfig = { training: false },
): tf.Tensor {
  return decodeCtx(net, to3(z), ctxOf(net, cfg));
}
