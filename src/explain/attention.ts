/**
 * Attention per element (SPEC §11): the mean attention weight (mean over heads and networks) of
 * each element over the rows of a reference set, and over the rows that contain the element.
 *
 * Caveat for readers: each head's softmax runs over all element slots whether or not the element
 * is present; an absent element's weight multiplies a zero fraction and has no effect, yet it
 * takes part of the mass. The mean over all rows therefore mixes learned bias with relevance; the
 * mean over rows containing the element is the one to read (docs/original.md §8.1).
 */
import { InputError } from '../util/errors.ts';

export const ATTENTION_NOTE =
  "Each head's softmax spreads its weight over every element slot, present or not: absent elements receive attention mass that has no effect (it multiplies a zero fraction). 'all' (mean over every row) mixes that learned bias with relevance; read 'present' (mean over the rows containing the element).";

export interface ElementAttention {
  element: string;
  /** Mean attention weight over all rows. */
  all: number;
  /** Mean attention weight over the rows containing the element (null when none does). */
  present: number | null;
  /** Rows containing the element. */
  n_present: number;
}

/**
 * Mean attention per element over `rows` (default all) of att (n × E) and x (n × E fractions);
 * sorted by `present` (then `all`), largest first.
 */
export function attentionByElement(
  att: ArrayLike<number>,
  x: ArrayLike<number>,
  elements: readonly string[],
  rows?: readonly number[],
): ElementAttention[] {
  const E = elements.length;
  if (att.length !== x.length || att.length % E !== 0)
    throw new InputError(
      `attention: ${att.length} weights and ${x.length} fractions are not rows of ${E} elements`,
    );
  const idx = rows ?? Array.from({ length: att.length / E }, (_, i) => i);
  if (idx.length === 0) throw new InputError('attention: no rows');
  const out: ElementAttention[] = elements.map((element, j) => {
    let all = 0;
    let pres = 0;
    let np = 0;
    for (const i of idx) {
      const a = att[i * E + j];
      all += a;
      if (x[i * E + j] > 0) {
        pres += a;
        np++;
      }
    }
    return { element, all: all / idx.length, present: np > 0 ? pres / np : null, n_present: np };
  });
  return out.sort(
    (a, b) =>
      (b.present ?? Number.NEGATIVE_INFINITY) - (a.present ?? Number.NEGATIVE_INFINITY) ||
      b.all - a.all,
  );
}
