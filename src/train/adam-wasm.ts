/**
 * The Adam update of adam.ts as a WebAssembly SIMD loop over pairs of parameters (f64x2), for
 * `StackedAdam`'s default engine. The JS loop runs ~4–7 ns per parameter (measured: a scalar
 * float64 square root and division per parameter, plus V8's bounds checks) and was ~15 % of a
 * training step of a 5-member stack of the default network; with this loop (two lanes per
 * instruction) Adam's share of that step fell to ~7 % (CPU profiles, docs/scaling.md).
 *
 * Same numbers bit for bit as `adamUpdate` in adam.ts: the same float64 operations in the same
 * order (no fused multiply-add in WebAssembly; IEEE round-to-nearest like JS), gradients and
 * parameters widened from float32 exactly and the result rounded back to float32 as a
 * Float32Array store does, and the same flush of moments below 1e-200 (to +0). The moments live in
 * this module's memory; the caller copies a member's parameters and gradients in and the
 * parameters out (`test/train/train.test.ts` compares both engines bit for bit).
 *
 * WAT equivalent of the exported function:
 *   (func $adam (param $theta $m $v $g $n i32) (param $b1 $a1 $b2 $a2 $ss $rs $eps f64)
 *     for i in 0, 2, …, n − 2 (n even):       ;; byte offsets: theta, g f32; m, v f64
 *       G = promote(g[i], g[i+1])
 *       M = b1·m[i…] + a1·G ;  V = b2·v[i…] + (a2·G)·G
 *       M = |M| < 1e-200 ? 0 : M ;  V = V < 1e-200 ? 0 : V   (lane-wise, andnot)
 *       m[i…] = M ; v[i…] = V
 *       theta[i…] = demote(promote(theta[i…]) − (ss·M)/(√V·rs + eps))
 */
import { instantiate, tryCompile, type WasmMemory, wasmEncoding } from '../nn/kernel-wasm.ts';
import { VibannError } from '../util/errors.ts';

const { uleb, vec, section, str, op, f64x2, moduleOf, I32, V128, F64 } = wasmEncoding;

// parameters
const P = { theta: 0, m: 1, v: 2, g: 3, n: 4, b1: 5, a1: 6, b2: 7, a2: 8, ss: 9, rs: 10, eps: 11 };
// locals: i (i32), then v128: splats and temporaries
const L = {
  i: 12,
  B1: 13,
  A1: 14,
  B2: 15,
  A2: 16,
  SS: 17,
  RS: 18,
  EPS: 19,
  TINY: 20,
  G: 21,
  M: 22,
  V: 23,
};

function adamBody(): number[] {
  const b: number[] = [];
  const e = (...xs: number[][]) => {
    for (const x of xs) b.push(...x);
  };
  const splat = (p: number, l: number) => e(op.get(p), f64x2.splat, op.set(l));
  splat(P.b1, L.B1);
  splat(P.a1, L.A1);
  splat(P.b2, L.B2);
  splat(P.a2, L.A2);
  splat(P.ss, L.SS);
  splat(P.rs, L.RS);
  splat(P.eps, L.EPS);
  e(f64x2.f64Const(1e-200), f64x2.splat, op.set(L.TINY));
  e(op.i32(0), op.set(L.i));
  e(op.block, op.loop);
  e(op.get(L.i), op.get(P.n), op.ltU, op.eqz, op.brIf(1));
  // G = promote(g[i], g[i+1])
  const f32At = (p: number) => e(op.get(p), op.get(L.i), op.i32(2), op.shl, op.add);
  const f64At = (p: number) => e(op.get(p), op.get(L.i), op.i32(3), op.shl, op.add);
  f32At(P.g);
  e(f64x2.load2f32, f64x2.promoteLow, op.set(L.G));
  // M = b1·m + a1·G, flushed
  f64At(P.m);
  e(op.v128Load(0), op.get(L.B1), f64x2.mul, op.get(L.A1), op.get(L.G), f64x2.mul, f64x2.add);
  e(op.set(L.M));
  e(op.get(L.M), op.get(L.M), f64x2.abs, op.get(L.TINY), f64x2.lt, f64x2.andnot, op.set(L.M));
  // V = b2·v + (a2·G)·G, flushed
  f64At(P.v);
  e(op.v128Load(0), op.get(L.B2), f64x2.mul, op.get(L.A2), op.get(L.G), f64x2.mul, op.get(L.G));
  e(f64x2.mul, f64x2.add, op.set(L.V));
  e(op.get(L.V), op.get(L.V), op.get(L.TINY), f64x2.lt, f64x2.andnot, op.set(L.V));
  // store the moments
  f64At(P.m);
  e(op.get(L.M), op.v128Store(0));
  f64At(P.v);
  e(op.get(L.V), op.v128Store(0));
  // theta = demote(promote(theta) − (ss·M)/(√V·rs + eps))
  f32At(P.theta); // address for the store
  f32At(P.theta);
  e(f64x2.load2f32, f64x2.promoteLow);
  e(op.get(L.SS), op.get(L.M), f64x2.mul);
  e(op.get(L.V), f64x2.sqrt, op.get(L.RS), f64x2.mul, op.get(L.EPS), f64x2.add, f64x2.div);
  e(f64x2.sub, f64x2.demoteZero, f64x2.store2f32);
  e(op.get(L.i), op.i32(2), op.add, op.set(L.i));
  e(op.br(0), op.end, op.end);
  e(op.end);
  return [
    ...vec([
      [...uleb(1), I32],
      [...uleb(11), V128],
    ]),
    ...b,
  ];
}

function moduleBytes(): Uint8Array {
  const params = [I32, I32, I32, I32, I32, F64, F64, F64, F64, F64, F64, F64].map((t) => [t]);
  const type = section(1, vec([[0x60, ...vec(params), ...vec([])]]));
  const func = section(3, vec([uleb(0)]));
  const memory = section(5, vec([[0x00, ...uleb(1)]]));
  const exports = section(
    7,
    vec([
      [...str('adam'), 0x00, ...uleb(0)],
      [...str('memory'), 0x02, ...uleb(0)],
    ]),
  );
  const body = adamBody();
  const code = section(10, vec([[...uleb(body.length), ...body]]));
  return moduleOf(type, func, memory, exports, code);
}

export type AdamFn = (
  theta: number,
  m: number,
  v: number,
  g: number,
  n: number,
  beta1: number,
  a1: number,
  beta2: number,
  a2: number,
  stepSize: number,
  rs: number,
  epsilon: number,
) => void;

let compiled: object | null | undefined;

/** A fresh instance (its own memory of one 64 KiB page, grown by the caller), or null if this
 * runtime cannot compile WebAssembly SIMD (the JS loop is used then). */
export function adamInstance(): { adam: AdamFn; memory: WasmMemory } | null {
  if (compiled === undefined) compiled = tryCompile(moduleBytes());
  if (compiled === null) return null;
  const ex = instantiate(compiled);
  if (typeof ex.adam !== 'function')
    throw new VibannError('adam-wasm: the module does not export its function');
  return { adam: ex.adam as AdamFn, memory: ex.memory as WasmMemory };
}
