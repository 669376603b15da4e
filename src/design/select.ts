/**
 * Greedy diverse selection (SPEC §9.4, §9.7): take items in decreasing score order, skipping any
 * closer than `minSeparation` (Euclidean distance between fraction vectors) to one already taken.
 */
export interface Scored {
  score: number;
  /** Composition as a vector over one common basis. */
  vector: ArrayLike<number>;
}

export function euclidean(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  return Math.sqrt(s);
}

/** Indices of the selected items, in selection order. Ties in score keep the input order. */
export function diverseSelect(
  items: readonly Scored[],
  n: number,
  minSeparation: number,
): number[] {
  const order = items.map((_, i) => i).sort((a, b) => items[b].score - items[a].score || a - b);
  const picked: number[] = [];
  for (const i of order) {
    if (picked.length >= n) break;
    if (picked.every((j) => euclidean(items[i].vector, items[j].vector) >= minSeparation))
      picked.push(i);
  }
  return picked;
}
