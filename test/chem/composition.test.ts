import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { Composition } from '../../src/chem/index.ts';
import { CompositionError, InputError } from '../../src/util/errors.ts';
import { sharedData } from '../helpers/paths.ts';

/** The reference dataset's 56-element basis (alphabetical), as in ../shared/data/H_v_dataset.csv. */
const BASIS56 = (
  'Ag Al Au B Ba Be Bi C Ca Ce Co Cr Cu Dy Er Fe Ga Gd Ge Hf Ho In Ir La Li Lu Mg Mn Mo Nb Nd ' +
  'Ni P Pb Pd Pr Pt Re Rh Ru Sc Si Sm Sn Sr Ta Tb Ti Tm U V W Y Yb Zn Zr'
).split(' ');

// Tolerance 1e-12 for hand-computed fractions: the normalisation is exact up to one rounding per
// fraction (≤ 1.1e-16 relative), so 1e-12 leaves a wide margin while catching any real error.
const TOL = 1e-12;

function assertFractions(c: Composition, expected: Record<string, number>, tol = TOL): void {
  assert.deepEqual([...c.elements].sort(), Object.keys(expected).sort());
  for (const [el, f] of Object.entries(expected)) {
    assert.ok(Math.abs(c.fraction(el) - f) <= tol, `${el}: ${c.fraction(el)} vs ${f}`);
  }
}

function sum(xs: Iterable<number>): number {
  let s = 0;
  for (const x of xs) s += x;
  return s;
}

describe('Composition.parse: the example formulas', () => {
  it("parses 'B68Nb24Fe4W4'", () => {
    const c = Composition.parse('B68Nb24Fe4W4');
    assertFractions(c, { B: 0.68, Nb: 0.24, Fe: 0.04, W: 0.04 });
    // decreasing fraction, the Fe/W tie alphabetical
    assert.deepEqual(c.elements, ['B', 'Nb', 'Fe', 'W']);
    assert.equal(c.size, 4);
  });

  it("parses 'Zr41.2Ti13.8Cu12.5Ni10Be22.5' (amounts sum to 100)", () => {
    const c = Composition.parse('Zr41.2Ti13.8Cu12.5Ni10Be22.5');
    assertFractions(c, { Zr: 0.412, Ti: 0.138, Cu: 0.125, Ni: 0.1, Be: 0.225 });
    assert.deepEqual(c.elements, ['Zr', 'Be', 'Ti', 'Cu', 'Ni']);
  });

  it("parses '(Fe0.75B0.15Si0.1)96Nb4' → Fe 0.72, B 0.144, Si 0.096, Nb 0.04", () => {
    // Fe 0.75·96 = 72, B 0.15·96 = 14.4, Si 0.1·96 = 9.6, Nb 4; total 100.
    const c = Composition.parse('(Fe0.75B0.15Si0.1)96Nb4');
    assertFractions(c, { Fe: 0.72, B: 0.144, Si: 0.096, Nb: 0.04 });
    assert.deepEqual(c.elements, ['Fe', 'B', 'Si', 'Nb']);
  });

  it("parses 'Cu50Zr50' and 'CuZr' (missing amount = 1)", () => {
    assertFractions(Composition.parse('Cu50Zr50'), { Cu: 0.5, Zr: 0.5 });
    assertFractions(Composition.parse('CuZr'), { Cu: 0.5, Zr: 0.5 });
    assertFractions(Composition.parse('Cu'), { Cu: 1 });
    assertFractions(Composition.parse('Cu2Zr'), { Cu: 2 / 3, Zr: 1 / 3 });
  });

  it('gives the nearest doubles of decimal fractions exactly (exact normalisation)', () => {
    const c = Composition.parse('(Fe0.75B0.15Si0.1)96Nb4');
    assert.deepEqual(c.toFractions(), { Fe: 0.72, B: 0.144, Si: 0.096, Nb: 0.04 });
    assert.deepEqual(Composition.parse('Zr41.2Ti13.8Cu12.5Ni10Be22.5').toFractions(), {
      Zr: 0.412,
      Be: 0.225,
      Ti: 0.138,
      Cu: 0.125,
      Ni: 0.1,
    });
  });

  it('gives bit-identical fractions for at.% and fraction forms', () => {
    const forms = [
      '(Fe0.75B0.15Si0.1)96Nb4',
      '(Fe0.75B0.15Si0.1)0.96Nb0.04',
      'Fe72B14.4Si9.6Nb4',
      'Fe0.72B0.144Si0.096Nb0.04',
      'Fe720B144Si96Nb40',
      'Nb4Si9.6B14.4Fe72',
    ];
    const ref = Composition.parse(forms[0]).toFractions();
    for (const f of forms) assert.deepEqual(Composition.parse(f).toFractions(), ref, f);
    assert.deepEqual(
      Composition.parse('B0.68Nb0.24Fe0.04W0.04').toFractions(),
      Composition.parse('B68Nb24Fe4W4').toFractions(),
    );
    assert.ok(Composition.parse('Cu0.5Zr0.5').equals(Composition.parse('Cu50Zr50'), 0));
  });
});

describe('Composition.parse: syntax', () => {
  it('multiplies nested parentheses', () => {
    // ((CuZr)2Al)2Ni: Cu 4, Zr 4, Al 2, Ni 1; total 11.
    assertFractions(Composition.parse('((CuZr)2Al)2Ni'), {
      Cu: 4 / 11,
      Zr: 4 / 11,
      Al: 2 / 11,
      Ni: 1 / 11,
    });
    // (Cu(Zr0.5Ti0.5)2)10Be5: Cu 10, Zr 10, Ti 10, Be 5; total 35.
    assertFractions(Composition.parse('(Cu(Zr0.5Ti0.5)2)10Be5'), {
      Cu: 10 / 35,
      Zr: 10 / 35,
      Ti: 10 / 35,
      Be: 5 / 35,
    });
    assertFractions(Composition.parse('(CuZr)'), { Cu: 0.5, Zr: 0.5 });
  });

  it('tolerates whitespace between tokens', () => {
    const ref = Composition.parse('(Fe0.75B0.15Si0.1)96Nb4').toFractions();
    for (const f of [
      ' (Fe0.75B0.15Si0.1)96Nb4 ',
      '( Fe 0.75 B 0.15 Si 0.1 ) 96 Nb 4',
      '(Fe0.75\tB0.15\nSi0.1)96  Nb4',
    ]) {
      assert.deepEqual(Composition.parse(f).toFractions(), ref, JSON.stringify(f));
    }
  });

  it('accumulates a repeated element', () => {
    assertFractions(Composition.parse('Cu30Zr50Cu20'), { Cu: 0.5, Zr: 0.5 });
    assertFractions(Composition.parse('CuZrCu'), { Cu: 2 / 3, Zr: 1 / 3 });
    assertFractions(Composition.parse('(CuZr)50Cu10'), { Cu: 60 / 110, Zr: 50 / 110 });
  });

  it('drops zero amounts', () => {
    const c = Composition.parse('Cu50Zr50Al0');
    assert.equal(c.size, 2);
    assert.equal(c.has('Al'), false);
    assert.equal(c.fraction('Al'), 0);
    assertFractions(Composition.parse('(NiAl)0Cu1'), { Cu: 1 });
  });

  it("accepts numbers like '1.', '.5' and '007'", () => {
    assertFractions(Composition.parse('Cu1.Zr.5'), { Cu: 2 / 3, Zr: 1 / 3 });
    assertFractions(Composition.parse('Cu007Zr3'), { Cu: 0.7, Zr: 0.3 });
  });
});

describe('Composition.parse: errors, word for word', () => {
  const cases: [string, string][] = [
    ['B68Nb24Xx4', "Unknown element 'Xx' in formula 'B68Nb24Xx4'"],
    ['CuZrx', "Unknown element 'Zrx' in formula 'CuZrx'"],
    ['', "Empty formula: expected e.g. 'B68Nb24Fe4W4'"],
    ['   ', "Empty formula: expected e.g. 'B68Nb24Fe4W4'"],
    ['\t\n', "Empty formula: expected e.g. 'B68Nb24Fe4W4'"],
    ['Cu0Zr0', "Formula 'Cu0Zr0' has zero total amount"],
    ['(CuZr)0', "Formula '(CuZr)0' has zero total amount"],
    ['Cu-3Zr', "Unexpected character '-' at position 3 in formula 'Cu-3Zr'"],
    ['Cu1.2.3Zr', "Malformed number '1.2.3' at position 3 in formula 'Cu1.2.3Zr'"],
    ['Zr50 Cu..5', "Malformed number '..5' at position 8 in formula 'Zr50 Cu..5'"],
    ['Cu.', "Malformed number '.' at position 3 in formula 'Cu.'"],
    [
      '(Fe0.75B0.15Si0.1 96Nb4',
      "Unbalanced parentheses in formula '(Fe0.75B0.15Si0.1 96Nb4': missing ')'",
    ],
    ['((CuZr)2', "Unbalanced parentheses in formula '((CuZr)2': missing ')'"],
    ['Cu50)Zr50', "Unbalanced parentheses in formula 'Cu50)Zr50': unexpected ')' at position 5"],
    ['(Cu)Zr)(', "Unbalanced parentheses in formula '(Cu)Zr)(': unexpected ')' at position 7"],
    ['cu50zr50', "Unexpected character 'c' at position 1 in formula 'cu50zr50'"],
    ['Cu50x', "Unexpected character 'x' at position 5 in formula 'Cu50x'"],
    ['50Cu', "Unexpected character '5' at position 1 in formula '50Cu'"],
    ['Cu50 50', "Unexpected character '5' at position 6 in formula 'Cu50 50'"],
    ['Cu50,Zr50', "Unexpected character ',' at position 5 in formula 'Cu50,Zr50'"],
    ['Cu1e3', "Unexpected character 'e' at position 4 in formula 'Cu1e3'"],
    ['Cu()2', "Empty parentheses at position 3 in formula 'Cu()2'"],
  ];
  for (const [formula, message] of cases) {
    it(`rejects ${JSON.stringify(formula)}`, () => {
      assert.throws(() => Composition.parse(formula), new CompositionError(message));
    });
  }

  it('rejects a non-string (from untyped callers)', () => {
    assert.throws(
      () => Composition.parse(42 as unknown as string),
      new CompositionError('Formula must be a string, got number'),
    );
  });

  it('throws CompositionError, an InputError with exit code 2', () => {
    try {
      Composition.parse('Xx');
      assert.fail('no error');
    } catch (e) {
      assert.ok(e instanceof CompositionError);
      assert.ok(e instanceof InputError);
      assert.equal(e.exitCode, 2);
      assert.equal(e.name, 'CompositionError');
    }
  });
});

describe('Composition.fromAmounts / fromVector / fromJSON', () => {
  it('normalises any positive scale and drops zeros', () => {
    const c = Composition.fromAmounts({ Cu: 46, Zr: 46, Al: 8, Ni: 0 });
    assert.deepEqual(c.toFractions(), { Cu: 0.46, Zr: 0.46, Al: 0.08 });
    assert.equal(c.has('Ni'), false);
    assert.ok(Composition.fromAmounts({ Cu: 1, Zr: 1 }).equals(Composition.parse('Cu50Zr50'), 0));
  });

  it('builds from a vector over a basis', () => {
    const basis = ['B', 'Fe', 'Nb', 'Si', 'W'];
    const c = Composition.fromVector(basis, [68, 4, 24, 0, 4]);
    assert.deepEqual(c.toFractions(), Composition.parse('B68Nb24Fe4W4').toFractions());
    assert.deepEqual(
      [...Composition.fromVector(basis, new Float64Array([0.68, 0.04, 0.24, 0, 0.04])).elements],
      ['B', 'Nb', 'Fe', 'W'],
    );
  });

  it('keeps a row that already sums to 1 bit for bit', () => {
    // Row 1 of the reference dataset: Al 0.86, Co 0.02, Cu 0.06, Y 0.06 (float sum ≠ 1 exactly).
    const row = new Float64Array(BASIS56.length);
    row[BASIS56.indexOf('Al')] = 0.86;
    row[BASIS56.indexOf('Co')] = 0.02;
    row[BASIS56.indexOf('Cu')] = 0.06;
    row[BASIS56.indexOf('Y')] = 0.06;
    const c = Composition.fromVector(BASIS56, row);
    assert.deepEqual(c.toVector(BASIS56), row);
    assert.equal(c.fraction('Al'), 0.86);
    // Float residue from earlier arithmetic (0.1 + 0.2) is kept too.
    const d = Composition.fromAmounts({ Cu: 0.1 + 0.2, Zr: 0.7 });
    assert.equal(d.fraction('Cu'), 0.30000000000000004);
    assert.equal(d.fraction('Zr'), 0.7);
  });

  it('round-trips through JSON exactly', () => {
    const c = Composition.parse('Zr41.2Ti13.8Cu12.5Ni10Be22.5');
    const json = JSON.parse(JSON.stringify(c));
    assert.deepEqual(json, c.toFractions());
    const back = Composition.fromJSON(json);
    assert.deepEqual(back.toFractions(), c.toFractions());
    assert.deepEqual(back.elements, c.elements);
    const third = Composition.parse('CuZrAl');
    assert.deepEqual(Composition.fromJSON(third.toJSON()).toFractions(), third.toFractions());
  });

  it('rejects bad amounts with exact messages', () => {
    const err = (m: string) => new CompositionError(m);
    assert.throws(() => Composition.fromAmounts({ Cu: 50, Xx: 50 }), err("Unknown element 'Xx'"));
    assert.throws(
      () => Composition.fromAmounts({ Cu: -3, Zr: 50 }),
      err("Negative amount -3 for 'Cu'"),
    );
    assert.throws(
      () => Composition.fromAmounts({ Cu: Number.NaN }),
      err("Amount for 'Cu' is not a finite number"),
    );
    assert.throws(
      () => Composition.fromAmounts({ Zr: 1, Cu: Number.POSITIVE_INFINITY }),
      err("Amount for 'Cu' is not a finite number"),
    );
    assert.throws(
      () => Composition.fromAmounts({ Cu: 0, Zr: 0 }),
      err('Composition has zero total amount'),
    );
    assert.throws(() => Composition.fromAmounts({}), err('Composition has zero total amount'));
    assert.throws(() => Composition.fromVector(['Cu', 'Xx'], [1, 0]), err("Unknown element 'Xx'"));
    assert.throws(
      () => Composition.fromVector(['Zr', 'Cu'], [1, Number.NaN]),
      err("Amount for 'Cu' is not a finite number"),
    );
    assert.throws(
      () => Composition.fromVector(['Zr', 'Cu'], [1, -3]),
      err("Negative amount -3 for 'Cu'"),
    );
    assert.throws(
      () => Composition.fromVector(['Zr', 'Cu'], [0, 0]),
      err('Composition has zero total amount'),
    );
    assert.throws(
      () => Composition.fromVector(['Zr', 'Cu'], [1]),
      err('Vector has 1 values but the element basis has 2 elements'),
    );
    assert.throws(
      () => Composition.fromVector(['Zr', 'Zr'], [1, 1]),
      err("Duplicate element 'Zr' in the element basis"),
    );
  });
});

describe('Composition: accessors and immutability', () => {
  it('reports fractions, presence and size', () => {
    const c = Composition.parse('B68Nb24Fe4W4');
    assert.equal(c.fraction('B'), 0.68);
    assert.equal(c.fraction('Cu'), 0);
    assert.equal(c.fraction('Xx'), 0);
    assert.equal(c.has('W'), true);
    assert.equal(c.has('Cu'), false);
    assert.deepEqual(c.fractions, [0.68, 0.24, 0.04, 0.04]);
    assert.deepEqual(Object.keys(c.toFractions()), ['B', 'Nb', 'Fe', 'W']);
    assert.equal(c.family(), 'B-Fe-Nb-W');
  });

  it('is frozen and hands out copies', () => {
    const c = Composition.parse('Cu50Zr50');
    assert.ok(Object.isFrozen(c));
    assert.ok(Object.isFrozen(c.elements));
    assert.ok(Object.isFrozen(c.fractions));
    assert.throws(() => {
      (c as unknown as { size: number }).size = 3;
    }, TypeError);
    assert.throws(() => {
      (c.elements as string[]).push('Al');
    }, TypeError);
    const f = c.toFractions();
    f.Cu = 1;
    assert.equal(c.fraction('Cu'), 0.5);
  });
});

describe('Composition.toVector', () => {
  it('places fractions on the basis', () => {
    const c = Composition.parse('B68Nb24Fe4W4');
    assert.deepEqual(
      c.toVector(['Al', 'B', 'Fe', 'Nb', 'W']),
      new Float64Array([0, 0.68, 0.04, 0.24, 0.04]),
    );
  });

  it('names every element outside the basis', () => {
    assert.throws(
      () => Composition.parse('B68Nb24Fe4W4').toVector(['B', 'Fe', 'Nb']),
      new CompositionError(
        "Element 'W' is not in the model's element basis (3 elements: B, Fe, Nb)",
      ),
    );
    assert.throws(
      () => Composition.parse('Cu50Zr40Os5Hg5').toVector(BASIS56),
      new CompositionError(
        `Elements 'Hg', 'Os' are not in the model's element basis (56 elements: ${BASIS56.join(', ')})`,
      ),
    );
  });

  it('shortens the list of a long basis', () => {
    const basis = [...BASIS56, 'As', 'Se', 'Br', 'Kr', 'Rb', 'Tc', 'Cd', 'Sb', 'Te'];
    assert.equal(basis.length, 65);
    assert.throws(
      () => Composition.parse('OsHg').toVector(basis),
      new CompositionError(
        `Elements 'Hg', 'Os' are not in the model's element basis (65 elements: ${BASIS56.slice(0, 20).join(', ')}, … (45 more))`,
      ),
    );
  });

  it('rejects a basis with duplicates', () => {
    assert.throws(
      () => Composition.parse('CuZr').toVector(['Cu', 'Zr', 'Cu']),
      new CompositionError("Duplicate element 'Cu' in the element basis"),
    );
  });
});

describe('Composition: at.% and formulas', () => {
  it('rounds to integer at.% by largest remainder', () => {
    const zr = Composition.parse('Zr41.2Ti13.8Cu12.5Ni10Be22.5');
    // floors 41 + 22 + 13 + 12 + 10 = 98: Ti (0.8) first, then the 0.5 tie goes to the larger Be.
    assert.deepEqual(zr.atomicPercent(), { Zr: 41, Be: 23, Ti: 14, Cu: 12, Ni: 10 });
    assert.equal(zr.toFormula(), 'Zr41Be23Ti14Cu12Ni10');
    assert.equal(zr.toFormula({ step: 0.5 }), 'Zr41Be22.5Ti14Cu12.5Ni10');
    assert.equal(zr.toFormula({ as: 'fraction' }), 'Zr0.412Be0.225Ti0.138Cu0.125Ni0.1');
  });

  it('formats the example formulas', () => {
    const fe = Composition.parse('(Fe0.75B0.15Si0.1)96Nb4');
    assert.equal(fe.toFormula(), 'Fe72B14Si10Nb4');
    assert.equal(fe.toFormula({ step: 0.5 }), 'Fe72B14.5Si9.5Nb4');
    assert.deepEqual(fe.atomicPercent(0.5), { Fe: 72, B: 14.5, Si: 9.5, Nb: 4 });
    assert.equal(fe.toFormula({ as: 'fraction' }), 'Fe0.72B0.144Si0.096Nb0.04');
    assert.equal(fe.toFormula({ as: 'atpct', step: 0.1 }), 'Fe72B14.4Si9.6Nb4');
    const b = Composition.parse('B68Nb24Fe4W4');
    assert.equal(b.toFormula(), 'B68Nb24Fe4W4');
    assert.equal(b.toString(), 'B68Nb24Fe4W4');
    assert.equal(`${b}`, 'B68Nb24Fe4W4');
    assert.equal(Composition.parse('CuZr').toFormula(), 'Cu50Zr50');
    assert.equal(Composition.parse('Cu').toFormula(), 'Cu100');
    assert.equal(Composition.parse('Cu').toFormula({ as: 'fraction' }), 'Cu1');
  });

  it('omits elements rounded to 0 and keeps the sum at 100', () => {
    // Fe 80, B 19.6 → 19 r 0.6, Si 0.4 → 0 r 0.4: the missing unit goes to B.
    const c = Composition.fromAmounts({ Fe: 80, B: 19.6, Si: 0.4 });
    assert.deepEqual(c.atomicPercent(), { Fe: 80, B: 20 });
    assert.equal(c.toFormula(), 'Fe80B20');
    assert.equal(c.toFormula({ step: 0.5 }), 'Fe80B19.5Si0.5');
    assert.equal(c.rounded().toFormula({ as: 'fraction' }), 'Fe0.8B0.2');
  });

  it('rounds fractions to 4 significant digits and never prints exponents', () => {
    const c = Composition.fromAmounts({ Cu: 1, Zr: 2, Al: 1e-7 });
    assert.equal(c.toFormula({ as: 'fraction' }), 'Zr0.6667Cu0.3333Al0.00000003333');
    assert.ok(Composition.parse(c.toFormula({ as: 'fraction' })).equals(c, 1e-3));
    // Units of 1e-7 at.%: 666666644.44, 333333322.22, 33.33 → one missing unit, to Zr (0.44).
    assert.equal(c.toFormula({ step: 1e-7 }), 'Zr66.6666645Cu33.3333322Al0.0000033');
  });

  it('rejects an unknown style or a step that does not divide 100', () => {
    const c = Composition.parse('CuZr');
    assert.throws(
      () => c.toFormula({ as: 'wt' as 'atpct' }),
      new CompositionError("Unknown formula style 'wt': expected 'atpct' or 'fraction'"),
    );
    assert.throws(
      () => c.toFormula({ step: 3 }),
      new CompositionError(
        'Rounding step 3 does not divide the total 100 into a whole number of steps',
      ),
    );
  });
});

describe('Composition: comparison and editing', () => {
  it('compares with a tolerance', () => {
    const a = Composition.parse('Cu50Zr50');
    const b = Composition.parse('Cu50Zr49.9999');
    assert.ok(a.equals(a, 0));
    assert.ok(!a.equals(b));
    assert.ok(a.equals(b, 1e-5));
    assert.ok(!a.equals(Composition.parse('Cu50Zr50Al0.0001')));
    assert.ok(!a.equals(Composition.parse('Cu50Al50'), 0.49));
    assert.ok(a.equals(Composition.parse('Cu50Al50'), 0.5));
  });

  it('measures Euclidean distance over the union of elements', () => {
    const a = Composition.parse('Cu50Zr50');
    const b = Composition.parse('Cu50Al50');
    // (0, 0.5, −0.5) → √0.5
    assert.ok(Math.abs(a.distance(b) - Math.sqrt(0.5)) <= 1e-15);
    assert.equal(b.distance(a), a.distance(b));
    assert.equal(a.distance(a), 0);
    // Cu64Zr36 vs Cu50Zr50: (0.14, −0.14) → 0.14·√2
    const c = Composition.parse('Cu64Zr36');
    assert.ok(Math.abs(a.distance(c) - 0.14 * Math.SQRT2) <= 1e-15);
  });

  it('removes elements and renormalises', () => {
    const c = Composition.parse('B68Nb24Fe4W4');
    assert.deepEqual(c.without(['W']).toFractions(), Composition.parse('B68Nb24Fe4').toFractions());
    assertFractions(c.without(new Set(['B', 'Nb'])), { Fe: 0.5, W: 0.5 });
    assert.equal(c.without(['Cu']), c);
    assert.throws(
      () => c.without(['B', 'Nb', 'Fe', 'W', 'Cu']),
      new CompositionError("Removing B, Cu, Fe, Nb, W from 'B68Nb24Fe4W4' leaves no element"),
    );
    assert.throws(() => c.without(['Xx']), new CompositionError("Unknown element 'Xx'"));
  });

  it('drops elements below a fraction and renormalises', () => {
    const c = Composition.parse('Fe79.5B20Si0.5');
    assertFractions(c.dropBelow(0.01), { Fe: 79.5 / 99.5, B: 20 / 99.5 });
    assert.equal(c.dropBelow(0.005), c);
    assert.equal(c.dropBelow(0), c);
    assert.throws(
      () => Composition.parse('Cu50Zr50').dropBelow(0.6),
      new CompositionError("No element of 'Cu50Zr50' has a fraction of at least 0.6"),
    );
    assert.throws(
      () => c.dropBelow(Number.NaN),
      new CompositionError('Invalid minimum fraction NaN: expected a finite number ≥ 0'),
    );
  });

  it('rounds to a composition (SPEC §9.5)', () => {
    const c = Composition.fromAmounts({ Fe: 72.3, B: 14.4, Si: 9.6, Nb: 3.7 });
    assert.deepEqual(c.rounded().toFractions(), { Fe: 0.72, B: 0.14, Si: 0.1, Nb: 0.04 });
    assert.deepEqual(c.rounded(0.5).atomicPercent(0.5), { Fe: 72.5, B: 14.5, Si: 9.5, Nb: 3.5 });
  });

  it('interpolates on the straight line between compositions', () => {
    const a = Composition.parse('Cu50Zr50');
    const b = Composition.parse('Cu50Al50');
    assertFractions(a.interpolate(b, 0.5), { Cu: 0.5, Zr: 0.25, Al: 0.25 });
    assert.equal(a.interpolate(b, 0), a);
    assert.equal(a.interpolate(b, 1), b);
    assert.throws(
      () => a.interpolate(b, 2),
      new CompositionError('Invalid interpolation parameter 2: expected a number in [0, 1]'),
    );
  });
});

describe('Composition and the reference dataset', () => {
  it('reads every row; rows already summing to 1 round-trip bit for bit', () => {
    // A missing fixture fails with a clear message (sharedData), never skips.
    const csv = sharedData('H_v_dataset.csv');
    const lines = readFileSync(csv, 'utf8').trim().split(/\r?\n/);
    const header = lines[0].split(',');
    assert.deepEqual(header.slice(0, 56), BASIS56);
    let exact = 0;
    for (const line of lines.slice(1)) {
      const row = Float64Array.from(line.split(',').slice(0, 56), Number);
      const c = Composition.fromVector(BASIS56, row);
      const v = c.toVector(BASIS56);
      const rowSum = sum(row);
      // Float sum within 1e-12 of 1 ⇔ the row's decimal values sum to exactly 1 (README: others
      // are off by ≥ 1e-7); those rows must come back unchanged, the others renormalised.
      if (Math.abs(rowSum - 1) <= 1e-12) {
        assert.deepEqual(v, row);
        exact++;
      } else {
        for (let i = 0; i < 56; i++) assert.ok(Math.abs(v[i] - row[i] / rowSum) <= 1e-15);
      }
      assert.ok(Math.abs(sum(v) - 1) <= 1e-12);
    }
    assert.equal(exact, 628);
  });
});
