import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Composition } from '../../src/chem/index.ts';

/** The reference dataset's 56-element basis (alphabetical). */
const BASIS56 = (
  'Ag Al Au B Ba Be Bi C Ca Ce Co Cr Cu Dy Er Fe Ga Gd Ge Hf Ho In Ir La Li Lu Mg Mn Mo Nb Nd ' +
  'Ni P Pb Pd Pr Pt Re Rh Ru Sc Si Sm Sn Sr Ta Tb Ti Tm U V W Y Yb Zn Zr'
).split(' ');

/** Amounts as they occur: integer at.%, short decimals, and arbitrary doubles over wide scales. */
const amount = fc.oneof(
  fc.integer({ min: 1, max: 100 }),
  fc.integer({ min: 1, max: 100_000 }).map((n) => n / 1000),
  fc.double({ min: 1e-6, max: 1e3, noNaN: true }),
);

/** element → amount over 1–10 distinct elements of the 56-element basis. */
const amounts = fc
  .uniqueArray(fc.constantFrom(...BASIS56), { minLength: 1, maxLength: 10 })
  .chain((els) =>
    fc.tuple(fc.constant(els), fc.array(amount, { minLength: els.length, maxLength: els.length })),
  )
  .map(([els, vs]) => Object.fromEntries(els.map((el, i) => [el, vs[i]])));

const composition = amounts.map((a) => Composition.fromAmounts(a));

const RUNS = { numRuns: 200 };

function total(xs: Iterable<number>): number {
  let s = 0;
  for (const x of xs) s += x;
  return s;
}

describe('Composition properties', () => {
  it('fractions sum to 1 within 1e-12 and are ordered by decreasing fraction', () => {
    fc.assert(
      fc.property(composition, (c) => {
        // Each fraction is one correctly rounded quotient: ≤ 10 · 1.1e-16 of error in the sum.
        assert.ok(Math.abs(total(c.fractions) - 1) <= 1e-12);
        for (let i = 1; i < c.size; i++) {
          const [a, b] = [c.fractions[i - 1], c.fractions[i]];
          assert.ok(a > b || (a === b && c.elements[i - 1] < c.elements[i]));
          assert.ok(b > 0);
        }
      }),
      RUNS,
    );
  });

  it('parse(toFormula({ as: "fraction" })) is within 1e-3 of the composition', () => {
    fc.assert(
      fc.property(composition, (c) => {
        // 4 significant digits: ≤ 5e-4 relative per printed fraction, ≤ 1e-3 after renormalising.
        const back = Composition.parse(c.toFormula({ as: 'fraction' }));
        assert.ok(back.equals(c, 1e-3), `${c.toFormula({ as: 'fraction' })}`);
      }),
      RUNS,
    );
  });

  it('parse(toFormula()) has the same integer at.% (and 0.5 steps)', () => {
    fc.assert(
      fc.property(composition, fc.constantFrom(1, 0.5), (c, step) => {
        const formula = c.toFormula({ step });
        assert.deepEqual(Composition.parse(formula).atomicPercent(step), c.atomicPercent(step));
        // formatting a rounded formula gives it back (terms of equal at.% may swap places)
        const terms = (f: string) => f.match(/[A-Z][a-z]*[\d.]+/g)!.sort();
        assert.deepEqual(terms(Composition.parse(formula).toFormula({ step })), terms(formula));
      }),
      RUNS,
    );
  });

  it('element order in the formula does not matter (bit-identical fractions)', () => {
    const terms = fc
      .uniqueArray(fc.constantFrom(...BASIS56), { minLength: 1, maxLength: 8 })
      .chain((els) =>
        fc.tuple(
          fc.constant(els),
          fc.array(
            fc.oneof(
              fc.integer({ min: 1, max: 100 }).map(String),
              fc.integer({ min: 1, max: 99_999 }).map((n) => (n / 1000).toString()),
            ),
            { minLength: els.length, maxLength: els.length },
          ),
        ),
      )
      .map(([els, vs]) => els.map((el, i) => `${el}${vs[i]}`));
    fc.assert(
      fc.property(
        terms.chain((ts) =>
          fc.tuple(fc.constant(ts), fc.shuffledSubarray(ts, { minLength: ts.length })),
        ),
        ([ts, shuffled]) => {
          const a = Composition.parse(ts.join(''));
          const b = Composition.parse(shuffled.join(' '));
          assert.deepEqual(b.toFractions(), a.toFractions());
          assert.deepEqual(b.elements, a.elements);
        },
      ),
      RUNS,
    );
  });

  it('atomicPercent sums to exactly 100 in integer units, each within one step of exact', () => {
    fc.assert(
      fc.property(composition, fc.constantFrom(1, 0.5, 0.25, 0.1, 2), (c, step) => {
        const ap = c.atomicPercent(step);
        const units = Object.values(ap).map((v) => Math.round(v / step));
        for (const [v, u] of Object.values(ap).map((v, i) => [v, units[i]])) {
          // printed values are exact multiples of the step (up to the decimal text of the step)
          assert.ok(Math.abs(v - u * step) <= 1e-9 && u > 0);
        }
        assert.equal(
          units.reduce((a, b) => a + b, 0),
          Math.round(100 / step),
        );
        for (const el of c.elements) {
          // |rounded − exact| < step; 1e-9 covers the float error of fraction · 100.
          assert.ok(Math.abs((ap[el] ?? 0) - 100 * c.fraction(el)) < step + 1e-9);
        }
      }),
      RUNS,
    );
  });

  it('toVector / fromVector round-trip exactly', () => {
    fc.assert(
      fc.property(composition, (c) => {
        const v = c.toVector(BASIS56);
        assert.equal(v.length, 56);
        const back = Composition.fromVector(BASIS56, v);
        assert.deepEqual(back.toFractions(), c.toFractions());
        assert.deepEqual(back.toVector(BASIS56), v);
        assert.ok(back.equals(c, 0));
      }),
      RUNS,
    );
  });

  it('fromVector and fromAmounts agree on the same amounts', () => {
    fc.assert(
      fc.property(amounts, (a) => {
        const v = BASIS56.map((el) => a[el] ?? 0);
        assert.deepEqual(
          Composition.fromVector(BASIS56, v).toFractions(),
          Composition.fromAmounts(a).toFractions(),
        );
      }),
      RUNS,
    );
  });

  it('fromJSON(toJSON()) is exact', () => {
    fc.assert(
      fc.property(composition, (c) => {
        const back = Composition.fromJSON(JSON.parse(JSON.stringify(c)));
        assert.deepEqual(back.toFractions(), c.toFractions());
      }),
      RUNS,
    );
  });

  it('scaling all amounts does not change the composition', () => {
    fc.assert(
      fc.property(amounts, fc.constantFrom(0.01, 3, 100, 1e6), (a, k) => {
        const scaled = Object.fromEntries(Object.entries(a).map(([el, v]) => [el, v * k]));
        // k·v is rounded once per amount (≤ 1.1e-16 relative), so fractions agree to ~1e-15.
        assert.ok(Composition.fromAmounts(scaled).equals(Composition.fromAmounts(a), 1e-14));
      }),
      RUNS,
    );
  });

  it('distance is a metric consistent with equals', () => {
    fc.assert(
      fc.property(composition, composition, composition, (a, b, c) => {
        assert.equal(a.distance(a), 0);
        assert.ok(Math.abs(a.distance(b) - b.distance(a)) <= 1e-15);
        assert.ok(a.distance(c) <= a.distance(b) + b.distance(c) + 1e-12);
        // max |Δ| ≤ Euclidean ≤ √2 on the simplex
        assert.ok(a.distance(b) <= Math.SQRT2 + 1e-12);
        if (a.distance(b) <= 1e-9) assert.ok(a.equals(b));
      }),
      { numRuns: 100 },
    );
  });
});
