/**
 * Coordination numbers (SPEC §13): CN_i = number of neighbours j ≠ i with d_ij < r_c (r_c 3.0 Å by
 * default, optionally per species pair); statistics overall and per centre species, histograms,
 * fraction with CN ∈ {12, 13}, and partial mean CN (mean number of b neighbours around an a atom).
 */
import type { Frame } from './frame.ts';
import type { NeighbourList } from './neighbours.ts';

export interface CoordinationStats {
  n_atoms: number;
  mean: number;
  /** Population standard deviation. */
  std: number;
  min: number;
  max: number;
  /** CN → number of centres (only CNs that occur). */
  histogram: Record<string, number>;
  frac_cn_12_or_13: number;
  frac_cn_12: number;
}

export interface Coordination {
  /** Per-atom CN. */
  cn: Int32Array;
  all: CoordinationStats;
  bySpecies: Record<string, CoordinationStats>;
  /** partial_mean_cn[a][b]: mean number of b neighbours of an a atom. */
  partialMean: Record<string, Record<string, number>>;
}

function stats(values: Int32Array, pick: (i: number) => boolean): CoordinationStats {
  let n = 0;
  let sum = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  const hist = new Map<number, number>();
  let c1213 = 0;
  let c12 = 0;
  for (let i = 0; i < values.length; i++) {
    if (!pick(i)) continue;
    const v = values[i];
    n++;
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
    hist.set(v, (hist.get(v) ?? 0) + 1);
    if (v === 12 || v === 13) c1213++;
    if (v === 12) c12++;
  }
  const mean = n > 0 ? sum / n : Number.NaN;
  let ss = 0;
  for (let i = 0; i < values.length; i++) if (pick(i)) ss += (values[i] - mean) ** 2;
  const keys = [...hist.keys()].sort((a, b) => a - b);
  return {
    n_atoms: n,
    mean,
    std: n > 0 ? Math.sqrt(ss / n) : Number.NaN,
    min: n > 0 ? min : Number.NaN,
    max: n > 0 ? max : Number.NaN,
    histogram: Object.fromEntries(keys.map((k) => [String(k), hist.get(k)!])),
    frac_cn_12_or_13: n > 0 ? c1213 / n : Number.NaN,
    frac_cn_12: n > 0 ? c12 / n : Number.NaN,
  };
}

export function coordination(frame: Frame, nl: NeighbourList): Coordination {
  const n = frame.n;
  const ns = frame.species.length;
  const sp = frame.speciesIndex;
  const cn = new Int32Array(n);
  const byPair = new Float64Array(ns * ns);
  for (let i = 0; i < n; i++) {
    cn[i] = nl.offsets[i + 1] - nl.offsets[i];
    for (let k = nl.offsets[i]; k < nl.offsets[i + 1]; k++) byPair[sp[i] * ns + sp[nl.index[k]]]++;
  }
  const count = new Float64Array(ns);
  for (let i = 0; i < n; i++) count[sp[i]]++;
  const bySpecies: Record<string, CoordinationStats> = {};
  const partialMean: Record<string, Record<string, number>> = {};
  frame.species.forEach((s, a) => {
    bySpecies[s] = stats(cn, (i) => sp[i] === a);
    partialMean[s] = Object.fromEntries(
      frame.species.map((t, b) => [t, byPair[a * ns + b] / count[a]]),
    );
  });
  return { cn, all: stats(cn, () => true), bySpecies, partialMean };
}
