/**
 * Largest-remainder (Hamilton) rounding, used to turn fractions into integer or 0.5 at.% steps
 * that sum to exactly 100 (SPEC §9.5 "From vectors to alloys").
 *
 * The work is done in integer units of `step`: each value becomes value/step units, is floored,
 * and the units still missing from the total go one each to the largest remainders. Units that are
 * within float noise of a whole number (|u − round(u)| ≤ 1e-9 + 1e-12·|u|) are taken as that whole
 * number, so 0.07 · 100 = 7.000000000000001 stays 7 and 0.144 · 100 / 0.5 = 28.799999999999997
 * keeps its remainder 0.8.
 */
import { CompositionError } from '../util/errors.ts';

/** Absolute part of the distance under which a unit count is a whole number (float noise). */
const SNAP_ABS = 1e-9;
/** Relative part: float noise of u grows with |u| (a few ulps, ~1e-15·|u|); 1e-12 covers it. */
const SNAP_REL = 1e-12;
/** Relative tolerance for values already summing to the total (no rescaling below it). */
const SUM_TOL = 1e-9;

/** The whole number nearest to u when u is within float noise of it, else u. */
function snap(u: number): number {
  const near = Math.round(u);
  return Math.abs(u - near) <= SNAP_ABS + SNAP_REL * Math.abs(u) ? near : u;
}
/** Remainders are compared after rounding to this many units, so float noise makes exact ties. */
const REMAINDER_QUANTUM = 1e9;

function checkStep(step: number, total: number): number {
  if (!Number.isFinite(step) || step <= 0) {
    throw new CompositionError(`Invalid rounding step ${step}: expected a positive number`);
  }
  if (!Number.isFinite(total) || total < 0) {
    throw new CompositionError(`Invalid rounding total ${total}: expected a non-negative number`);
  }
  const whole = snap(total / step);
  if (!Number.isInteger(whole)) {
    throw new CompositionError(
      `Rounding step ${step} does not divide the total ${total} into a whole number of steps`,
    );
  }
  return whole;
}

/**
 * Largest-remainder rounding in integer units of `step`: returns integers u_i with Σ u_i equal to
 * total/step exactly, and |u_i · step − values_i| < step. Values that do not already sum to `total`
 * (beyond a relative 1e-9) are first scaled proportionally to do so. Ties of the remainder are broken
 * by the larger value, then the lower index.
 */
export function largestRemainderUnits(
  values: readonly number[],
  total: number,
  step = 1,
): number[] {
  const totalUnits = checkStep(step, total);
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v) || v < 0) {
      throw new CompositionError(
        `Cannot round value ${v} at index ${i}: expected a finite non-negative number`,
      );
    }
    sum += v;
  }
  if (totalUnits === 0) return values.map(() => 0);
  if (sum === 0) {
    throw new CompositionError(`Cannot round values that sum to 0 to a total of ${total}`);
  }
  const scale = Math.abs(sum - total) > SUM_TOL * total ? total / sum : 1;
  const scaled = scale === 1 ? values : values.map((v) => v * scale);
  const units: number[] = [];
  const remainders: number[] = [];
  let floorSum = 0;
  for (const v of scaled) {
    const snapped = snap(v / step);
    const f = Math.floor(snapped);
    units.push(f);
    remainders.push(Math.round((snapped - f) * REMAINDER_QUANTUM));
    floorSum += f;
  }
  let missing = totalUnits - floorSum;
  if (missing !== 0 && values.length > 0) {
    const order = values.map((_, i) => i);
    // ties (equal quantised remainders) go to the larger value, then the lower index; comparing the
    // unscaled values keeps the order of values that scaling rounds to the same double
    order.sort(
      (a, b) =>
        remainders[b] - remainders[a] || values[b] - values[a] || scaled[b] - scaled[a] || a - b,
    );
    // Normally 0 ≤ missing < n; the loops below also cope with any drift outside that range.
    for (let j = 0; missing > 0; j = (j + 1) % order.length, missing--) units[order[j]] += 1;
    for (let j = order.length - 1; missing < 0; j = (j - 1 + order.length) % order.length) {
      if (units[order[j]] > 0) {
        units[order[j]] -= 1;
        missing++;
      }
    }
  }
  return units;
}

/** Number of decimals needed to print multiples of `step` exactly (0.5 → 1, 0.25 → 2, 1 → 0). */
function stepDecimals(step: number): number {
  const m = /^\d+(?:\.(\d+))?(?:e-(\d+))?$/.exec(String(step));
  if (m === null) return 0;
  return (m[1]?.length ?? 0) + Number(m[2] ?? '0');
}

/** `units · step` with float noise removed (0.1 · 3 → 0.3, not 0.30000000000000004). */
export function unitsToValue(units: number, step: number): number {
  if (Number.isInteger(step)) return units * step;
  const d = stepDecimals(step);
  return d <= 100 ? Number((units * step).toFixed(d)) : units * step;
}

/**
 * Largest-remainder rounding of non-negative `values` to multiples of `step` summing to exactly
 * `total` (ties broken by larger value, then lower index). Works in integer units of `step` to
 * avoid float drift; see `largestRemainderUnits`. Example: [100/3, 100/3, 100/3], total 100 →
 * [34, 33, 33].
 */
export function largestRemainderRound(
  values: readonly number[],
  total: number,
  step = 1,
): number[] {
  return largestRemainderUnits(values, total, step).map((u) => unitsToValue(u, step));
}
