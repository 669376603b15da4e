/**
 * Adam on JS arrays, per ensemble member (SPEC §4; Keras/tfjs ε = 1e-7 as in the peer). The
 * parameters of a stacked ensemble are [M, ...] arrays; each member has its own step count, and
 * a member without rows in a step is not updated (its moments stay as they are), so a stacked
 * member follows exactly the trajectory it would follow alone.
 *
 * Update (torch/tfjs form): m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²;
 * θ ← θ − lr·m̂/(√v̂ + ε) with m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ).
 */
import { type AdamFn, adamInstance } from './adam-wasm.ts';

export interface AdamOptions {
  /** Learning rate (SPEC §4: 1e-4; default preset 1e-3). */
  lr: number;
  /** First-moment decay (0.9). */
  beta1: number;
  /** Second-moment decay (0.999). */
  beta2: number;
  /** Denominator ε (1e-7, Keras/tfjs default). */
  epsilon: number;
}

export const DEFAULT_ADAM: AdamOptions = { lr: 1e-4, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 };

/**
 * Which loop updates the parameters: the WebAssembly SIMD loop of adam-wasm.ts (default, where
 * the runtime compiles it) or the JS loop below (its reference); the same numbers bit for bit.
 */
export type AdamEngine = 'wasm' | 'js';

/** The wasm engine's state: its instance and where each tensor's moments live in its memory. */
interface WasmState {
  adam: AdamFn;
  memory: { readonly buffer: ArrayBuffer; grow(pages: number): number };
  /** Byte offsets of the moments (float64, M·n each) per tensor name. */
  moments: Map<string, { m: number; v: number }>;
  /** First free byte (16-aligned) after the moments. */
  top: number;
  /** Byte size of the parameter and gradient scratch areas at the end of the memory. */
  scratch: number;
}

export class StackedAdam {
  readonly options: AdamOptions;
  readonly nMembers: number;
  readonly engine: AdamEngine;
  /** Steps taken per member. */
  readonly steps: number[];
  // Moments in float64: in float32, the moments of parameters whose gradients are tiny or zero
  // (dead ReLU units) decay into subnormal numbers, and subnormal arithmetic is ~100× slower
  // on x86 (it made the whole Adam step 14× slower after a few epochs).
  private readonly m = new Map<string, Float64Array>();
  private readonly v = new Map<string, Float64Array>();

  private readonly wasm: WasmState | null;

  constructor(options: Partial<AdamOptions>, nMembers: number, engine: AdamEngine = 'wasm') {
    this.options = { ...DEFAULT_ADAM, ...options };
    this.nMembers = nMembers;
    this.steps = new Array(nMembers).fill(0);
    const inst = engine === 'wasm' ? adamInstance() : null;
    this.engine = inst ? 'wasm' : 'js';
    this.wasm = inst ? { ...inst, moments: new Map(), top: 0, scratch: 0 } : null;
  }

  /** Start a step for member k (call once per step before `apply` for that member). */
  beginStep(k: number): void {
    this.steps[k]++;
  }

  /**
   * Update member k's slice of `theta` (length M·n) with `grad` values of that member
   * (`grad[gOff .. gOff+n)`).
   */
  apply(name: string, theta: Float32Array, k: number, grad: Float32Array, gOff: number): void {
    const n = theta.length / this.nMembers;
    if (this.wasm) {
      this.applyWasm(this.wasm, name, theta, k, grad, gOff, n);
      return;
    }
    let m = this.m.get(name);
    let v = this.v.get(name);
    if (!m || !v) {
      m = new Float64Array(theta.length);
      v = new Float64Array(theta.length);
      this.m.set(name, m);
      this.v.set(name, v);
    }
    const { lr, beta1, beta2, epsilon } = this.options;
    const t = this.steps[k];
    adamUpdate(
      theta,
      m,
      v,
      grad,
      gOff,
      k * n,
      n,
      beta1,
      beta2,
      lr / (1 - beta1 ** t),
      1 / Math.sqrt(1 - beta2 ** t),
      epsilon,
    );
  }

  private applyWasm(
    w: WasmState,
    name: string,
    theta: Float32Array,
    k: number,
    grad: Float32Array,
    gOff: number,
    n: number,
  ): void {
    let mo = w.moments.get(name);
    if (!mo) {
      // moments of all members, float64, zero; the scratch (parameters and gradients of one
      // member, float32) sits after the moments and moves up as tensors are added
      const bytes = align16(theta.length * 8);
      mo = { m: w.top, v: w.top + bytes };
      w.top += 2 * bytes;
      w.moments.set(name, mo);
      this.ensureBytes(w, w.top + w.scratch);
      // the area may have been the scratch of earlier calls
      new Uint8Array(w.memory.buffer, mo.m, 2 * bytes).fill(0);
    }
    const scratchFloats = align16(n * 4);
    if (scratchFloats * 2 > w.scratch) {
      w.scratch = scratchFloats * 2;
      this.ensureBytes(w, w.top + w.scratch);
    }
    const tp = w.top;
    const gp = w.top + w.scratch / 2;
    const f32 = new Float32Array(w.memory.buffer);
    f32.set(theta.subarray(k * n, (k + 1) * n), tp / 4);
    f32.set(grad.subarray(gOff, gOff + n), gp / 4);
    const { lr, beta1, beta2, epsilon } = this.options;
    const t = this.steps[k];
    const stepSize = lr / (1 - beta1 ** t);
    const rs = 1 / Math.sqrt(1 - beta2 ** t);
    const even = n & ~1;
    const off = k * n;
    w.adam(
      tp,
      mo.m + off * 8,
      mo.v + off * 8,
      gp,
      even,
      beta1,
      1 - beta1,
      beta2,
      1 - beta2,
      stepSize,
      rs,
      epsilon,
    );
    if (even < n) {
      // the last parameter of an odd count: the JS loop on views of the same memory
      const f64 = new Float64Array(w.memory.buffer);
      adamUpdate(
        f32.subarray(tp / 4 + even, tp / 4 + n),
        f64.subarray((mo.m + (off + even) * 8) / 8, (mo.m + (off + n) * 8) / 8),
        f64.subarray((mo.v + (off + even) * 8) / 8, (mo.v + (off + n) * 8) / 8),
        f32,
        gp / 4 + even,
        0,
        n - even,
        beta1,
        beta2,
        stepSize,
        rs,
        epsilon,
      );
    }
    theta.set(f32.subarray(tp / 4, tp / 4 + n), k * n);
  }

  private ensureBytes(w: WasmState, bytes: number): void {
    const have = w.memory.buffer.byteLength;
    if (bytes > have) w.memory.grow(Math.ceil((bytes - have) / 65536));
  }
}

const align16 = (n: number): number => Math.ceil(n / 16) * 16;

/**
 * The element loop, kept in a small standalone function: inlined into a large caller that
 * later deoptimises, the same loop ran ~10× slower.
 */
function adamUpdate(
  theta: Float32Array,
  m: Float64Array,
  v: Float64Array,
  grad: Float32Array,
  gOff: number,
  off: number,
  n: number,
  beta1: number,
  beta2: number,
  stepSize: number,
  rs: number,
  epsilon: number,
): void {
  const a1 = 1 - beta1;
  const a2 = 1 - beta2;
  for (let i = 0; i < n; i++) {
    const g = grad[gOff + i];
    const j = off + i;
    let mi = beta1 * m[j] + a1 * g;
    let vi = beta2 * v[j] + a2 * g * g;
    // flush values far below any meaningful scale to zero (no float64 subnormals either). As
    // |mi| < 1e-200, not mi < 1e-200 && mi > −1e-200: the first half of that test is true for
    // every negative moment, a branch the CPU mispredicted for half the parameters (the loop ran
    // 11.7 instead of 6.8 ns per parameter; same results bit for bit, NaN and −0 included)
    if (Math.abs(mi) < 1e-200) mi = 0;
    if (vi < 1e-200) vi = 0;
    m[j] = mi;
    v[j] = vi;
    theta[j] -= (stepSize * mi) / (Math.sqrt(vi) * rs + epsilon);
  }
}
