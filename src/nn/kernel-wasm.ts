/**
 * A hand-written WebAssembly SIMD matrix product for the JS network kernels (kernel.ts): the one
 * operation of a small dense network whose cost grows with the product of two widths. Scalar JS
 * loops reach ~1 GMAC/s (measured; V8 does not vectorise them); 128-bit SIMD with register
 * blocking several times that, without the per-op overhead (~10–30 µs) of a tfjs op.
 *
 * The module is emitted here as bytes (no toolchain needed at build or run time); the WAT
 * equivalent of the exported function is:
 *
 *   (func $gemm (param $x $xs $w $bias $y $rows $ni $no $relu $gate i32)
 *     ;; y[r, o] = bias[o] + Σ_i x[r·xs + i] · w[i·no + o]   (then max(·, 0) when relu ≠ 0,
 *     ;;           and 0 where gate[r·no + o] ≤ 0 when gate ≠ 0: a ReLU's derivative)
 *     ;; rows a multiple of 4, no a multiple of 8; pointers are byte offsets of f32 data;
 *     ;; bias = 0: no bias. Blocks of 4 rows × 8 outputs live in 8 v128 accumulators.
 *     for r in 0, 4, …, rows − 4:
 *       for o in 0, 8, …, no − 8:
 *         acc[k][h] = bias ? bias[o + 4h … ] : 0            (k < 4 rows, h < 2 halves)
 *         for i in 0 … ni − 1:
 *           w0, w1 = w[i·no + o …], w[i·no + o + 4 …]
 *           acc[k][h] += splat(x[(r + k)·xs + i]) · w_h
 *         store acc (after relu / gate) to y[(r + k)·no + o + 4h …]
 *
 * Results are float32, summed over i in order (one product per step, no fused multiply-add), so
 * they can differ from another float32 implementation's in the last bits only.
 */
import { VibannError } from '../util/errors.ts';

/** The part of the WebAssembly JS API used here (the project's TypeScript libs do not declare it). */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
};

/** Compile a module, or null where this runtime cannot (e.g. no SIMD). */
export function tryCompile(bytes: Uint8Array): object | null {
  try {
    return new WebAssembly.Module(bytes);
  } catch {
    return null;
  }
}

/** Instantiate a compiled module with imports; its exports. */
export function instantiate(compiled: object, imports: object = {}): Record<string, unknown> {
  return new WebAssembly.Instance(compiled, imports).exports;
}

/** A module from its sections (the magic number and version first). */
const moduleOf = (...sections: number[][]): Uint8Array =>
  Uint8Array.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, ...sections.flat()]);

// --- a minimal WebAssembly encoder -------------------------------------------------------------

function uleb(n: number): number[] {
  const out: number[] = [];
  let v = n >>> 0;
  do {
    let b = v & 0x7f;
    v >>>= 7;
    if (v !== 0) b |= 0x80;
    out.push(b);
  } while (v !== 0);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  let v = n | 0;
  for (;;) {
    const b = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
const str = (s: string): number[] => vec([...s].map((c) => [c.charCodeAt(0)]));

const I32 = 0x7f;
const V128 = 0x7b;
const op = {
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  if: [0x04, 0x40],
  else: [0x05],
  end: [0x0b],
  br: (d: number) => [0x0c, ...uleb(d)],
  brIf: (d: number) => [0x0d, ...uleb(d)],
  get: (i: number) => [0x20, ...uleb(i)],
  set: (i: number) => [0x21, ...uleb(i)],
  tee: (i: number) => [0x22, ...uleb(i)],
  i32: (v: number) => [0x41, ...sleb(v)],
  add: [0x6a],
  mul: [0x6c],
  shl: [0x74],
  ltU: [0x49],
  eqz: [0x45],
  f32Load: (offset: number) => [0x2a, 2, ...uleb(offset)],
  v128Load: (offset: number) => [0xfd, ...uleb(0x00), 2, ...uleb(offset)],
  v128Store: (offset: number) => [0xfd, ...uleb(0x0b), 2, ...uleb(offset)],
  v128Zero: [0xfd, ...uleb(0x0c), ...new Array(16).fill(0)],
  f32x4Splat: [0xfd, ...uleb(0x13)],
  f32x4Add: [0xfd, ...uleb(0xe4)],
  f32x4Mul: [0xfd, ...uleb(0xe6)],
  f32x4Max: [0xfd, ...uleb(0xe9)],
  f32x4Gt: [0xfd, ...uleb(0x44)],
  v128And: [0xfd, ...uleb(0x4e)],
  f32x4Sub: [0xfd, ...uleb(0xe5)],
  f32x4Min: [0xfd, ...uleb(0xe8)],
  f32x4Nearest: [0xfd, ...uleb(0x6a)],
  i32x4TruncSatF32x4S: [0xfd, ...uleb(0xf8)],
  i32x4Add: [0xfd, ...uleb(0xae)],
  i32x4Shl: [0xfd, ...uleb(0xab)],
  i32x4Splat: [0xfd, ...uleb(0x11)],
  f32: (v: number) => [0x43, ...new Uint8Array(Float32Array.of(v).buffer)],
};

const simd = (code: number): number[] => [0xfd, ...uleb(code)];
/** float64 pairs (f64x2), for the float64 loops of bn-wasm.ts and train/adam-wasm.ts. */
const f64x2 = {
  splat: simd(0x14),
  abs: simd(0xec),
  sqrt: simd(0xef),
  add: simd(0xf0),
  sub: simd(0xf1),
  mul: simd(0xf2),
  div: simd(0xf3),
  lt: simd(0x49),
  gt: simd(0x4a),
  /** the two low float32 lanes, widened */
  promoteLow: simd(0x5f),
  /** rounded to two float32 lanes, upper lanes 0 */
  demoteZero: simd(0x5e),
  /** two float32 (8 bytes) into the low lanes */
  load2f32: [...simd(0x5d), 3, 0],
  /** the two low float32 lanes (8 bytes) to memory */
  store2f32: [...simd(0x5b), 3, 0, 0],
  bitselect: simd(0x52),
  andnot: simd(0x4f),
  f64Const: (v: number): number[] => [0x44, ...new Uint8Array(Float64Array.of(v).buffer)],
  f64Load: [0x2b, 3, 0],
  f64Ne: [0x62],
};

/** The encoder, for the other hand-written modules (bn-wasm.ts, train/adam-wasm.ts). */
export const wasmEncoding = {
  uleb,
  sleb,
  vec,
  section,
  str,
  op,
  f64x2,
  moduleOf,
  I32,
  V128,
  F64: 0x7c,
} as const;

/** Locals of $gemm: the 9 parameters, then i32 and v128 locals. */
const P = { x: 0, xs: 1, w: 2, bias: 3, y: 4, rows: 5, ni: 6, no: 7, relu: 8, gate: 9 } as const;
const NPARAMS = 10;
const L = {
  r: 10,
  o: 11,
  i: 12,
  wp: 13,
  xp: 14, // 14..17: the 4 rows' x pointers
  yp: 18,
  xs4: 19,
  no4: 20,
  gp: 21,
  acc: 22, // 22..29: acc[k][h] = 22 + 2k + h
  w0: 30,
  w1: 31,
  a: 32,
  zero: 33,
} as const;

function gemmBody(): number[] {
  const b: number[] = [];
  const e = (...xs: number[][]) => {
    for (const x of xs) b.push(...x);
  };
  // xs4 = xs·4, no4 = no·4 (byte strides)
  e(op.get(P.xs), op.i32(2), op.shl, op.set(L.xs4));
  e(op.get(P.no), op.i32(2), op.shl, op.set(L.no4));
  e(op.v128Zero, op.set(L.zero));
  e(op.i32(0), op.set(L.r));
  e(op.block, op.loop); // rows
  e(op.get(L.r), op.get(P.rows), op.ltU, op.eqz, op.brIf(1));
  e(op.i32(0), op.set(L.o));
  e(op.block, op.loop); // outputs
  e(op.get(L.o), op.get(P.no), op.ltU, op.eqz, op.brIf(1));
  // accumulators from the bias (or 0)
  e(op.get(P.bias), op.if);
  for (let k = 0; k < 4; k++) {
    for (let h = 0; h < 2; h++) {
      e(op.get(P.bias), op.get(L.o), op.i32(2), op.shl, op.add, op.v128Load(16 * h));
      e(op.set(L.acc + 2 * k + h));
    }
  }
  e(op.else);
  for (let j = 0; j < 8; j++) e(op.get(L.zero), op.set(L.acc + j));
  e(op.end);
  // wp = w + o·4; xp_k = x + (r + k)·xs4
  e(op.get(P.w), op.get(L.o), op.i32(2), op.shl, op.add, op.set(L.wp));
  e(op.get(P.x), op.get(L.r), op.get(L.xs4), op.mul, op.add, op.set(L.xp));
  for (let k = 1; k < 4; k++) e(op.get(L.xp + k - 1), op.get(L.xs4), op.add, op.set(L.xp + k));
  e(op.i32(0), op.set(L.i));
  e(op.block, op.loop); // inner products
  e(op.get(L.i), op.get(P.ni), op.ltU, op.eqz, op.brIf(1));
  e(op.get(L.wp), op.v128Load(0), op.set(L.w0));
  e(op.get(L.wp), op.v128Load(16), op.set(L.w1));
  for (let k = 0; k < 4; k++) {
    e(op.get(L.xp + k), op.f32Load(0), op.f32x4Splat, op.set(L.a));
    for (let h = 0; h < 2; h++) {
      const acc = L.acc + 2 * k + h;
      e(op.get(acc), op.get(L.a), op.get(h === 0 ? L.w0 : L.w1), op.f32x4Mul, op.f32x4Add);
      e(op.set(acc));
    }
    e(op.get(L.xp + k), op.i32(4), op.add, op.set(L.xp + k));
  }
  e(op.get(L.wp), op.get(L.no4), op.add, op.set(L.wp));
  e(op.get(L.i), op.i32(1), op.add, op.set(L.i));
  e(op.br(0), op.end, op.end);
  // relu
  e(op.get(P.relu), op.if);
  for (let j = 0; j < 8; j++) e(op.get(L.acc + j), op.get(L.zero), op.f32x4Max, op.set(L.acc + j));
  e(op.end);
  // gate: acc &= (gate > 0), gate rows like y's
  e(op.get(P.gate), op.if);
  e(op.get(P.gate), op.get(L.r), op.get(L.no4), op.mul, op.add, op.get(L.o), op.i32(2), op.shl);
  e(op.add, op.set(L.gp));
  for (let k = 0; k < 4; k++) {
    for (let h = 0; h < 2; h++) {
      const acc = L.acc + 2 * k + h;
      e(op.get(acc), op.get(L.gp), op.v128Load(16 * h), op.get(L.zero), op.f32x4Gt, op.v128And);
      e(op.set(acc));
    }
    if (k < 3) e(op.get(L.gp), op.get(L.no4), op.add, op.set(L.gp));
  }
  e(op.end);
  // store: yp = y + (r·no + o)·4, rows no4 apart
  e(op.get(P.y), op.get(L.r), op.get(L.no4), op.mul, op.add, op.get(L.o), op.i32(2), op.shl);
  e(op.add, op.set(L.yp));
  for (let k = 0; k < 4; k++) {
    for (let h = 0; h < 2; h++) e(op.get(L.yp), op.get(L.acc + 2 * k + h), op.v128Store(16 * h));
    if (k < 3) e(op.get(L.yp), op.get(L.no4), op.add, op.set(L.yp));
  }
  e(op.get(L.o), op.i32(8), op.add, op.set(L.o));
  e(op.br(0), op.end, op.end);
  e(op.get(L.r), op.i32(4), op.add, op.set(L.r));
  e(op.br(0), op.end, op.end);
  e(op.end);
  return b;
}

/**
 * $vexp (param $p $n i32): p[i] ← exp(p[i]) for i < n (n a multiple of 4), f32x4: Cephes' expf
 * (range reduction by n = round(x·log₂e) with ln 2 split in two, a degree-5 polynomial, 2ⁿ put
 * into the exponent bits); inputs clamped to [−87.3, 88.3] (results stay normal floats). Accurate
 * to ~2 float32 ulps, like tfjs's float32 exp, for a softmax's shifted logits.
 */
function vexpBody(): number[] {
  const b: number[] = [];
  const e = (...xs: number[][]) => {
    for (const x of xs) b.push(...x);
  };
  const V = { p: 0, n: 1, end: 2, x: 3, fx: 4, z: 5, y: 6 } as const;
  const splat = (c: number) => [...op.f32(c), ...op.f32x4Splat];
  const poly = [
    1.98756915e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1,
    5.0000001201e-1,
  ];
  // end = p + 4n
  e(op.get(V.p), op.get(V.n), op.i32(2), op.shl, op.add, op.set(V.end));
  e(op.block, op.loop);
  e(op.get(V.p), op.get(V.end), op.ltU, op.eqz, op.brIf(1));
  // x = clamp(p[…], −87.3, 88.3)
  e(op.get(V.p), op.v128Load(0), splat(88.3), op.f32x4Min, splat(-87.3), op.f32x4Max, op.set(V.x));
  // fx = nearest(x·log₂e); x −= fx·C1 + fx·C2
  e(op.get(V.x), splat(Math.LOG2E), op.f32x4Mul, op.f32x4Nearest, op.set(V.fx));
  e(op.get(V.x), op.get(V.fx), splat(0.693359375), op.f32x4Mul, op.f32x4Sub);
  e(op.get(V.fx), splat(-2.1219444e-4), op.f32x4Mul, op.f32x4Sub, op.set(V.x));
  e(op.get(V.x), op.get(V.x), op.f32x4Mul, op.set(V.z));
  // y = (((((c0·x + c1)·x + c2)·x + c3)·x + c4)·x + c5)·z + x + 1
  e(splat(poly[0]));
  for (let i = 1; i < poly.length; i++) e(op.get(V.x), op.f32x4Mul, splat(poly[i]), op.f32x4Add);
  e(op.get(V.z), op.f32x4Mul, op.get(V.x), op.f32x4Add, splat(1), op.f32x4Add, op.set(V.y));
  // 2ⁿ: (n + 127) << 23 as float bits
  e(op.get(V.fx), op.i32x4TruncSatF32x4S, op.i32(127), op.i32x4Splat, op.i32x4Add);
  e(op.i32(23), op.i32x4Shl, op.get(V.y), op.f32x4Mul, op.set(V.y));
  e(op.get(V.p), op.get(V.y), op.v128Store(0));
  e(op.get(V.p), op.i32(16), op.add, op.set(V.p));
  e(op.br(0), op.end, op.end);
  e(op.end);
  return [
    ...vec([
      [...uleb(1), I32],
      [...uleb(4), V128],
    ]),
    ...b,
  ];
}

function moduleBytes(): Uint8Array {
  const type = section(
    1,
    vec([
      [0x60, ...vec(new Array(NPARAMS).fill([I32])), ...vec([])],
      [0x60, ...vec([[I32], [I32]]), ...vec([])],
    ]),
  );
  const func = section(3, vec([uleb(0), uleb(1)]));
  const memory = section(5, vec([[0x00, ...uleb(1)]]));
  const exports = section(
    7,
    vec([
      [...str('gemm'), 0x00, ...uleb(0)],
      [...str('vexp'), 0x00, ...uleb(1)],
      [...str('memory'), 0x02, ...uleb(0)],
    ]),
  );
  const locals = vec([
    [...uleb(L.acc - L.r), I32],
    [...uleb(L.zero - L.acc + 1), V128],
  ]);
  const body = [...locals, ...gemmBody()];
  const exp = vexpBody();
  const code = section(
    10,
    vec([
      [...uleb(body.length), ...body],
      [...uleb(exp.length), ...exp],
    ]),
  );
  return moduleOf(type, func, memory, exports, code);
}

let compiled: object | null = null;

/** The signature of the exported product (byte offsets; see the file header). */
export type GemmFn = (
  x: number,
  xs: number,
  w: number,
  bias: number,
  y: number,
  rows: number,
  ni: number,
  no: number,
  relu: number,
  gate: number,
) => void;

/**
 * A wasm instance with its own memory of at least `bytes` bytes (zeroed) and the product. The
 * memory never grows afterwards, so Float32Array views on `memory.buffer` stay valid.
 */
export function gemmInstance(bytes: number): {
  memory: WasmMemory;
  gemm: GemmFn;
  /** In-place exp of n floats (n a multiple of 4) at byte offset p (see `vexpBody`). */
  vexp: (p: number, n: number) => void;
} {
  if (!compiled) {
    try {
      compiled = new WebAssembly.Module(moduleBytes());
    } catch (e) {
      throw new VibannError(
        `this JavaScript runtime cannot compile the WebAssembly SIMD kernel (${(e as Error).message})`,
      );
    }
  }
  const inst = new WebAssembly.Instance(compiled, {});
  const memory = inst.exports.memory as WasmMemory;
  const pages = Math.ceil(bytes / 65536);
  if (pages > 1) memory.grow(pages - 1);
  return {
    memory,
    gemm: inst.exports.gemm as unknown as GemmFn,
    vexp: inst.exports.vexp as unknown as (p: number, n: number) => void,
  };
}

/** Round n up to a multiple of m. */
export const roundUp = (n: number, m: number): number => Math.ceil(n / m) * m;
