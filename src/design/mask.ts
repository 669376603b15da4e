/** Restrict a decoded vector to the permitted elements and renormalise (SPEC §9.6). */
export function applyMask(v: ArrayLike<number>, mask: readonly boolean[] | undefined): number[] {
  if (!mask) return Array.from(v);
  let s = 0;
  const out = Array.from(v, (x, i) => (mask[i] ? x : 0));
  for (const x of out) s += x;
  if (!(s > 0)) throw new Error('applyMask: the permitted elements have zero probability');
  return out.map((x) => x / s);
}
