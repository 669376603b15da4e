/**
 * Grouped (per-ensemble-member) dense products: out[g] = act(A[g] · B[g] + bias[g]).
 *
 * Why this exists: the stacked ensemble keeps a leading model dimension G on every weight, so each
 * Dense layer is a batched matrix product. tfjs-backend-wasm 4.22 runs batched or transposed
 * products on a naive C++ loop (`slow_batch_matmul`, about 10× slower than XNNPACK here) and
 * only sends unbatched, untransposed products to XNNPACK. On wasm we therefore register one
 * kernel that runs one product per group: by default on the SIMD product of kernel-wasm.ts
 * (`simdGroupedMatMul`, which avoids XNNPACK's re-packing of new right operands), or, with
 * `setGroupedMatMulEngine('xnnpack')`, one XNNPACK product per group on aliases of the group's
 * slice of the wasm heap (no copies), transposing small operands in JS when a transpose is asked
 * for (the same numbers; kept as the SIMD path's reference). On any
 * other backend, or if the wasm module does not expose what is needed, the same function is
 * computed with stock tfjs ops (`tf.matMul` with batch dims), which is also the reference the
 * tests compare against.
 *
 * Shapes: a [Ga, R, K] (or [Ga, K, R] with transposeA), b [Gb, K, N] (or [Gb, N, K] with
 * transposeB), bias [Gc, N]; Ga, Gb, Gc ∈ {1, G} (size-1 group dims broadcast).
 */
import { rowSum } from './jsKernels.ts';
import { type GemmFn, gemmInstance, roundUp } from './kernel-wasm.ts';
import * as tf from './tf.ts';

export type Activation = 'linear' | 'relu';

const KERNEL = 'VibannGroupedMatMul';
const ACT_CODE: Record<Activation, number> = { linear: 0, relu: 1 }; // tfjs-backend-wasm FusableActivation

type WasmFn = (...args: unknown[]) => void;
interface WasmModuleLike {
  HEAPU8: Uint8Array;
  HEAP32: Int32Array;
  _malloc: (bytes: number) => number;
  cwrap: (name: string, ret: null, args: string[]) => WasmFn;
  tfjs: {
    registerTensor(id: number, size: number, offset: number): void;
    disposeData(id: number): void;
  };
}
interface WasmDataLike {
  id: number;
  memoryOffset: number;
}
interface WasmBackendLike {
  wasm: WasmModuleLike;
  dataIdNextNumber: number;
  dataIdMap: { get(dataId: object): WasmDataLike | undefined };
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
  disposeData(dataId: object, force?: boolean): boolean;
}

function isWasmBackendLike(b: unknown): b is WasmBackendLike {
  const x = b as Partial<WasmBackendLike> | null;
  return (
    x != null &&
    typeof x.makeOutput === 'function' &&
    typeof x.dataIdNextNumber === 'number' &&
    x.wasm != null &&
    typeof x.wasm.cwrap === 'function' &&
    typeof x.wasm._malloc === 'function' &&
    x.wasm.HEAP32 instanceof Int32Array &&
    x.wasm.tfjs != null &&
    typeof x.wasm.tfjs.registerTensor === 'function' &&
    typeof x.wasm.tfjs.disposeData === 'function'
  );
}

let fusedFn: WasmFn | null = null;
let fusedFor: WasmModuleLike | null = null;
/** Persistent 6-int32 scratch in the wasm heap for the two operand shapes (no per-call allocation). */
let shapePtr = 0;
let registered = false;
let fastPathOk: boolean | null = null;

/** Transpose a rows×cols row-major block of `src` (at offset so) into `dst` (at offset do). */
function transposeInto(
  src: Float32Array,
  so: number,
  rows: number,
  cols: number,
  dst: Float32Array,
  d0: number,
) {
  for (let r = 0; r < rows; r++) {
    const sr = so + r * cols;
    for (let c = 0; c < cols; c++) dst[d0 + c * rows + r] = src[sr + c];
  }
}

interface KernelArgs {
  inputs: Record<string, tf.TensorInfo>;
  backend: unknown;
  attrs?: Record<string, unknown>;
}

function wasmGroupedMatMul(args: KernelArgs): tf.TensorInfo {
  const be = args.backend as WasmBackendLike;
  const { a, b, bias } = args.inputs;
  const transposeA = Boolean(args.attrs?.transposeA);
  const transposeB = Boolean(args.attrs?.transposeB);
  const act = ACT_CODE[(args.attrs?.activation as Activation) ?? 'linear'];
  const mod = be.wasm;
  if (fusedFor !== mod || fusedFn === null) {
    // a_id, a_shape_ptr, a_rank, b_id, b_shape_ptr, b_rank, transpose_a, transpose_b, activation,
    // bias_id, prelu_id, leakyrelu_alpha, out_id (tfjs-backend-wasm 4.22 _FusedMatMul). With
    // numeric arguments only, cwrap returns the exported function itself (no ccall marshalling);
    // the shapes go through a scratch buffer allocated once.
    fusedFn = mod.cwrap('_FusedMatMul', null, Array<string>(13).fill('number'));
    shapePtr = mod._malloc(24);
    fusedFor = mod;
  }
  const [Ga, a1, a2] = a.shape;
  const [Gb, b1, b2] = b.shape;
  const R = transposeA ? a2 : a1;
  const K = transposeA ? a1 : a2;
  const Kb = transposeB ? b2 : b1;
  const N = transposeB ? b1 : b2;
  if (K !== Kb) throw new Error(`${KERNEL}: inner dimensions differ (${K} vs ${Kb})`);
  const Gc = bias ? bias.shape[0] : 1;
  const G = Math.max(Ga, Gb, Gc);
  const out = be.makeOutput([G, R, N], 'float32');
  if (G === 0 || R === 0 || N === 0) return out;
  // Transposed operands. With transposeB and no bias/activation, compute outᵀ = B·Aᵀ when that
  // transposes fewer numbers than Bᵀ (the usual backward case dA = dY·Wᵀ with few rows).
  const viaOutT = transposeB && !bias && act === 0 && R * K + R * N < K * N;
  const needA = viaOutT ? !transposeA : transposeA; // a temp for A (or Aᵀ)
  const needB = transposeB && !viaOutT;
  const tmpA = needA ? be.makeOutput([R * K], 'float32') : null;
  const tmpB = needB ? be.makeOutput([K * N], 'float32') : null;
  const tmpO = viaOutT ? be.makeOutput([N * R], 'float32') : null;
  const off = (t: tf.TensorInfo) => (be.dataIdMap.get(t.dataId) as WasmDataLike).memoryOffset;
  const aOff = off(a);
  const bOff = off(b);
  const cOff = bias ? off(bias) : 0;
  const oOff = off(out);
  const tAOff = tmpA ? off(tmpA) : 0;
  const tBOff = tmpB ? off(tmpB) : 0;
  const tOOff = tmpO ? off(tmpO) : 0;
  const aliases: number[] = [];
  const alias = (byteOffset: number, size: number): number => {
    const id = be.dataIdNextNumber++;
    mod.tfjs.registerTensor(id, size, byteOffset);
    aliases.push(id);
    return id;
  };
  try {
    const aSize = a1 * a2;
    const bSize = b1 * b2;
    for (let g = 0; g < G; g++) {
      // a fresh view each time: XNNPACK may allocate (and grow the heap) inside the call
      const heap = new Float32Array(mod.HEAPU8.buffer);
      const ga = Ga === 1 ? 0 : g;
      const gb = Gb === 1 ? 0 : g;
      const aBase = aOff / 4 + ga * aSize;
      const bBase = bOff / 4 + gb * bSize;
      const oBase = oOff + g * R * N * 4;
      let aId: number;
      let bId: number;
      let outId: number;
      let leftRows: number;
      let inner: number;
      let right: number;
      if (viaOutT) {
        // outᵀ[g] (N×R) = b[g] (N×K, rows as the batch) · Aᵀ (K×R)
        aId = alias(bBase * 4, bSize);
        if (transposeA) {
          bId = alias(aBase * 4, aSize); // a[g] is stored K×R = Aᵀ already
        } else {
          transposeInto(heap, aBase, R, K, heap, tAOff / 4); // A (R×K) → Aᵀ (K×R)
          bId = alias(tAOff, R * K);
        }
        outId = alias(tOOff, N * R);
        leftRows = N;
        inner = K;
        right = R;
      } else {
        if (transposeA) {
          transposeInto(heap, aBase, K, R, heap, tAOff / 4); // stored K×R → A (R×K)
          aId = alias(tAOff, R * K);
        } else {
          aId = alias(aBase * 4, aSize);
        }
        if (needB) {
          transposeInto(heap, bBase, N, K, heap, tBOff / 4); // stored N×K → B (K×N)
          bId = alias(tBOff, K * N);
        } else {
          bId = alias(bBase * 4, bSize);
        }
        outId = alias(oBase, R * N);
        leftRows = R;
        inner = K;
        right = N;
      }
      const biasId = bias ? alias(cOff + (Gc === 1 ? 0 : g) * N * 4, N) : 0;
      const h32 = mod.HEAP32;
      const sp = shapePtr >> 2;
      h32[sp] = 1;
      h32[sp + 1] = leftRows;
      h32[sp + 2] = inner;
      h32[sp + 3] = 1;
      h32[sp + 4] = inner;
      h32[sp + 5] = right;
      (fusedFn as WasmFn)(aId, shapePtr, 3, bId, shapePtr + 12, 3, 0, 0, act, biasId, 0, 0, outId);
      if (viaOutT) {
        const h = new Float32Array(mod.HEAPU8.buffer);
        transposeInto(h, tOOff / 4, N, R, h, oBase / 4);
      }
      // Dispose the aliases now: XNNPACK operators are cached per weights id and freed with it.
      for (const id of aliases) mod.tfjs.disposeData(id);
      aliases.length = 0;
    }
  } finally {
    for (const id of aliases) mod.tfjs.disposeData(id);
    if (tmpA) be.disposeData(tmpA.dataId);
    if (tmpB) be.disposeData(tmpB.dataId);
    if (tmpO) be.disposeData(tmpO.dataId);
  }
  return out;
}

/** The SIMD product's own wasm memory (kernel-wasm.ts), replaced by a larger one when a call needs it. */
let simd: { gemm: GemmFn; f32: Float32Array; bytes: number } | null = null;
function simdScratch(floats: number): { gemm: GemmFn; f32: Float32Array } {
  const bytes = floats * 4;
  if (!simd || simd.bytes < bytes) {
    const size = Math.max(bytes, 2 * (simd?.bytes ?? 0), 1 << 20);
    const inst = gemmInstance(size);
    simd = { gemm: inst.gemm, f32: new Float32Array(inst.memory.buffer), bytes: size };
  }
  return simd;
}

/**
 * The same products on the hand-written SIMD product of kernel-wasm.ts instead of XNNPACK.
 *
 * Why: XNNPACK's fully-connected operator packs its right operand (re-orders it, with the bias,
 * into its own buffer) when it meets new data, and in a training step every right operand is new
 * (weights change each step; the backward products' right operands are activations and output
 * gradients): measured on this machine, a 32×224·224×128 product took 97 µs with packed weights
 * and 202 µs with new ones, the SIMD product 47 µs. The operands are copied (transposed where asked)
 * into the SIMD module's memory — rows padded to a multiple of 4, columns to a multiple of 8 with
 * zeros — and the rows of the result copied back.
 *
 * Same numbers: both compute bias + Σ_k a_k·b_k in float32 with one product added per step in k
 * order from the bias (or +0), then max(·, 0) for ReLU, so for finite operands the results agree
 * bit for bit, signed zeros included (test/nn/kernels.test.ts compares the two paths on the shapes
 * of the networks; the trained weights of a 5-member stack of the default and paper presets were
 * the same with either). One difference: XNNPACK's ReLU turns a NaN into 0, this one keeps the
 * NaN (a non-finite activation shows instead of being hidden).
 */
function simdGroupedMatMul(args: KernelArgs): tf.TensorInfo {
  const be = args.backend as WasmBackendLike;
  const { a, b, bias } = args.inputs;
  const tA = Boolean(args.attrs?.transposeA);
  const tB = Boolean(args.attrs?.transposeB);
  const relu = ACT_CODE[(args.attrs?.activation as Activation) ?? 'linear'];
  const [Ga, a1, a2] = a.shape;
  const [Gb, b1, b2] = b.shape;
  const R = tA ? a2 : a1;
  const K = tA ? a1 : a2;
  const Kb = tB ? b2 : b1;
  const N = tB ? b1 : b2;
  if (K !== Kb) throw new Error(`${KERNEL}: inner dimensions differ (${K} vs ${Kb})`);
  const Gc = bias ? bias.shape[0] : 1;
  const G = Math.max(Ga, Gb, Gc);
  const out = be.makeOutput([G, R, N], 'float32');
  if (G === 0 || R === 0 || N === 0) return out;
  const Rp = roundUp(R, 4);
  const Np = roundUp(N, 8);
  // layout in the SIMD memory (floats): X Rp×K, W K×Np, bias Np, Y Rp×Np
  const X = 0;
  const W = X + Rp * K;
  const C = W + K * Np;
  const Y = C + Np;
  const { gemm, f32 } = simdScratch(Y + Rp * Np);
  // after makeOutput: no tfjs allocation below, so this view of the heap stays valid
  const heap = new Float32Array(be.wasm.HEAPU8.buffer);
  const off = (t: tf.TensorInfo) => (be.dataIdMap.get(t.dataId) as WasmDataLike).memoryOffset / 4;
  const aOff = off(a);
  const bOff = off(b);
  const cOff = bias ? off(bias) : 0;
  const oOff = off(out);
  const aSize = a1 * a2;
  const bSize = b1 * b2;
  // padding rows of X and columns of W (and of the bias) are zeros; they only feed outputs that
  // are not copied back
  f32.fill(0, X + R * K, W);
  let lastA = -1;
  let lastB = -1;
  let lastC = -1;
  for (let g = 0; g < G; g++) {
    const ga = Ga === 1 ? 0 : g;
    const gb = Gb === 1 ? 0 : g;
    const gc = Gc === 1 ? 0 : g;
    const aBase = aOff + ga * aSize;
    const bBase = bOff + gb * bSize;
    if (ga !== lastA) {
      if (tA)
        transposeInto(heap, aBase, K, R, f32, X); // stored K×R → R×K
      else f32.set(heap.subarray(aBase, aBase + R * K), X);
      lastA = ga;
    }
    if (gb !== lastB) {
      if (tB) {
        // stored N×K → K×Np
        for (let n = 0; n < N; n++) {
          const src = bBase + n * K;
          for (let k = 0; k < K; k++) f32[W + k * Np + n] = heap[src + k];
        }
        if (Np !== N) for (let k = 0; k < K; k++) f32.fill(0, W + k * Np + N, W + (k + 1) * Np);
      } else if (Np === N) {
        f32.set(heap.subarray(bBase, bBase + K * N), W);
      } else {
        for (let k = 0; k < K; k++) {
          f32.set(heap.subarray(bBase + k * N, bBase + (k + 1) * N), W + k * Np);
          f32.fill(0, W + k * Np + N, W + (k + 1) * Np);
        }
      }
      lastB = gb;
    }
    if (bias && gc !== lastC) {
      f32.set(heap.subarray(cOff + gc * N, cOff + (gc + 1) * N), C);
      f32.fill(0, C + N, C + Np);
      lastC = gc;
    }
    gemm(X * 4, K, W * 4, bias ? C * 4 : 0, Y * 4, Rp, K, Np, relu, 0);
    const o = oOff + g * R * N;
    if (Np === N) heap.set(f32.subarray(Y, Y + R * N), o);
    else for (let r = 0; r < R; r++) heap.set(f32.subarray(Y + r * Np, Y + r * Np + N), o + r * N);
  }
  return out;
}

/** Which product the wasm kernel runs: the SIMD product (default) or XNNPACK (its reference). */
let engine: 'simd' | 'xnnpack' = 'simd';
/** Run the grouped products on XNNPACK instead of the SIMD product (tests and benchmarks compare them). */
export function setGroupedMatMulEngine(e: 'simd' | 'xnnpack'): void {
  engine = e;
}

/** Whether this runtime compiles the SIMD product (checked once; XNNPACK is used where not). */
let simdOk: boolean | null = null;

/**
 * Products with at least this many rows go to XNNPACK even with the SIMD engine: there its
 * re-packing of the right operand is amortised over the rows, its larger microkernels are faster,
 * and the SIMD path's copies of the left operand and the result grow with the rows. Measured: MC
 * prediction of 5 networks × 100 passes × 673 rows took 1.6–2.1 s on the SIMD product against
 * 0.71–0.74 s on XNNPACK; a training step (32 rows) is the other way round (docs/scaling.md).
 */
const SIMD_MAX_ROWS = 256;

function wasmGroupedMatMulKernel(args: KernelArgs): tf.TensorInfo {
  const { a } = args.inputs;
  const rows = args.attrs?.transposeA ? a.shape[2] : a.shape[1];
  if (rows >= SIMD_MAX_ROWS) return wasmGroupedMatMul(args);
  if (engine === 'simd' && simdOk === null) {
    try {
      simdScratch(1);
      simdOk = true;
    } catch {
      simdOk = false;
    }
  }
  return engine === 'simd' && simdOk ? simdGroupedMatMul(args) : wasmGroupedMatMul(args);
}

function ensureRegistered(): void {
  if (registered) return;
  tf.registerKernel({
    kernelName: KERNEL,
    backendName: 'wasm',
    kernelFunc: wasmGroupedMatMulKernel as unknown as tf.KernelFunc,
  });
  registered = true;
}

/** Reference implementation with stock tfjs ops (any backend; differentiable by tfjs). */
export function groupedMatMulReference(
  a: tf.Tensor3D,
  b: tf.Tensor3D,
  bias: tf.Tensor2D | null,
  transposeA: boolean,
  transposeB: boolean,
  activation: Activation,
): tf.Tensor3D {
  return tf.tidy(() => {
    let y = tf.matMul(a, b, transposeA, transposeB) as tf.Tensor3D;
    if (bias) y = tf.add(y, tf.expandDims(bias, 1));
    if (activation === 'relu') y = tf.relu(y);
    return y;
  });
}

function runKernel(
  a: tf.Tensor,
  b: tf.Tensor,
  bias: tf.Tensor | null,
  transposeA: boolean,
  transposeB: boolean,
  activation: Activation,
): tf.Tensor3D {
  const inputs: tf.NamedTensorMap = bias ? { a, b, bias } : { a, b };
  const biasGroups = bias ? (bias.shape[0] as number) : 0;
  return tf.engine().runKernel(KERNEL, inputs, {
    transposeA,
    transposeB,
    activation,
    biasGroups,
  } as unknown as tf.NamedAttrMap) as tf.Tensor3D;
}

/** Whether the fast wasm path is active (wasm backend and the module exposes what it needs). */
export function fastGroupedMatMul(): boolean {
  if (tf.getBackend() !== 'wasm') return false;
  if (fastPathOk === null) {
    fastPathOk = isWasmBackendLike(tf.backend());
    if (fastPathOk) ensureRegistered();
  }
  return fastPathOk;
}

/** Force the reference path even on wasm (tests and benchmarks compare both). */
let forceReference = false;
export function setGroupedMatMulReference(on: boolean): void {
  forceReference = on;
}

/**
 * The same product without a gradient (fast kernel on wasm, stock ops elsewhere); for use inside
 * hand-written gradient functions.
 */
export function groupedMatMulRaw(
  a: tf.Tensor,
  b: tf.Tensor,
  bias: tf.Tensor | null,
  transposeA: boolean,
  transposeB: boolean,
  activation: Activation,
): tf.Tensor3D {
  if (forceReference || !fastGroupedMatMul()) {
    return groupedMatMulReference(
      a as tf.Tensor3D,
      b as tf.Tensor3D,
      bias as tf.Tensor2D | null,
      transposeA,
      transposeB,
      activation,
    );
  }
  return runKernel(a, b, bias, transposeA, transposeB, activation);
}

/** Sum a gradient over the group axis when the operand had a single (broadcast) group. */
export function sumToGroups(t: tf.Tensor3D, groups: number): tf.Tensor3D {
  return groups === 1 && t.shape[0] !== 1 ? (tf.sum(t, 0, true) as tf.Tensor3D) : t;
}

/**
 * Differentiable grouped product out[g] = act(op(a[g]) · op(b[g]) + bias[g]); see the file header.
 * On the fast path the gradient is itself computed with the fast kernel.
 */
export function groupedMatMul(
  a: tf.Tensor3D,
  b: tf.Tensor3D,
  opts: {
    bias?: tf.Tensor2D | null;
    transposeA?: boolean;
    transposeB?: boolean;
    activation?: Activation;
  } = {},
): tf.Tensor3D {
  const bias = opts.bias ?? null;
  const tA = opts.transposeA ?? false;
  const tB = opts.transposeB ?? false;
  const act = opts.activation ?? 'linear';
  if (forceReference || !fastGroupedMatMul())
    return groupedMatMulReference(a, b, bias, tA, tB, act);
  ensureGradient();
  return runKernel(a, b, bias, tA, tB, act);
}

let gradientRegistered = false;
/**
 * The kernel's gradient, registered with tfjs (rather than a customGrad) so that each input's
 * gradient is a thunk computed only when that input is on the path to the differentiated
 * value (e.g. no gradient for the data fed to the first layer). y = act(A·B + c):
 * dA = dpre·Bᵀ, dB = Aᵀ·dpre, dc = Σ_rows dpre, with dpre = dy·[y > 0] for ReLU.
 */
function ensureGradient(): void {
  if (gradientRegistered) return;
  gradientRegistered = true;
  tf.registerGradient({
    kernelName: KERNEL,
    inputsToSave: ['a', 'b'],
    outputsToSave: [true],
    gradFunc: ((dyIn: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: tf.NamedAttrMap) => {
      const dy = dyIn as tf.Tensor3D;
      const [a, b, y] = saved as tf.Tensor3D[];
      const tA = Boolean(attrs.transposeA);
      const tB = Boolean(attrs.transposeB);
      const relu = attrs.activation === 'relu';
      const dpre = () => (relu ? (tf.mul(dy, tf.step(y)) as tf.Tensor3D) : dy);
      const G = dy.shape[0] as number;
      return {
        a: () => {
          const d = dpre();
          const da = !tA
            ? runKernel(d, b, null, false, !tB, 'linear')
            : runKernel(b, d, null, tB, true, 'linear');
          return sumToGroups(da, a.shape[0] as number);
        },
        b: () => {
          const d = dpre();
          const db = !tB
            ? runKernel(a, d, null, !tA, false, 'linear')
            : runKernel(d, a, null, true, tA, 'linear');
          return sumToGroups(db, b.shape[0] as number);
        },
        bias: () => {
          const dc = rowSum(dpre());
          // a bias shared by all groups ([1, N]) gets the sum over the groups
          return G > 1 && attrs.biasGroups === 1 ? tf.sum(dc, 0, true) : dc;
        },
      };
    }) as tf.GradConfig['gradFunc'],
  });
}
