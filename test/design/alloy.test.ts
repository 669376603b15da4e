import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { toAlloy } from '../../src/design/alloy.ts';
import {
  DEFAULT_CONSTRAINTS,
  type DesignConstraints,
  parseBounds,
  permittedMask,
  validateConstraints,
} from '../../src/design/constraints.ts';
import { allPass, evaluateGates, gateFailureCounts } from '../../src/design/gates.ts';
import { diverseSelect } from '../../src/design/select.ts';
import {
  calibrationThresholds,
  DEFAULT_THRESHOLD_OPTIONS,
  looNearestDistances,
  nearest,
  noveltyThreshold,
} from '../../src/design/thresholds.ts';

const basis = ['B', 'Fe', 'Nb', 'W', 'Co', 'Zr'];
const C = (over: Partial<DesignConstraints> = {}): DesignConstraints => ({
  ...DEFAULT_CONSTRAINTS,
  ...over,
});

describe('vectors to alloys (SPEC §9.5)', () => {
  it('drops elements below 1 at.%, renormalises and rounds by largest remainder', () => {
    // B 0.675 Nb 0.236 Fe 0.04 W 0.041 Co 0.005 Zr 0.003 -> drop Co, Zr (< 1 at.%); rest sum 0.992
    const r = toAlloy(basis, [0.675, 0.04, 0.236, 0.041, 0.005, 0.003], C());
    assert.ok(r.ok);
    // exact: B 68.044, Fe 4.032, Nb 23.790, W 4.133 -> floors 68,4,23,4 = 99; largest remainder Nb(0.79) -> 24
    assert.deepEqual(r.atPct, { B: 68, Fe: 4, Nb: 24, W: 4 });
    assert.equal(r.alloy.toFormula(), 'B68Nb24Fe4W4');
    assert.ok(Math.abs(r.unrounded.Co - 0.005) < 1e-12);
  });
  it('supports 0.5 at.% steps', () => {
    const r = toAlloy(['Cu', 'Zr', 'Al'], [0.4625, 0.4625, 0.075], C({ minElements: 2 }));
    assert.ok(r.ok);
    assert.deepEqual(r.atPct, { Cu: 46, Zr: 46, Al: 8 }); // integer: 46.25,46.25,7.5 -> 46,46,7 + 1 to Al (0.5 remainder)
    const h = toAlloy(['Cu', 'Zr', 'Al'], [0.4625, 0.4625, 0.075], C({ minElements: 2 }), {
      minAtPct: 1,
      step: 0.5,
    });
    assert.ok(h.ok);
    assert.equal(
      Object.values(h.atPct).reduce((a, b) => a + b, 0),
      100,
    );
    assert.deepEqual(h.atPct, { Cu: 46.5, Zr: 46, Al: 7.5 });
  });
  it('zeroes banned elements and renormalises before rounding', () => {
    const r = toAlloy(basis, [0.5, 0.2, 0.2, 0.05, 0.05, 0], C({ ban: ['B'] }));
    assert.ok(r.ok);
    assert.equal(r.atPct.B, undefined);
    assert.deepEqual(r.atPct, { Fe: 40, Nb: 40, W: 10, Co: 10 });
  });
  it('rejects with a reason: too many / too few elements, bounds', () => {
    const v = [0.3, 0.2, 0.2, 0.1, 0.1, 0.1];
    assert.deepEqual(toAlloy(basis, v, C({ maxElements: 4 })), {
      ok: false,
      reason: 'too_many_elements',
      unrounded: toAlloy(basis, v, C()).unrounded,
    });
    assert.equal(
      (toAlloy(basis, [0.7, 0.3, 0, 0, 0, 0], C()) as { reason: string }).reason,
      'too_few_elements',
    );
    assert.equal(
      (toAlloy(basis, v, C({ bounds: { B: { min: 40 } } })) as { reason: string }).reason,
      'below_min_bound',
    );
    assert.equal(
      (toAlloy(basis, v, C({ bounds: { Fe: { max: 10 } } })) as { reason: string }).reason,
      'above_max_bound',
    );
    assert.equal((toAlloy(basis, v, C({ allow: ['B', 'Fe', 'Nb'] })) as { ok: boolean }).ok, true);
  });
  it('property: any positive vector rounds to at.% summing to exactly 100, no banned element, ≤ max elements or rejected', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 1e-6, max: 1, noNaN: true }), { minLength: 6, maxLength: 6 }),
        fc.integer({ min: 1, max: 6 }),
        (v, maxEl) => {
          const r = toAlloy(basis, v, C({ ban: ['Zr'], maxElements: maxEl, minElements: 1 }));
          if (!r.ok) return ['too_many_elements', 'empty_after_rounding'].includes(r.reason);
          const vals = Object.values(r.atPct);
          return (
            vals.reduce((a, b) => a + b, 0) === 100 &&
            !('Zr' in r.atPct) &&
            vals.length <= maxEl &&
            vals.every((x) => x >= 1 && Number.isInteger(x))
          );
        },
      ),
    );
  });
});

describe('constraints (SPEC §9.6)', () => {
  it('validates names, consistency and bounds', () => {
    assert.throws(
      () => validateConstraints(C({ ban: ['Xx'] }), basis),
      /'Xx' is not a chemical element symbol/,
    );
    assert.throws(
      () => validateConstraints(C({ ban: ['Ag'] }), basis),
      /element 'Ag' is not in the model's element basis/,
    );
    assert.throws(
      () => validateConstraints(C({ ban: ['B'], allow: ['B'] }), basis),
      /'B' is both banned and allowed/,
    );
    assert.throws(
      () => validateConstraints(C({ bounds: { Nb: { min: 30, max: 10 } } }), basis),
      /Nb min 30 > max 10 at\.%/,
    );
    validateConstraints(C({ ban: ['B'], bounds: parseBounds('Nb:10:30,Fe::50') }), basis);
    assert.deepEqual(parseBounds('Nb:10:30,Fe::50'), { Nb: { min: 10, max: 30 }, Fe: { max: 50 } });
    assert.throws(() => parseBounds('Nb-10'), /expected ELEMENT:MIN:MAX/);
    assert.deepEqual(
      permittedMask(C({ ban: ['B'], allow: ['B', 'Fe', 'Nb'].filter((e) => e !== 'B') }), basis),
      [false, true, true, false, false, false],
    );
  });
});

describe('gates (SPEC §9.7)', () => {
  const t = {
    logpThreshold: -20,
    novelty: 0.06,
    sigmaRef: 100,
    sigmaCapFactor: 2.5,
    lcbTarget: 1800,
  };
  it('records value, threshold and pass for each gate', () => {
    const g = evaluateGates({ logp: -19, novelty: 0.05, sigma: 250, lcb: 1850 }, t);
    assert.deepEqual(g, {
      support: { value: -19, threshold: -20, pass: true },
      novelty: { value: 0.05, threshold: 0.06, pass: false },
      uncertainty: { value: 250, threshold: 250, pass: true },
      performance: { value: 1850, threshold: 1800, pass: true },
    });
    assert.equal(allPass(g), false);
    assert.deepEqual(gateFailureCounts([g, g]), {
      gate_support: 0,
      gate_novelty: 2,
      gate_uncertainty: 0,
      gate_performance: 0,
    });
  });
});

describe('thresholds (SPEC §9.2) and selection', () => {
  it('σ_ref, near-peak rows (≥ 10) and LCB target by hand', () => {
    const n = 20;
    const mu = Array.from({ length: n }, (_, i) => 1000 + 10 * i); // 1000..1190
    const sigma = Array.from({ length: n }, (_, i) => 10 + i); // 10..29
    const r = calibrationThresholds(mu, sigma);
    // q0.80 of 10..29 (linear): position 0.8*19 = 15.2 -> 25.2
    assert.ok(Math.abs(r.sigmaRef - 25.2) < 1e-12);
    assert.equal(r.nearPeakRows, 10); // 2 % of 20 is < 10 -> 10 rows
    // top 10 by mu: i = 10..19, LCB = 1000+10i - 1.645(10+i); increasing in i; default q0.25 at
    // position 2.25 -> i = 12.25
    const lcb = (i: number) => 1000 + 10 * i - 1.645 * (10 + i);
    assert.ok(Math.abs(r.lcbTarget - (lcb(12) + 0.25 * (lcb(13) - lcb(12)))) < 1e-9);
    // SPEC §9.2's q0.85: position 7.65 -> i = 17.65
    const spec = calibrationThresholds(mu, sigma, {
      ...DEFAULT_THRESHOLD_OPTIONS,
      lcbTargetQuantile: 0.85,
    });
    assert.ok(Math.abs(spec.lcbTarget - (lcb(17) + 0.65 * (lcb(18) - lcb(17)))) < 1e-9);
  });
  it('novelty threshold: leave-one-out nearest-neighbour distances, duplicates removed', () => {
    const v = [[0], [1], [3], [3], [7]].map((x) => [x[0], 0]);
    assert.deepEqual(Array.from(looNearestDistances(v)), [1, 1, 0, 0, 4]);
    // distinct: 0,1,3,7 -> LOO 1,1,2,4 -> q0.5 = 1.5
    assert.equal(noveltyThreshold(v, 0.5), 1.5);
    const nn = nearest([2.9, 0], v);
    assert.equal(nn.index, 2);
    assert.ok(Math.abs(nn.distance - 0.1) < 1e-12);
  });
  it('greedy diverse selection skips near neighbours of picked items', () => {
    const items = [
      { score: 10, vector: [0, 0] },
      { score: 9, vector: [0.01, 0] },
      { score: 8, vector: [1, 0] },
      { score: 7, vector: [2, 0] },
    ];
    assert.deepEqual(diverseSelect(items, 3, 0.5), [0, 2, 3]);
    assert.deepEqual(diverseSelect(items, 2, 0), [0, 1]);
  });
});
