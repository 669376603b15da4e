/**
 * Parsers for option values shared by several commands; each names the option in its error.
 * Numbers are plain decimals only: `0x10`, `0b1`, `0o7`, `1_000`, `Infinity` are refused (the
 * same rule as CSV cells, data/csv.ts `parseDecimal`).
 */
import { InvalidArgumentError } from 'commander';
import { parseDecimal } from '../data/csv.ts';
import { checkSeed, SEED_MAX } from '../util/rng.ts';

/**
 * An integer option ≥ `min` (and ≤ `max`). `--seed` is always parsed as a seed (`seedOption`):
 * every command's seed goes through this one parser.
 */
export function intOption(
  name: string,
  min = 0,
  max = Number.MAX_SAFE_INTEGER,
): (v: string) => number {
  if (name === '--seed') return seedOption(name);
  return (v: string) => {
    const n = Number(v.trim());
    if (!/^[+-]?\d+$/.test(v.trim()) || n < min || n > max)
      throw new InvalidArgumentError(
        `${name} expects an integer ≥ ${min}${max < Number.MAX_SAFE_INTEGER ? ` and ≤ ${max}` : ''}, got '${v}'`,
      );
    return n;
  };
}

/** A seed: an integer 0 … 2^32 − 1 (larger values would wrap and repeat other seeds' results). */
export function seedOption(name = '--seed'): (v: string) => number {
  return (v: string) => {
    const t = v.trim();
    const n = Number(t);
    if (!/^\+?\d+$/.test(t) || n > SEED_MAX)
      throw new InvalidArgumentError(
        `${name} expects an integer from 0 to ${SEED_MAX}, got '${v}'`,
      );
    checkSeed(n, name);
    return n;
  };
}

export function numberOption(
  name: string,
  opts: { positive?: boolean } = {},
): (v: string) => number {
  return (v: string) => {
    const n = parseDecimal(v);
    if (n === undefined || (opts.positive && n <= 0)) {
      throw new InvalidArgumentError(
        `${name} expects a ${opts.positive ? 'positive ' : ''}number, got '${v}'`,
      );
    }
    return n;
  };
}

/**
 * '0.5,1,2' → [0.5, 1, 2]; every value a positive plain decimal (loads in N). Whether a load is
 * within the model's range is decided later, by the load rule (data/loads.ts `checkLoad`).
 */
export function loadListOption(v: string, prev?: number[]): number[] {
  const vals = v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (vals.length === 0)
    throw new InvalidArgumentError(`--load expects loads in N such as 0.5 or 0.5,1,2; got '${v}'`);
  const out = vals.map((s) => {
    const n = parseDecimal(s);
    if (n === undefined || n <= 0)
      throw new InvalidArgumentError(
        `--load expects positive loads in N; got '${s}' (load must be > 0; plain decimals only)`,
      );
    return n;
  });
  return [...(prev ?? []), ...out];
}

/** 'B,Si' → ['B', 'Si']. */
export function listOption(v: string): string[] {
  return v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}
