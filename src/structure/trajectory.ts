/**
 * Averages over the frames of a trajectory (issue 17): every scalar descriptor of `descriptorsOf`
 * as mean ± population standard deviation over the frames analysed.
 */
import type { Descriptors } from './analyze.ts';

export interface DescriptorStat {
  mean: number;
  /** Population standard deviation over the frames (0 for one frame). */
  sd: number;
  /** Frames with a value. */
  n: number;
}

/** Mean ± sd of each descriptor over frames (null values are left out). */
export function averageDescriptors(frames: readonly Descriptors[]): Record<string, DescriptorStat> {
  const keys = new Set<string>();
  for (const f of frames) for (const k of Object.keys(f)) keys.add(k);
  const out: Record<string, DescriptorStat> = {};
  for (const k of keys) {
    const v = frames.map((f) => f[k]).filter((x): x is number => typeof x === 'number');
    if (v.length === 0) continue;
    const mean = v.reduce((s, x) => s + x, 0) / v.length;
    const sd = Math.sqrt(v.reduce((s, x) => s + (x - mean) ** 2, 0) / v.length);
    out[k] = { mean, sd, n: v.length };
  }
  return out;
}

/** Mean of equally long curves (g(r), S(Q)…) over frames. */
export function averageCurves(curves: readonly (readonly number[])[]): number[] {
  if (curves.length === 0) return [];
  const n = curves[0].length;
  const out = new Array<number>(n).fill(0);
  for (const c of curves)
    for (let k = 0; k < n; k++) out[k] += (c[k] ?? Number.NaN) / curves.length;
  return out;
}
