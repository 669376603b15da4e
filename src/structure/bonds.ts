/**
 * Bond lengths (SPEC §13): the unique pairs i < j with d_ij < r_c, with count, mean, population
 * standard deviation, min and max, overall and per species pair ('a-b', a ≤ b alphabetically).
 */
import type { Frame } from './frame.ts';
import type { NeighbourList } from './neighbours.ts';
import { pairKey } from './rdf.ts';

export interface BondStats {
  n: number;
  mean: number;
  /** Population standard deviation (ddof = 0). */
  std: number;
  min: number;
  max: number;
}

export interface Bonds {
  all: BondStats;
  byPair: Record<string, BondStats>;
}

export function bondStats(frame: Frame, nl: NeighbourList): Bonds {
  const ns = frame.species.length;
  const sp = frame.speciesIndex;
  const slots = ns * ns + 1; // last slot = all
  const n = new Float64Array(slots);
  const sum = new Float64Array(slots);
  const min = new Float64Array(slots).fill(Number.POSITIVE_INFINITY);
  const max = new Float64Array(slots).fill(Number.NEGATIVE_INFINITY);
  const slotOf = (i: number, j: number) => {
    const a = sp[i];
    const b = sp[j];
    return a <= b ? a * ns + b : b * ns + a;
  };
  const all = ns * ns;
  for (let i = 0; i < frame.n; i++) {
    for (let k = nl.offsets[i]; k < nl.offsets[i + 1]; k++) {
      const j = nl.index[k];
      if (j <= i) continue;
      const d = nl.dist[k];
      for (const s of [slotOf(i, j), all]) {
        n[s]++;
        sum[s] += d;
        if (d < min[s]) min[s] = d;
        if (d > max[s]) max[s] = d;
      }
    }
  }
  const mean = sum.map((v, s) => (n[s] > 0 ? v / n[s] : Number.NaN));
  const ss = new Float64Array(slots);
  for (let i = 0; i < frame.n; i++) {
    for (let k = nl.offsets[i]; k < nl.offsets[i + 1]; k++) {
      const j = nl.index[k];
      if (j <= i) continue;
      const d = nl.dist[k];
      const s = slotOf(i, j);
      ss[s] += (d - mean[s]) ** 2;
      ss[all] += (d - mean[all]) ** 2;
    }
  }
  const make = (s: number): BondStats => ({
    n: n[s],
    mean: mean[s],
    std: n[s] > 0 ? Math.sqrt(ss[s] / n[s]) : Number.NaN,
    min: n[s] > 0 ? min[s] : Number.NaN,
    max: n[s] > 0 ? max[s] : Number.NaN,
  });
  const byPair: Record<string, BondStats> = {};
  for (let a = 0; a < ns; a++) {
    for (let b = a; b < ns; b++)
      byPair[pairKey(frame.species[a], frame.species[b])] = make(a * ns + b);
  }
  return { all: make(all), byPair };
}
