/** log Σ exp(v_i) without overflow: m + log Σ exp(v_i − m), m = max v_i; −∞ for an empty or all −∞ input. */
export function logSumExp(v: ArrayLike<number>): number {
  let m = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < v.length; i++) if (v[i] > m) m = v[i];
  if (m === Number.NEGATIVE_INFINITY) return m;
  let s = 0;
  for (let i = 0; i < v.length; i++) s += Math.exp(v[i] - m);
  return m + Math.log(s);
}
