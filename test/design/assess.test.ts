/**
 * design/assess.ts (issue 13): family = elements ≥ 10 at.%; raw-material cost Σ wᵢ·priceᵢ over
 * mass fractions, checked by hand against the price table and standard atomic masses; unknown
 * prices; the glass gate against given ranges; the Pareto front; the per-family cap in selection.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ELEMENT_PRICES } from '../../src/chem/tables/prices.ts';
import {
  alloyCost,
  familyOf,
  glassDescriptors,
  glassGate,
  glassRanges,
  paretoFront,
} from '../../src/design/assess.ts';
import { diverseSelect } from '../../src/design/select.ts';

test('familyOf: the sorted elements at >= 10 at.% (the issue example)', () => {
  assert.deepEqual(familyOf({ B: 0.4, Co: 0.35, Re: 0.24, Fe: 0.01 }), ['B', 'Co', 'Re']);
  assert.deepEqual(familyOf({ B: 0.46, Co: 0.31, Re: 0.19, Nb: 0.02, Ta: 0.02 }), [
    'B',
    'Co',
    'Re',
  ]);
  assert.deepEqual(familyOf({ Zr: 0.55, Cu: 0.3, Al: 0.1, Ni: 0.05 }), ['Al', 'Cu', 'Zr']);
});

test('alloyCost: mass-weighted prices (by hand: Co50Nb50 with Co 58.933, Nb 92.906 u)', () => {
  const wCo = 58.933 / (58.933 + 92.906);
  const want =
    wCo * (ELEMENT_PRICES.Co.usd_per_kg as number) +
    (1 - wCo) * (ELEMENT_PRICES.Nb.usd_per_kg as number);
  const c = alloyCost({ Co: 0.5, Nb: 0.5 });
  // tolerance: the element table's atomic masses may differ from these in the 4th decimal
  assert.ok(Math.abs((c.usd_per_kg as number) - want) < 1e-3 * want, `${c.usd_per_kg} vs ${want}`);
  assert.equal(c.lower_bound, false);
  assert.equal(alloyCost({ Zr: 0.6, Cu: 0.4 }).lower_bound, true); // Zr is an ore (zircon) price
  // Fe80B20 by hand (Fe 55.845, B 10.81 u; Fe 0.69, B 2386 USD/kg): 4.6 wt.% B -> 110 USD/kg
  const fe = alloyCost({ Fe: 0.8, B: 0.2 });
  const wB = (0.2 * 10.81) / (0.2 * 10.81 + 0.8 * 55.845);
  const wantFeB = wB * 2386 + (1 - wB) * 0.69;
  assert.ok(Math.abs((fe.usd_per_kg as number) - wantFeB) < 1e-3 * wantFeB, `${fe.usd_per_kg}`);
  assert.equal(fe.lower_bound, false);
  const u = alloyCost({ U: 0.1, Fe: 0.9 });
  assert.equal(u.usd_per_kg, null);
  assert.deepEqual(u.unknown, ['U']);
});

test('every price entry names a source and, when known, a year and a positive price', () => {
  for (const [e, p] of Object.entries(ELEMENT_PRICES)) {
    assert.ok(p.source.length > 0, e);
    if (p.usd_per_kg !== null) assert.ok(p.usd_per_kg > 0 && p.year !== null, e);
  }
});

test('glass gate: inside the training ranges passes, outside names the descriptor', () => {
  const train: Record<string, number>[] = [
    { Fe: 0.8, B: 0.2 },
    { Fe: 0.7, B: 0.2, Nb: 0.1 },
    { Co: 0.6, B: 0.3, Ta: 0.1 },
  ];
  const r = glassRanges(train);
  assert.equal(glassGate(glassDescriptors(train[1]), r).pass, true);
  const g = glassGate(glassDescriptors({ Fe: 0.5, Zr: 0.5 }), r);
  assert.equal(g.pass, false);
  assert.equal(g.value, g.outside.length);
  assert.ok(g.outside.length > 0);
});

test('paretoFront over (max LCB, min cost, max novelty)', () => {
  const items = [
    { lcb: 1600, cost: 400, novelty: 0.06 }, // front (highest LCB)
    { lcb: 1500, cost: 50, novelty: 0.06 }, // front (cheapest)
    { lcb: 1500, cost: 60, novelty: 0.05 }, // dominated by #1
    { lcb: 1400, cost: 300, novelty: 0.2 }, // front (most novel)
    { lcb: 1400, cost: null, novelty: 0.1 }, // dominated by #3 (unknown cost = +inf)
  ];
  assert.deepEqual(paretoFront(items), [0, 1, 3]);
});

test('diverseSelect: the per-family cap spreads the set, then fills over the cap', () => {
  const items = [0, 1, 2, 3, 4].map((i) => ({ score: 10 - i, vector: [i, 0], family: 'A' }));
  items.push({ score: 1, vector: [9, 9], family: 'B' });
  const over: number[] = [];
  const picked = diverseSelect(items, 4, 0.5, 2, over);
  assert.deepEqual(picked, [0, 1, 5, 2]);
  assert.deepEqual(over, [2]);
  assert.deepEqual(diverseSelect(items, 3, 0.5), [0, 1, 2]);
});
