/**
 * Bond angles (SPEC §13): θ_jik = arccos(clip(u·v/(|u||v|), −1, 1)) in degrees for every unordered
 * pair (j, k) of neighbours of every centre i; raw counts in 1° bins [0,1), …, [179,180] (last bin
 * closed), overall and per centre species, with mean and population standard deviation.
 */
import type { Frame } from './frame.ts';
import type { NeighbourList } from './neighbours.ts';

export interface AngleStats {
  /** Raw counts in 180 bins of 1°. */
  histogram: number[];
  n_triplets: number;
  mean: number;
  std: number;
}

export interface Angles {
  all: AngleStats;
  bySpecies: Record<string, AngleStats>;
}

const DEG = 180 / Math.PI;

export function bondAngles(frame: Frame, nl: NeighbourList): Angles {
  const ns = frame.species.length;
  const sp = frame.speciesIndex;
  const hist = new Float64Array((ns + 1) * 180);
  const sum = new Float64Array(ns + 1);
  const sum2 = new Float64Array(ns + 1);
  const cnt = new Float64Array(ns + 1);
  const { offsets, dx, dy, dz, dist } = nl;
  const allOff = ns * 180;
  for (let i = 0; i < frame.n; i++) {
    const s = sp[i];
    const so = s * 180;
    const k0 = offsets[i];
    const k1 = offsets[i + 1];
    let ls = 0;
    let ls2 = 0;
    for (let a = k0; a < k1; a++) {
      const ax = dx[a];
      const ay = dy[a];
      const az = dz[a];
      const ad = dist[a];
      for (let b = a + 1; b < k1; b++) {
        let c = (ax * dx[b] + ay * dy[b] + az * dz[b]) / (ad * dist[b]);
        if (c > 1) c = 1;
        else if (c < -1) c = -1;
        const th = Math.acos(c) * DEG;
        let bin = Math.floor(th);
        if (bin > 179) bin = 179;
        hist[so + bin]++;
        hist[allOff + bin]++;
        ls += th;
        ls2 += th * th;
      }
    }
    const m = ((k1 - k0) * (k1 - k0 - 1)) / 2;
    cnt[s] += m;
    sum[s] += ls;
    sum2[s] += ls2;
  }
  for (let s = 0; s < ns; s++) {
    cnt[ns] += cnt[s];
    sum[ns] += sum[s];
    sum2[ns] += sum2[s];
  }
  const make = (s: number): AngleStats => {
    const m = cnt[s] > 0 ? sum[s] / cnt[s] : Number.NaN;
    const v = cnt[s] > 0 ? Math.max(0, sum2[s] / cnt[s] - m * m) : Number.NaN;
    return {
      histogram: Array.from(hist.subarray(s * 180, (s + 1) * 180)),
      n_triplets: cnt[s],
      mean: m,
      std: Math.sqrt(v),
    };
  };
  const bySpecies: Record<string, AngleStats> = {};
  frame.species.forEach((name, s) => {
    bySpecies[name] = make(s);
  });
  return { all: make(ns), bySpecies };
}
