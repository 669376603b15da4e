/**
 * The network's Dense → ReLU → BatchNorm → dropout block as one differentiable op.
 *
 * Why: in tfjs each op costs ~10–30 µs of overhead, which dominates networks this small; the
 * unfused block is ~12 ops forward and ~30 backward (broadcasts and reductions over the batch
 * axis are slow paths on wasm). Fused, a block is 2 kernels forward (the grouped Dense + ReLU,
 * and a JS BatchNorm-dropout kernel) and 3 backward (a JS kernel for BatchNorm, dropout, ReLU
 * and the bias gradient, then the two grouped products for the input and the kernel). The JS
 * kernels work on the backend's memory directly (wasm heap views or the cpu backend's arrays),
 * so they are registered for both backends and give the same numbers on each.
 *
 * BatchNorm (per member m and unit u), training: with row weights a_b (Σ a_b = 1; 0 on padding
 * rows) μ = Σ a_b r_b, σ² = Σ a_b (r_b − μ)², s = (σ² + ε)^(-1/2), x̂ = (r − μ)s,
 * y = (γx̂ + β)·mask. Backward, with g = dy·mask and dx̂ = gγ:
 * dβ = Σ g, dγ = Σ g x̂, dr_b = s (dx̂_b − a_b Σ_c dx̂_c − a_b x̂_b Σ_c dx̂_c x̂_c).
 * Inference: moving statistics instead of μ, σ² (no dependence through the statistics).
 * ReLU: dpre = dr·[r > 0]; the Dense bias gradient is Σ_b dpre.
 */
import { VibannError } from '../util/errors.ts';
import { type BnWasm, bnWasmFor } from './bn-wasm.ts';
import { EMPTY, makeHeapOutput, type OutSpec, registerJsKernel, runJsKernel } from './jsKernels.ts';
import { groupedMatMulRaw, sumToGroups } from './kernels.ts';
import { extendSeed, keepThreshold16, rowSeed } from './noise.ts';
import * as tf from './tf.ts';

type F32 = Float32Array;

/**
 * The weight of each counted row of one member's batch: 1/n in float64 for the n rows whose
 * rw[ab + b] is nonzero (all B rows without rw). The trainer's rw is 1/count in float32 with 0 for
 * padding rows; taking it as a mask with the float64 1/n gives a padded batch the statistics of the
 * same rows unpadded bit for bit, so a member trains the same in any stack (train/parallel.ts).
 */
function rowWeight(rw: F32 | null, ab: number, B: number): number {
  if (!rw) return 1 / B;
  let n = 0;
  for (let b = 0; b < B; b++) if (rw[ab + b] !== 0) n++;
  return n > 0 ? 1 / n : 0;
}

/**
 * Batch mean and population variance of one member's r (rows at rb, B × w) over the rows with a
 * nonzero rw[ab + b] (all rows without rw), equally weighted (`rowWeight`), into mean and variance.
 */
function batchMoments(
  r: F32,
  rb: number,
  B: number,
  w: number,
  rw: F32 | null,
  ab: number,
  mean: Float64Array,
  variance: Float64Array,
): void {
  mean.fill(0);
  variance.fill(0);
  const wt = rowWeight(rw, ab, B);
  for (let b = 0; b < B; b++) {
    const a = rw && rw[ab + b] === 0 ? 0 : wt;
    if (a === 0) continue;
    const o = rb + b * w;
    for (let u = 0; u < w; u++) mean[u] += a * r[o + u];
  }
  for (let b = 0; b < B; b++) {
    const a = rw && rw[ab + b] === 0 ? 0 : wt;
    if (a === 0) continue;
    const o = rb + b * w;
    for (let u = 0; u < w; u++) {
      const c = r[o + u] - mean[u];
      variance[u] += a * c * c;
    }
  }
}

let scratchBuf = new Float64Array(0);
/** A reusable Float64 scratch buffer of at least n entries (large typed-array allocations are slow in V8). */
function scratch(n: number): Float64Array {
  if (scratchBuf.length < n) scratchBuf = new Float64Array(Math.max(n, 2 * scratchBuf.length));
  return scratchBuf;
}

/**
 * BatchNorm folded into a scale and a shift for units u < w: scale = γ/√(σ² + ε),
 * shift = β − μ·scale (float64), from γ, β at gOff, bOff and the statistics μ, σ² at mOff, vOff
 * (batch statistics in float64, or moving statistics in float32), into scale, shift at sOff, hOff.
 */
function foldBn(
  g: F32,
  gOff: number,
  b: F32,
  bOff: number,
  mean: F32 | Float64Array,
  mOff: number,
  variance: F32 | Float64Array,
  vOff: number,
  eps: number,
  w: number,
  scale: Float64Array,
  sOff: number,
  shift: Float64Array,
  hOff: number,
): void {
  for (let u = 0; u < w; u++) {
    const sc = g[gOff + u] / Math.sqrt(variance[vOff + u] + eps);
    scale[sOff + u] = sc;
    shift[hOff + u] = b[bOff + u] - mean[mOff + u] * sc;
  }
}

/** The tfjs wasm backend's module, as far as the SIMD batch norm needs it. */
interface WasmModuleLike {
  HEAPU8: Uint8Array;
  asm: { memory: { readonly buffer: ArrayBuffer } };
  _malloc(bytes: number): number;
  _free(ptr: number): void;
}

/** A persistent scratch block in the tfjs heap for the SIMD batch norm, per module. */
const heapScratch = new WeakMap<object, { ptr: number; bytes: number }>();

/**
 * The SIMD batch norm (bn-wasm.ts) for these inputs, with `bytes` of scratch in the tfjs heap —
 * or null: not the wasm backend, inputs not on its heap, an odd width, or no SIMD. Allocating the
 * scratch may grow the heap, which detaches the input views: the caller works from the inputs'
 * byte offsets, taken before, and re-reads through `heap()`.
 */
/**
 * The SIMD batch norm bound to the tfjs wasm heap, when it applies to these inputs: the SIMD
 * engine selected, the wasm backend, every input a view of its heap, an even width, SIMD compiled.
 */
function heapBn(ins: (F32 | null)[], w: number): { mod: WasmModuleLike; bn: BnWasm } | null {
  if (bnEngine !== 'simd' || w % 2 !== 0) return null;
  const mod = (tf.backend() as { wasm?: WasmModuleLike }).wasm;
  if (!mod?.asm?.memory || typeof mod._malloc !== 'function') return null;
  const buf = mod.HEAPU8.buffer;
  if (!ins.every((v) => v === null || v.buffer === buf)) return null;
  const bn = bnWasmFor(mod.asm.memory);
  return bn ? { mod, bn } : null;
}

function simdBn(
  ins: (F32 | null)[],
  w: number,
  bytes: number,
): { bn: BnWasm; ptr: number; heap: () => ArrayBufferLike } | null {
  const h = heapBn(ins, w);
  if (!h) return null;
  const { mod, bn } = h;
  let sc = heapScratch.get(mod);
  if (!sc || sc.bytes < bytes) {
    if (sc) mod._free(sc.ptr);
    const size = Math.max(bytes, 2 * (sc?.bytes ?? 0), 1 << 16);
    sc = { ptr: mod._malloc(size), bytes: size };
    if (sc.ptr === 0) return null;
    heapScratch.set(mod, sc);
  }
  return { bn, ptr: (sc.ptr + 15) & ~15, heap: () => mod.HEAPU8.buffer };
}

/** Byte offset of a heap view (0 for none). */
const offsetOf = (v: F32 | null): number => (v ? v.byteOffset : 0);

/** Per-row weights of the batch statistics (as batchMoments: 0 where rw is 0, else wt). */
function rowWeights(
  rw: F32 | null,
  ab: number,
  B: number,
  wt: number,
  out: Float64Array,
  o: number,
) {
  for (let b = 0; b < B; b++) out[o + b] = rw && rw[ab + b] === 0 ? 0 : wt;
}

/** bnForward's non-hashed path on the SIMD loops; null where they do not apply. */
function bnForwardSimd(
  ins: (F32 | null)[],
  M: number,
  B: number,
  w: number,
  Mr: number,
  Mk: number,
  training: boolean,
  eps: number,
): OutSpec[] | null {
  const rw = ins[3];
  const o = ins.map(offsetOf); // r, gamma, beta, rw, mm, mv, mask
  // scratch (bytes): a[B] f64, mean, var, scale, shift [w] f64, y [M·B·w] f32
  const A = 0;
  const MEAN = A + B * 8;
  const VAR = MEAN + w * 8;
  const SC = VAR + w * 8;
  const SH = SC + w * 8;
  const Y = SH + w * 8;
  const s = simdBn(ins, w, Y + M * B * w * 4 + 16);
  if (!s) return null;
  const p = s.ptr;
  const buf = s.heap();
  const f32 = new Float32Array(buf);
  const f64 = new Float64Array(buf);
  const rwv = rw ? new Float32Array(buf, o[3], rw.length) : null;
  const meanOut = training ? new Float32Array(M * w) : null;
  const varOut = training ? new Float32Array(M * w) : null;
  const d = (off: number) => (p + off) / 8;
  for (let m = 0; m < M; m++) {
    const rb = m * B * w;
    const pb = m * w;
    if (training) {
      const ab = (Mr === 1 ? 0 : m) * B;
      rowWeights(rwv, ab, B, rowWeight(rwv, ab, B), f64, d(A));
      f64.fill(0, d(MEAN), d(SC));
      s.bn.moments(o[0] + rb * 4, B, w, p + A, p + MEAN, p + VAR);
      for (let u = 0; u < w; u++) {
        (meanOut as F32)[pb + u] = f64[d(MEAN) + u];
        (varOut as F32)[pb + u] = f64[d(VAR) + u];
      }
      const [g, b] = [o[1] / 4 + pb, o[2] / 4 + pb];
      foldBn(f32, g, f32, b, f64, d(MEAN), f64, d(VAR), eps, w, f64, d(SC), f64, d(SH));
    } else {
      const [g, b, mm, mv] = [o[1], o[2], o[4], o[5]].map((x) => x / 4 + pb);
      foldBn(f32, g, f32, b, f32, mm, f32, mv, eps, w, f64, d(SC), f64, d(SH));
    }
    const kb = (Mk === 1 ? 0 : m) * B * w;
    s.bn.apply(o[0] + rb * 4, p + Y + rb * 4, B, w, p + SC, p + SH, o[6] ? o[6] + kb * 4 : 0);
  }
  const y = f32.slice((p + Y) / 4, (p + Y) / 4 + M * B * w);
  const outs: OutSpec[] = [{ shape: [M, B, w], values: y }];
  if (training)
    outs.push(
      { shape: [M, 1, w], values: meanOut as F32 },
      { shape: [M, 1, w], values: varOut as F32 },
    );
  return outs;
}

/** bnBackward on the SIMD loops; null where they do not apply. */
function bnBackwardSimd(
  ins: (F32 | null)[],
  M: number,
  B: number,
  w: number,
  Mr: number,
  Mk: number,
  training: boolean,
  eps: number,
): OutSpec[] | null {
  const o = ins.map(offsetOf); // dy, r, gamma, rw, mm, mv, mask
  const rw = ins[3];
  // scratch (bytes): a[B], a2[B], mu, s, s1, s2, dg, db, gs, bias [w], g [B·w] f64; dpre f32
  const A = 0;
  const A2 = A + B * 8;
  const MU = A2 + B * 8;
  const S = MU + w * 8;
  const S1 = S + w * 8;
  const S2 = S1 + w * 8;
  const DG = S2 + w * 8;
  const DB = DG + w * 8;
  const GS = DB + w * 8;
  const BIAS = GS + w * 8;
  const G = BIAS + w * 8;
  const DP = G + B * w * 8;
  const s = simdBn(ins, w, DP + M * B * w * 4 + 16);
  if (!s) return null;
  const p = s.ptr;
  const buf = s.heap();
  const f32 = new Float32Array(buf);
  const f64 = new Float64Array(buf);
  const rwv = rw ? new Float32Array(buf, o[3], rw.length) : null;
  const dgamma = new Float32Array(M * w);
  const dbeta = new Float32Array(M * w);
  const dbias = new Float32Array(M * w);
  const d = (off: number) => (p + off) / 8;
  const gam = o[2] / 4;
  for (let m = 0; m < M; m++) {
    const rb = m * B * w;
    const pb = m * w;
    const kb = (Mk === 1 ? 0 : m) * B * w;
    const ab = (Mr === 1 ? 0 : m) * B;
    if (training) {
      rowWeights(rwv, ab, B, rowWeight(rwv, ab, B), f64, d(A));
      f64.fill(0, d(MU), d(S1));
      s.bn.moments(o[1] + rb * 4, B, w, p + A, p + MU, p + S);
      for (let u = 0; u < w; u++) f64[d(S) + u] = 1 / Math.sqrt(f64[d(S) + u] + eps);
    } else {
      for (let u = 0; u < w; u++) {
        f64[d(MU) + u] = f32[o[4] / 4 + pb + u];
        f64[d(S) + u] = 1 / Math.sqrt(f32[o[5] / 4 + pb + u] + eps);
      }
    }
    f64.fill(0, d(DG), d(GS));
    s.bn.back1(
      o[0] + rb * 4,
      o[1] + rb * 4,
      o[6] ? o[6] + kb * 4 : 0,
      p + G,
      B,
      w,
      p + MU,
      p + S,
      p + DB,
      p + DG,
    );
    for (let u = 0; u < w; u++) {
      const dg = f64[d(DG) + u];
      const db = f64[d(DB) + u];
      const su = f64[d(S) + u];
      const gm = f32[gam + pb + u];
      dgamma[pb + u] = dg;
      dbeta[pb + u] = db;
      f64[d(GS) + u] = gm * su;
      f64[d(S1) + u] = db * gm; // Σ dx̂
      f64[d(S2) + u] = dg * gm * su; // Σ dx̂·x̂, times s
    }
    rowWeights(rwv, ab, B, training ? rowWeight(rwv, ab, B) : 0, f64, d(A2));
    f64.fill(0, d(BIAS), d(G));
    s.bn.back2(
      o[1] + rb * 4,
      p + G,
      p + DP + rb * 4,
      B,
      w,
      p + A2,
      p + GS,
      p + S,
      p + S1,
      p + S2,
      p + MU,
      p + BIAS,
    );
    for (let u = 0; u < w; u++) dbias[pb + u] = f64[d(BIAS) + u];
  }
  const dpre = f32.slice((p + DP) / 4, (p + DP) / 4 + M * B * w);
  return [
    { shape: [M, B, w], values: dpre },
    { shape: [M, w], values: dgamma },
    { shape: [M, w], values: dbeta },
    { shape: [M, w], values: dbias },
  ];
}

/**
 * The attributes of a hashed MC-dropout batch norm (both engines): per-member seeds, S passes,
 * tiling, R distinct rows (B tiled, else B/S), S·R output rows, the keep scale and the 16-bit keep
 * threshold, and the xorshift seed of row q of a pass (keyed by composition, else by row index).
 */
function hashedAttrs(attrs: Record<string, unknown>, B: number) {
  const S = attrs.passes as number;
  const tile = Boolean(attrs.tile);
  const rowStart = attrs.rowStart as number;
  const keys = (attrs.rowKeys as number[] | undefined) ?? null;
  const rate = attrs.rate as number;
  const R = tile ? B : B / S;
  return {
    seeds: attrs.hashSeeds as number[],
    S,
    tile,
    R,
    outRows: S * R,
    keep: 1 / (1 - rate),
    threshold: keepThreshold16(rate),
    rowSeedOf: (seed: number, q: number) => rowSeed(seed, keys ? keys[q] : rowStart + q) | 0,
  };
}

/**
 * bnForwardHashed on the SIMD loop (bn-wasm.ts `hashed`); null where it does not apply. The
 * output (S·R rows per member, up to ~170 MB for 5 networks × 100 passes × 673 rows) is written
 * straight into the output tensor; the small scratch block is allocated for the call and freed.
 */
function bnForwardHashedSimd(
  ins: F32[],
  M: number,
  B: number,
  w: number,
  eps: number,
  attrs: Record<string, unknown>,
): OutSpec[] | null {
  const h = heapBn(ins, w);
  if (!h) return null;
  const { mod, bn } = h;
  const { seeds, S, tile, R, outRows, keep, threshold, rowSeedOf } = hashedAttrs(attrs, B);
  const [rO, gO, bO, mmO, mvO] = ins.map(offsetOf);
  // block (bytes): keep f64, scale and shift [w] f64, row seeds [S·R] i32
  const KEEP = 0;
  const SC = 16;
  const SH = SC + w * 8;
  const SEEDS = SH + w * 8;
  const Y = SEEDS + Math.ceil((outRows * 4) / 16) * 16;
  const raw = mod._malloc(Y + 16);
  if (raw === 0) return null;
  // the output tensor itself, filled in place (no JS array of up to ~170 MB, no copy)
  const out = makeHeapOutput([M, outRows, w]);
  if (!out) {
    mod._free(raw);
    return null;
  }
  try {
    const p = (raw + 15) & ~15;
    const buf = mod.HEAPU8.buffer; // after the allocation
    const f32 = new Float32Array(buf);
    const f64 = new Float64Array(buf);
    const i32 = new Int32Array(buf);
    f64[(p + KEEP) / 8] = keep;
    for (let m = 0; m < M; m++) {
      const pb = m * w;
      const [g, b, mm, mv] = [gO, bO, mmO, mvO].map((x) => x / 4 + pb);
      foldBn(f32, g, f32, b, f32, mm, f32, mv, eps, w, f64, (p + SC) / 8, f64, (p + SH) / 8);
      for (let s = 0; s < S; s++) {
        const seed = extendSeed(seeds[m], s);
        for (let q = 0; q < R; q++) i32[(p + SEEDS) / 4 + s * R + q] = rowSeedOf(seed, q);
      }
      bn.hashed(
        rO + m * B * w * 4,
        out.byteOffset + m * outRows * w * 4,
        R,
        S,
        tile ? 1 : 0,
        w,
        p + SC,
        p + SH,
        p + SEEDS,
        threshold,
        p + KEEP,
      );
    }
    return [{ shape: [M, outRows, w], values: EMPTY, info: out.info }];
  } catch (e) {
    (tf.backend() as unknown as { disposeData(id: object): void }).disposeData(out.info.dataId);
    throw e;
  } finally {
    mod._free(raw);
  }
}

/** Use the SIMD loops where they apply (default) or always the JS loops (their reference). */
let bnEngine: 'simd' | 'js' = 'simd';
export function setBatchNormEngine(e: 'simd' | 'js'): void {
  bnEngine = e;
}

const BN_FWD = 'VibannBnDropout';
const BN_BWD = 'VibannBnDropoutGrad';

/**
 * Forward. Inputs r [M,B,w]; gamma, beta [M,w]; training: rw [Mr,1,B] (optional: the rows
 * with a nonzero entry are the batch, see `rowWeight`; default all B); inference: mm, mv [M,w];
 * mask [Mk,B,w] (optional). Outputs y [M,B,w], and in training mean, variance [M,1,w].
 */
function bnForward(
  ins: (F32 | null)[],
  shapes: (number[] | null)[],
  attrs: Record<string, unknown>,
): OutSpec[] {
  const [r, gamma, beta, rw, mm, mv, mask] = ins;
  const [M, B, w] = shapes[0] as number[];
  const training = Boolean(attrs.training);
  const eps = attrs.eps as number;
  if (attrs.hashSeeds)
    return bnForwardHashed(
      r as F32,
      gamma as F32,
      beta as F32,
      mm as F32,
      mv as F32,
      M,
      B,
      w,
      eps,
      attrs,
    );
  const Mr = shapes[3] ? (shapes[3] as number[])[0] : 1;
  const Mk = shapes[6] ? (shapes[6] as number[])[0] : 1;
  const fast = bnForwardSimd(ins, M, B, w, Mr, Mk, training, eps);
  if (fast) return fast;
  const y = new Float32Array(M * B * w);
  const meanOut = training ? new Float32Array(M * w) : null;
  const varOut = training ? new Float32Array(M * w) : null;
  const scale = new Float64Array(w);
  const shift = new Float64Array(w);
  const mean = new Float64Array(w);
  const acc = new Float64Array(w);
  for (let m = 0; m < M; m++) {
    const rb = m * B * w;
    const pb = m * w;
    if (training) {
      batchMoments(r as F32, rb, B, w, rw, (Mr === 1 ? 0 : m) * B, mean, acc);
      for (let u = 0; u < w; u++) {
        (meanOut as F32)[pb + u] = mean[u];
        (varOut as F32)[pb + u] = acc[u];
      }
      foldBn(gamma as F32, pb, beta as F32, pb, mean, 0, acc, 0, eps, w, scale, 0, shift, 0);
    } else {
      foldBn(
        gamma as F32,
        pb,
        beta as F32,
        pb,
        mm as F32,
        pb,
        mv as F32,
        pb,
        eps,
        w,
        scale,
        0,
        shift,
        0,
      );
    }
    const kb = (Mk === 1 ? 0 : m) * B * w;
    for (let b = 0; b < B; b++) {
      const o = rb + b * w;
      const ko = kb + b * w;
      if (mask)
        for (let u = 0; u < w; u++) y[o + u] = (r![o + u] * scale[u] + shift[u]) * mask[ko + u];
      else for (let u = 0; u < w; u++) y[o + u] = r![o + u] * scale[u] + shift[u];
    }
  }
  const outs: OutSpec[] = [{ shape: [M, B, w], values: y }];
  if (training)
    outs.push(
      { shape: [M, 1, w], values: meanOut as F32 },
      { shape: [M, 1, w], values: varOut as F32 },
    );
  return outs;
}

/**
 * Inference with MC-dropout masks generated inline (noise.ts hash, the same numbers as
 * `mcNoise`): member m, pass s, row r, unit u keeps when hash(extendSeed(hashSeeds[m], s),
 * (rowStart + r)·w + u) ≥ threshold — or, with `rowKeys`, row r's key instead of rowStart + r. Rows are pass-major (row s·R + r). With `tile` the input has
 * R rows (identical for every pass, i.e. the layer is before the first dropout) and the output
 * S·R rows; otherwise both have S·R rows.
 */
function bnForwardHashed(
  r: F32,
  gamma: F32,
  beta: F32,
  mm: F32,
  mv: F32,
  M: number,
  B: number,
  w: number,
  eps: number,
  attrs: Record<string, unknown>,
): OutSpec[] {
  const fast = bnForwardHashedSimd([r, gamma, beta, mm, mv], M, B, w, eps, attrs);
  if (fast) return fast;
  const { seeds, S, tile, R, outRows, keep, threshold, rowSeedOf } = hashedAttrs(attrs, B);
  const y = new Float32Array(M * outRows * w);
  const scale = new Float64Array(w);
  const shift = new Float64Array(w);
  for (let m = 0; m < M; m++) {
    const pb = m * w;
    foldBn(gamma, pb, beta, pb, mm, pb, mv, pb, eps, w, scale, 0, shift, 0);
    for (let s = 0; s < S; s++) {
      const seed = extendSeed(seeds[m], s);
      for (let q = 0; q < R; q++) {
        const io = (m * B + (tile ? q : s * R + q)) * w;
        const oo = (m * outRows + s * R + q) * w;
        // keepRow inlined and branchless (random keep/drop outcomes defeat branch prediction)
        let x = rowSeedOf(seed, q);
        for (let u = 0; u < w; u += 2) {
          x ^= x << 13;
          x ^= x >>> 17;
          x ^= x << 5;
          const v = Math.imul(x, 0x9e3779b9);
          const k0 = 1 + (((v & 0xffff) - threshold) >> 31); // 1 when kept, else 0
          y[oo + u] = (r[io + u] * scale[u] + shift[u]) * (k0 * keep);
          if (u + 1 < w) {
            const k1 = 1 + ((((v >>> 16) & 0xffff) - threshold) >> 31);
            y[oo + u + 1] = (r[io + u + 1] * scale[u + 1] + shift[u + 1]) * (k1 * keep);
          }
        }
      }
    }
  }
  return [{ shape: [M, outRows, w], values: y }];
}

/**
 * Backward. Inputs dy, r [M,B,w]; gamma [M,w]; training: rw [Mr,1,B] (optional; the batch
 * statistics are recomputed from r, cheaper than keeping them alive until the backward pass);
 * inference: mm, mv [M,w]; mask (optional). Outputs dpre (through the ReLU) [M,B,w], dgamma,
 * dbeta, dbias [M,w].
 */
function bnBackward(
  ins: (F32 | null)[],
  shapes: (number[] | null)[],
  attrs: Record<string, unknown>,
): OutSpec[] {
  const [dy, r, gamma, rw, mm, mv, mask] = ins;
  const [M, B, w] = shapes[1] as number[];
  const training = Boolean(attrs.training);
  const eps = attrs.eps as number;
  const Mr = shapes[3] ? (shapes[3] as number[])[0] : 1;
  const Mk = shapes[6] ? (shapes[6] as number[])[0] : 1;
  const fast = bnBackwardSimd(ins, M, B, w, Mr, Mk, training, eps);
  if (fast) return fast;
  const dpre = new Float32Array(M * B * w);
  const dgamma = new Float32Array(M * w);
  const dbeta = new Float32Array(M * w);
  const dbias = new Float32Array(M * w);
  const mu = new Float64Array(w);
  const s = new Float64Array(w);
  const s1 = new Float64Array(w);
  const s2 = new Float64Array(w);
  const dg = new Float64Array(w);
  const db = new Float64Array(w);
  const gs = new Float64Array(w);
  const bias = new Float64Array(w);
  const gbuf = scratch(B * w);
  for (let m = 0; m < M; m++) {
    const rb = m * B * w;
    const pb = m * w;
    const kb = (Mk === 1 ? 0 : m) * B * w;
    const ab = (Mr === 1 ? 0 : m) * B;
    if (training) {
      batchMoments(r as F32, rb, B, w, rw, ab, mu, s);
      for (let u = 0; u < w; u++) s[u] = 1 / Math.sqrt(s[u] + eps);
    } else {
      for (let u = 0; u < w; u++) {
        mu[u] = mm![pb + u];
        s[u] = 1 / Math.sqrt(mv![pb + u] + eps);
      }
    }
    s1.fill(0);
    s2.fill(0);
    dg.fill(0);
    db.fill(0);
    // pass 1: g = dy·mask (kept in gbuf), dβ, dγ, and the sums of dx̂ and dx̂·x̂ (branch-free
    // loops: dropout and ReLU outcomes are random, which defeats branch prediction)
    for (let b = 0; b < B; b++) {
      const o = rb + b * w;
      const ko = kb + b * w;
      const go = b * w;
      if (mask) for (let u = 0; u < w; u++) gbuf[go + u] = dy![o + u] * mask[ko + u];
      else for (let u = 0; u < w; u++) gbuf[go + u] = dy![o + u];
      for (let u = 0; u < w; u++) {
        const g = gbuf[go + u];
        db[u] += g;
        dg[u] += g * (r![o + u] - mu[u]) * s[u];
      }
    }
    for (let u = 0; u < w; u++) {
      dgamma[pb + u] = dg[u];
      dbeta[pb + u] = db[u];
      gs[u] = gamma![pb + u] * s[u];
      s1[u] = db[u] * gamma![pb + u]; // Σ dx̂
      s2[u] = dg[u] * gamma![pb + u] * s[u]; // Σ dx̂·x̂, times s for the (r − μ) form below
    }
    // pass 2: dr = s(dx̂ − a Σdx̂ − a x̂ Σdx̂x̂), through the ReLU (r > 0), and the bias gradient
    bias.fill(0);
    const aw = training ? rowWeight(rw, ab, B) : 0;
    for (let b = 0; b < B; b++) {
      const o = rb + b * w;
      const go = b * w;
      const a = rw && rw[ab + b] === 0 ? 0 : aw;
      for (let u = 0; u < w; u++) {
        const rv = r![o + u];
        const on = rv > 0 ? 1 : 0;
        const d = (gbuf[go + u] * gs[u] - a * s[u] * (s1[u] + (rv - mu[u]) * s2[u])) * on;
        dpre[o + u] = d;
        bias[u] += d;
      }
    }
    for (let u = 0; u < w; u++) dbias[pb + u] = bias[u];
  }
  return [
    { shape: [M, B, w], values: dpre },
    { shape: [M, w], values: dgamma },
    { shape: [M, w], values: dbeta },
    { shape: [M, w], values: dbias },
  ];
}

let registered = false;
function ensureRegistered(): void {
  if (registered) return;
  registered = true;
  registerJsKernel(BN_FWD, ['r', 'gamma', 'beta', 'rw', 'mm', 'mv', 'mask'], bnForward);
  registerJsKernel(BN_BWD, ['dy', 'r', 'gamma', 'rw', 'mm', 'mv', 'mask'], bnBackward);
}

export interface BlockArgs {
  /** Training mode (batch statistics) or inference (moving statistics). */
  training: boolean;
  /** BatchNorm ε. */
  eps: number;
  /** Training: row weights [Mr, 1, B] of the batch statistics (default 1/B). */
  rowWeights?: tf.Tensor;
  /** Inference: moving mean and variance [M, w]. */
  movingMean?: tf.Tensor;
  movingVar?: tf.Tensor;
  /** Dropout keep mask [Mk, B, w] (values 0 or 1/(1−p)); none = no dropout. */
  mask?: tf.Tensor;
  /**
   * Inference only, instead of `mask`: MC-dropout masks generated inside the kernel (see
   * bnForwardHashed) — per-member seeds of this block, rate, passes S, first row index; with
   * `tile` the input rows are expanded to S passes. Not differentiable.
   */
  hash?: {
    seeds: number[];
    rate: number;
    passes: number;
    rowStart: number;
    tile: boolean;
    /** Per-row mask keys (e.g. compositionKey) used instead of rowStart + r. */
    rowKeys?: number[];
  };
}

export interface BlockOutput {
  y: tf.Tensor;
  /** Training: batch mean and population variance [M, 1, w] (owned by the caller: dispose them). */
  mean?: tf.Tensor;
  variance?: tf.Tensor;
}

/**
 * y = dropout(BN(ReLU(h·W + b))) for a stacked batch h [Mh, B, in] (Mh ∈ {1, M}), kernel W
 * [M, in, w], bias b [M, w], BatchNorm γ, β [M, w]. Differentiable w.r.t. h, W, b, γ, β.
 * In training the batch statistics are returned too (kept tensors: the caller disposes them).
 */
export function fusedBlock(
  h: tf.Tensor,
  W: tf.Tensor,
  b: tf.Tensor,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  args: BlockArgs,
): BlockOutput {
  ensureRegistered();
  if (args.hash) {
    if (args.training) throw new VibannError('hashed MC-dropout masks are for inference only');
    const hs = args.hash;
    return tf.tidy(() => {
      const r = groupedMatMulRaw(h, W, b, false, false, 'relu');
      const y = runJsKernel(
        BN_FWD,
        { r, gamma, beta, mm: args.movingMean, mv: args.movingVar },
        {
          training: false,
          eps: args.eps,
          hashSeeds: hs.seeds,
          passes: hs.passes,
          tile: hs.tile,
          rowStart: hs.rowStart,
          rowKeys: hs.rowKeys,
          rate: hs.rate,
        },
      )[0];
      return { y };
    });
  }
  const stats: { mean?: tf.Tensor; variance?: tf.Tensor } = {};
  const Mh = h.shape[0] as number;
  const f = tf.customGrad((...inputs: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [hh, ww, bb, gg, be] = inputs as tf.Tensor[];
    const save = inputs[5] as tf.GradSaveFunc;
    const r = groupedMatMulRaw(hh, ww, bb, false, false, 'relu');
    const outs = runJsKernel(
      BN_FWD,
      {
        r,
        gamma: gg,
        beta: be,
        rw: args.training ? args.rowWeights : undefined,
        mm: args.training ? undefined : args.movingMean,
        mv: args.training ? undefined : args.movingVar,
        mask: args.mask,
      },
      { training: args.training, eps: args.eps },
    );
    const y = outs[0];
    if (args.training) {
      // kept for the caller (BatchNorm moving averages); the gradient recomputes them from r
      stats.mean = tf.keep(outs[1]);
      stats.variance = tf.keep(outs[2]);
    }
    save([hh, ww, r, gg]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sh, sw, sr, sg] = saved;
        const [dpre, dgamma, dbeta, dbias] = runJsKernel(
          BN_BWD,
          {
            dy,
            r: sr,
            gamma: sg,
            rw: args.training ? args.rowWeights : undefined,
            mm: args.training ? undefined : args.movingMean,
            mv: args.training ? undefined : args.movingVar,
            mask: args.mask,
          },
          { training: args.training, eps: args.eps },
        );
        const dh = sumToGroups(groupedMatMulRaw(dpre, sw, null, false, true, 'linear'), Mh);
        const dW = groupedMatMulRaw(sh, dpre, null, true, false, 'linear');
        return [dh, dW, dbias, dgamma, dbeta];
      },
    };
  });
  const y = f(h, W, b, gamma, beta);
  return { y, mean: stats.mean, variance: stats.variance };
}
