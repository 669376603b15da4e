/**
 * Views of a trained model for the tools that look inside it (design refinement, explain, latent
 * analysis), all in physical units: compositions as fractions over the model's elements, loads in
 * N, hardness in HV. The scalers and the raw networks stay here; nothing outside `src/model/`
 * standardises a load or unscales a prediction.
 *
 * - `EnsembleView`: the whole ensemble in inference mode (BatchNorm frozen, no dropout, z = μ) as
 *   a function f(x, L) = mean over members of the hardness, its gradient, the attention weights,
 *   and a differentiable MC-dropout sampler (masks drawn once, common random numbers) for
 *   gradient-based design.
 * - `MemberView`: the latent space of one member (by default the design network): encoder μ(x, L),
 *   decoder x̂(z), hardness head ŷ(z, L) and its gradient, and a differentiable decoder.
 *
 * A view holds its own parameter tensors: call `dispose()` when done. Array methods leave no
 * tensors behind; the tensor methods (`decodeTensor`, `McSampler.samples`) return tensors for the
 * caller to use inside `tf.tidy`/`tf.variableGrads`.
 */
import type { LoadScaler, LoadTransform, StandardScaler } from '../data/scalers.ts';
import { kernelSupport, latentKernel, mcKernel } from '../nn/kernel.ts';
import { decodeLog, encode, forward, hardnessFromLatent, type Net } from '../nn/model.ts';
import { compositionKeys } from '../nn/noise.ts';
import type { Bottleneck } from '../nn/options.ts';
import type { VibannModel } from '../nn/params.ts';
import { disposeNoise, mcNoise } from '../nn/sampling.ts';
import * as tf from '../nn/tf.ts';
import { InputError } from '../util/errors.ts';

/** Rows per tfjs call (memory bound only; rows are independent in inference mode). */
const CHUNK = 4096;

/**
 * The network's own load axis ℓ: standardised L ('linear') or standardised ln L ('log'),
 * SPEC §1. Methods that integrate along straight lines in the network's input space (integrated
 * gradients) need it; everything else should pass loads in N.
 */
export interface LoadCoordinate {
  readonly kind: LoadTransform;
  /** ℓ of a load L (N). */
  of(loadN: number): number;
  /** The load L (N) at coordinate ℓ (inverse of `of`). */
  load(l: number): number;
  /** dℓ/dL at L, per N. */
  slope(loadN: number): number;
}

/** Hardness of the ensemble and its gradient, physical units. */
export interface HardnessGradient {
  /** f per row, HV. */
  hv: Float64Array;
  /** ∂f/∂x, n × E, HV per unit fraction (the fractions treated as independent inputs). */
  dx: Float64Array;
  /** ∂f/∂L per row, HV per N. */
  dLoad: Float64Array;
}

/** A differentiable MC-dropout estimate at one load with dropout masks fixed at creation. */
export interface McSampler {
  /** Members M. */
  readonly members: number;
  /** Passes S per member. */
  readonly passes: number;
  /** Rows B every call takes. */
  readonly rows: number;
  /**
   * Hardness samples (HV) of compositions x [B, E] (fractions): [M·S, B], row k·S + s = member k,
   * pass s. Differentiable with respect to x; the same masks on every call.
   */
  samples(x: tf.Tensor): tf.Tensor2D;
  dispose(): void;
}

/** What an MC sampler (tfjs or kernel) is built for: one load, `passes` per member, `rows` slots. */
export interface McSamplerOptions {
  loadN: number;
  passes: number;
  rows: number;
  seed: number | readonly number[];
  maskCompositions?: ArrayLike<number>;
}

/**
 * The MC-dropout estimate of `McSampler` as a JS kernel (nn/kernel.ts; no tfjs ops): the same
 * masks, the same numbers to float32 rounding, and ∂/∂x by hand.
 */
export interface McKernelView {
  readonly members: number;
  readonly passes: number;
  readonly rows: number;
  /** HV samples of compositions x (rows × E fractions): [M·S·rows], entry (k·S + s)·rows + b (owned by the kernel). */
  samples(x: ArrayLike<number>): Float64Array;
  /** ∂/∂x (rows × E, per unit fraction) of Σ dHv ⊙ samples at the last `samples` call (owned by the kernel). */
  backward(dHv: ArrayLike<number>): Float64Array;
}

/** The design network's decoder as a JS kernel (nn/kernel.ts) for a fixed number of latents. */
export interface DecoderKernelView {
  readonly rows: number;
  /** Decoded fractions x̂ (rows × E) of latents z (rows × d) (owned by the kernel). */
  decode(z: ArrayLike<number>): Float64Array;
  /** ∂/∂z (rows × d) of Σ dx ⊙ x̂ at the last `decode` call (owned by the kernel). */
  backward(dx: ArrayLike<number>): Float64Array;
}

export interface EnsembleView {
  readonly elements: readonly string[];
  /** Networks in the ensemble. */
  readonly members: number;
  /** Whether the networks have attention heads (else `attention` returns null). */
  readonly hasAttention: boolean;
  readonly loadCoordinate: LoadCoordinate;
  /** f(x, L) in HV for n rows: x is n × E fractions, loads in N (one per row). */
  hardness(x: ArrayLike<number>, loadsN: ArrayLike<number>): Float64Array;
  /** f and its gradient with respect to the fractions and the load. */
  hardnessGrad(x: ArrayLike<number>, loadsN: ArrayLike<number>): HardnessGradient;
  /** Attention per element (mean over heads and networks), n × E; null without attention heads. */
  attention(x: ArrayLike<number>, loadsN: ArrayLike<number>): Float64Array | null;
  /**
   * MC-dropout sampler for `rows` compositions at one load, `passes` per member; member k's masks
   * are seeded (s_k + 7919·(k+1)) >>> 0 (the convention of the MC prediction), s_k = `seed`, or
   * `seed[k]` when one base seed per member is given. Row slot b's masks are keyed by b, or —
   * with `maskCompositions` (rows × E fractions) — by composition b of it, which reproduces the
   * masks `predictRows` uses for those compositions (SPEC §5).
   */
  mcSampler(o: McSamplerOptions): McSampler;
  /** `mcSampler`'s estimate (same options, same masks) as a JS kernel; null when the kernels do not support the network. */
  mcKernel(o: McSamplerOptions): McKernelView | null;
  /** Release the parameter tensors (idempotent; the view is unusable afterwards). */
  dispose(): void;
}

export interface MemberView {
  /** Index of the member in the ensemble. */
  readonly member: number;
  readonly elements: readonly string[];
  /** Latent dimension d. */
  readonly latentDim: number;
  /** Bottleneck kind ('vib' or 'deterministic'). */
  readonly bottleneck: Bottleneck;
  /** Latents μ(x, L), n × d, of compositions x (n × E fractions) at loads in N (one per row). */
  encode(x: ArrayLike<number>, loadsN: ArrayLike<number>): Float64Array;
  /** Decoded compositions x̂ = D(z) (probability vectors), n × E, of latents z (n × d). */
  decode(z: ArrayLike<number>): Float64Array;
  /** Hardness head ŷ(z, L) in HV (the load is used only when it joins after the bottleneck). */
  hardness(z: ArrayLike<number>, loadsN: ArrayLike<number>): Float64Array;
  /** ŷ(z, L) in HV and ∂ŷ/∂z (n × d, HV per latent unit). */
  hardnessGrad(
    z: ArrayLike<number>,
    loadsN: ArrayLike<number>,
  ): { hv: Float64Array; grad: Float64Array };
  /** Differentiable decoder: latents [B, d] → fractions [B, E]. */
  decodeTensor(z: tf.Tensor): tf.Tensor2D;
  /** The decoder as a JS kernel for `rows` latents; null when the kernels do not support the network. */
  decoderKernel(rows: number): DecoderKernelView | null;
  /** Release the parameter tensors (idempotent; the view is unusable afterwards). */
  dispose(): void;
}

/** What a view needs from the model (internal to src/model). */
export interface ViewSource {
  net: VibannModel;
  loadScaler: LoadScaler;
  hvScaler: StandardScaler;
  elements: readonly string[];
}

export function loadCoordinate(s: LoadScaler): LoadCoordinate {
  const { mean, std, transformKind: kind } = s;
  return {
    kind,
    of: (L) => s.transform(L),
    load: (l) => (kind === 'log' ? Math.exp(l * std + mean) : l * std + mean),
    slope: (L) => {
      if (!(L > 0)) throw new InputError(`load must be > 0 N, got ${L}`);
      return kind === 'log' ? 1 / (L * std) : 1 / std;
    },
  };
}

/** Guards shared by the views: disposed, and the row count of x (n × E). */
function guard(what: string) {
  let disposed = false;
  return {
    live() {
      if (disposed) throw new InputError(`${what}: the view was disposed`);
    },
    close(): boolean {
      const was = disposed;
      disposed = true;
      return !was;
    },
    rows(values: ArrayLike<number>, width: number, loadsN: ArrayLike<number>, unit: string) {
      const n = loadsN.length;
      if (values.length !== n * width)
        throw new InputError(`${what}: ${values.length} ${unit} values for ${n} rows × ${width}`);
      return n;
    },
  };
}

function slice32(v: ArrayLike<number>, from: number, to: number): Float32Array {
  const out = new Float32Array(to - from);
  for (let i = from; i < to; i++) out[i - from] = v[i];
  return out;
}

/** Mask seeds (s_k + 7919·(k+1)) >>> 0 and row keys of an MC sampler (see `mcSampler`). */
function samplerMasks(
  M: number,
  E: number,
  B: number,
  seed: number | readonly number[],
  maskCompositions: ArrayLike<number> | undefined,
): { seeds: number[]; keys: Uint32Array | undefined } {
  if (typeof seed !== 'number' && seed.length !== M)
    throw new InputError(`MC sampler: ${seed.length} seeds for ${M} members`);
  const seeds = Array.from(
    { length: M },
    (_, k) => ((typeof seed === 'number' ? seed : seed[k]) + 7919 * (k + 1)) >>> 0,
  );
  let keys: Uint32Array | undefined;
  if (maskCompositions) {
    if (maskCompositions.length !== B * E)
      throw new InputError(
        `MC sampler: ${maskCompositions.length} mask-composition values for ${B} rows × ${E}`,
      );
    keys = compositionKeys(Float32Array.from(maskCompositions), E);
  }
  return { seeds, keys };
}

export function ensembleView(src: ViewSource): EnsembleView {
  const vm = src.net;
  const net: Net = { options: vm.options, params: vm.tensors() };
  const E = vm.options.nElements;
  const M = vm.nMembers;
  const { mean: hvMean, std: hvStd } = src.hvScaler;
  const coord = loadCoordinate(src.loadScaler);
  const g = guard('ensemble view');
  const inputs = (x: ArrayLike<number>, loadsN: ArrayLike<number>, r0: number, r: number) => {
    const ls = new Float32Array(r);
    for (let i = 0; i < r; i++) ls[i] = coord.of(loadsN[r0 + i]);
    return {
      x: tf.tensor3d(slice32(x, r0 * E, (r0 + r) * E), [1, r, E]),
      load: tf.tensor3d(ls, [1, r, 1]),
    };
  };
  /** Σ over rows of the member-mean ŷ (standardised units). */
  const total = (x: tf.Tensor, load: tf.Tensor) =>
    tf.div(
      tf.sum(forward(net, { x, load }, { training: false, decoder: false }).yhat),
      tf.scalar(M),
    ) as tf.Scalar;

  return {
    elements: src.elements,
    members: M,
    hasAttention: vm.options.attentionHeads > 0,
    loadCoordinate: coord,
    hardness(x, loadsN) {
      g.live();
      const n = g.rows(x, E, loadsN, 'composition');
      const out = new Float64Array(n);
      for (let r0 = 0; r0 < n; r0 += CHUNK) {
        const r = Math.min(CHUNK, n - r0);
        const y = tf.tidy(() => {
          const yh = forward(net, inputs(x, loadsN, r0, r), {
            training: false,
            decoder: false,
          }).yhat; // [M, r]
          return tf.mean(yh, 0);
        });
        const v = y.dataSync();
        y.dispose();
        for (let i = 0; i < r; i++) out[r0 + i] = hvMean + hvStd * v[i];
      }
      return out;
    },
    hardnessGrad(x, loadsN) {
      g.live();
      const n = g.rows(x, E, loadsN, 'composition');
      const hv = new Float64Array(n);
      const dx = new Float64Array(n * E);
      const dLoad = new Float64Array(n);
      for (let r0 = 0; r0 < n; r0 += CHUNK) {
        const r = Math.min(CHUNK, n - r0);
        const inp = inputs(x, loadsN, r0, r);
        // rows are independent in inference mode: the gradient of the sum is the per-row gradient
        const { value, grads } = tf.valueAndGrads((a: tf.Tensor, b: tf.Tensor) => total(a, b))([
          inp.x,
          inp.load,
        ]);
        const y = tf.tidy(() =>
          tf.mean(forward(net, inp, { training: false, decoder: false }).yhat, 0),
        );
        const yv = y.dataSync();
        const g0 = grads[0].dataSync();
        const g1 = grads[1].dataSync();
        for (let i = 0; i < r; i++) {
          hv[r0 + i] = hvMean + hvStd * yv[i];
          dLoad[r0 + i] = hvStd * g1[i] * coord.slope(loadsN[r0 + i]);
        }
        for (let i = 0; i < r * E; i++) dx[r0 * E + i] = hvStd * g0[i];
        tf.dispose([inp.x, inp.load, value, y, ...grads]);
      }
      return { hv, dx, dLoad };
    },
    attention(x, loadsN) {
      g.live();
      const n = g.rows(x, E, loadsN, 'composition');
      if (vm.options.attentionHeads === 0) return null;
      const out = new Float64Array(n * E);
      for (let r0 = 0; r0 < n; r0 += CHUNK) {
        const r = Math.min(CHUNK, n - r0);
        const a = tf.tidy(() => {
          const att = forward(net, inputs(x, loadsN, r0, r), {
            training: false,
            decoder: false,
            attention: true,
          }).attention as tf.Tensor; // [M, r, E]
          return tf.mean(att, 0);
        });
        out.set(a.dataSync(), r0 * E);
        a.dispose();
      }
      return out;
    },
    mcSampler({ loadN, passes: S, rows: B, seed, maskCompositions }) {
      g.live();
      if (!Number.isInteger(S) || S < 1)
        throw new InputError(`MC sampler: passes must be a positive integer, got ${S}`);
      if (!Number.isInteger(B) || B < 1)
        throw new InputError(`MC sampler: rows must be a positive integer, got ${B}`);
      const { seeds, keys } = samplerMasks(M, E, B, seed, maskCompositions);
      const noise = mcNoise(vm.options, seeds, S, 0, B, keys);
      const loadT = tf.fill([1, S * B, 1], coord.of(loadN));
      const passOnes = tf.ones([S, 1, 1]);
      let open = true;
      return {
        members: M,
        passes: S,
        rows: B,
        samples(x) {
          g.live();
          if (!open) throw new InputError('MC sampler: disposed');
          if (x.rank !== 2 || x.shape[0] !== B || x.shape[1] !== E)
            throw new InputError(`MC sampler: x has shape [${x.shape}], expected [${B}, ${E}]`);
          // tile S passes by broadcasting (tfjs-core's lean bundle has no Tile gradient): row s·B + b
          const xt = tf.reshape(tf.mul(passOnes, tf.expandDims(x, 0)), [1, S * B, E]);
          const y = forward(
            net,
            { x: xt, load: loadT },
            { training: false, mc: true, noise, decoder: false },
          ).yhat; // [M, S·B]
          return tf.add(tf.mul(tf.reshape(y, [M * S, B]), hvStd), hvMean) as tf.Tensor2D;
        },
        dispose() {
          if (!open) return;
          open = false;
          disposeNoise(noise);
          tf.dispose([loadT, passOnes]);
        },
      };
    },
    mcKernel({ loadN, passes: S, rows: B, seed, maskCompositions }) {
      g.live();
      if (kernelSupport(vm.options)) return null;
      const { seeds, keys } = samplerMasks(M, E, B, seed, maskCompositions);
      const k = mcKernel(vm, { seeds, passes: S, rows: B, load: coord.of(loadN), keys });
      const hv = new Float64Array(M * S * B);
      const dy = new Float64Array(M * S * B);
      return {
        members: M,
        passes: S,
        rows: B,
        samples(x) {
          const y = k.forward(x);
          for (let i = 0; i < y.length; i++) hv[i] = hvMean + hvStd * y[i];
          return hv;
        },
        backward(dHv) {
          for (let i = 0; i < dy.length; i++) dy[i] = hvStd * dHv[i];
          return k.backward(dy);
        },
      };
    },
    dispose() {
      if (g.close()) tf.dispose(Object.values(net.params));
    },
  };
}

export function memberView(src: ViewSource, member: number): MemberView {
  const all = src.net;
  if (!Number.isInteger(member) || member < 0 || member >= all.nMembers)
    throw new InputError(`model: member ${member} does not exist (0 … ${all.nMembers - 1})`);
  const vm = all.select([member]);
  const net: Net = { options: vm.options, params: vm.tensors() };
  const E = vm.options.nElements;
  const d = vm.options.latentDim;
  const { mean: hvMean, std: hvStd } = src.hvScaler;
  const g = guard('member view');
  const loads32 = (loadsN: ArrayLike<number>, from: number, to: number) => {
    const out = new Float32Array(to - from);
    for (let i = from; i < to; i++) out[i - from] = src.loadScaler.transform(loadsN[i]);
    return out;
  };

  return {
    member,
    elements: src.elements,
    latentDim: d,
    bottleneck: vm.options.bottleneck,
    encode(x, loadsN) {
      g.live();
      const n = g.rows(x, E, loadsN, 'composition');
      const out = new Float64Array(n * d);
      for (let r0 = 0; r0 < n; r0 += CHUNK) {
        const r = Math.min(CHUNK, n - r0);
        const mu = tf.tidy(() =>
          tf.reshape(
            encode(
              net,
              {
                x: tf.tensor3d(slice32(x, r0 * E, (r0 + r) * E), [1, r, E]),
                load: tf.tensor3d(loads32(loadsN, r0, r0 + r), [1, r, 1]),
              },
              { training: false },
            ).mu,
            [r * d],
          ),
        );
        out.set(mu.dataSync(), r0 * d);
        mu.dispose();
      }
      return out;
    },
    decode(z) {
      g.live();
      if (z.length % d !== 0)
        throw new InputError(`member view: ${z.length} latent values are not rows of ${d}`);
      const n = z.length / d;
      const out = new Float64Array(n * E);
      for (let r0 = 0; r0 < n; r0 += CHUNK) {
        const r = Math.min(CHUNK, n - r0);
        const xh = tf.tidy(() =>
          tf.reshape(
            tf.exp(decodeLog(net, tf.tensor3d(slice32(z, r0 * d, (r0 + r) * d), [1, r, d]))),
            [r * E],
          ),
        );
        out.set(xh.dataSync(), r0 * E);
        xh.dispose();
      }
      return out;
    },
    hardness(z, loadsN) {
      g.live();
      const n = g.rows(z, d, loadsN, 'latent');
      const out = new Float64Array(n);
      for (let r0 = 0; r0 < n; r0 += CHUNK) {
        const r = Math.min(CHUNK, n - r0);
        const y = tf.tidy(() =>
          tf.reshape(
            hardnessFromLatent(
              net,
              tf.tensor3d(slice32(z, r0 * d, (r0 + r) * d), [1, r, d]),
              tf.tensor3d(loads32(loadsN, r0, r0 + r), [1, r, 1]),
            ),
            [r],
          ),
        );
        const v = y.dataSync();
        y.dispose();
        for (let i = 0; i < r; i++) out[r0 + i] = hvMean + hvStd * v[i];
      }
      return out;
    },
    hardnessGrad(z, loadsN) {
      g.live();
      const n = g.rows(z, d, loadsN, 'latent');
      const hv = new Float64Array(n);
      const grad = new Float64Array(n * d);
      for (let r0 = 0; r0 < n; r0 += CHUNK) {
        const r = Math.min(CHUNK, n - r0);
        const zt = tf.tensor3d(slice32(z, r0 * d, (r0 + r) * d), [1, r, d]);
        const lt = tf.tensor3d(loads32(loadsN, r0, r0 + r), [1, r, 1]);
        // rows are independent in inference mode, so the gradient of the sum is the per-row gradient
        const f = (zz: tf.Tensor) => tf.sum(hardnessFromLatent(net, zz, lt)) as tf.Scalar;
        const { value, grads } = tf.valueAndGrads(f)([zt]);
        const y = tf.tidy(() => tf.reshape(hardnessFromLatent(net, zt, lt), [r]));
        const yv = y.dataSync();
        const gv = grads[0].dataSync();
        for (let i = 0; i < r; i++) hv[r0 + i] = hvMean + hvStd * yv[i];
        for (let i = 0; i < r * d; i++) grad[r0 * d + i] = hvStd * gv[i];
        tf.dispose([zt, lt, y, value, ...grads]);
      }
      return { hv, grad };
    },
    decodeTensor(z) {
      g.live();
      if (z.rank !== 2 || z.shape[1] !== d)
        throw new InputError(`member view: z has shape [${z.shape}], expected [B, ${d}]`);
      return tf.squeeze(tf.exp(decodeLog(net, tf.expandDims(z, 0))), [0]) as tf.Tensor2D;
    },
    decoderKernel(rows) {
      g.live();
      if (kernelSupport(vm.options)) return null;
      const k = latentKernel(vm, 0, rows);
      return { rows, decode: (z) => k.decode(z).p, backward: (dx) => k.decodeBackward(dx) };
    },
    dispose() {
      if (g.close()) tf.dispose(Object.values(net.params));
    },
  };
}
