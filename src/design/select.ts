/**
 * Greedy diverse selection (SPEC §9.4, §9.7): take items in decreasing score order, skipping any
 * closer than `minSeparation` (Euclidean distance between fraction vectors) to one already taken.
 */
export interface Scored {
  score: number;
  /** Composition as a vector over one common basis. */
  vector: ArrayLike<number>;
  /** Family key (design/assess.ts `familyOf`, joined); used by the per-family cap. */
  family?: string;
}

export function euclidean(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  return Math.sqrt(s);
}

/**
 * Indices of the selected items, in selection order. Ties in score keep the input order. With a
 * `familyCap`, at most that many items of one `family` are taken in a first pass; when that leaves
 * fewer than `n`, a second pass fills the rest from the capped families (still separated) —
 * `overCap` lists the indices taken in that second pass.
 */
export function diverseSelect(
  items: readonly Scored[],
  n: number,
  minSeparation: number,
  familyCap = Number.POSITIVE_INFINITY,
  overCap: number[] = [],
): number[] {
  const order = items.map((_, i) => i).sort((a, b) => items[b].score - items[a].score || a - b);
  const picked: number[] = [];
  const perFamily = new Map<string, number>();
  const separated = (i: number) =>
    picked.every((j) => euclidean(items[i].vector, items[j].vector) >= minSeparation);
  for (const i of order) {
    if (picked.length >= n) break;
    const f = items[i].family ?? '';
    if ((perFamily.get(f) ?? 0) >= familyCap) continue;
    if (separated(i)) {
      picked.push(i);
      perFamily.set(f, (perFamily.get(f) ?? 0) + 1);
    }
  }
  if (picked.length < n && Number.isFinite(familyCap)) {
    for (const i of order) {
      if (picked.length >= n) break;
      if (!picked.includes(i) && separated(i)) {
        picked.push(i);
        overCap.push(i);
      }
    }
  }
  return picked;
}
