/** Argument parsers of the `vibann structure` commands (commander InvalidArgumentError = exit 2). */
import { InvalidArgumentError } from 'commander';

export const FORMATS = ['extxyz', 'lammps-dump', 'lammps-data'];

export function formatOption(v: string): string {
  if (!FORMATS.includes(v))
    throw new InvalidArgumentError(`--format expects one of ${FORMATS.join(', ')}; got '${v}'`);
  return v;
}

export function rangeOption(name: string): (v: string) => [number, number] {
  return (v: string) => {
    const m = /^\s*([0-9.eE+-]+)\s*:\s*([0-9.eE+-]+)\s*$/.exec(v);
    const a = m ? Number(m[1]) : Number.NaN;
    const b = m ? Number(m[2]) : Number.NaN;
    if (!Number.isFinite(a) || !Number.isFinite(b) || !(a < b)) {
      throw new InvalidArgumentError(
        `${name} expects LO:HI with LO < HI, such as 2.0:3.0; got '${v}'`,
      );
    }
    return [a, b];
  };
}

export function fractionOption(name: string): (v: string) => number {
  return (v: string) => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || n < 0 || n >= 1) {
      throw new InvalidArgumentError(
        `${name} expects a fraction in [0, 1), such as 0.01; got '${v}'`,
      );
    }
    return n;
  };
}

export function typesOption(v: string): string {
  if (
    !/^\s*(\d+\s*[=:]\s*[A-Za-z]\w*|[A-Za-z]\w*)(\s*,\s*(\d+\s*[=:]\s*[A-Za-z]\w*|[A-Za-z]\w*))*\s*$/.test(
      v,
    )
  ) {
    throw new InvalidArgumentError(
      `--types expects TYPE=ELEMENT pairs such as 1=Cu,2=Zr; got '${v}'`,
    );
  }
  return v;
}

export function pairCutoffsOption(v: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')) {
    const m = /^([A-Za-z]\w*)-([A-Za-z]\w*)\s*=\s*([0-9.eE+]+)$/.exec(part);
    if (!m || !(Number(m[3]) > 0)) {
      throw new InvalidArgumentError(
        `--pair-cutoff expects A-B=R pairs such as B-B=2.2,Cu-Zr=3.3; got '${part}'`,
      );
    }
    out[`${m[1]}-${m[2]}`] = Number(m[3]);
  }
  return out;
}

export function crystalLikeOption(v: string): string[] {
  const parts = v.match(/<[^>]*>(?:\+\d+(?:\(n>=7\))?)?|[^;\s]+/g) ?? [];
  if (parts.length === 0)
    throw new InvalidArgumentError(
      `--crystal-like expects indices such as '<0,12,0,0>;<0,6,0,8>'; got '${v}'`,
    );
  return parts;
}

export function frameOption(v: string): 'first' | 'last' | number {
  if (v === 'first' || v === 'last') return v;
  if (/^\d+$/.test(v)) return Number(v);
  throw new InvalidArgumentError(
    `--frame expects first, last or a 0-based frame number; got '${v}'`,
  );
}

export function stepsOption(v: string): number[] {
  const t = v.split(',').map((s) => s.trim());
  if (t.length !== 4 || t.some((s) => !/^\d+$/.test(s))) {
    throw new InvalidArgumentError(
      `--steps expects HEAT,HOLD,QUENCH,FINAL step counts such as 40000,40000,40000,40000; got '${v}'`,
    );
  }
  return t.map(Number);
}

/** --frame also takes 'all': analyse every frame and average the descriptors. */
export function framesOption(v: string): 'first' | 'last' | 'all' | number {
  return v === 'all' ? 'all' : frameOption(v);
}

/** Comma-separated species list, e.g. B,Nb. */
export function speciesListOption(v: string): string[] {
  const t = v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (t.length === 0 || t.some((s) => !/^[A-Za-z]\w*$/.test(s)))
    throw new InvalidArgumentError(`expected species such as B,Nb; got '${v}'`);
  return t;
}

/** El=R pairs, e.g. B=0.82,Nb=1.46 (Å). */
export function radiiOption(v: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')) {
    const m = /^([A-Za-z]\w*)\s*=\s*([0-9.eE+]+)$/.exec(part);
    if (!m || !(Number(m[2]) > 0))
      throw new InvalidArgumentError(
        `--radii expects El=R pairs such as B=0.82,Nb=1.46; got '${part}'`,
      );
    out[m[1]] = Number(m[2]);
  }
  return out;
}
