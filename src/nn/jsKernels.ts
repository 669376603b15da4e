/**
 * Kernels written in JS over the backend's memory (wasm heap views, or the cpu backend's
 * arrays), registered for both backends so that they give the same numbers on each. For small
 * tensors a JS loop costs less than the per-op overhead of the several tfjs ops it replaces.
 */
import { VibannError } from '../util/errors.ts';
import * as tf from './tf.ts';

type F32 = Float32Array;

export interface OutSpec {
  shape: number[];
  values: F32;
  /**
   * Instead of `values`: an output the kernel already made in the backend's memory and filled
   * (`makeHeapOutput`), so that a large output is not built in JS and copied.
   */
  info?: tf.TensorInfo;
}

/**
 * A float32 output tensor in the wasm backend's heap, for a JS kernel to fill in place (then
 * return `{ shape, values: EMPTY, info }`); null on other backends. Allocating may grow the heap
 * and detach every view of it taken before: call it before reading the inputs, or re-read them.
 */
export function makeHeapOutput(
  shape: number[],
): { info: tf.TensorInfo; byteOffset: number } | null {
  const be = tf.backend() as unknown as BackendAny & {
    dataIdMap?: { get(id: object): { memoryOffset: number } | undefined };
  };
  if (typeof be.makeOutput !== 'function' || !be.dataIdMap) return null;
  const info = be.makeOutput(shape, 'float32');
  const d = be.dataIdMap.get(info.dataId);
  if (!d) return null;
  return { info, byteOffset: d.memoryOffset };
}

/** The `values` of an OutSpec whose `info` holds the data. */
export const EMPTY = new Float32Array(0);

interface BackendAny {
  typedArrayFromHeap?: (t: tf.TensorInfo) => F32;
  makeOutput?: (shape: number[], dtype: 'float32') => tf.TensorInfo;
  readSync: (dataId: object) => unknown;
  makeTensorInfo?: (shape: number[], dtype: 'float32', values: F32) => tf.TensorInfo;
}

function readInput(be: BackendAny, t: tf.TensorInfo): F32 {
  if (typeof be.typedArrayFromHeap === 'function') return be.typedArrayFromHeap(t);
  return be.readSync(t.dataId) as F32;
}

/**
 * The values of a float32 tensor without a copy where the backend allows it: a view of the wasm
 * heap (valid until the next tfjs allocation, which may grow and detach the heap, and while the
 * tensor lives; do not write to it), or the cpu backend's own array. Read it at once; `dataSync()`
 * copies into a new array instead, which for the training step's gradients (the size of the
 * model, every step) cost an allocation and a copy of ~2 MB per step of a 5-member stack.
 */
export function readView(t: tf.Tensor): F32 {
  if (t.dtype !== 'float32') throw new VibannError(`readView: ${t.dtype} tensor, expected float32`);
  return readInput(tf.backend() as unknown as BackendAny, t);
}

function writeOutput(be: BackendAny, o: OutSpec): tf.TensorInfo {
  if (o.info) return o.info;
  if (typeof be.makeOutput === 'function' && typeof be.typedArrayFromHeap === 'function') {
    const out = be.makeOutput(o.shape, 'float32');
    be.typedArrayFromHeap(out).set(o.values);
    return out;
  }
  if (typeof be.makeTensorInfo === 'function')
    return be.makeTensorInfo(o.shape, 'float32', o.values);
  throw new VibannError('unsupported tfjs backend for the vibann JS kernels');
}

const registeredFor = new Set<string>();

/** Register a JS kernel for the wasm and cpu backends: inputs by name (missing = null). */
export function registerJsKernel(
  name: string,
  inputNames: string[],
  compute: (
    ins: (F32 | null)[],
    shapes: (number[] | null)[],
    attrs: Record<string, unknown>,
  ) => OutSpec[],
): void {
  for (const backendName of ['wasm', 'cpu']) {
    const key = `${name}@${backendName}`;
    if (registeredFor.has(key)) continue;
    registeredFor.add(key);
    tf.registerKernel({
      kernelName: name,
      backendName,
      kernelFunc: ((args: {
        inputs: Record<string, tf.TensorInfo>;
        backend: unknown;
        attrs?: Record<string, unknown>;
      }) => {
        const be = args.backend as BackendAny;
        const infos = inputNames.map((n) => args.inputs[n] ?? null);
        // all reads happen before any allocation (a wasm heap growth detaches the views)
        const outs = compute(
          infos.map((t) => (t ? readInput(be, t) : null)),
          infos.map((t) => (t ? t.shape : null)),
          args.attrs ?? {},
        );
        const res = outs.map((o) => writeOutput(be, o));
        return res.length === 1 ? res[0] : res;
      }) as unknown as tf.KernelFunc,
    });
  }
}

/** Run a registered JS kernel; inputs that are undefined are omitted. */
export function runJsKernel(
  name: string,
  inputs: Record<string, tf.Tensor | undefined>,
  attrs: Record<string, unknown>,
): tf.Tensor[] {
  const ins: tf.NamedTensorMap = {};
  for (const [k, v] of Object.entries(inputs)) if (v) ins[k] = v;
  const out = tf.engine().runKernel(name, ins, attrs as tf.NamedAttrMap);
  return Array.isArray(out) ? out : [out];
}

const ROW_SUM = 'VibannRowSum';
let rowSumRegistered = false;

/** Σ over the rows (axis 1) of x [M, B, N] → [M, N] (a bias gradient), as one JS kernel. */
export function rowSum(x: tf.Tensor): tf.Tensor {
  if (!rowSumRegistered) {
    rowSumRegistered = true;
    registerJsKernel(ROW_SUM, ['x'], (ins, shapes) => {
      const v = ins[0] as F32;
      const [M, B, N] = shapes[0] as number[];
      const out = new Float32Array(M * N);
      const acc = new Float64Array(N);
      for (let m = 0; m < M; m++) {
        acc.fill(0);
        for (let b = 0; b < B; b++) {
          const o = (m * B + b) * N;
          for (let u = 0; u < N; u++) acc[u] += v[o + u];
        }
        for (let u = 0; u < N; u++) out[m * N + u] = acc[u];
      }
      return [{ shape: [M, N], values: out }];
    });
  }
  return runJsKernel(ROW_SUM, { x }, {})[0];
}

const SAMPLE_Z = 'VibannSampleZ';
const SAMPLE_Z_GRAD = 'VibannSampleZGrad';
const KL = 'VibannKlPerDim';
const KL_GRAD = 'VibannKlPerDimGrad';
let vibRegistered = false;

function ensureVibKernels(): void {
  if (vibRegistered) return;
  vibRegistered = true;
  // z = μ + exp(½ log σ²)·ε
  registerJsKernel(SAMPLE_Z, ['mu', 'lv', 'eps'], (ins, shapes) => {
    const [mu, lv, eps] = ins as F32[];
    const z = new Float32Array(mu.length);
    for (let i = 0; i < z.length; i++) z[i] = mu[i] + Math.exp(0.5 * lv[i]) * eps[i];
    return [{ shape: shapes[0] as number[], values: z }];
  });
  // dμ = dz; d log σ² = dz·½·exp(½ log σ²)·ε
  registerJsKernel(SAMPLE_Z_GRAD, ['dz', 'lv', 'eps'], (ins, shapes) => {
    const [dz, lv, eps] = ins as F32[];
    const dlv = new Float32Array(dz.length);
    for (let i = 0; i < dz.length; i++) dlv[i] = dz[i] * 0.5 * Math.exp(0.5 * lv[i]) * eps[i];
    return [{ shape: shapes[0] as number[], values: dlv }];
  });
  // KL/d per row = ½ Σ_j (e^{lv} + μ² − 1 − lv) / d
  registerJsKernel(KL, ['mu', 'lv'], (ins, shapes) => {
    const [mu, lv] = ins as F32[];
    const sh = shapes[0] as number[];
    const d = sh[sh.length - 1];
    const rows = mu.length / d;
    const out = new Float32Array(rows);
    for (let r = 0; r < rows; r++) {
      let s = 0;
      for (let j = r * d; j < (r + 1) * d; j++) s += Math.exp(lv[j]) + mu[j] * mu[j] - 1 - lv[j];
      out[r] = (0.5 * s) / d;
    }
    return [{ shape: sh.slice(0, -1), values: out }];
  });
  // ∂/∂μ = g·μ/d, ∂/∂lv = g·½(e^{lv} − 1)/d
  registerJsKernel(KL_GRAD, ['g', 'mu', 'lv'], (ins, shapes) => {
    const [g, mu, lv] = ins as F32[];
    const sh = shapes[1] as number[];
    const d = sh[sh.length - 1];
    const dmu = new Float32Array(mu.length);
    const dlv = new Float32Array(mu.length);
    for (let j = 0; j < mu.length; j++) {
      const gr = g[Math.floor(j / d)] / d;
      dmu[j] = gr * mu[j];
      dlv[j] = gr * 0.5 * (Math.exp(lv[j]) - 1);
    }
    return [
      { shape: sh, values: dmu },
      { shape: sh, values: dlv },
    ];
  });
}

/** z = μ + exp(½ log σ²)·ε as one differentiable op (w.r.t. μ and log σ²; ε is a constant). */
export function sampleLatent(mu: tf.Tensor, logvar: tf.Tensor, eps: tf.Tensor): tf.Tensor {
  ensureVibKernels();
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [m, lv] = args as tf.Tensor[];
    const save = args[2] as tf.GradSaveFunc;
    save([lv]);
    return {
      value: runJsKernel(SAMPLE_Z, { mu: m, lv, eps }, {})[0],
      gradFunc: (dz: tf.Tensor, saved: tf.Tensor[]) => [
        dz,
        runJsKernel(SAMPLE_Z_GRAD, { dz, lv: saved[0], eps }, {})[0],
      ],
    };
  });
  return f(mu, logvar);
}

/** KL(N(μ, σ²) ‖ N(0, I)) / d per row (last axis reduced) as one differentiable op. */
export function klPerDim(mu: tf.Tensor, logvar: tf.Tensor): tf.Tensor {
  ensureVibKernels();
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [m, lv] = args as tf.Tensor[];
    const save = args[2] as tf.GradSaveFunc;
    save([m, lv]);
    return {
      value: runJsKernel(KL, { mu: m, lv }, {})[0],
      gradFunc: (g: tf.Tensor, saved: tf.Tensor[]) =>
        runJsKernel(KL_GRAD, { g, mu: saved[0], lv: saved[1] }, {}),
    };
  });
  return f(mu, logvar);
}
