/**
 * Summary statistics: mean, population and sample standard deviation, Pearson and Spearman correlation (with
 * scipy's average ranks). Sums run in index order, so results are bit-identical to the loops they
 * replace.
 */

/** Arithmetic mean; NaN for an empty input. */
export function mean(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i];
  return v.length > 0 ? s / v.length : Number.NaN;
}

/** Population standard deviation √(Σ(v − v̄)² / n) (numpy.std, ddof 0); NaN for an empty input. */
export function stdPop(v: ArrayLike<number>): number {
  const m = mean(v);
  let s = 0;
  for (let i = 0; i < v.length; i++) s += (v[i] - m) ** 2;
  return v.length > 0 ? Math.sqrt(s / v.length) : Number.NaN;
}

/** Sample standard deviation √(Σ(v − v̄)² / (n − 1)) (numpy.std, ddof 1); NaN for fewer than 2 values. */
export function stdSample(v: ArrayLike<number>): number {
  if (v.length < 2) return Number.NaN;
  const m = mean(v);
  let s = 0;
  for (let i = 0; i < v.length; i++) s += (v[i] - m) ** 2;
  return Math.sqrt(s / (v.length - 1));
}

/** Mean and sample sd of a report's column (sd 0 for a single value, the reports' convention). */
export function meanSd(v: ArrayLike<number>): { m: number; sd: number } {
  return { m: mean(v), sd: v.length > 1 ? stdSample(v) : 0 };
}

/** Pearson correlation (NaN when either variable is constant). Throws RangeError on unequal lengths. */
export function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length)
    throw new RangeError(`pearson: lengths differ (${a.length} and ${b.length})`);
  const ma = mean(a);
  const mb = mean(b);
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] - ma;
    const y = b[i] - mb;
    sab += x * y;
    saa += x * x;
    sbb += y * y;
  }
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : Number.NaN;
}

/** Ranks 1..n with ties given their average rank (as scipy.stats.rankdata 'average'). */
export function ranks(v: ArrayLike<number>): Float64Array {
  const n = v.length;
  const idx = Array.from({ length: n }, (_, i) => i).sort((i, j) => v[i] - v[j]);
  const r = new Float64Array(n);
  let s = 0;
  while (s < n) {
    let e = s;
    while (e + 1 < n && v[idx[e + 1]] === v[idx[s]]) e++;
    const avg = (s + e) / 2 + 1;
    for (let k = s; k <= e; k++) r[idx[k]] = avg;
    s = e + 1;
  }
  return r;
}

/** Spearman rank correlation (Pearson of the average ranks). */
export function spearman(a: ArrayLike<number>, b: ArrayLike<number>): number {
  return pearson(ranks(a), ranks(b));
}
