/**
 * From decoded vectors to castable alloys (SPEC §9.5). A decoded composition has all entries > 0;
 * elements below a threshold (default 1 at.%) are dropped, the rest renormalised and rounded to
 * integer at.% (or 0.5 at.% steps) by the largest-remainder method, so the at.% sum to exactly 100.
 * Every prediction and gate is then evaluated on the rounded alloy.
 */
import { Composition } from '../chem/composition.ts';
import { largestRemainderRound } from '../chem/rounding.ts';
import {
  type ConstraintReason,
  type DesignConstraints,
  violatedConstraint,
} from './constraints.ts';

export interface AlloyOptions {
  /** Drop elements below this at.% before rounding (default 1). */
  minAtPct: number;
  /** Rounding step in at.% (default 1; 0.5 allowed). */
  step: number;
}

export const DEFAULT_ALLOY_OPTIONS: AlloyOptions = Object.freeze({ minAtPct: 1, step: 1 });

export type AlloyResult =
  | {
      ok: true;
      alloy: Composition;
      atPct: Record<string, number>;
      unrounded: Record<string, number>;
    }
  | {
      ok: false;
      reason: ConstraintReason | 'empty_after_rounding';
      unrounded: Record<string, number>;
    };

/**
 * Round a composition vector over `basis` to an alloy. Entries at or below the drop threshold are
 * removed; banned/not-allowed elements are zeroed before renormalising (their probability mass is
 * redistributed, SPEC §9.6); the result is checked against the constraints.
 */
export function toAlloy(
  basis: readonly string[],
  vector: ArrayLike<number>,
  constraints: DesignConstraints,
  o: AlloyOptions = DEFAULT_ALLOY_OPTIONS,
): AlloyResult {
  let total = 0;
  for (let k = 0; k < basis.length; k++) total += vector[k];
  const unrounded: Record<string, number> = {};
  for (let k = 0; k < basis.length; k++) if (vector[k] > 0) unrounded[basis[k]] = vector[k] / total;

  // Banned / not-allowed elements are zeroed and the rest renormalised first (SPEC §9.6).
  const permitted = (el: string) =>
    !constraints.ban.includes(el) && (!constraints.allow || constraints.allow.includes(el));
  let permittedTotal = 0;
  for (let k = 0; k < basis.length; k++)
    if (permitted(basis[k]) && vector[k] > 0) permittedTotal += vector[k];
  const keep: { el: string; v: number }[] = [];
  for (let k = 0; k < basis.length; k++) {
    const el = basis[k];
    if (!permitted(el) || !(vector[k] > 0)) continue;
    const v = vector[k] / permittedTotal;
    if (v * 100 >= o.minAtPct) keep.push({ el, v });
  }
  if (keep.length === 0) return { ok: false, reason: 'empty_after_rounding', unrounded };
  const s = keep.reduce((a, b) => a + b.v, 0);
  const pct = largestRemainderRound(
    keep.map((k) => (100 * k.v) / s),
    100,
    o.step,
  );
  const atPct: Record<string, number> = {};
  keep.forEach((k, i) => {
    if (pct[i] > 0) atPct[k.el] = pct[i];
  });
  if (Object.keys(atPct).length === 0)
    return { ok: false, reason: 'empty_after_rounding', unrounded };
  const alloy = Composition.fromAmounts(atPct);
  const bad = violatedConstraint(atPct, constraints);
  if (bad) return { ok: false, reason: bad, unrounded };
  return { ok: true, alloy, atPct, unrounded };
}
