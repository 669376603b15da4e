/**
 * Gradient registrations for the tfjs-core kernels vibann differentiates through.
 *
 * The lean `@tensorflow/tfjs-core` Node bundle registers no gradients (tfjs-layers or the
 * umbrella package normally do it through `dist/register_all_gradients`, whose ESM files Node
 * cannot load), so `tf.grads` fails with "gradient function not found". We register the ones
 * we need, written from the derivative of each op. A kernel that already has a gradient is
 * left alone, so loading another registration first is harmless.
 */
import * as tf from '@tensorflow/tfjs-core';

type GradMap = Record<string, () => tf.Tensor>;
type Saved = tf.Tensor[];
type Attrs = tf.NamedAttrMap;

/** Sum a broadcast gradient back to `shape`. */
function unbroadcast(g: tf.Tensor, shape: number[]): tf.Tensor {
  const axes = tf.broadcast_util.getReductionAxes(shape, g.shape);
  const r = axes.length > 0 ? tf.sum(g, axes) : g;
  return tf.reshape(r, shape);
}

function reg(
  kernelName: string,
  gradFunc: (dy: tf.Tensor, saved: Saved, attrs: Attrs) => GradMap,
  opts: { inputsToSave?: string[]; outputsToSave?: boolean[]; saveAllInputs?: boolean } = {},
): void {
  if (tf.getGradient(kernelName) != null) return;
  tf.registerGradient({
    kernelName,
    inputsToSave: opts.inputsToSave,
    outputsToSave: opts.outputsToSave,
    saveAllInputs: opts.saveAllInputs,
    gradFunc: ((dy: tf.Tensor | tf.Tensor[], saved: Saved, attrs: Attrs) =>
      gradFunc(dy as tf.Tensor, saved, attrs)) as tf.GradConfig['gradFunc'],
  });
}

function axesOf(attrs: Attrs, shape: number[]): number[] {
  const axis = attrs.axis as number | number[] | null | undefined;
  return tf.util.parseAxisParam(axis ?? shape.map((_, i) => i), shape);
}

/** dy of a reduction, broadcast back to the input shape. */
function expandReduced(dy: tf.Tensor, xShape: number[], axes: number[]): tf.Tensor {
  const kept = xShape.map((d, i) => (axes.includes(i) ? 1 : d));
  // a broadcasting multiply with ones: tf.broadcastTo (a Tile) is ~10× slower on wasm
  return tf.mul(tf.reshape(dy, kept), tf.ones(xShape));
}

let done = false;

/** Register the gradients (idempotent). */
export function registerVibannGradients(): void {
  if (done) return;
  done = true;
  const bin = { inputsToSave: ['a', 'b'] };
  reg(
    'Add',
    (dy, [a, b]) => ({ a: () => unbroadcast(dy, a.shape), b: () => unbroadcast(dy, b.shape) }),
    bin,
  );
  reg(
    'Sub',
    (dy, [a, b]) => ({
      a: () => unbroadcast(dy, a.shape),
      b: () => unbroadcast(tf.neg(dy), b.shape),
    }),
    bin,
  );
  reg(
    'Multiply',
    (dy, [a, b]) => ({
      a: () => unbroadcast(tf.mul(dy, b), a.shape),
      b: () => unbroadcast(tf.mul(dy, a), b.shape),
    }),
    bin,
  );
  reg(
    'RealDiv',
    (dy, [a, b]) => ({
      a: () => unbroadcast(tf.div(dy, b), a.shape),
      b: () => unbroadcast(tf.neg(tf.div(tf.mul(dy, a), tf.square(b))), b.shape),
    }),
    bin,
  );
  reg(
    'SquaredDifference',
    (dy, [a, b]) => {
      const two = tf.scalar(2);
      return {
        a: () => unbroadcast(tf.mul(dy, tf.mul(two, tf.sub(a, b))), a.shape),
        b: () => unbroadcast(tf.mul(dy, tf.mul(two, tf.sub(b, a))), b.shape),
      };
    },
    bin,
  );
  reg(
    'Maximum',
    (dy, [a, b]) => ({
      a: () => unbroadcast(tf.mul(dy, tf.cast(tf.greaterEqual(a, b), 'float32')), a.shape),
      b: () => unbroadcast(tf.mul(dy, tf.cast(tf.less(a, b), 'float32')), b.shape),
    }),
    bin,
  );
  reg(
    'Minimum',
    (dy, [a, b]) => ({
      a: () => unbroadcast(tf.mul(dy, tf.cast(tf.lessEqual(a, b), 'float32')), a.shape),
      b: () => unbroadcast(tf.mul(dy, tf.cast(tf.greater(a, b), 'float32')), b.shape),
    }),
    bin,
  );
  reg(
    'AddN',
    (dy, saved) => Object.fromEntries(saved.map((_, i) => [String(i), () => tf.clone(dy)])),
    {
      saveAllInputs: true,
    },
  );
  reg('Neg', (dy) => ({ x: () => tf.neg(dy) }));
  reg('Identity', (dy) => ({ x: () => tf.clone(dy) }));
  reg('Cast', (dy) => ({ x: () => tf.clone(dy) }));
  reg('Exp', (dy, [y]) => ({ x: () => tf.mul(dy, y) }), { outputsToSave: [true] });
  reg('Log', (dy, [x]) => ({ x: () => tf.div(dy, x) }), { inputsToSave: ['x'] });
  reg('Sqrt', (dy, [y]) => ({ x: () => tf.div(dy, tf.mul(tf.scalar(2), y)) }), {
    outputsToSave: [true],
  });
  reg(
    'Rsqrt',
    (dy, [y]) => ({ x: () => tf.mul(dy, tf.mul(tf.scalar(-0.5), tf.mul(y, tf.square(y)))) }),
    {
      outputsToSave: [true],
    },
  );
  reg('Square', (dy, [x]) => ({ x: () => tf.mul(dy, tf.mul(tf.scalar(2), x)) }), {
    inputsToSave: ['x'],
  });
  reg('Relu', (dy, [x]) => ({ x: () => tf.mul(dy, tf.step(x)) }), { inputsToSave: ['x'] });
  reg('Sigmoid', (dy, [y]) => ({ x: () => tf.mul(dy, tf.mul(y, tf.sub(tf.scalar(1), y))) }), {
    outputsToSave: [true],
  });
  reg('Tanh', (dy, [y]) => ({ x: () => tf.mul(dy, tf.sub(tf.scalar(1), tf.square(y))) }), {
    outputsToSave: [true],
  });
  reg('Softplus', (dy, [x]) => ({ x: () => tf.mul(dy, tf.sigmoid(x)) }), { inputsToSave: ['x'] });
  reg(
    'ClipByValue',
    (dy, [x], attrs) => {
      const lo = attrs.clipValueMin as number;
      const hi = attrs.clipValueMax as number;
      return {
        x: () =>
          tf.mul(
            dy,
            tf.cast(tf.logicalAnd(tf.greaterEqual(x, lo), tf.lessEqual(x, hi)), 'float32'),
          ),
      };
    },
    { inputsToSave: ['x'] },
  );
  reg(
    'Softmax',
    (dy, [y], attrs) => {
      const dim = attrs.dim as number;
      return { logits: () => tf.mul(y, tf.sub(dy, tf.sum(tf.mul(dy, y), dim, true))) };
    },
    { outputsToSave: [true] },
  );
  reg(
    'Sum',
    (dy, [x], attrs) => ({ x: () => expandReduced(dy, x.shape, axesOf(attrs, x.shape)) }),
    { inputsToSave: ['x'] },
  );
  reg(
    'Mean',
    (dy, [x], attrs) => {
      const axes = axesOf(attrs, x.shape);
      const n = axes.reduce((p, a) => p * x.shape[a], 1);
      return { x: () => tf.div(expandReduced(dy, x.shape, axes), tf.scalar(n)) };
    },
    { inputsToSave: ['x'] },
  );
  reg('Reshape', (dy, [x]) => ({ x: () => tf.reshape(dy, x.shape) }), { inputsToSave: ['x'] });
  reg('ExpandDims', (dy, [x]) => ({ input: () => tf.reshape(dy, x.shape) }), {
    inputsToSave: ['input'],
  });
  reg('Squeeze', (dy, [x]) => ({ x: () => tf.reshape(dy, x.shape) }), { inputsToSave: ['x'] });
  reg('Transpose', (dy, _s, attrs) => {
    const perm = attrs.perm as number[];
    const inv = perm.map((_, i) => perm.indexOf(i));
    return { x: () => tf.transpose(dy, inv) };
  });
  reg(
    'Pack',
    (dy, saved, attrs) => {
      const parts = tf.unstack(dy, attrs.axis as number);
      return Object.fromEntries(saved.map((_, i) => [String(i), () => parts[i]]));
    },
    { saveAllInputs: true },
  );
  reg(
    'Slice',
    (dy, [x], attrs) => {
      const [begin, size] = tf.slice_util.parseSliceParams(
        x,
        attrs.begin as number[],
        attrs.size as number[],
      );
      const pad = x.shape.map((d, i) => [begin[i], d - begin[i] - size[i]] as [number, number]);
      return { x: () => tf.pad(dy, pad) };
    },
    { inputsToSave: ['x'] },
  );
  reg(
    'Concat',
    (dy, saved, attrs) => {
      const axis = tf.util.parseAxisParam(attrs.axis as number, saved[0].shape)[0];
      const parts = tf.split(
        dy,
        saved.map((t) => t.shape[axis]),
        axis,
      );
      return Object.fromEntries(parts.map((p, i) => [String(i), () => p]));
    },
    { saveAllInputs: true },
  );
  reg(
    'BatchMatMul',
    (dy, [a, b], attrs) => {
      const tA = attrs.transposeA as boolean;
      const tB = attrs.transposeB as boolean;
      const ga = (): tf.Tensor =>
        !tA
          ? tf.matMul(dy, b, false, !tB)
          : tB
            ? tf.matMul(b, dy, true, true)
            : tf.matMul(b, dy, false, true);
      const gb = (): tf.Tensor =>
        !tB
          ? tf.matMul(a, dy, !tA, false)
          : tA
            ? tf.matMul(dy, a, true, true)
            : tf.matMul(dy, a, true, false);
      return { a: () => unbroadcastBatch(ga(), a.shape), b: () => unbroadcastBatch(gb(), b.shape) };
    },
    bin,
  );
}

/** Sum a batched-matmul gradient over broadcast batch dimensions. */
function unbroadcastBatch(g: tf.Tensor, shape: number[]): tf.Tensor {
  if (g.rank === shape.length && g.shape.every((d, i) => d === shape[i])) return g;
  return unbroadcast(g, shape);
}
