/**
 * One seeded random generator, passed explicitly to every stochastic step (no Math.random).
 *
 * Backed by seedrandom's `alea` (the same package tfjs-core uses). `fork(label)` derives an
 * independent child stream deterministically, so adding a random draw in one module does not shift
 * the numbers of another.
 */
import seedrandom from 'seedrandom';

import { InputError } from './errors.ts';

/** The largest seed: seeds are 32-bit unsigned integers (larger ones would wrap onto others). */
export const SEED_MAX = 2 ** 32 - 1;

/** Check a seed given by a user (CLI option, library option, API field): an integer 0 … 2^32 − 1. */
export function checkSeed(seed: unknown, name = 'seed'): number {
  if (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0 || seed > SEED_MAX)
    throw new InputError(`${name} must be an integer from 0 to ${SEED_MAX}, got ${String(seed)}`);
  return seed;
}

export interface RngState {
  /** The seed this generator was created from. */
  seed: number | string;
}

export class Rng {
  readonly seed: number | string;
  private readonly prng: seedrandom.PRNG;
  private spareNormal: number | null = null;

  constructor(seed: number | string) {
    this.seed = seed;
    this.prng = seedrandom.alea(String(seed));
  }

  /** Uniform on [0, 1). */
  uniform(): number {
    return this.prng();
  }

  /** Integer uniform on [0, n). */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0)
      throw new RangeError(`Rng.int: n must be a positive integer, got ${n}`);
    return Math.floor(this.prng() * n);
  }

  /** Standard normal (Box–Muller, both values used). */
  normal(): number {
    if (this.spareNormal !== null) {
      const v = this.spareNormal;
      this.spareNormal = null;
      return v;
    }
    let u = 0;
    while (u === 0) u = this.prng();
    const v = this.prng();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** In-place Fisher–Yates shuffle; returns the same array. */
  shuffle<T>(a: T[]): T[] {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return a;
  }

  /** A random permutation of 0..n-1. */
  permutation(n: number): number[] {
    return this.shuffle(Array.from({ length: n }, (_, i) => i));
  }

  /** A 31-bit integer seed for libraries that take one (e.g. tfjs random ops). */
  nextSeed(): number {
    return Math.floor(this.prng() * 2147483647);
  }

  /** A child generator whose stream depends only on this generator's seed and `label`. */
  fork(label: string | number): Rng {
    return new Rng(`${this.seed}/${label}`);
  }
}
