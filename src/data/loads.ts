/**
 * The load rule: which indentation loads a model may be asked about. One function, `checkLoad`,
 * used by every entry point (the CLI options, the library's predict workflow, CSV rows, the web
 * API) so they cannot disagree.
 *
 * - inside the training load range [min, max]: fine;
 * - outside it but within a factor LOAD_RANGE_FACTOR of it (min/10 ≤ L ≤ 10·max): allowed, with a
 *   warning, and the prediction is marked (`inRange: false`) — the network extrapolates in ln L;
 * - beyond that, not finite, or ≤ 0: refused (`InputError`, exit 2), because the network's
 *   output there is meaningless (μ −639 HV and LCB −23 576 HV at 1e300 N were reported in issue 14).
 *
 * The verdict is an object so that a fuller domain verdict (composition distance, uncertainty) can
 * be added beside `load` without changing the callers.
 */
import { InputError } from '../util/errors.ts';

/** A closed range of loads, N. */
export interface LoadRange {
  min: number;
  max: number;
}

/**
 * The load range of the reference dataset (H_v_dataset.csv, 673 rows, SHA-256 9e78a8d1…,
 * measured: the distinct Load values run from 0.01 N to 19.6 N). Used for models saved before the
 * training load range was recorded in the model.
 */
export const REFERENCE_LOAD_RANGE: LoadRange = { min: 0.01, max: 19.6 };

/** How far beyond the training range (as a factor on either side) a load is still accepted. */
export const LOAD_RANGE_FACTOR = 10;

export interface LoadVerdict {
  /** The load, N. */
  load: number;
  /** Inside the training load range. */
  inRange: boolean;
  /** Why the load is outside the range (a warning to show), when it is. */
  warning?: string;
}

/** The loads (N) of the given rows: [min, max]. */
export function loadRangeOf(loads: ArrayLike<number>, rows?: readonly number[]): LoadRange {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  const n = rows ? rows.length : loads.length;
  for (let i = 0; i < n; i++) {
    const L = loads[rows ? rows[i] : i];
    if (L < min) min = L;
    if (L > max) max = L;
  }
  return { min, max };
}

/** The training load range a model records (`load_range`), or the reference range for older models. */
export function modelLoadRange(meta: { load_range?: LoadRange | null }): LoadRange {
  const r = meta.load_range;
  if (r && Number.isFinite(r.min) && Number.isFinite(r.max) && r.min > 0 && r.max >= r.min)
    return { min: r.min, max: r.max };
  return REFERENCE_LOAD_RANGE;
}

/**
 * Apply the load rule to `load` (N). `where` names the entry point in messages (an option such as
 * '--load', or "file.csv: row 3, column 'Load'"). Throws `InputError` for a refused load.
 */
export function checkLoad(load: number, range: LoadRange, where: string): LoadVerdict {
  const lo = range.min / LOAD_RANGE_FACTOR;
  const hi = range.max * LOAD_RANGE_FACTOR;
  const span = `the model was trained on ${range.min}–${range.max} N; loads from ${lo} to ${hi} N are accepted`;
  if (typeof load !== 'number' || !Number.isFinite(load))
    throw new InputError(`${where}: the load must be a finite number of N, got ${String(load)}`);
  if (load <= 0) throw new InputError(`${where}: the load must be > 0 N, got ${load}`);
  if (load < lo || load > hi)
    throw new InputError(
      `${where}: load ${load} N is more than ${LOAD_RANGE_FACTOR}× outside the training range (${span})`,
    );
  if (load < range.min || load > range.max)
    return {
      load,
      inRange: false,
      warning: `${where}: load ${load} N is outside the training range ${range.min}–${range.max} N; the prediction extrapolates and is marked`,
    };
  return { load, inRange: true };
}
