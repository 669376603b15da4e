/** Parsers for option values shared by several commands; each names the option in its error. */
import { InvalidArgumentError } from 'commander';

export function intOption(name: string, min = 0): (v: string) => number {
  return (v: string) => {
    const n = Number(v);
    if (!/^[+-]?\d+$/.test(v.trim()) || n < min)
      throw new InvalidArgumentError(`${name} expects an integer ≥ ${min}, got '${v}'`);
    return n;
  };
}

export function numberOption(
  name: string,
  opts: { positive?: boolean } = {},
): (v: string) => number {
  return (v: string) => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || (opts.positive && n <= 0)) {
      throw new InvalidArgumentError(
        `${name} expects a ${opts.positive ? 'positive ' : ''}number, got '${v}'`,
      );
    }
    return n;
  };
}

/** '0.5,1,2' → [0.5, 1, 2]; every value a positive number (loads in N). */
export function loadListOption(v: string, prev?: number[]): number[] {
  const vals = v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (vals.length === 0)
    throw new InvalidArgumentError(`--load expects loads in N such as 0.5 or 0.5,1,2; got '${v}'`);
  const out = vals.map((s) => {
    const n = Number(s);
    if (!Number.isFinite(n) || n <= 0)
      throw new InvalidArgumentError(
        `--load expects positive loads in N; got '${s}' (load must be > 0)`,
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
