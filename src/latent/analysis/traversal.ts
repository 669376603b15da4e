/**
 * Latent traversal (SPEC §8, docs/original.md §7.5): from an anchor latent, sweep one coordinate at a
 * time over `steps` evenly spaced values between its q0.01 and q0.99 over the reference latents
 * (train_fit), the other coordinates held at the anchor, and predict hardness from the latent
 * with the hardness head (no decoding, no re-encoding). Each coordinate is summarised by the
 * peak-to-peak amplitude max − min of its predicted HV.
 */
import { quantile } from '../../math/quantile.ts';
import { InputError } from '../../util/errors.ts';
import { column, type Matrix } from './stats.ts';

/** Predicted HV of latents given as an n × d row-major matrix. */
export type LatentPredictor = (z: Matrix) => Float64Array | Promise<Float64Array>;

export interface TraversalOptions {
  /** Values per coordinate (default 25). */
  steps?: number;
  /** Lower and upper quantile of each coordinate's sweep (default 0.01, 0.99). */
  range?: [number, number];
}

export interface TraversalResult {
  /** Swept values per coordinate: values[j][s]. */
  values: number[][];
  /** Predicted HV per coordinate and step: hv[j][s]. */
  hv: number[][];
  /** Peak-to-peak amplitude of hv[j], HV. */
  amplitude: number[];
  /** Predicted HV at the anchor itself. */
  anchorHv: number;
}

/** Sweep ranges per coordinate: [q_lo, q_hi] of each column of `reference`. */
export function sweepRanges(reference: Matrix, range: [number, number] = [0.01, 0.99]): number[][] {
  if (reference.n === 0) throw new InputError('traversal: no reference latents');
  return Array.from({ length: reference.d }, (_, j) => {
    const c = column(reference, j);
    return [quantile(c, range[0]), quantile(c, range[1])];
  });
}

/** Traverse every coordinate from `anchor` (one batched prediction of d·steps + 1 latents). */
export async function traverse(
  anchor: readonly number[],
  ranges: readonly (readonly number[])[],
  predict: LatentPredictor,
  o: TraversalOptions = {},
): Promise<TraversalResult> {
  const d = anchor.length;
  if (ranges.length !== d)
    throw new InputError(`traversal: ${ranges.length} ranges for a ${d}-dimensional anchor`);
  const S = o.steps ?? 25;
  if (!Number.isInteger(S) || S < 2) throw new InputError(`traversal: steps ${S}; expected ≥ 2`);
  const values = ranges.map(([lo, hi]) =>
    Array.from({ length: S }, (_, s) => lo + ((hi - lo) * s) / (S - 1)),
  );
  const n = d * S + 1;
  const z = new Float64Array(n * d);
  for (let j = 0; j < d; j++) {
    for (let s = 0; s < S; s++) {
      const r = j * S + s;
      z.set(anchor, r * d);
      z[r * d + j] = values[j][s];
    }
  }
  z.set(anchor, (n - 1) * d);
  const y = await predict({ data: z, n, d });
  const hv = Array.from({ length: d }, (_, j) => Array.from(y.subarray(j * S, (j + 1) * S)));
  const amplitude = hv.map((v) => Math.max(...v) - Math.min(...v));
  return { values, hv, amplitude, anchorHv: y[n - 1] };
}

/**
 * The two anchors of SPEC §8: the centre (mean of the reference latents) and one reference latent
 * drawn at random among the rows with HV ≥ q0.92 of the reference HV (`pick` returns an index in
 * [0, count)).
 */
export function traversalAnchors(
  reference: Matrix,
  hv: ArrayLike<number>,
  pick: (count: number) => number,
  q = 0.92,
): { centre: number[]; high: number[]; highRow: number; threshold: number } {
  const centre = Array.from({ length: reference.d }, (_, j) => {
    let s = 0;
    for (let i = 0; i < reference.n; i++) s += reference.data[i * reference.d + j];
    return s / reference.n;
  });
  const thr = quantile(hv, q);
  const hard: number[] = [];
  for (let i = 0; i < reference.n; i++) if (hv[i] >= thr) hard.push(i);
  const highRow = hard[pick(hard.length)];
  const high = Array.from(
    reference.data.subarray(highRow * reference.d, (highRow + 1) * reference.d),
  );
  return { centre, high, highRow, threshold: thr };
}
