import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  compositionDescriptors,
  DESCRIPTOR_FEATURES,
  descriptorVector,
  GAS_CONSTANT,
  miedemaBinaryEnthalpy,
} from '../../src/chem/descriptors.ts';
import { ELEMENT_PROPERTIES } from '../../src/chem/tables/element-properties.ts';

/**
 * Binary mixing enthalpies ΔH_AB (kJ/mol) of Takeuchi & Inoue, Mater. Trans. 46 (2005) 2817,
 * Table 1 (integers as printed there). Cu–Zr and Ni–Zr are also the checks named in
 * ../shared/data/elements/README.md.
 */
const TAKEUCHI_INOUE: [string, string, number][] = [
  ['Cu', 'Zr', -23],
  ['Ni', 'Zr', -49],
  ['Al', 'Zr', -44],
  ['Cu', 'Ti', -9],
  ['Ni', 'Ti', -35],
  ['Fe', 'Zr', -25],
  ['Al', 'Ni', -22],
  ['Cu', 'Ni', 4],
  ['Ti', 'Zr', 0],
  ['B', 'Fe', -26],
  ['B', 'Zr', -71],
  ['B', 'Nb', -54],
  ['B', 'Co', -24],
  ['B', 'Ni', -24],
  ['Be', 'Zr', -43],
  ['Be', 'Ti', -30],
  ['Fe', 'Nb', -16],
];

describe('element property table', () => {
  it('covers the 56-element basis with finite values where the source has them', () => {
    assert.equal(Object.keys(ELEMENT_PROPERTIES).length, 56);
    for (const [sym, e] of Object.entries(ELEMENT_PROPERTIES)) {
      for (const k of ['radius', 'chi', 'vec', 'meltingPoint', 'molarVolume'] as const) {
        assert.ok(Number.isFinite(e[k]) && e[k] > 0, `${sym}.${k} = ${e[k]}`);
      }
    }
  });
  it('holds known values of the sources (pymatgen / WebElements)', () => {
    // Metallic radii (Å), Pauling χ, melting points (K) as printed by pymatgen 2022.11.7.
    assert.equal(ELEMENT_PROPERTIES.Cu.radius, 1.278);
    assert.equal(ELEMENT_PROPERTIES.Zr.radius, 1.602);
    assert.equal(ELEMENT_PROPERTIES.B.radiusSource, 'atomic');
    assert.equal(ELEMENT_PROPERTIES.Fe.chi, 1.83);
    assert.equal(ELEMENT_PROPERTIES.Fe.meltingPoint, 1811);
    // VEC after Guo et al. (2011): Cu 11, Ni 10, Fe 8, Zr 4, Al 3, Sn 4, Gd 3.
    const vec = Object.fromEntries(
      ['Cu', 'Ni', 'Fe', 'Zr', 'Al', 'Sn', 'Gd'].map((s) => [s, ELEMENT_PROPERTIES[s].vec]),
    );
    assert.deepEqual(vec, { Cu: 11, Ni: 10, Fe: 8, Zr: 4, Al: 3, Sn: 4, Gd: 3 });
  });
});

describe('Miedema binary enthalpies', () => {
  it('reproduce Takeuchi & Inoue (2005) within 1.5 kJ/mol', () => {
    // Tolerance: their table is rounded to integers (±0.5) and may use slightly different
    // parameter revisions; the largest deviation measured here is 0.70 kJ/mol (Al–Ni).
    for (const [a, b, ref] of TAKEUCHI_INOUE) {
      const h = miedemaBinaryEnthalpy(a, b);
      assert.ok(Math.abs(h - ref) <= 1.5, `${a}–${b}: ${h.toFixed(2)} vs ${ref}`);
    }
  });
  it('is symmetric and zero for an element with itself', () => {
    for (const [a, b] of TAKEUCHI_INOUE) {
      assert.ok(Math.abs(miedemaBinaryEnthalpy(a, b) - miedemaBinaryEnthalpy(b, a)) < 1e-9);
    }
    assert.equal(miedemaBinaryEnthalpy('Fe', 'Fe'), 0);
  });
});

describe('composition descriptors', () => {
  it('Cu50Zr50: closed forms', () => {
    const d = compositionDescriptors({ Cu: 0.5, Zr: 0.5 });
    const rbar = (1.278 + 1.602) / 2;
    const delta = Math.sqrt(0.5 * (1 - 1.278 / rbar) ** 2 + 0.5 * (1 - 1.602 / rbar) ** 2);
    assert.ok(Math.abs(d.delta - delta) < 1e-12);
    assert.ok(Math.abs(d.delta - 0.1125) < 1e-4); // ≈ 11 %, as usually quoted for Cu50Zr50
    assert.ok(Math.abs(d.dS_mix - GAS_CONSTANT * Math.LN2) < 1e-12); // R ln 2 = 5.763
    assert.ok(Math.abs(d.dH_mix - miedemaBinaryEnthalpy('Cu', 'Zr')) < 1e-12); // 4·ΔH·¼
    assert.ok(Math.abs(d.dH_mix - -23) <= 1); // Takeuchi & Inoue: −23 kJ/mol
    assert.ok(Math.abs(d.vec - 7.5) < 1e-12); // (11 + 4) / 2
    assert.ok(Math.abs(d.dchi - Math.abs(1.9 - 1.33) / 2) < 1e-12); // Pauling χ Cu 1.90, Zr 1.33
  });
  it('Zr41.2Ti13.8Cu12.5Ni10Be22.5 (Vitreloy 1): ΔH_mix from Takeuchi & Inoue binaries', () => {
    const c = { Zr: 0.412, Ti: 0.138, Cu: 0.125, Ni: 0.1, Be: 0.225 };
    // Σ 4 ΔH_ij c_i c_j with their Table 1 values (kJ/mol).
    const TI: Record<string, number> = {
      'Ti-Zr': 0,
      'Cu-Zr': -23,
      'Ni-Zr': -49,
      'Be-Zr': -43,
      'Cu-Ti': -9,
      'Ni-Ti': -35,
      'Be-Ti': -30,
      'Cu-Ni': 4,
      'Be-Cu': 0,
      'Be-Ni': -4,
    };
    let ref = 0;
    const els = Object.keys(c) as (keyof typeof c)[];
    for (let i = 0; i < els.length; i++)
      for (let j = i + 1; j < els.length; j++) {
        const key = [els[i], els[j]].sort().join('-');
        ref += 4 * TI[key] * c[els[i]] * c[els[j]];
      }
    const d = compositionDescriptors(c);
    // Tolerance: a 1 kJ/mol error per binary gives at most Σ 4 c_i c_j ≈ 1.5 kJ/mol here.
    assert.ok(Math.abs(d.dH_mix - ref) < 1.5, `${d.dH_mix} vs ${ref}`);
    let s = 0;
    for (const x of Object.values(c)) s -= x * Math.log(x);
    assert.ok(Math.abs(d.dS_mix - GAS_CONSTANT * s) < 1e-12);
    assert.ok(d.delta > 0.09 && d.delta < 0.2, `δ ${d.delta}`); // large mismatch (Be, Zr)
  });
  it('Fe72B24Nb4: ΔH_mix from Takeuchi & Inoue binaries', () => {
    const ref = 4 * (-26 * 0.72 * 0.24 + -16 * 0.72 * 0.04 + -54 * 0.24 * 0.04);
    const d = compositionDescriptors({ Fe: 0.72, B: 0.24, Nb: 0.04 });
    assert.ok(Math.abs(d.dH_mix - ref) < 1, `${d.dH_mix} vs ${ref}`);
  });
  it('renormalises, ignores zeros, and is invariant to the order of elements (property)', () => {
    const syms = Object.keys(ELEMENT_PROPERTIES);
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.constantFrom(...syms), { minLength: 1, maxLength: 6 }),
        fc.array(fc.double({ min: 0.01, max: 1, noNaN: true }), { minLength: 6, maxLength: 6 }),
        (els, ws) => {
          const a = Object.fromEntries(els.map((e, i) => [e, ws[i]]));
          const b = Object.fromEntries([...els].reverse().map((e) => [e, 3 * a[e]]));
          const va = descriptorVector({ ...a, Zr: a.Zr ?? 0 });
          const vb = descriptorVector(b);
          for (let k = 0; k < va.length; k++) {
            if (Number.isNaN(va[k])) assert.ok(Number.isNaN(vb[k]));
            else assert.ok(Math.abs(va[k] - vb[k]) <= 1e-9 * Math.max(1, Math.abs(va[k])));
          }
          const d = compositionDescriptors(a);
          assert.ok(d.delta >= 0 && d.dS_mix >= 0 && d.dS_mix <= GAS_CONSTANT * Math.log(6) + 1e-9);
        },
      ),
    );
    assert.equal(descriptorVector({ Cu: 1 }).length, DESCRIPTOR_FEATURES.length);
  });
  it('refuses unknown elements and empty compositions', () => {
    assert.throws(() => compositionDescriptors({ Tc: 1 }), /no element properties for 'Tc'/);
    assert.throws(() => compositionDescriptors({ Cu: 0 }), /empty composition/);
    assert.throws(() => compositionDescriptors({ Cu: -1 }), /finite number ≥ 0/);
  });
});
