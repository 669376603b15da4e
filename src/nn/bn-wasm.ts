/**
 * The element loops of the fused BatchNorm kernels (fused.ts) as WebAssembly SIMD (f64x2 over
 * pairs of units), running on the tfjs wasm backend's own memory (the module imports it), so the
 * inputs are read and the outputs written where they are, without copies.
 *
 * Why: in plain JS the four passes of the batch-norm backward ran ~15–20 ns per element (JS runs
 * ~1 ns per arithmetic operation and V8 does not vectorise), ~12 % of a training step of a
 * 5-member stack of the default network, and the forward ~5 %.
 *
 * Same numbers bit for bit as the JS loops of fused.ts: the same float64 operations in the same
 * order per unit (units are independent, so two lanes change no order), float32 inputs widened
 * exactly and outputs rounded once as a Float32Array store does, rows with weight 0 skipped as
 * the JS loops skip them. `test/nn/model.test.ts` compares both paths bit for bit.
 *
 * Functions (pointers are byte offsets into the tfjs heap; f32 data, f64 scratch; w even):
 *   moments(r, B, w, a, mean, var)   mean[u] += a_b·r[b,u]; then var[u] += (a_b·c)·c, c = r − mean
 *                                    (rows with a_b = 0 skipped; mean, var zeroed by the caller)
 *   apply(r, y, B, w, scale, shift, mask)   y = f32((r·scale + shift)·mask)  (mask 0: none)
 *   back1(dy, r, mask, g, B, w, mu, s, db, dg)   g = dy·mask (f64); db += g; dg += (g·(r − μ))·s
 *   back2(r, g, dpre, B, w, a, gs, s, s1, s2, mu, bias)
 *       d = (g·gs − (a_b·s)·(s1 + (r − μ)·s2))·[r > 0]; dpre = f32(d); bias += d
 */
import { instantiate, tryCompile, type WasmMemory, wasmEncoding } from './kernel-wasm.ts';

const { uleb, vec, section, str, op, f64x2, moduleOf, I32, V128 } = wasmEncoding;
const { load2f32, store2f32, bitselect, f64Const, f64Load, f64Ne } = f64x2;
const i32Sub = [0x6b];
const i32 = {
  and: [0x71],
  xor: [0x73],
  shl: [0x74],
  shrS: [0x75],
  shrU: [0x76],
  mul: [0x6c],
  load: [0x28, 2, 0],
};
const f64ConvertI32S = [0xb7];
const f64Mul = [0xa2];
const f64x2ReplaceLane1 = [0xfd, ...uleb(0x22), 1];
const SELECT = [0x1b];

/** A function body builder with named i32 and v128 locals after the i32 parameters. */
function fn(
  params: string[],
  i32s: string[],
  v128s: string[],
  build: (x: Builder) => void,
): number[] {
  const idx = new Map<string, number>();
  for (const [i, n] of [...params, ...i32s, ...v128s].entries()) idx.set(n, i);
  const code: number[] = [];
  const x: Builder = {
    e: (...xs) => {
      for (const y of xs) code.push(...y);
    },
    get: (n) => op.get(idx.get(n) as number),
    set: (n) => op.set(idx.get(n) as number),
  };
  build(x);
  code.push(...op.end);
  const locals = vec([
    [...uleb(i32s.length), I32],
    [...uleb(v128s.length), V128],
  ]);
  return [...locals, ...code];
}
interface Builder {
  e: (...xs: number[][]) => void;
  get: (n: string) => number[];
  set: (n: string) => number[];
}

/** for (v = 0; v < limit; v += step) { body } with i32 locals. */
function forLoop(x: Builder, v: string, limit: number[], step: number, body: () => void): void {
  x.e(op.i32(0), x.set(v), op.block, op.loop);
  x.e(x.get(v), limit, op.ltU, op.eqz, op.brIf(1));
  body();
  x.e(x.get(v), op.i32(step), op.add, x.set(v), op.br(0), op.end, op.end);
}

/** Address p + u·scale (u an i32 local). */
const at = (x: Builder, p: string, u: string, shift: number) =>
  x.e(x.get(p), x.get(u), op.i32(shift), op.shl, op.add);

function momentsBody(): number[] {
  return fn(['r', 'B', 'w', 'a', 'mean', 'var'], ['b', 'u', 'ro'], ['A', 'c'], (x) => {
    for (const pass of [0, 1]) {
      forLoop(x, 'b', x.get('B'), 1, () => {
        // A = a[b]; skip the row when 0
        at(x, 'a', 'b', 3);
        x.e(f64Load, f64x2.splat, x.set('A'));
        at(x, 'a', 'b', 3);
        x.e(f64Load, f64Const(0), f64Ne, op.if);
        // ro = r + b·w·4
        x.e(x.get('r'), x.get('b'), x.get('w'), op.mul, op.i32(2), op.shl, op.add, x.set('ro'));
        forLoop(x, 'u', x.get('w'), 2, () => {
          if (pass === 0) {
            at(x, 'mean', 'u', 3);
            at(x, 'mean', 'u', 3);
            x.e(op.v128Load(0), x.get('A'));
            at(x, 'ro', 'u', 2);
            x.e(load2f32, f64x2.promoteLow, f64x2.mul, f64x2.add, op.v128Store(0));
          } else {
            at(x, 'ro', 'u', 2);
            x.e(load2f32, f64x2.promoteLow);
            at(x, 'mean', 'u', 3);
            x.e(op.v128Load(0), f64x2.sub, x.set('c'));
            at(x, 'var', 'u', 3);
            at(x, 'var', 'u', 3);
            x.e(op.v128Load(0), x.get('A'), x.get('c'), f64x2.mul, x.get('c'), f64x2.mul);
            x.e(f64x2.add, op.v128Store(0));
          }
        });
        x.e(op.end);
      });
    }
  });
}

function applyBody(): number[] {
  return fn(['r', 'y', 'B', 'w', 'scale', 'shift', 'mask'], ['i', 'n', 'u'], ['v'], (x) => {
    // rows are contiguous: one loop over B·w elements, u = i mod w
    x.e(x.get('B'), x.get('w'), op.mul, x.set('n'), op.i32(0), x.set('u'));
    forLoop(x, 'i', x.get('n'), 2, () => {
      at(x, 'y', 'i', 2); // store address
      at(x, 'r', 'i', 2);
      x.e(load2f32, f64x2.promoteLow);
      at(x, 'scale', 'u', 3);
      x.e(op.v128Load(0), f64x2.mul);
      at(x, 'shift', 'u', 3);
      x.e(op.v128Load(0), f64x2.add, x.set('v'));
      x.e(x.get('mask'), op.if);
      x.e(x.get('v'));
      at(x, 'mask', 'i', 2);
      x.e(load2f32, f64x2.promoteLow, f64x2.mul, x.set('v'));
      x.e(op.end);
      x.e(x.get('v'), f64x2.demoteZero, store2f32);
      // u += 2; if (u == w) u = 0
      x.e(x.get('u'), op.i32(2), op.add, x.set('u'));
      x.e(x.get('u'), x.get('w'), i32Sub, op.eqz, op.if, op.i32(0), x.set('u'), op.end);
    });
  });
}

function back1Body(): number[] {
  return fn(
    ['dy', 'r', 'mask', 'g', 'B', 'w', 'mu', 's', 'db', 'dg'],
    ['i', 'n', 'u'],
    ['G'],
    (x) => {
      x.e(x.get('B'), x.get('w'), op.mul, x.set('n'), op.i32(0), x.set('u'));
      forLoop(x, 'i', x.get('n'), 2, () => {
        at(x, 'dy', 'i', 2);
        x.e(load2f32, f64x2.promoteLow, x.set('G'));
        x.e(x.get('mask'), op.if);
        x.e(x.get('G'));
        at(x, 'mask', 'i', 2);
        x.e(load2f32, f64x2.promoteLow, f64x2.mul, x.set('G'));
        x.e(op.end);
        at(x, 'g', 'i', 3);
        x.e(x.get('G'), op.v128Store(0));
        // db[u] += G
        at(x, 'db', 'u', 3);
        at(x, 'db', 'u', 3);
        x.e(op.v128Load(0), x.get('G'), f64x2.add, op.v128Store(0));
        // dg[u] += (G·(r − μ))·s
        at(x, 'dg', 'u', 3);
        at(x, 'dg', 'u', 3);
        x.e(op.v128Load(0), x.get('G'));
        at(x, 'r', 'i', 2);
        x.e(load2f32, f64x2.promoteLow);
        at(x, 'mu', 'u', 3);
        x.e(op.v128Load(0), f64x2.sub, f64x2.mul);
        at(x, 's', 'u', 3);
        x.e(op.v128Load(0), f64x2.mul, f64x2.add, op.v128Store(0));
        x.e(x.get('u'), op.i32(2), op.add, x.set('u'));
        x.e(x.get('u'), x.get('w'), i32Sub, op.eqz, op.if, op.i32(0), x.set('u'), op.end);
      });
    },
  );
}

function back2Body(): number[] {
  return fn(
    ['r', 'g', 'dpre', 'B', 'w', 'a', 'gs', 's', 's1', 's2', 'mu', 'bias'],
    ['b', 'u', 'i'],
    ['A', 'R', 'D', 'ONE', 'ZERO'],
    (x) => {
      x.e(f64Const(1), f64x2.splat, x.set('ONE'), f64Const(0), f64x2.splat, x.set('ZERO'));
      x.e(op.i32(0), x.set('i'));
      forLoop(x, 'b', x.get('B'), 1, () => {
        at(x, 'a', 'b', 3);
        x.e(f64Load, f64x2.splat, x.set('A'));
        forLoop(x, 'u', x.get('w'), 2, () => {
          at(x, 'r', 'i', 2);
          x.e(load2f32, f64x2.promoteLow, x.set('R'));
          // g·gs
          at(x, 'g', 'i', 3);
          x.e(op.v128Load(0));
          at(x, 'gs', 'u', 3);
          x.e(op.v128Load(0), f64x2.mul);
          // (A·s)·(s1 + (R − μ)·s2)
          x.e(x.get('A'));
          at(x, 's', 'u', 3);
          x.e(op.v128Load(0), f64x2.mul);
          at(x, 's1', 'u', 3);
          x.e(op.v128Load(0), x.get('R'));
          at(x, 'mu', 'u', 3);
          x.e(op.v128Load(0), f64x2.sub);
          at(x, 's2', 'u', 3);
          x.e(op.v128Load(0), f64x2.mul, f64x2.add, f64x2.mul, f64x2.sub);
          // · [R > 0] as 1 or 0
          x.e(x.get('ONE'), x.get('ZERO'), x.get('R'), x.get('ZERO'), f64x2.gt, bitselect);
          x.e(f64x2.mul, x.set('D'));
          at(x, 'dpre', 'i', 2);
          x.e(x.get('D'), f64x2.demoteZero, store2f32);
          at(x, 'bias', 'u', 3);
          at(x, 'bias', 'u', 3);
          x.e(op.v128Load(0), x.get('D'), f64x2.add, op.v128Store(0));
          x.e(x.get('i'), op.i32(2), op.add, x.set('i'));
        });
      });
    },
  );
}

/**
 * hashed(r, y, R, S, tile, w, scale, shift, seeds, thr, keep): bnForwardHashed's loop for one
 * member — S passes × R rows; row t = s·R + q reads input row (tile ? q : t) and writes output
 * row t; its xorshift32 state starts at seeds[t] (i32), each step gives the keep draws of two
 * units: y = f32((r·scale + shift)·(k·keep)), k = 1 when the 16-bit draw ≥ thr, else 0.
 */
function hashedBody(): number[] {
  return fn(
    ['r', 'y', 'R', 'S', 'tile', 'w', 'scale', 'shift', 'seeds', 'thr', 'keepPtr'],
    ['s', 'q', 't', 'u', 'x', 'v', 'ip', 'op'],
    ['K'],
    (x) => {
      const keep = () => x.e(x.get('keepPtr'), f64Load);
      // k = 1 + ((draw − thr) >> 31) as f64, times keep (exactly 0 or keep, as k·keep in JS)
      const k = () => x.e(x.get('thr'), i32Sub, op.i32(31), i32.shrS, op.add, f64ConvertI32S);
      forLoop(x, 's', x.get('S'), 1, () => {
        forLoop(x, 'q', x.get('R'), 1, () => {
          // t = s·R + q; ip = r + (tile ? q : t)·w·4; op = y + t·w·4; x = seeds[t]
          x.e(x.get('s'), x.get('R'), op.mul, x.get('q'), op.add, x.set('t'));
          x.e(x.get('r'), x.get('q'), x.get('t'), x.get('tile'), SELECT);
          x.e(x.get('w'), op.mul, op.i32(2), op.shl, op.add, x.set('ip'));
          x.e(x.get('y'), x.get('t'), x.get('w'), op.mul, op.i32(2), op.shl, op.add, x.set('op'));
          at(x, 'seeds', 't', 2);
          x.e(i32.load, x.set('x'));
          forLoop(x, 'u', x.get('w'), 2, () => {
            // xorshift32, then v = x·0x9e3779b9 (Math.imul)
            x.e(x.get('x'), x.get('x'), op.i32(13), i32.shl, i32.xor, x.set('x'));
            x.e(x.get('x'), x.get('x'), op.i32(17), i32.shrU, i32.xor, x.set('x'));
            x.e(x.get('x'), x.get('x'), op.i32(5), i32.shl, i32.xor, x.set('x'));
            x.e(x.get('x'), op.i32(0x9e3779b9 | 0), i32.mul, x.set('v'));
            // K = (k0·keep, k1·keep): k0 from v & 0xffff, k1 from (v >>> 16) & 0xffff
            x.e(op.i32(1), x.get('v'), op.i32(0xffff), i32.and);
            k();
            keep();
            x.e(f64Mul, f64x2.splat);
            x.e(op.i32(1), x.get('v'), op.i32(16), i32.shrU, op.i32(0xffff), i32.and);
            k();
            keep();
            x.e(f64Mul, f64x2ReplaceLane1, x.set('K'));
            // y[u…] = f32((r·scale + shift)·K)
            at(x, 'op', 'u', 2);
            at(x, 'ip', 'u', 2);
            x.e(load2f32, f64x2.promoteLow);
            at(x, 'scale', 'u', 3);
            x.e(op.v128Load(0), f64x2.mul);
            at(x, 'shift', 'u', 3);
            x.e(op.v128Load(0), f64x2.add, x.get('K'), f64x2.mul, f64x2.demoteZero, store2f32);
          });
        });
      });
    },
  );
}

function moduleBytes(): Uint8Array {
  const sig = (n: number) => [0x60, ...vec(new Array(n).fill([I32])), ...vec([])];
  const bodies = [momentsBody(), applyBody(), back1Body(), back2Body(), hashedBody()];
  const arity = [6, 7, 10, 12, 11];
  const type = section(1, vec(arity.map(sig)));
  const imports = section(2, vec([[...str('env'), ...str('memory'), 0x02, 0x00, ...uleb(1)]]));
  const func = section(3, vec(arity.map((_, i) => uleb(i))));
  const names = ['moments', 'apply', 'back1', 'back2', 'hashed'];
  const exports = section(7, vec(names.map((n, i) => [...str(n), 0x00, ...uleb(i)])));
  const code = section(10, vec(bodies.map((b) => [...uleb(b.length), ...b])));
  return moduleOf(type, imports, func, exports, code);
}

type I = number;
export interface BnWasm {
  moments(r: I, B: I, w: I, a: I, mean: I, variance: I): void;
  apply(r: I, y: I, B: I, w: I, scale: I, shift: I, mask: I): void;
  back1(dy: I, r: I, mask: I, g: I, B: I, w: I, mu: I, s: I, db: I, dg: I): void;
  back2(r: I, g: I, dpre: I, B: I, w: I, a: I, gs: I, s: I, s1: I, s2: I, mu: I, bias: I): void;
  hashed(
    r: I,
    y: I,
    R: I,
    S: I,
    tile: I,
    w: I,
    scale: I,
    shift: I,
    seeds: I,
    thr: I,
    keepPtr: I,
  ): void;
}

let compiled: object | null | undefined;
const instances = new WeakMap<object, BnWasm>();

/**
 * The functions bound to a wasm memory (the tfjs backend's), or null if this runtime cannot
 * compile WebAssembly SIMD (fused.ts keeps its JS loops then).
 */
export function bnWasmFor(memory: Pick<WasmMemory, 'buffer'>): BnWasm | null {
  if (compiled === undefined) compiled = tryCompile(moduleBytes());
  if (compiled === null) return null;
  let inst = instances.get(memory);
  if (!inst) {
    let ex: Record<string, unknown>;
    try {
      ex = instantiate(compiled, { env: { memory } });
    } catch {
      return null; // e.g. a shared memory (threaded tfjs build): the import does not link
    }
    inst = {
      moments: ex.moments as BnWasm['moments'],
      apply: ex.apply as BnWasm['apply'],
      back1: ex.back1 as BnWasm['back1'],
      back2: ex.back2 as BnWasm['back2'],
      hashed: ex.hashed as BnWasm['hashed'],
    };
    instances.set(memory, inst);
  }
  return inst;
}
