/**
 * Noise tensors for the forward pass (see noise.ts for the generator): dropout keep masks per
 * block and ε for the VIB, for a training step (each member its own rows and seed) or for MC
 * prediction (S passes of R rows, tiled pass-major: row s·R + r is pass s of row r).
 */
import type { Noise } from './model.ts';
import { deriveSeed, EPS_STREAM, fillKeepMask, fillNormal } from './noise.ts';
import type { VibannOptions } from './options.ts';
import { allBlocks, architecture, type BlockSpec } from './params.ts';
import * as tf from './tf.ts';

/** Blocks with dropout: all of them, or only those on the path to the hardness (no decoder). */
export function dropoutBlocks(
  o: VibannOptions,
  part: 'all' | 'hardness',
): { block: BlockSpec; stream: number }[] {
  const a = architecture(o);
  const all = allBlocks(a).map((block, stream) => ({ block, stream }));
  return part === 'all' ? all : all.filter((b) => !b.block.name.startsWith('dec'));
}

/**
 * Noise of one training step of a stacked batch [M, B]: member k fills its first `rows[k]` rows
 * from stream `seeds[k]` (padding rows get mask 0 and ε 0).
 */
export function trainingNoise(
  o: VibannOptions,
  B: number,
  seeds: number[],
  rows: number[],
  part: 'all' | 'hardness' = 'all',
): Noise {
  const M = seeds.length;
  const masks: Record<string, tf.Tensor> = {};
  if (o.dropout > 0) {
    for (const { block, stream } of dropoutBlocks(o, part)) {
      const w = block.width;
      const buf = new Float32Array(M * B * w);
      for (let k = 0; k < M; k++) {
        if (rows[k] > 0)
          fillKeepMask(buf, k * B * w, deriveSeed(seeds[k], stream), 0, rows[k], w, o.dropout);
      }
      masks[block.name] = tf.tensor3d(buf, [M, B, w]);
    }
  }
  let eps: tf.Tensor | undefined;
  if (o.bottleneck === 'vib') {
    const d = o.latentDim;
    const buf = new Float32Array(M * B * d);
    for (let k = 0; k < M; k++) {
      if (rows[k] > 0) fillNormal(buf, k * B * d, deriveSeed(seeds[k], EPS_STREAM), 0, rows[k] * d);
    }
    eps = tf.tensor3d(buf, [M, B, d]);
  }
  return { masks, eps };
}

/**
 * MC-dropout masks for S passes over rows [rowStart, rowStart + R) of a prediction set, for the
 * hardness path: [M, S·R, w] per block; member k, pass s, row r uses stream
 * (seeds[k], block, s) at counter (rowStart + r)·w + unit — or, with `keys`, at row key keys[r]
 * (compositionKey: MC prediction keys the masks by composition) — so the masks do not depend on
 * chunking.
 */
export function mcNoise(
  o: VibannOptions,
  seeds: number[],
  S: number,
  rowStart: number,
  R: number,
  keys?: ArrayLike<number>,
): Noise {
  const M = seeds.length;
  const masks: Record<string, tf.Tensor> = {};
  if (o.dropout > 0) {
    for (const { block, stream } of dropoutBlocks(o, 'hardness')) {
      const w = block.width;
      const buf = new Float32Array(M * S * R * w);
      for (let k = 0; k < M; k++) {
        for (let s = 0; s < S; s++) {
          const sd = deriveSeed(seeds[k], stream, s);
          if (keys) {
            for (let r = 0; r < R; r++)
              fillKeepMask(buf, ((k * S + s) * R + r) * w, sd, keys[r], 1, w, o.dropout);
          } else fillKeepMask(buf, (k * S + s) * R * w, sd, rowStart, R, w, o.dropout);
        }
      }
      masks[block.name] = tf.tensor3d(buf, [M, S * R, w]);
    }
  }
  return { masks };
}

/** Dispose every tensor of a Noise. */
export function disposeNoise(n: Noise): void {
  for (const t of Object.values(n.masks)) t.dispose();
  n.eps?.dispose();
}
