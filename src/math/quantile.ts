/**
 * Sample quantiles, one definition each:
 * - `quantile` / `quantileSorted`: numpy.quantile's default method 'linear' (Hyndman–Fan type 7),
 *   used for the calibration intervals and tails (SPEC §6), the design thresholds, the latent
 *   analysis summaries and medians;
 * - `weightedQuantile`: numpy.quantile(method='inverted_cdf', weights=…) (type 1, weighted), used for
 *   the support threshold of the latent density (SPEC §9.1).
 * Bad arguments (empty input, q outside [0, 1], bad weights) throw RangeError; callers that take
 * them from the user check first or translate to their InputError.
 */

/**
 * numpy.quantile(a, q) with the default method 'linear' on an ascending-sorted array: virtual index
 * h = (n − 1)·q, result = a[⌊h⌋] + (h − ⌊h⌋)·(a[⌊h⌋+1] − a[⌊h⌋]), using numpy's two-sided lerp
 * (b − (b − a)(1 − t) when t ≥ 0.5) so results agree with numpy to the last bit.
 */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) throw new RangeError('quantile: empty array; expected at least 1 value');
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile: q = ${q}; expected 0 ≤ q ≤ 1`);
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  if (lo >= n - 1) return sorted[n - 1];
  const t = h - lo;
  const a = sorted[lo];
  const b = sorted[lo + 1];
  const diff = b - a;
  return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

/** An ascending sorted Float64Array copy of `values` (the input is not modified). */
export function sortedCopy(values: ArrayLike<number>): Float64Array {
  const a = Float64Array.from(values);
  a.sort();
  return a;
}

/** numpy.quantile(values, q) ('linear'); the input is not modified. */
export function quantile(values: ArrayLike<number>, q: number): number {
  return quantileSorted(sortedCopy(values), q);
}

/** Median, numpy 'linear' (the mean of the two middle values for an even count). */
export function median(values: ArrayLike<number>): number {
  return quantile(values, 0.5);
}

/**
 * Weighted quantile by the inverted empirical CDF — numpy.quantile(values, q,
 * method='inverted_cdf', weights=weights): sort the values, F_j = (cumulative weight up to j) / total,
 * return the smallest value with F_j ≥ q (no interpolation). With integer weights it equals the
 * same quantile of the values repeated w_i times. Weights must be finite, ≥ 0 and not all 0.
 */
export function weightedQuantile(
  values: ArrayLike<number>,
  weights: ArrayLike<number>,
  q: number,
): number {
  const n = values.length;
  if (n === 0) throw new RangeError('weightedQuantile: no values; expected at least 1');
  if (weights.length !== n)
    throw new RangeError(`weightedQuantile: ${weights.length} weights for ${n} values`);
  if (!(q >= 0 && q <= 1)) throw new RangeError(`weightedQuantile: q = ${q}; expected 0 ≤ q ≤ 1`);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const v = weights[i];
    if (!(Number.isFinite(v) && v >= 0))
      throw new RangeError(
        `weightedQuantile: weight of value ${i + 1} is ${v}; expected a finite number ≥ 0`,
      );
    total += v;
  }
  if (!(total > 0)) throw new RangeError('weightedQuantile: all weights are 0');
  const order = Array.from({ length: n }, (_, i) => i).sort(
    (a, b) => values[a] - values[b] || a - b,
  );
  const cum = new Float64Array(n);
  let acc = 0;
  for (let j = 0; j < n; j++) {
    acc += weights[order[j]];
    cum[j] = acc;
  }
  for (let j = 0; j < n; j++) if (cum[j] / acc >= q) return values[order[j]];
  return values[order[n - 1]];
}
