/**
 * Exact non-negative decimal arithmetic for normalising amounts without floating-point drift.
 *
 * A formula amount ('41.2', '0.75' × '96') or a number's shortest decimal form (String(0.86) =
 * '0.86') is held exactly as n · 10^-s with a bigint n. Totals are then exact, and each fraction is
 * the correctly rounded double of an exact quotient. Consequences that callers rely on:
 *   - at.% and fraction forms of a formula give bit-identical fractions ('Cu50Zr50' = 'Cu0.5Zr0.5');
 *   - the order of the terms never changes the result (exact sums are associative);
 *   - a row already summing to 1 keeps its values bit for bit (see `Composition`).
 */

/** An exact decimal n · 10^-s (n ≥ 0, s ≥ 0 an integer). */
export interface Dec {
  readonly n: bigint;
  readonly s: number;
}

export const DEC_ONE: Dec = Object.freeze({ n: 1n, s: 0 });

/** A plain decimal token: digits with at most one '.', at least one digit ('1', '1.', '.5', '0.75'). */
export const DECIMAL_TOKEN = /^(?:\d+\.?\d*|\.\d+)$/;

/** The exact value of a token matching `DECIMAL_TOKEN`. */
export function decFromToken(token: string): Dec {
  const dot = token.indexOf('.');
  if (dot < 0) return { n: BigInt(token), s: 0 };
  const int = token.slice(0, dot);
  const frac = token.slice(dot + 1);
  return { n: BigInt(`${int}${frac}` || '0'), s: frac.length };
}

const NUMBER_STRING = /^(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/;

/**
 * The exact value of the shortest decimal that round-trips to `x` (ECMAScript Number::toString),
 * e.g. 0.86 → 86·10^-2, 1e-7 → 1·10^-7. `x` must be finite and ≥ 0.
 */
export function decFromNumber(x: number): Dec {
  const m = NUMBER_STRING.exec(String(x));
  if (m === null) throw new RangeError(`decFromNumber: ${x} is not a finite non-negative number`);
  const frac = m[2] ?? '';
  const s = frac.length - Number(m[3] ?? '0');
  const n = BigInt(`${m[1]}${frac}`);
  return s >= 0 ? { n, s } : { n: n * pow10(-s), s: 0 };
}

const POW10: bigint[] = [1n];

/** 10^k as a bigint (cached). */
export function pow10(k: number): bigint {
  for (let i = POW10.length; i <= k; i++) POW10.push(POW10[i - 1] * 10n);
  return POW10[k];
}

export function decMul(a: Dec, b: Dec): Dec {
  return { n: a.n * b.n, s: a.s + b.s };
}

export function decAdd(a: Dec, b: Dec): Dec {
  if (a.s === b.s) return { n: a.n + b.n, s: a.s };
  if (a.s > b.s) return { n: a.n + b.n * pow10(a.s - b.s), s: a.s };
  return { n: a.n * pow10(b.s - a.s) + b.n, s: b.s };
}

/** n such that n · 10^-s = a exactly (s ≥ a.s). */
export function decScaled(a: Dec, s: number): bigint {
  return a.n * pow10(s - a.s);
}

/** Number of bits of x ≥ 0 (0 for 0). */
function bitLength(x: bigint): number {
  if (x === 0n) return 0;
  const hex = x.toString(16);
  return (hex.length - 1) * 4 + (32 - Math.clz32(Number.parseInt(hex[0], 16)));
}

const TWO_53 = 2n ** 53n;

/**
 * p / q as the correctly rounded double (round half to even), for bigints p ≥ 0, q > 0.
 * Exact for every normal result; a subnormal result may be off by one unit in the last place.
 */
export function ratioToNumber(p: bigint, q: bigint): number {
  if (q <= 0n || p < 0n) throw new RangeError('ratioToNumber: needs p >= 0 and q > 0');
  if (p === 0n) return 0;
  // Both exactly representable: one IEEE division is correctly rounded.
  if (p <= TWO_53 && q <= TWO_53) return Number(p) / Number(q);
  // Scale so the integer quotient has 55 or 56 bits, then round it to 53 bits by hand.
  const k = 55 - (bitLength(p) - bitLength(q));
  const num = k >= 0 ? p << BigInt(k) : p;
  const den = k >= 0 ? q : q << BigInt(-k);
  const quot = num / den;
  const rest = num % den;
  const extra = bitLength(quot) - 53;
  const low = quot & ((1n << BigInt(extra)) - 1n);
  const half = 1n << BigInt(extra - 1);
  let mant = quot >> BigInt(extra);
  if (low > half || (low === half && (rest !== 0n || (mant & 1n) === 1n))) mant += 1n;
  // mant ≤ 2^53 is exact as a double; scale by 2^(extra - k) in steps that cannot underflow early.
  let e = extra - k;
  let out = Number(mant);
  while (e < -1000) {
    out *= 2 ** -1000;
    e += 1000;
  }
  while (e > 1000) {
    out *= 2 ** 1000;
    e -= 1000;
  }
  return out * 2 ** e;
}
