/**
 * Hand-written kernels of the network in inference mode (BatchNorm frozen, z = μ), forward and
 * backward with respect to the inputs only, for the design's gradient refinement (SPEC §9.4) and
 * for anything else that differentiates the fixed, small network many times:
 *
 * - `latentKernel`: one member's decoder z → x̂ and hardness head z → ŷ (no dropout), with
 *   ∂/∂z of any weighted sum of their outputs;
 * - `mcKernel`: the whole ensemble in MC-dropout mode on compositions, x → ŷ samples for S passes
 *   with dropout masks fixed at creation (the masks of `mcNoise`, so the numbers are those of the
 *   tfjs path with those masks), and ∂/∂x.
 *
 * Why: the tfjs path costs ~10–30 µs per op and a refinement step is hundreds of ops, while its
 * arithmetic is a few million multiply-adds. Here the products run in a WebAssembly SIMD kernel
 * (kernel-wasm.ts) and the rest — BatchNorm, masks, ReLU, softmax, attention, the descriptor
 * layer, Meyer's law — in plain loops; a layer before the first dropout of each input path is
 * evaluated once per row and then tiled over the passes. The tfjs functions of model.ts stay the
 * reference: test/nn/kernel-latent.test.ts compares values and gradients with them.
 *
 * Numbers: products in float32 (as tfjs), elementwise parts in float64, so results agree with the
 * tfjs path to float32 rounding, not bit for bit. Unsupported here: the pairwise branch
 * (`kernelSupport` says why; callers fall back to tfjs).
 */
import { VibannError } from '../util/errors.ts';
import {
  DESC_CONST_COLS,
  DESC_PROPERTIES,
  DESC_SOURCE,
  LOG_FLOOR,
  N_DESCRIPTORS,
  R_GAS,
  SQRT_FLOOR,
} from './descriptors.ts';
import { type GemmFn, gemmInstance, roundUp } from './kernel-wasm.ts';
import { ISE_OFFSET } from './model.ts';
import { deriveSeed, fillKeepMask } from './noise.ts';
import type { VibannOptions } from './options.ts';
import { allBlocks, architecture, type BlockSpec, type VibannModel } from './params.ts';

/** Why the kernels cannot evaluate networks with these options, or null when they can. */
export function kernelSupport(o: VibannOptions): string | null {
  if (o.pairwiseBranch) return 'the pairwise branch is not implemented in the JS kernels';
  return null;
}

// --- memory ------------------------------------------------------------------------------------

/** Float offsets into one wasm memory, planned first, then backed by an instance. */
class Arena {
  private size = 4; // offset 0 means "no bias" to the product
  f = new Float32Array(0);
  gemm: GemmFn = () => {
    throw new VibannError('kernel arena used before finish()');
  };
  vexp: (p: number, n: number) => void = () => {
    throw new VibannError('kernel arena used before finish()');
  };
  alloc(n: number): number {
    const off = this.size;
    this.size += roundUp(Math.max(n, 1), 4);
    return off;
  }
  finish(): void {
    const { memory, gemm, vexp } = gemmInstance(this.size * 4);
    this.f = new Float32Array(memory.buffer, 0, this.size);
    this.gemm = gemm;
    this.vexp = vexp;
  }
}

/** A Dense layer in the arena: W [ni, nop], Wᵀ [no, nip], bias [nop] (zero-padded). */
interface Dense {
  ni: number;
  no: number;
  nip: number;
  nop: number;
  W: number;
  Wt: number;
  b: number;
}

function planDense(a: Arena, ni: number, no: number): Dense {
  const nip = roundUp(ni, 8);
  const nop = roundUp(no, 8);
  return { ni, no, nip, nop, W: a.alloc(ni * nop), Wt: a.alloc(no * nip), b: a.alloc(nop) };
}

/** Fill a Dense from member k's kernel [ni, no] and bias [no] (columns c0 … of a wider layer). */
function fillDense(
  a: Arena,
  d: Dense,
  kernel: Float32Array,
  bias: Float32Array,
  k: number,
  col0 = 0,
  cols = d.no,
): void {
  const f = a.f;
  const kOff = k * d.ni * cols;
  for (let i = 0; i < d.ni; i++) {
    for (let o = 0; o < cols; o++) {
      const v = kernel[kOff + i * cols + o];
      f[d.W + i * d.nop + col0 + o] = v;
      f[d.Wt + (col0 + o) * d.nip + i] = v;
    }
  }
  for (let o = 0; o < cols; o++) f[d.b + col0 + o] = bias[k * cols + o];
}

function value(vm: VibannModel, name: string): Float32Array {
  const v = vm.values.get(name);
  if (!v) throw new VibannError(`network parameter '${name}' is missing`);
  return v;
}

// --- Dense → ReLU → BatchNorm (frozen) → dropout blocks -----------------------------------------

interface Block {
  spec: BlockSpec;
  d: Dense;
  /** BatchNorm folded: y = relu(r)·scale + shift. */
  scale: Float64Array;
  shift: Float64Array;
  /** Rows the product runs on, and rows of the output (passes·rows when the block tiles). */
  rowsIn: number;
  rowsOut: number;
  tile: boolean;
  /**
   * BatchNorm folded into the consumer's weights (no dropout, one pass): the block's output is
   * relu(r) at b.r, and the consumer's backward product writes ∂/∂r gated by r > 0 into b.dr.
   */
  folded: boolean;
  /** Keep masks [rowsOut, nop] (null: no dropout). */
  mask: Float32Array | null;
  r: number;
  y: number;
  dy: number;
  dr: number;
}

function planBlock(
  a: Arena,
  spec: BlockSpec,
  rowsIn: number,
  rowsOut: number,
  tile: boolean,
  masked: boolean,
  folded = false,
): Block {
  const d = planDense(a, spec.inDim, spec.width);
  return {
    spec,
    d,
    scale: new Float64Array(d.nop),
    shift: new Float64Array(d.nop),
    rowsIn,
    rowsOut,
    tile,
    folded,
    mask: masked ? new Float32Array(rowsOut * d.nop) : null,
    r: a.alloc(rowsIn * d.nop),
    y: a.alloc(rowsOut * d.nop),
    dy: a.alloc(rowsOut * d.nop),
    dr: a.alloc(rowsIn * d.nop),
  };
}

function fillBlock(a: Arena, b: Block, vm: VibannModel, k: number): void {
  const n = b.spec.name;
  const w = b.spec.width;
  fillDense(a, b.d, value(vm, `${n}/kernel`), value(vm, `${n}/bias`), k);
  const gamma = value(vm, `${n}/gamma`);
  const beta = value(vm, `${n}/beta`);
  const mm = value(vm, `${n}/movingMean`);
  const mv = value(vm, `${n}/movingVar`);
  const eps = vm.options.bnEpsilon;
  for (let u = 0; u < w; u++) {
    const s = gamma[k * w + u] / Math.sqrt(mv[k * w + u] + eps);
    b.scale[u] = s;
    b.shift[u] = beta[k * w + u] - mm[k * w + u] * s;
  }
}

/**
 * Fold a block's BatchNorm (y = relu(r)·s + t) into the Dense that consumes y: W ← diag(s)·W,
 * bias ← bias + tᵀ·W (the consumer then reads relu(r)).
 */
function foldInto(a: Arena, b: Block, c: Dense): void {
  const f = a.f;
  const w = b.spec.width;
  for (let o = 0; o < c.no; o++) {
    let acc = f[c.b + o];
    for (let i = 0; i < w; i++) acc += b.shift[i] * f[c.W + i * c.nop + o];
    f[c.b + o] = acc;
  }
  for (let i = 0; i < w; i++) {
    for (let o = 0; o < c.no; o++) {
      f[c.W + i * c.nop + o] *= b.scale[i];
      f[c.Wt + o * c.nip + i] *= b.scale[i];
    }
  }
}

/** Fold every block of a chain into its consumer (the next block, or `last`). */
function foldChain(a: Arena, chain: Block[], last: Dense): void {
  chain.forEach((b, i) => {
    if (b.folded) foldInto(a, b, i + 1 < chain.length ? chain[i + 1].d : last);
  });
}

/** Where a consumer's backward product writes ∂/∂(block output): b.dr gated by r (folded) or b.dy. */
function gradTarget(b: Block): { at: number; gate: number } {
  return b.folded ? { at: b.dr, gate: b.r } : { at: b.dy, gate: 0 };
}

/**
 * Forward of a block from input rows at `x` (row stride xs). Returns where its output is
 * (rowsOut × nop): b.y, or b.r when folded.
 */
function blockForward(a: Arena, b: Block, x: number, xs: number): number {
  const { d, scale, shift, mask, rowsIn, rowsOut } = b;
  const f = a.f;
  const nop = d.nop;
  const w = d.no;
  a.gemm(x * 4, xs, d.W * 4, d.b * 4, b.r * 4, rowsIn, d.ni, nop, 1, 0);
  if (b.folded) return b.r;
  const reps = rowsOut / rowsIn;
  for (let s = 0; s < reps; s++) {
    for (let i = 0; i < rowsIn; i++) {
      const ro = b.r + i * nop;
      const q = (s * rowsIn + i) * nop;
      const yo = b.y + q;
      if (mask) {
        for (let u = 0; u < w; u++) f[yo + u] = (f[ro + u] * scale[u] + shift[u]) * mask[q + u];
      } else {
        for (let u = 0; u < w; u++) f[yo + u] = f[ro + u] * scale[u] + shift[u];
      }
    }
  }
  return b.y;
}

/**
 * Backward of a block from ∂/∂y at b.dy (or, folded, from ∂/∂r already at b.dr); writes ∂/∂x
 * (rowsIn × nip) to `dx` (gated as `gradTarget` says) unless dx.at < 0. A tiling block sums the
 * passes' gradients over its rows first.
 */
function blockBackward(a: Arena, b: Block, dx: { at: number; gate: number }): void {
  const { d, scale, mask, rowsIn, rowsOut } = b;
  const f = a.f;
  const nop = d.nop;
  const w = d.no;
  const reps = rowsOut / rowsIn;
  for (let i = 0; i < rowsIn && !b.folded; i++) {
    const ro = b.r + i * nop;
    const go = b.dr + i * nop;
    const yo = b.dy + i * nop;
    if (reps === 1 && !mask) {
      for (let u = 0; u < w; u++) f[go + u] = f[ro + u] > 0 ? f[yo + u] * scale[u] : 0;
    } else if (reps === 1 && mask) {
      const mo = i * nop;
      for (let u = 0; u < w; u++)
        f[go + u] = f[ro + u] > 0 ? f[yo + u] * mask[mo + u] * scale[u] : 0;
    } else {
      for (let u = 0; u < w; u++) f[go + u] = 0;
      for (let s = 0; s < reps; s++) {
        const q = (s * rowsIn + i) * nop;
        const qo = b.dy + q;
        if (mask) for (let u = 0; u < w; u++) f[go + u] += f[qo + u] * mask[q + u];
        else for (let u = 0; u < w; u++) f[go + u] += f[qo + u];
      }
      for (let u = 0; u < w; u++) f[go + u] = f[ro + u] > 0 ? f[go + u] * scale[u] : 0;
    }
  }
  if (dx.at >= 0)
    a.gemm(b.dr * 4, nop, d.Wt * 4, 0, dx.at * 4, rowsIn, d.no, d.nip, 0, dx.gate * 4);
}

/** Forward through a chain; returns the offset of the last block's output (its stride is its nop). */
function chainForward(a: Arena, chain: Block[], x: number, xs: number): number {
  let at = x;
  let stride = xs;
  for (const b of chain) {
    at = blockForward(a, b, at, stride);
    stride = b.d.nop;
  }
  return at;
}

/** Backward through a chain from ∂/∂(output) at the last block's dy; ∂/∂input to dx (or none). */
function chainBackward(a: Arena, chain: Block[], dx: number): void {
  for (let i = chain.length - 1; i >= 0; i--)
    blockBackward(a, chain[i], i > 0 ? gradTarget(chain[i - 1]) : { at: dx, gate: 0 });
}

/** Copy rows × cols from (src, srcStride, col srcCol) to (dst, dstStride, col dstCol). */
function copyCols(
  f: Float32Array,
  rows: number,
  cols: number,
  src: number,
  srcStride: number,
  dst: number,
  dstStride: number,
): void {
  for (let r = 0; r < rows; r++) {
    const so = src + r * srcStride;
    const d0 = dst + r * dstStride;
    for (let c = 0; c < cols; c++) f[d0 + c] = f[so + c];
  }
}

// --- Meyer's law and softplus -------------------------------------------------------------------

const softplus = (v: number): number =>
  v > 0 ? v + Math.log1p(Math.exp(-v)) : Math.log1p(Math.exp(v));
const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));

// --- one member's network -------------------------------------------------------------------------

interface MemberPlan {
  att: Dense | null;
  /** Attention: logits/softmax [rows, nop(H·E)], the attended input [rows, nop], and gradients. */
  attP: number;
  attH: number;
  attDl: number;
  attDh: number;
  attDx: number;
  comp: Block[];
  desc: Block[];
  load: Block[];
  /** Descriptor inputs [rows, nip], and their gradient. */
  descIn: number;
  descDin: number;
  descProps: Float64Array | null;
  descHmix: Float64Array | null;
  descShift: Float64Array | null;
  descScale: Float64Array | null;
  /** Bottleneck input (concatenation) [passRows, nip] and its gradient. */
  cat: number;
  dcat: number;
  mu: Dense | null;
  /** z (μ) [passRows, nop(d)] and its gradient (or the head input with the load after the bottleneck). */
  z: number;
  dz: number;
  hin: number;
  dhin: number;
  hinWidth: number;
  head: Block[];
  out: Dense;
  o: number;
  dout: number;
  dec: Block[];
  recon: Dense | null;
  logits: number;
  dlogits: number;
}

interface PlanShape {
  /** Rows per pass (padded to 4) and passes. */
  rows: number;
  passes: number;
  /** Compute the encoder (MC kernel) / the decoder (latent kernel). */
  encoder: boolean;
  decoder: boolean;
  masked: boolean;
  /** Fold BatchNorm into the consumers of the decoder's and the head's blocks (no dropout). */
  fold: boolean;
}

function planMember(a: Arena, o: VibannOptions, sh: PlanShape): MemberPlan {
  const ar = architecture(o);
  const R = sh.rows;
  const PR = sh.rows * sh.passes;
  const E = o.nElements;
  const enc = sh.encoder;
  const chain = (specs: BlockSpec[], inputPath: boolean, fold = false) =>
    specs.map((s, i) => {
      const tile = inputPath && i === 0 && sh.passes > 1;
      return planBlock(a, s, inputPath && i === 0 ? R : PR, PR, tile, sh.masked, fold && sh.fold);
    });
  const none = -1;
  const att = enc && ar.attention ? planDense(a, E, ar.attention.heads * E) : null;
  const comp = enc ? chain(ar.comp, true) : [];
  const desc = enc ? chain(ar.desc, true) : [];
  // the load path: into the bottleneck (encoder) or into the head (after the bottleneck)
  const loadAfter = !ar.meyer && o.loadJoin === 'after-bottleneck';
  const load = (enc && !ar.meyer) || loadAfter ? chain(ar.load, true) : [];
  const catW = ar.bottleneckIn;
  const mu = enc ? planDense(a, catW, o.latentDim) : null;
  const d = o.latentDim;
  const hinWidth = ar.head.length ? ar.head[0].inDim : ar.outIn;
  const head = chain(ar.head, false, true);
  const out = planDense(a, ar.outIn, ar.meyer ? 2 : 1);
  const dec = sh.decoder ? chain(ar.dec, false, true) : [];
  const recon = sh.decoder ? planDense(a, ar.reconIn, E) : null;
  const descP = ar.desc.length > 0 && enc;
  return {
    att,
    attP: att ? a.alloc(R * att.nop) : none,
    attH: att ? a.alloc(R * att.nop) : none,
    attDl: att ? a.alloc(R * att.nop) : none,
    attDh: att ? a.alloc(R * att.nop) : none,
    attDx: att ? a.alloc(R * roundUp(E, 8)) : none,
    comp,
    desc,
    load,
    descIn: descP ? a.alloc(R * roundUp(N_DESCRIPTORS, 8)) : none,
    descDin: descP ? a.alloc(R * roundUp(N_DESCRIPTORS, 8)) : none,
    descProps: null,
    descHmix: null,
    descShift: null,
    descScale: null,
    cat: enc ? a.alloc(PR * roundUp(catW, 8)) : none,
    dcat: enc ? a.alloc(PR * roundUp(catW, 8)) : none,
    mu,
    z: a.alloc(PR * roundUp(d, 8)),
    dz: a.alloc(PR * roundUp(d, 8)),
    hin: loadAfter ? a.alloc(PR * roundUp(hinWidth, 8)) : none,
    dhin: loadAfter ? a.alloc(PR * roundUp(hinWidth, 8)) : none,
    hinWidth,
    head,
    out,
    o: a.alloc(PR * out.nop),
    dout: a.alloc(PR * out.nop),
    dec,
    recon,
    logits: recon ? a.alloc(R * recon.nop) : none,
    dlogits: recon ? a.alloc(R * recon.nop) : none,
  };
}

function fillMember(a: Arena, p: MemberPlan, vm: VibannModel, k: number): void {
  const o = vm.options;
  const E = o.nElements;
  if (p.att) fillDense(a, p.att, value(vm, 'att/kernel'), value(vm, 'att/bias'), k);
  for (const b of [...p.comp, ...p.desc, ...p.load, ...p.head, ...p.dec]) fillBlock(a, b, vm, k);
  if (p.mu) fillDense(a, p.mu, value(vm, 'mu/kernel'), value(vm, 'mu/bias'), k);
  const meyer = o.loadHead === 'meyer';
  fillDense(a, p.out, value(vm, 'out/kernel'), value(vm, 'out/bias'), k, 0, 1);
  if (meyer) fillDense(a, p.out, value(vm, 'ise/kernel'), value(vm, 'ise/bias'), k, 1, 1);
  if (p.recon) fillDense(a, p.recon, value(vm, 'recon/kernel'), value(vm, 'recon/bias'), k);
  foldChain(a, p.head, p.out);
  if (p.recon) foldChain(a, p.dec, p.recon);
  if (p.desc.length) {
    const C = DESC_CONST_COLS;
    p.descProps = Float64Array.from(value(vm, 'desc/props').subarray(k * E * C, (k + 1) * E * C));
    p.descHmix = Float64Array.from(value(vm, 'desc/hmix').subarray(k * E * E, (k + 1) * E * E));
    const N = N_DESCRIPTORS;
    p.descShift = Float64Array.from(value(vm, 'desc/shift').subarray(k * N, (k + 1) * N));
    p.descScale = Float64Array.from(value(vm, 'desc/scale').subarray(k * N, (k + 1) * N));
  }
}

/** Dropout keep masks of member k as `mcNoise` draws them: pass s, row b of stream (seed, block, s). */
function fillMasks(
  p: MemberPlan,
  o: VibannOptions,
  seed: number,
  passes: number,
  rows: number,
  R: number,
  keys: ArrayLike<number> | undefined,
): void {
  const streams = new Map(allBlocks(architecture(o)).map((b, i) => [b.name, i]));
  const tmp = new Float32Array(1024);
  for (const b of [...p.comp, ...p.desc, ...p.load, ...p.head]) {
    const mask = b.mask;
    if (!mask) continue;
    mask.fill(0);
    const w = b.spec.width;
    const nop = b.d.nop;
    const buf = w <= tmp.length ? tmp : new Float32Array(w);
    for (let s = 0; s < passes; s++) {
      const sd = deriveSeed(seed, streams.get(b.spec.name) as number, s);
      for (let r = 0; r < rows; r++) {
        fillKeepMask(buf, 0, sd, keys ? keys[r] : r, 1, w, o.dropout);
        mask.set(buf.subarray(0, w), (s * R + r) * nop);
      }
    }
  }
}

// --- attention ----------------------------------------------------------------------------------

/** h = softmax_head(x·W + b) ⊙ x for rows at x (stride xs). */
function attentionForward(
  a: Arena,
  p: MemberPlan,
  H: number,
  E: number,
  x: number,
  xs: number,
  R: number,
): void {
  const att = p.att as Dense;
  const f = a.f;
  const nop = att.nop;
  a.gemm(x * 4, xs, att.W * 4, att.b * 4, p.attP * 4, R, E, nop, 0, 0);
  for (let r = 0; r < R; r++) {
    const po = p.attP + r * nop;
    const ho = p.attH + r * nop;
    const xo = x + r * xs;
    for (let h = 0; h < H; h++) {
      const o0 = po + h * E;
      let m = Number.NEGATIVE_INFINITY;
      for (let j = 0; j < E; j++) if (f[o0 + j] > m) m = f[o0 + j];
      let s = 0;
      for (let j = 0; j < E; j++) {
        const e = Math.exp(f[o0 + j] - m);
        f[o0 + j] = e;
        s += e;
      }
      for (let j = 0; j < E; j++) {
        const pj = f[o0 + j] / s;
        f[o0 + j] = pj;
        f[ho + h * E + j] = pj * f[xo + j];
      }
    }
  }
}

/** ∂/∂x of the attention from ∂/∂h at p.attDh, added to dx (rows × E, float64). */
function attentionBackward(
  a: Arena,
  p: MemberPlan,
  H: number,
  E: number,
  x: number,
  xs: number,
  R: number,
  dx: Float64Array,
): void {
  const att = p.att as Dense;
  const f = a.f;
  const nop = att.nop;
  for (let r = 0; r < R; r++) {
    const po = p.attP + r * nop;
    const go = p.attDh + r * nop;
    const lo = p.attDl + r * nop;
    const xo = x + r * xs;
    for (let h = 0; h < H; h++) {
      let dot = 0;
      for (let j = 0; j < E; j++) {
        const q = h * E + j;
        const g = f[go + q];
        dx[r * E + j] += g * f[po + q];
        dot += f[po + q] * g * f[xo + j];
      }
      for (let j = 0; j < E; j++) {
        const q = h * E + j;
        f[lo + q] = f[po + q] * (f[go + q] * f[xo + j] - dot);
      }
    }
  }
  const Ep = roundUp(E, 8);
  a.gemm(p.attDl * 4, nop, att.Wt * 4, 0, p.attDx * 4, R, att.no, Ep, 0, 0);
  for (let r = 0; r < R; r++) for (let j = 0; j < E; j++) dx[r * E + j] += f[p.attDx + r * Ep + j];
}

// --- the descriptor layer (nn/descriptors.ts), forward and backward in float64 --------------------

const K = DESC_PROPERTIES.length;

interface DescWork {
  q: Float64Array;
  xh: Float64Array;
  all: Float64Array;
  dall: Float64Array;
  dq: Float64Array;
}

function descWork(E: number): DescWork {
  return {
    q: new Float64Array(DESC_CONST_COLS),
    xh: new Float64Array(E),
    all: new Float64Array(19),
    dall: new Float64Array(19),
    dq: new Float64Array(DESC_CONST_COLS),
  };
}

/** Intermediate quantities of one row x (E fractions at f[xo …]): q = x·props, xh = x·hmix, the 19 columns. */
function descCore(p: MemberPlan, f: Float32Array, xo: number, E: number, w: DescWork): void {
  const props = p.descProps as Float64Array;
  const hmix = p.descHmix as Float64Array;
  const C = DESC_CONST_COLS;
  const { q, xh, all } = w;
  q.fill(0);
  xh.fill(0);
  let dS = 0;
  for (let i = 0; i < E; i++) {
    const xi = f[xo + i];
    if (xi === 0) continue;
    for (let c = 0; c < C; c++) q[c] += xi * props[i * C + c];
    for (let j = 0; j < E; j++) xh[j] += xi * hmix[i * E + j];
    dS += xi * Math.log(xi + LOG_FLOOR);
  }
  let dH = 0;
  for (let j = 0; j < E; j++) dH += f[xo + j] * xh[j];
  for (let k = 0; k < K; k++) {
    const has = Math.max(q[2 * K + k], 1e-6);
    const mean = q[k] / has;
    const variance = Math.max(q[K + k] / has - mean * mean, 0);
    all[k] = mean;
    all[K + k] = Math.sqrt(variance + SQRT_FLOOR);
  }
  all[16] = all[K] / all[0];
  all[17] = dH;
  all[18] = -R_GAS * dS;
}

function descForward(
  p: MemberPlan,
  f: Float32Array,
  x: number,
  xs: number,
  R: number,
  E: number,
  w: DescWork,
): void {
  const shift = p.descShift as Float64Array;
  const scale = p.descScale as Float64Array;
  const st = roundUp(N_DESCRIPTORS, 8);
  for (let r = 0; r < R; r++) {
    descCore(p, f, x + r * xs, E, w);
    for (let j = 0; j < N_DESCRIPTORS; j++)
      f[p.descIn + r * st + j] = (w.all[DESC_SOURCE[j]] - shift[j]) / scale[j];
  }
}

/** ∂/∂x of the descriptor layer from ∂/∂(standardised descriptors) at p.descDin, added to dx. */
function descBackward(
  p: MemberPlan,
  f: Float32Array,
  x: number,
  xs: number,
  R: number,
  E: number,
  w: DescWork,
  dx: Float64Array,
): void {
  const props = p.descProps as Float64Array;
  const hmix = p.descHmix as Float64Array;
  const scale = p.descScale as Float64Array;
  const C = DESC_CONST_COLS;
  const st = roundUp(N_DESCRIPTORS, 8);
  const { q, xh, all, dall, dq } = w;
  for (let r = 0; r < R; r++) {
    const xo = x + r * xs;
    descCore(p, f, xo, E, w);
    dall.fill(0);
    for (let j = 0; j < N_DESCRIPTORS; j++)
      dall[DESC_SOURCE[j]] += f[p.descDin + r * st + j] / scale[j];
    dq.fill(0);
    // δ = spread_0 / mean_0
    dall[K] += dall[16] / all[0];
    dall[0] -= (dall[16] * all[K]) / (all[0] * all[0]);
    for (let k = 0; k < K; k++) {
      const hq = q[2 * K + k];
      const has = Math.max(hq, 1e-6);
      const mean = all[k];
      const u = q[K + k] / has - mean * mean;
      const du = u > 0 ? dall[K + k] / (2 * all[K + k]) : 0;
      const dmean = dall[k] - 2 * mean * du;
      dq[K + k] += du / has;
      dq[k] += dmean / has;
      const dhas = -(du * q[K + k] + dmean * q[k]) / (has * has);
      if (hq >= 1e-6) dq[2 * K + k] += dhas;
    }
    const gH = dall[17];
    const gS = -R_GAS * dall[18];
    const dro = r * E;
    for (let i = 0; i < E; i++) {
      const xi = f[xo + i];
      let g = 0;
      for (let c = 0; c < C; c++) g += props[i * C + c] * dq[c];
      if (gH !== 0) {
        let s = xh[i];
        for (let j = 0; j < E; j++) s += hmix[i * E + j] * f[xo + j];
        g += gH * s;
      }
      g += gS * (Math.log(xi + LOG_FLOOR) + xi / (xi + LOG_FLOOR));
      dx[dro + i] += g;
    }
  }
}

// --- the hardness head --------------------------------------------------------------------------

/** ŷ from the head input at p.z (or p.hin) for `rows` rows; loads ℓ per row (Meyer). */
function headForward(
  a: Arena,
  p: MemberPlan,
  o: VibannOptions,
  rows: number,
  ell: (r: number) => number,
  y: Float64Array,
  y0: number,
): void {
  const f = a.f;
  const zin = p.hin >= 0 ? p.hin : p.z;
  const zs = roundUp(p.hinWidth, 8);
  const h = p.head.length ? chainForward(a, p.head, zin, zs) : zin;
  const hs = p.head.length ? p.head[p.head.length - 1].d.nop : zs;
  const out = p.out;
  a.gemm(h * 4, hs, out.W * 4, out.b * 4, p.o * 4, rows, out.ni, out.nop, 0, 0);
  const meyer = o.loadHead === 'meyer';
  const c = o.hvZero;
  for (let r = 0; r < rows; r++) {
    const av = f[p.o + r * out.nop];
    if (!meyer) {
      y[y0 + r] = av;
      continue;
    }
    const bv = f[p.o + r * out.nop + 1];
    y[y0 + r] = c + softplus(av - c) * Math.exp(-softplus(bv + ISE_OFFSET) * ell(r));
  }
}

/** ∂/∂(head input) from ∂/∂ŷ; leaves it at p.dz (or p.dhin). */
function headBackward(
  a: Arena,
  p: MemberPlan,
  o: VibannOptions,
  rows: number,
  ell: (r: number) => number,
  dy: ArrayLike<number>,
  dy0: number,
): void {
  const f = a.f;
  const out = p.out;
  const meyer = o.loadHead === 'meyer';
  const c = o.hvZero;
  for (let r = 0; r < rows; r++) {
    const g = dy[dy0 + r];
    const q = p.dout + r * out.nop;
    if (!meyer) {
      f[q] = g;
      continue;
    }
    const av = f[p.o + r * out.nop];
    const bv = f[p.o + r * out.nop + 1];
    const l = ell(r);
    const e = Math.exp(-softplus(bv + ISE_OFFSET) * l);
    f[q] = g * sigmoid(av - c) * e;
    f[q + 1] = -g * softplus(av - c) * e * l * sigmoid(bv + ISE_OFFSET);
  }
  const zin = p.hin >= 0 ? p.dhin : p.dz;
  const zs = roundUp(p.hinWidth, 8);
  if (p.head.length) {
    const last = p.head[p.head.length - 1];
    const t = gradTarget(last);
    a.gemm(p.dout * 4, out.nop, out.Wt * 4, 0, t.at * 4, rows, out.no, out.nip, 0, t.gate * 4);
    chainBackward(a, p.head, zin);
  } else {
    a.gemm(p.dout * 4, out.nop, out.Wt * 4, 0, zin * 4, rows, out.no, zs, 0, 0);
  }
}

/** Head input with the load after the bottleneck: [z | load features] at p.hin. */
function headInput(a: Arena, p: MemberPlan, o: VibannOptions, rows: number): void {
  if (p.hin < 0) return;
  const d = o.latentDim;
  const ds = roundUp(d, 8);
  const hs = roundUp(p.hinWidth, 8);
  copyCols(a.f, rows, d, p.z, ds, p.hin, hs);
  const last = p.load[p.load.length - 1];
  copyCols(a.f, rows, last.spec.width, last.y, last.d.nop, p.hin + d, hs);
}

/** ∂/∂z from ∂/∂(head input) with the load after the bottleneck. */
function headInputBackward(a: Arena, p: MemberPlan, o: VibannOptions, rows: number): void {
  if (p.hin < 0) return;
  const d = o.latentDim;
  copyCols(a.f, rows, d, p.dhin, roundUp(p.hinWidth, 8), p.dz, roundUp(d, 8));
}

/** Fill the load path's input (rows × 1) with ℓ per row, at `at` (stride 8), and run it. */
function loadForward(
  a: Arena,
  p: MemberPlan,
  at: number,
  rows: number,
  ell: (r: number) => number,
): void {
  if (!p.load.length) return;
  for (let r = 0; r < rows; r++) a.f[at + r * 8] = ell(r);
  chainForward(a, p.load, at, 8);
}

// --- the latent kernel ----------------------------------------------------------------------------

export interface LatentKernel {
  /** Rows (latents) per call. */
  readonly rows: number;
  readonly latentDim: number;
  readonly nElements: number;
  /**
   * Decoder: x̂ = softmax(logits) and log x̂ of latents z (rows × d), each rows × E (arrays owned
   * by the kernel, overwritten by the next call).
   */
  decode(z: ArrayLike<number>): { p: Float64Array; logp: Float64Array };
  /** ∂/∂z of Σ dp ⊙ x̂ at the latents of the last `decode` (rows × d; owned by the kernel). */
  decodeBackward(dp: ArrayLike<number>): Float64Array;
  /**
   * Hardness head ŷ (standardised) of latents z at standardised loads ℓ (one per row; used by the
   * Meyer head and by a load path after the bottleneck; may be null otherwise).
   */
  head(z: ArrayLike<number>, loads: ArrayLike<number> | null): Float64Array;
  /** ∂/∂z of Σ dy ⊙ ŷ at the latents of the last `head` (rows × d; owned by the kernel). */
  headBackward(dy: ArrayLike<number>): Float64Array;
}

/** The decoder and hardness head of member `member` of `vm`, for `rows` latents per call. */
export function latentKernel(vm: VibannModel, member: number, rows: number): LatentKernel {
  const o = vm.options;
  const why = kernelSupport(o);
  if (why) throw new VibannError(why);
  if (!(Number.isInteger(member) && member >= 0 && member < vm.nMembers))
    throw new VibannError(`latentKernel: no member ${member}`);
  if (!(Number.isInteger(rows) && rows >= 1)) throw new VibannError(`latentKernel: rows ${rows}`);
  const ar = architecture(o);
  const R = roundUp(rows, 4);
  const E = o.nElements;
  const d = o.latentDim;
  const ds = roundUp(d, 8);
  const a = new Arena();
  const p = planMember(a, o, {
    rows: R,
    passes: 1,
    encoder: false,
    decoder: true,
    masked: false,
    fold: true,
  });
  const zDec = a.alloc(R * ds);
  const soft = a.alloc(R * (p.recon as Dense).nop);
  const shift = new Float64Array(R);
  const dzDec = a.alloc(R * ds);
  const loadIn = p.load.length ? a.alloc(R * 8) : -1;
  a.finish();
  fillMember(a, p, vm, member);
  const f = a.f;
  const prob = new Float64Array(rows * E);
  const logp = new Float64Array(rows * E);
  const yPad = new Float64Array(R);
  const yOut = yPad.subarray(0, rows);
  const dyPad = new Float64Array(R);
  const dzOut = new Float64Array(rows * d);
  const dzHead = new Float64Array(rows * d);
  const ell = new Float64Array(R);
  const recon = p.recon as Dense;
  const setZ = (z: ArrayLike<number>, at: number) => {
    if (z.length !== rows * d)
      throw new VibannError(`latentKernel: ${z.length} latent values, expected ${rows} × ${d}`);
    for (let r = 0; r < rows; r++) for (let j = 0; j < d; j++) f[at + r * ds + j] = z[r * d + j];
  };
  const needLoad = ar.meyer || p.load.length > 0;
  return {
    rows,
    latentDim: d,
    nElements: E,
    decode(z) {
      setZ(z, zDec);
      const h = p.dec.length ? chainForward(a, p.dec, zDec, ds) : zDec;
      const hs = p.dec.length ? p.dec[p.dec.length - 1].d.nop : ds;
      a.gemm(h * 4, hs, recon.W * 4, recon.b * 4, p.logits * 4, R, recon.ni, recon.nop, 0, 0);
      // softmax: shifted logits l − max into `soft`, exp of all of them in one wasm call
      const rs = recon.nop;
      for (let r = 0; r < R; r++) {
        const lo = p.logits + r * rs;
        const so = soft + r * rs;
        if (r >= rows) {
          for (let j = 0; j < rs; j++) f[so + j] = -100;
          continue;
        }
        let m = Number.NEGATIVE_INFINITY;
        for (let j = 0; j < E; j++) if (f[lo + j] > m) m = f[lo + j];
        shift[r] = m;
        for (let j = 0; j < E; j++) f[so + j] = f[lo + j] - m;
        for (let j = E; j < rs; j++) f[so + j] = -100;
      }
      a.vexp(soft * 4, R * rs);
      for (let r = 0; r < rows; r++) {
        const lo = p.logits + r * rs;
        const so = soft + r * rs;
        const ro = r * E;
        let s = 0;
        for (let j = 0; j < E; j++) s += f[so + j];
        const ls = Math.log(s);
        const m = shift[r];
        for (let j = 0; j < E; j++) {
          prob[ro + j] = f[so + j] / s;
          logp[ro + j] = f[lo + j] - m - ls;
        }
      }
      return { p: prob, logp };
    },
    decodeBackward(dp) {
      if (dp.length !== rows * E)
        throw new VibannError(
          `latentKernel: ${dp.length} gradient values, expected ${rows} × ${E}`,
        );
      for (let r = 0; r < rows; r++) {
        let dot = 0;
        for (let j = 0; j < E; j++) dot += prob[r * E + j] * dp[r * E + j];
        const go = p.dlogits + r * recon.nop;
        for (let j = 0; j < E; j++) f[go + j] = prob[r * E + j] * (dp[r * E + j] - dot);
      }
      if (p.dec.length) {
        const last = p.dec[p.dec.length - 1];
        const t = gradTarget(last);
        a.gemm(p.dlogits * 4, recon.nop, recon.Wt * 4, 0, t.at * 4, R, E, recon.nip, 0, t.gate * 4);
        chainBackward(a, p.dec, dzDec);
      } else {
        a.gemm(p.dlogits * 4, recon.nop, recon.Wt * 4, 0, dzDec * 4, R, E, ds, 0, 0);
      }
      for (let r = 0; r < rows; r++)
        for (let j = 0; j < d; j++) dzOut[r * d + j] = f[dzDec + r * ds + j];
      return dzOut;
    },
    head(z, loads) {
      setZ(z, p.z);
      if (needLoad) {
        if (!loads || loads.length !== rows)
          throw new VibannError(`latentKernel: the head needs one load per row (${rows})`);
        for (let r = 0; r < rows; r++) ell[r] = loads[r];
      }
      loadForward(a, p, loadIn, R, (r) => ell[r]);
      headInput(a, p, o, R);
      headForward(a, p, o, R, (r) => ell[r], yPad, 0);
      return yOut;
    },
    headBackward(dy) {
      if (dy.length !== rows)
        throw new VibannError(`latentKernel: ${dy.length} gradients, expected ${rows}`);
      dyPad.set(dy);
      headBackward(a, p, o, R, (r) => ell[r], dyPad, 0);
      headInputBackward(a, p, o, R);
      for (let r = 0; r < rows; r++)
        for (let j = 0; j < d; j++) dzHead[r * d + j] = f[p.dz + r * ds + j];
      return dzHead;
    },
  };
}

// --- the MC kernel ----------------------------------------------------------------------------------

export interface McKernel {
  readonly members: number;
  readonly passes: number;
  readonly rows: number;
  /**
   * Standardised hardness samples ŷ of compositions x (rows × E fractions): [M·S·rows], entry
   * (k·S + s)·rows + b = member k, pass s, row b (the layout of the tfjs sampler). Owned by the
   * kernel, overwritten by the next call.
   */
  forward(x: ArrayLike<number>): Float64Array;
  /** ∂/∂x (rows × E) of Σ dy ⊙ ŷ at the compositions of the last `forward` (owned by the kernel). */
  backward(dy: ArrayLike<number>): Float64Array;
}

export interface McKernelOptions {
  /** Mask seed of each member (the `seeds` of `mcNoise`: one per member of `vm`). */
  seeds: readonly number[];
  /** Passes S per member. */
  passes: number;
  /** Rows per call. */
  rows: number;
  /** The standardised load ℓ of every row. */
  load: number;
  /** Mask keys per row (`mcNoise` keys, e.g. compositionKeys); default the row index. */
  keys?: ArrayLike<number>;
}

/**
 * Every member of `vm` in MC-dropout mode (BatchNorm frozen, z = μ) on `rows` compositions at one
 * load, `passes` passes each, with the dropout masks `mcNoise(options, seeds, passes, 0, rows, keys)`
 * would draw.
 */
export function mcKernel(vm: VibannModel, mo: McKernelOptions): McKernel {
  const o = vm.options;
  const why = kernelSupport(o);
  if (why) throw new VibannError(why);
  const M = vm.nMembers;
  const S = mo.passes;
  const rows = mo.rows;
  if (mo.seeds.length !== M)
    throw new VibannError(`mcKernel: ${mo.seeds.length} seeds for ${M} members`);
  if (!(Number.isInteger(S) && S >= 1)) throw new VibannError(`mcKernel: passes ${S}`);
  if (!(Number.isInteger(rows) && rows >= 1)) throw new VibannError(`mcKernel: rows ${rows}`);
  if (mo.keys && mo.keys.length !== rows) throw new VibannError('mcKernel: one key per row');
  const ar = architecture(o);
  const E = o.nElements;
  const H = ar.attention ? ar.attention.heads : 0;
  const R = roundUp(rows, 4);
  const PR = S * R;
  const Ep = roundUp(E, 8);
  const d = o.latentDim;
  const ds = roundUp(d, 8);
  const catW = ar.bottleneckIn;
  const cs = roundUp(catW, 8);
  const a = new Arena();
  const masked = o.dropout > 0;
  const plans = Array.from({ length: M }, () =>
    planMember(a, o, { rows: R, passes: S, encoder: true, decoder: false, masked, fold: false }),
  );
  const x = a.alloc(R * Ep);
  const loadIn = a.alloc(R * 8);
  const scratch = a.alloc(R * roundUp(Math.max(ar.comp[0]?.inDim ?? E, E), 8));
  a.finish();
  plans.forEach((p, k) => {
    fillMember(a, p, vm, k);
    fillMasks(p, o, mo.seeds[k], S, rows, R, mo.keys);
  });
  const f = a.f;
  const ell = mo.load;
  const y = new Float64Array(M * S * rows);
  const dyPad = new Float64Array(PR);
  const dx = new Float64Array(rows * E);
  const dxPad = new Float64Array(R * E);
  const work = descWork(E);
  const meyer = ar.meyer;
  const loadBefore = !meyer && o.loadJoin === 'before-bottleneck';
  return {
    members: M,
    passes: S,
    rows,
    forward(xs) {
      if (xs.length !== rows * E)
        throw new VibannError(`mcKernel: ${xs.length} composition values, expected ${rows} × ${E}`);
      // padded rows repeat row 0 (finite values; their results are never read)
      for (let r = 0; r < R; r++) {
        const src = (r < rows ? r : 0) * E;
        for (let j = 0; j < E; j++) f[x + r * Ep + j] = xs[src + j];
      }
      plans.forEach((p, k) => {
        // composition path (attention first), descriptor branch, load path → bottleneck input
        let cin = x;
        let cinS = Ep;
        if (p.att) {
          attentionForward(a, p, H, E, x, Ep, R);
          cin = p.attH;
          cinS = p.att.nop;
        }
        const cOut = chainForward(a, p.comp, cin, cinS);
        const cLast = p.comp[p.comp.length - 1];
        copyCols(f, PR, cLast.spec.width, cOut, cLast.d.nop, p.cat, cs);
        let col = cLast.spec.width;
        if (p.desc.length) {
          descForward(p, f, x, Ep, R, E, work);
          const dOut = chainForward(a, p.desc, p.descIn, roundUp(N_DESCRIPTORS, 8));
          const dLast = p.desc[p.desc.length - 1];
          copyCols(f, PR, dLast.spec.width, dOut, dLast.d.nop, p.cat + col, cs);
          col += dLast.spec.width;
        }
        loadForward(a, p, loadIn, R, () => ell);
        if (loadBefore) {
          const lLast = p.load[p.load.length - 1];
          copyCols(f, PR, lLast.spec.width, lLast.y, lLast.d.nop, p.cat + col, cs);
        }
        const mu = p.mu as Dense;
        a.gemm(p.cat * 4, cs, mu.W * 4, mu.b * 4, p.z * 4, PR, mu.ni, mu.nop, 0, 0);
        headInput(a, p, o, PR);
        headForward(a, p, o, PR, () => ell, dyPad, 0);
        for (let s = 0; s < S; s++)
          for (let b = 0; b < rows; b++) y[(k * S + s) * rows + b] = dyPad[s * R + b];
      });
      return y;
    },
    backward(dys) {
      if (dys.length !== M * S * rows)
        throw new VibannError(`mcKernel: ${dys.length} gradients, expected ${M * S * rows}`);
      dxPad.fill(0);
      plans.forEach((p, k) => {
        dyPad.fill(0);
        for (let s = 0; s < S; s++)
          for (let b = 0; b < rows; b++) dyPad[s * R + b] = dys[(k * S + s) * rows + b];
        headBackward(a, p, o, PR, () => ell, dyPad, 0);
        headInputBackward(a, p, o, PR);
        const mu = p.mu as Dense;
        a.gemm(p.dz * 4, ds, mu.Wt * 4, 0, p.dcat * 4, PR, mu.no, cs, 0, 0);
        const cLast = p.comp[p.comp.length - 1];
        copyCols(f, PR, cLast.spec.width, p.dcat, cs, cLast.dy, cLast.d.nop);
        const into = p.att ? p.attDh : scratch;
        chainBackward(a, p.comp, into);
        if (p.att) attentionBackward(a, p, H, E, x, Ep, R, dxPad);
        else
          for (let r = 0; r < R; r++)
            for (let j = 0; j < E; j++) dxPad[r * E + j] += f[scratch + r * Ep + j];
        if (p.desc.length) {
          const dLast = p.desc[p.desc.length - 1];
          copyCols(f, PR, dLast.spec.width, p.dcat + cLast.spec.width, cs, dLast.dy, dLast.d.nop);
          chainBackward(a, p.desc, p.descDin);
          descBackward(p, f, x, Ep, R, E, work, dxPad);
        }
      });
      dx.set(dxPad.subarray(0, rows * E));
      return dx;
    },
  };
}
