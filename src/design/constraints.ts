/**
 * User constraints on designed alloys (SPEC §9.6): banned elements, an allowed element set,
 * per-element at.% bounds, a maximum number of elements. Candidates that cannot satisfy a
 * constraint are rejected with a reason that is counted in the run report.
 */

import { isElement } from '../chem/elements.ts';
import { InputError } from '../util/errors.ts';

export interface DesignConstraints {
  /** Elements that must not appear (e.g. ['B'] for boron-free design). */
  ban: readonly string[];
  /** If set, only these elements may appear. */
  allow?: readonly string[];
  /** Per-element bounds in at.% (min, max); an element with min > 0 must appear. */
  bounds: Readonly<Record<string, { min?: number; max?: number }>>;
  /** Maximum number of elements after rounding (default 7). */
  maxElements: number;
  /** Minimum number of elements after rounding (default 3: a binary is not a multicomponent glass). */
  minElements: number;
}

export const DEFAULT_CONSTRAINTS: DesignConstraints = Object.freeze({
  ban: [],
  bounds: {},
  maxElements: 7,
  minElements: 3,
});

/** Reasons a candidate can be rejected before the gates; keys of the run's `rejected` counts. */
export type ConstraintReason =
  | 'banned_element'
  | 'element_not_allowed'
  | 'too_many_elements'
  | 'too_few_elements'
  | 'below_min_bound'
  | 'above_max_bound'
  | 'duplicate';

/** Check the constraints' own consistency against an element basis; throws InputError. */
export function validateConstraints(c: DesignConstraints, basis: readonly string[]): void {
  const named = [...c.ban, ...(c.allow ?? []), ...Object.keys(c.bounds)];
  for (const e of named) {
    if (!isElement(e)) throw new InputError(`constraint: '${e}' is not a chemical element symbol`);
    if (!basis.includes(e))
      throw new InputError(`constraint: element '${e}' is not in the model's element basis`);
  }
  for (const e of c.ban) {
    if (c.allow?.includes(e)) throw new InputError(`constraint: '${e}' is both banned and allowed`);
    if ((c.bounds[e]?.min ?? 0) > 0)
      throw new InputError(
        `constraint: '${e}' is banned but has a minimum of ${c.bounds[e].min} at.%`,
      );
  }
  for (const [e, b] of Object.entries(c.bounds)) {
    if (b.min !== undefined && (b.min < 0 || b.min > 100))
      throw new InputError(`constraint: ${e} min ${b.min} at.% is outside 0..100`);
    if (b.max !== undefined && (b.max < 0 || b.max > 100))
      throw new InputError(`constraint: ${e} max ${b.max} at.% is outside 0..100`);
    if (b.min !== undefined && b.max !== undefined && b.min > b.max)
      throw new InputError(`constraint: ${e} min ${b.min} > max ${b.max} at.%`);
  }
  if (!(c.maxElements >= 1))
    throw new InputError(`constraint: --max-elements must be ≥ 1, got ${c.maxElements}`);
  if (c.minElements > c.maxElements)
    throw new InputError(
      `constraint: at least ${c.minElements} elements but at most ${c.maxElements}`,
    );
  checkFeasible(c, basis);
}

/**
 * Constraints no composition can satisfy, found before any search (issue 14): nothing left to
 * design with, required elements that are not allowed or too many, minima summing to more than
 * 100 at.%, maxima of the usable elements summing to less than 100 at.%.
 */
function checkFeasible(c: DesignConstraints, basis: readonly string[]): void {
  const usable = basis.filter(
    (e) => !c.ban.includes(e) && (c.allow === undefined || c.allow.includes(e)),
  );
  if (usable.length === 0)
    throw new InputError(
      `constraint: no element of the model's basis is left (--ban/--allow exclude all ${basis.length}); nothing can be designed`,
    );
  if (usable.length < c.minElements)
    throw new InputError(
      `constraint: at least ${c.minElements} elements are required but only ${usable.length} are allowed (${usable.join(', ')})`,
    );
  const bounds = Object.entries(c.bounds);
  const required = bounds.filter(([, b]) => (b.min ?? 0) > 0).map(([e]) => e);
  for (const e of required)
    if (!usable.includes(e))
      throw new InputError(
        `constraint: --bounds requires ${e} (min ${c.bounds[e].min} at.%) but it is not allowed`,
      );
  if (required.length > c.maxElements)
    throw new InputError(
      `constraint: --bounds requires ${required.length} elements (${required.join(', ')}) but --max-elements is ${c.maxElements}`,
    );
  const minSum = bounds.reduce((s, [, b]) => s + (b.min ?? 0), 0);
  if (minSum > 100 + 1e-9)
    throw new InputError(
      `constraint: impossible --bounds: the minima sum to ${minSum} at.% (> 100): ${bounds
        .filter(([, b]) => (b.min ?? 0) > 0)
        .map(([e, b]) => `${e} ≥ ${b.min}`)
        .join(', ')}`,
    );
  // The largest total the usable elements can reach, taking at most maxElements of them.
  const caps = usable.map((e) => c.bounds[e]?.max ?? 100).sort((a, b) => b - a);
  const maxSum = caps.slice(0, c.maxElements).reduce((s, v) => s + v, 0);
  if (maxSum < 100 - 1e-9)
    throw new InputError(
      `constraint: impossible --bounds: the maxima of the allowed elements reach only ${maxSum} at.% (< 100) with at most ${c.maxElements} elements: ${bounds
        .filter(([, b]) => b.max !== undefined)
        .map(([e, b]) => `${e} ≤ ${b.max}`)
        .join(', ')}`,
    );
}

/** The element mask a decoder output is restricted to (banned → 0, outside allow → 0). */
export function permittedMask(c: DesignConstraints, basis: readonly string[]): boolean[] {
  return basis.map((e) => !c.ban.includes(e) && (c.allow === undefined || c.allow.includes(e)));
}

/** The first constraint a rounded composition violates, or undefined when it satisfies all. */
export function violatedConstraint(
  atPct: Readonly<Record<string, number>>,
  c: DesignConstraints,
): ConstraintReason | undefined {
  const present = Object.keys(atPct).filter((e) => atPct[e] > 0);
  if (present.some((e) => c.ban.includes(e))) return 'banned_element';
  if (c.allow && present.some((e) => !c.allow!.includes(e))) return 'element_not_allowed';
  if (present.length > c.maxElements) return 'too_many_elements';
  if (present.length < c.minElements) return 'too_few_elements';
  for (const [e, b] of Object.entries(c.bounds)) {
    const v = atPct[e] ?? 0;
    if (b.min !== undefined && v < b.min) return 'below_min_bound';
    if (b.max !== undefined && v > b.max) return 'above_max_bound';
  }
  return undefined;
}

/** Parse '--bounds Nb:10:30,B::70' (element:min:max, either side optional) into bounds. */
export function parseBounds(spec: string): Record<string, { min?: number; max?: number }> {
  const out: Record<string, { min?: number; max?: number }> = {};
  for (const part of spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const m = /^([A-Z][a-z]?):([0-9.]*):([0-9.]*)$/.exec(part);
    if (!m)
      throw new InputError(
        `--bounds: expected ELEMENT:MIN:MAX in at.% (e.g. Nb:10:30 or B::70), got '${part}'`,
      );
    const b: { min?: number; max?: number } = {};
    if (m[2] !== '') b.min = Number(m[2]);
    if (m[3] !== '') b.max = Number(m[3]);
    out[m[1]] = b;
  }
  return out;
}
