/**
 * `Composition`: an immutable alloy composition (element → atomic fraction), like pymatgen's.
 *
 * Amounts are normalised exactly (see decimal.ts): every fraction is the correctly rounded double
 * of the exact quotient amount / total, where a number's amount is the exact value of its shortest
 * decimal form. One exception keeps dataset rows bit-exact: when the amounts already sum to 1 within
 * 1e-13 (e.g. a row 0.86, 0.02, 0.06, 0.06 of the reference dataset, SPEC §1), they are kept as
 * they are, so `Composition.fromVector(basis, row).toVector(basis)` returns the row unchanged.
 * Either way the fractions sum to 1 within 1e-12.
 */
import { CompositionError } from '../util/errors.ts';
import {
  DEC_ONE,
  DECIMAL_TOKEN,
  type Dec,
  decAdd,
  decFromNumber,
  decFromToken,
  decMul,
  decScaled,
  pow10,
  ratioToNumber,
} from './decimal.ts';
import { isElement } from './elements.ts';
import { largestRemainderUnits, unitsToValue } from './rounding.ts';

/** How `toFormula` prints amounts: rounded at.% (default) or fractions with 4 significant digits. */
export type FormulaStyle = 'atpct' | 'fraction';

export interface FormulaOptions {
  /** Rounding step in at.% for the 'atpct' style (default 1; 0.5 gives 'Fe72.5B…'). */
  step?: number;
  /** 'atpct' (default): largest-remainder at.%; 'fraction': fractions, 4 significant digits. */
  as?: FormulaStyle;
}

/** Default tolerance of `equals` (max absolute fraction difference). */
export const DEFAULT_EQUALS_TOL = 1e-9;

/** Amounts summing to 1 within this (relative to 1) are kept verbatim instead of divided. */
const KEEP_TOL = 1e-13;
/** `fromJSON` keeps stored fractions verbatim within this, so any `toJSON` output round-trips. */
const KEEP_TOL_JSON = 1e-12;
/** Longest basis listed in full in an error message. */
const MAX_LISTED_BASIS = 64;
const EXAMPLE_FORMULA = 'B68Nb24Fe4W4';

const isUpper = (c: string): boolean => c >= 'A' && c <= 'Z';
const isLower = (c: string): boolean => c >= 'a' && c <= 'z';
const isNumberChar = (c: string): boolean => (c >= '0' && c <= '9') || c === '.';
const isSpace = (c: string): boolean => /\s/.test(c);

/** Normalises exact amounts (see the module comment) into sorted [element, fraction] entries. */
function normalise(
  amounts: ReadonlyMap<string, Dec>,
  zeroMessage: string,
  keepTol = KEEP_TOL,
): [string, number][] {
  let scale = 0;
  for (const a of amounts.values()) scale = Math.max(scale, a.s);
  const scaled: [string, bigint][] = [];
  let total = 0n;
  for (const [el, a] of amounts) {
    const n = decScaled(a, scale);
    if (n > 0n) scaled.push([el, n]);
    total += n;
  }
  if (total === 0n) throw new CompositionError(zeroMessage);
  const one = pow10(scale);
  const diff = total > one ? total - one : one - total;
  // |total − 1| ≤ keepTol, tested exactly: diff · (1/keepTol) ≤ 10^scale.
  const keep = diff * BigInt(Math.round(1 / keepTol)) <= one;
  const den = keep ? one : total;
  const entries: [string, number][] = [];
  for (const [el, n] of scaled) {
    const f = ratioToNumber(n, den);
    if (f > 0) entries.push([el, f]);
  }
  return entries;
}

/** Validates a numeric amount (finite, ≥ 0) and returns its exact decimal value. */
function amountDec(el: string, v: number): Dec {
  if (!isElement(el)) throw new CompositionError(`Unknown element '${el}'`);
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new CompositionError(`Amount for '${el}' is not a finite number`);
  }
  if (v < 0) throw new CompositionError(`Negative amount ${v} for '${el}'`);
  return decFromNumber(v);
}

function addTo(map: Map<string, Dec>, el: string, a: Dec): void {
  const prev = map.get(el);
  map.set(el, prev === undefined ? a : decAdd(prev, a));
}

/** Checks a basis for duplicates (every lookup by symbol must be unambiguous). */
function checkBasisUnique(basis: readonly string[]): void {
  const seen = new Set<string>();
  for (const el of basis) {
    if (seen.has(el)) throw new CompositionError(`Duplicate element '${el}' in the element basis`);
    seen.add(el);
  }
}

function describeBasis(basis: readonly string[]): string {
  const shown = basis.length <= MAX_LISTED_BASIS ? basis : basis.slice(0, 20);
  const more = basis.length - shown.length;
  const list = shown.join(', ') + (more > 0 ? `, … (${more} more)` : '');
  return `${basis.length} element${basis.length === 1 ? '' : 's'}: ${list}`;
}

/** Plain decimal text of a finite x ≥ 0 without exponent (1e-7 → '0.0000001'), parseable back. */
function formatPlain(x: number): string {
  const s = String(x);
  const m = /^(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(s);
  if (m === null) return s;
  const digits = m[1] + (m[2] ?? '');
  const exp = Number(m[3]);
  if (exp < 0) return `0.${'0'.repeat(-exp - 1)}${digits}`;
  if (digits.length <= exp + 1) return digits.padEnd(exp + 1, '0');
  return `${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
}

/** Formula parser: tokens are element symbols, amounts, '(' and ')'; whitespace between tokens. */
class FormulaParser {
  private pos = 0;

  constructor(private readonly text: string) {}

  parse(): Map<string, Dec> {
    const text = this.text;
    if (text.trim() === '') {
      throw new CompositionError(`Empty formula: expected e.g. '${EXAMPLE_FORMULA}'`);
    }
    this.checkParentheses();
    const stack: { amounts: Map<string, Dec>; open: number }[] = [{ amounts: new Map(), open: -1 }];
    while (true) {
      this.skipSpace();
      if (this.pos >= text.length) break;
      const c = text[this.pos];
      if (isUpper(c)) {
        const el = this.readSymbol();
        addTo(stack[stack.length - 1].amounts, el, this.readOptionalAmount());
      } else if (c === '(') {
        stack.push({ amounts: new Map(), open: this.pos });
        this.pos++;
      } else if (c === ')') {
        // Balance was checked up front, so a group is open here.
        const group = stack.pop()!;
        this.pos++;
        if (group.amounts.size === 0) {
          throw new CompositionError(
            `Empty parentheses at position ${group.open + 1} in formula '${text}'`,
          );
        }
        const factor = this.readOptionalAmount();
        const parent = stack[stack.length - 1].amounts;
        for (const [el, a] of group.amounts) addTo(parent, el, decMul(a, factor));
      } else {
        throw this.unexpected();
      }
    }
    return stack[0].amounts;
  }

  private checkParentheses(): void {
    const text = this.text;
    let depth = 0;
    for (let i = 0; i < text.length; i++) {
      if (text[i] === '(') depth++;
      else if (text[i] === ')') {
        if (depth === 0) {
          throw new CompositionError(
            `Unbalanced parentheses in formula '${text}': unexpected ')' at position ${i + 1}`,
          );
        }
        depth--;
      }
    }
    if (depth > 0) {
      throw new CompositionError(`Unbalanced parentheses in formula '${text}': missing ')'`);
    }
  }

  private skipSpace(): void {
    while (this.pos < this.text.length && isSpace(this.text[this.pos])) this.pos++;
  }

  private unexpected(): CompositionError {
    return new CompositionError(
      `Unexpected character '${this.text[this.pos]}' at position ${this.pos + 1} in formula '${this.text}'`,
    );
  }

  private readSymbol(): string {
    const start = this.pos;
    this.pos++;
    while (this.pos < this.text.length && isLower(this.text[this.pos])) this.pos++;
    const sym = this.text.slice(start, this.pos);
    if (!isElement(sym)) {
      throw new CompositionError(`Unknown element '${sym}' in formula '${this.text}'`);
    }
    return sym;
  }

  /** The amount after an element or ')', or 1 when none follows. */
  private readOptionalAmount(): Dec {
    this.skipSpace();
    if (this.pos >= this.text.length || !isNumberChar(this.text[this.pos])) return DEC_ONE;
    const start = this.pos;
    while (this.pos < this.text.length && isNumberChar(this.text[this.pos])) this.pos++;
    const token = this.text.slice(start, this.pos);
    if (!DECIMAL_TOKEN.test(token)) {
      throw new CompositionError(
        `Malformed number '${token}' at position ${start + 1} in formula '${this.text}'`,
      );
    }
    return decFromToken(token);
  }
}

/**
 * An immutable alloy composition: elements with atomic fractions > 0 summing to 1.
 * Build with `parse`, `fromAmounts`, `fromVector` or `fromJSON`.
 */
export class Composition {
  /** Elements present (fraction > 0), ordered by decreasing fraction, ties alphabetical. */
  readonly elements: readonly string[];
  /** Fractions aligned with `elements` (same order), summing to 1 within 1e-12. */
  readonly fractions: readonly number[];
  /** Number of elements present. */
  readonly size: number;
  readonly #index: ReadonlyMap<string, number>;

  private constructor(entries: [string, number][]) {
    entries.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    this.elements = Object.freeze(entries.map((e) => e[0]));
    this.fractions = Object.freeze(entries.map((e) => e[1]));
    this.size = entries.length;
    this.#index = new Map(entries);
    Object.freeze(this);
  }

  /**
   * Parse a formula: 'B68Nb24Fe4W4', 'Zr41.2Ti13.8Cu12.5Ni10Be22.5', '(Fe0.75B0.15Si0.1)96Nb4',
   * 'Cu50Zr50', 'CuZr' (missing amount = 1). Amounts are at.% or fractions alike (normalisation
   * makes them equal); nested parentheses multiply; whitespace between tokens is allowed; a
   * repeated element accumulates; zero amounts are dropped.
   */
  static parse(formula: string): Composition {
    if (typeof formula !== 'string') {
      throw new CompositionError(`Formula must be a string, got ${typeof formula}`);
    }
    const amounts = new FormulaParser(formula).parse();
    return new Composition(normalise(amounts, `Formula '${formula}' has zero total amount`));
  }

  /** From element → amount (any positive scale); normalised to fractions. Zero entries dropped. */
  static fromAmounts(amounts: Readonly<Record<string, number>>): Composition {
    return Composition.#fromRecord(amounts, KEEP_TOL);
  }

  static #fromRecord(amounts: Readonly<Record<string, number>>, keepTol: number): Composition {
    if (typeof amounts !== 'object' || amounts === null) {
      throw new CompositionError('Amounts must be an object mapping element symbols to numbers');
    }
    const map = new Map<string, Dec>();
    for (const [el, v] of Object.entries(amounts)) map.set(el, amountDec(el, v));
    return new Composition(normalise(map, 'Composition has zero total amount', keepTol));
  }

  /** From a vector over an element basis (e.g. a dataset row). Zero entries dropped. */
  static fromVector(basis: readonly string[], values: ArrayLike<number>): Composition {
    if (values.length !== basis.length) {
      throw new CompositionError(
        `Vector has ${values.length} values but the element basis has ${basis.length} elements`,
      );
    }
    checkBasisUnique(basis);
    const map = new Map<string, Dec>();
    for (let i = 0; i < basis.length; i++) map.set(basis[i], amountDec(basis[i], values[i]));
    return new Composition(normalise(map, 'Composition has zero total amount'));
  }

  /** Rebuilds a composition from `toJSON()` output; exact round trip. */
  static fromJSON(json: Record<string, number>): Composition {
    return Composition.#fromRecord(json, KEEP_TOL_JSON);
  }

  /** Fraction of `element`; 0 when absent (including symbols that are not elements). */
  fraction(element: string): number {
    return this.#index.get(element) ?? 0;
  }

  /** True when `element` is present (fraction > 0). */
  has(element: string): boolean {
    return this.#index.has(element);
  }

  /** Fractions summing to 1, keys ordered as `elements`. A fresh object. */
  toFractions(): Record<string, number> {
    const out: Record<string, number> = {};
    for (let i = 0; i < this.size; i++) out[this.elements[i]] = this.fractions[i];
    return out;
  }

  /**
   * Fractions as a vector over `basis` (absent elements 0). Throws `CompositionError` naming every
   * element of this composition that is not in the basis.
   */
  toVector(basis: readonly string[]): Float64Array {
    checkBasisUnique(basis);
    const position = new Map(basis.map((el, i) => [el, i]));
    const missing = this.elements.filter((el) => !position.has(el)).sort();
    if (missing.length > 0) {
      const names = missing.map((el) => `'${el}'`).join(', ');
      const verb = missing.length === 1 ? 'Element' : 'Elements';
      const is = missing.length === 1 ? 'is' : 'are';
      throw new CompositionError(
        `${verb} ${names} ${is} not in the model's element basis (${describeBasis(basis)})`,
      );
    }
    const out = new Float64Array(basis.length);
    for (let i = 0; i < this.size; i++) out[position.get(this.elements[i])!] = this.fractions[i];
    return out;
  }

  /**
   * At.% in multiples of `step` (default 1) by largest-remainder rounding, summing to exactly 100
   * (in units of `step`). Elements rounded to 0 are omitted; keys ordered as `elements`.
   */
  atomicPercent(step = 1): Record<string, number> {
    const units = largestRemainderUnits(
      this.fractions.map((f) => f * 100),
      100,
      step,
    );
    const out: Record<string, number> = {};
    for (let i = 0; i < this.size; i++) {
      if (units[i] > 0) out[this.elements[i]] = unitsToValue(units[i], step);
    }
    return out;
  }

  /** The composition rounded to `step` at.% (SPEC §9.5): `fromAmounts(atomicPercent(step))`. */
  rounded(step = 1): Composition {
    return Composition.fromAmounts(this.atomicPercent(step));
  }

  /**
   * Formula text in decreasing order. Default: integer at.% by largest remainder, elements rounded
   * to 0 omitted ('B68Nb24Fe4W4'); `step: 0.5` gives 'Fe72.5B…'; `as: 'fraction'` prints fractions
   * with up to 4 significant digits ('Fe0.72B0.144Si0.096Nb0.04'). Always parseable by `parse`.
   */
  toFormula(options: FormulaOptions = {}): string {
    const as = options.as ?? 'atpct';
    if (as === 'fraction') {
      let out = '';
      for (let i = 0; i < this.size; i++) {
        out += this.elements[i] + formatPlain(Number(this.fractions[i].toPrecision(4)));
      }
      return out;
    }
    if (as !== 'atpct') {
      throw new CompositionError(`Unknown formula style '${as}': expected 'atpct' or 'fraction'`);
    }
    return Object.entries(this.atomicPercent(options.step ?? 1))
      .map(([el, v]) => el + formatPlain(v))
      .join('');
  }

  /** Same as `toFormula()`. */
  toString(): string {
    return this.toFormula();
  }

  /** Fractions (as `toFractions()`); `fromJSON` restores the composition exactly. */
  toJSON(): Record<string, number> {
    return this.toFractions();
  }

  /** True when the max absolute fraction difference over all elements is ≤ tol (default 1e-9). */
  equals(other: Composition, tol = DEFAULT_EQUALS_TOL): boolean {
    for (let i = 0; i < this.size; i++) {
      if (!(Math.abs(this.fractions[i] - other.fraction(this.elements[i])) <= tol)) return false;
    }
    for (let i = 0; i < other.size; i++) {
      if (!this.has(other.elements[i]) && !(other.fractions[i] <= tol)) return false;
    }
    return true;
  }

  /** Euclidean distance between fraction vectors (over the union of elements). */
  distance(other: Composition): number {
    let s = 0;
    for (let i = 0; i < this.size; i++) {
      const d = this.fractions[i] - other.fraction(this.elements[i]);
      s += d * d;
    }
    for (let i = 0; i < other.size; i++) {
      if (!this.has(other.elements[i])) s += other.fractions[i] * other.fractions[i];
    }
    return Math.sqrt(s);
  }

  /** A new composition without the given elements, renormalised (error if nothing would be left). */
  without(elements: Iterable<string>): Composition {
    const drop = new Set<string>();
    for (const el of elements) {
      if (!isElement(el)) throw new CompositionError(`Unknown element '${el}'`);
      drop.add(el);
    }
    const kept = this.elements.filter((el) => !drop.has(el));
    if (kept.length === this.size) return this;
    if (kept.length === 0) {
      throw new CompositionError(
        `Removing ${[...drop].sort().join(', ')} from '${this.toString()}' leaves no element`,
      );
    }
    return this.#subset(kept);
  }

  /** Drops elements whose fraction is below `minFraction`, then renormalises. */
  dropBelow(minFraction: number): Composition {
    if (!Number.isFinite(minFraction) || minFraction < 0) {
      throw new CompositionError(
        `Invalid minimum fraction ${minFraction}: expected a finite number ≥ 0`,
      );
    }
    const kept = this.elements.filter((el) => this.fraction(el) >= minFraction);
    if (kept.length === this.size) return this;
    if (kept.length === 0) {
      throw new CompositionError(
        `No element of '${this.toString()}' has a fraction of at least ${minFraction}`,
      );
    }
    return this.#subset(kept);
  }

  /** Elements of the composition in alphabetical order joined by '-' ('B-Fe-Nb-W'): its family. */
  family(): string {
    return [...this.elements].sort().join('-');
  }

  /** The point (1 − t)·this + t·other on the straight line between two compositions, t ∈ [0, 1]. */
  interpolate(other: Composition, t: number): Composition {
    if (!Number.isFinite(t) || t < 0 || t > 1) {
      throw new CompositionError(
        `Invalid interpolation parameter ${t}: expected a number in [0, 1]`,
      );
    }
    if (t === 0) return this;
    if (t === 1) return other;
    const amounts: Record<string, number> = {};
    for (let i = 0; i < this.size; i++) amounts[this.elements[i]] = (1 - t) * this.fractions[i];
    for (let i = 0; i < other.size; i++) {
      const el = other.elements[i];
      amounts[el] = (amounts[el] ?? 0) + t * other.fractions[i];
    }
    return Composition.fromAmounts(amounts);
  }

  #subset(kept: readonly string[]): Composition {
    const map = new Map<string, Dec>();
    for (const el of kept) map.set(el, decFromNumber(this.fraction(el)));
    return new Composition(normalise(map, 'Composition has zero total amount'));
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `Composition(${this.toFormula({ as: 'fraction' })})`;
  }
}
