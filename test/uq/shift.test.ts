import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalInv } from '../../src/math/normal.ts';
import { spearman } from '../../src/math/stats.ts';
import { domainReference } from '../../src/uq/domain.ts';
import {
  compareMethods,
  conformalQuantile,
  fitVarianceComponents,
  intervalMetrics,
  type ShiftRows,
  UncertaintyModel,
} from '../../src/uq/shift.ts';
import { Rng } from '../../src/util/rng.ts';

const gauss = (rng: Rng) => normalInv(Math.min(1 - 1e-12, Math.max(1e-12, rng.uniform())));

describe('intervalMetrics.mace', () => {
  it('is the mean |coverage − nominal| of the central intervals at 0.05 … 0.95', () => {
    // 20 rows with |error| = 1 … 20 and a half-width of 10 at every level: coverage 0.5 at every
    // level, so mace = mean |0.5 − p| over p = 0.05, 0.15, …, 0.95 = 0.25
    const y = Array.from({ length: 20 }, (_, i) => i + 1);
    const m = intervalMetrics(y, new Array(20).fill(0), {
      sigma: new Float64Array(20).fill(10),
      halfWidth: () => new Float64Array(20).fill(10),
    });
    assert.ok(Math.abs(m.mace - 0.25) < 1e-12, `${m.mace}`);
    assert.equal(m.coverage_90, 0.5);
  });
});

describe('conformalQuantile', () => {
  it('is the ⌈(n+1)p⌉-th smallest score, ∞ beyond n', () => {
    const s = [5, 1, 4, 2, 3]; // sorted 1..5, n = 5
    assert.equal(conformalQuantile(s, 0.5), 3); // ⌈6·0.5⌉ = 3
    assert.equal(conformalQuantile(s, 0.8), 5); // ⌈4.8⌉ = 5
    assert.equal(conformalQuantile(s, 0.9), Number.POSITIVE_INFINITY); // ⌈5.4⌉ = 6 > 5
  });
});

describe('fitVarianceComponents', () => {
  it('recovers known variance components of Gaussian residuals', () => {
    // r_i ~ N(0, A s_i² + B d_i²) with A = 4, B = 900; n = 20000 → relative sampling error of a
    // variance estimate ≈ √(2/n) ≈ 1 %, of a component a few %; tolerance 15 %.
    const rng = new Rng('vc');
    const n = 20000;
    const s = Array.from({ length: n }, () => 1 + 9 * rng.uniform());
    const d = Array.from({ length: n }, () => (rng.uniform() < 0.5 ? 0 : rng.uniform()));
    const r = s.map((si, i) => Math.sqrt(4 * si * si + 900 * d[i] * d[i]) * gauss(rng));
    const [A, B] = fitVarianceComponents(r, [s, d]);
    assert.ok(Math.abs(A / 4 - 1) < 0.15, `A = ${A}`);
    assert.ok(Math.abs(B / 900 - 1) < 0.15, `B = ${B}`);
  });
});

/**
 * A toy shift problem: groups ("families") g with a difficulty δ_g ~ U(0, 1); the model knows the
 * within-group noise (σ_mc = 10) but not the group's offset b_g ~ N(0, (200·δ_g)²). Rows of one group
 * share b_g, so a new group is a shift the MC σ does not see.
 */
function toyRows(rng: Rng, groups: number, perGroup: number): ShiftRows & { group: number[] } {
  const y: number[] = [];
  const group: number[] = [];
  const knn: number[] = [];
  for (let g = 0; g < groups; g++) {
    const dg = rng.uniform();
    const b = 200 * dg * gauss(rng);
    for (let k = 0; k < perGroup; k++) {
      y.push(b + 10 * gauss(rng));
      knn.push(dg);
      group.push(g);
    }
  }
  const n = y.length;
  return {
    y,
    mu: new Array(n).fill(0),
    sigma: new Array(n).fill(10),
    knn,
    gap: new Array(n).fill(0),
    ext: new Array(n).fill(0),
    group,
  };
}

describe('conformal interval on new groups', () => {
  it('covers 90 % of rows of new groups from the same group distribution (≥ 200 repeats, within 2 SE)', () => {
    const rng = new Rng('toy-conformal');
    const R = 200;
    const cov: number[] = [];
    const covMc: number[] = [];
    for (let rep = 0; rep < R; rep++) {
      // calibration: 80 groups held out in a grouped CV + 20 more groups (the conformal scores
      // pool both); exchangeable with the test groups
      const cal = toyRows(rng, 80, 5);
      const cal2 = toyRows(rng, 20, 5);
      const test = toyRows(rng, 20, 5); // 20 new groups
      const m = UncertaintyModel.fit('conformal', cal, cal2);
      const h = m.apply(test.sigma, test).halfWidth(0.9);
      const mc = UncertaintyModel.fit('mc', cal, cal).apply(test.sigma, test).halfWidth(0.9);
      let c = 0;
      let cm = 0;
      for (let i = 0; i < test.y.length; i++) {
        if (Math.abs(test.y[i]) <= h[i]) c++;
        if (Math.abs(test.y[i]) <= mc[i]) cm++;
      }
      cov.push(c / test.y.length);
      covMc.push(cm / test.y.length);
    }
    const mean = cov.reduce((a, b) => a + b, 0) / R;
    const sd = Math.sqrt(cov.reduce((a, b) => a + (b - mean) ** 2, 0) / (R - 1));
    const se = sd / Math.sqrt(R);
    // split conformal's expected coverage is ⌈(n+1)·0.9⌉/(n+1) ≈ 0.9 + 0.001 for n = 500 rows
    assert.ok(Math.abs(mean - 0.9) <= 2 * se, `mean coverage ${mean}, SE ${se}`);
    // and the MC σ alone, blind to the group offsets, covers far less
    const meanMc = covMc.reduce((a, b) => a + b, 0) / R;
    assert.ok(meanMc < 0.6, `MC-only coverage ${meanMc}`);
  });

  it('the grouped-CV comparison prefers a shift-aware method on the toy problem', () => {
    const rng = new Rng('toy-compare');
    const oof = toyRows(rng, 100, 5);
    const cal = toyRows(rng, 40, 5);
    // calibration rows are in distribution: no group offset
    const calIn: ShiftRows = {
      ...cal,
      y: Array.from(cal.y, () => 10 * gauss(rng)),
      knn: Array.from(cal.knn, () => 0),
    };
    const { table, chosen } = compareMethods(
      oof,
      oof.group.map((g) => g % 5),
      calIn,
    );
    assert.ok(chosen === 'distance' || chosen === 'conformal', `chose ${chosen}`);
    const mc = table.find((t) => t.method === 'mc')!;
    assert.ok(mc.metrics.coverage_90 < 0.5);
    // both regimes are scored: the in-distribution rows (σ_mc exact) are covered by every method
    for (const t of table) {
      assert.equal(t.metrics.n, 500);
      assert.equal(t.calibration.n, 200);
      assert.ok(t.calibration.coverage_90 >= 0.85, `${t.method}: ${t.calibration.coverage_90}`);
    }
    // mace = mean |coverage − nominal| at 0.05 … 0.95: large for mc under shift
    assert.ok(mc.metrics.mace > 0.2, `mc mace ${mc.metrics.mace}`);
    const chosenRow = table.find((t) => t.method === chosen)!;
    assert.ok(chosenRow.metrics.mace < 0.05, `chosen mace ${chosenRow.metrics.mace}`);
  });
});

describe('the difficulty score on held-out families', () => {
  it('absolute error grows with the kNN distance δ (Spearman > 0, permutation p < 0.01)', () => {
    // A smooth hardness surface on a 4-element simplex; families = which elements are present.
    // The "model" is the mean of the 5 nearest training compositions (no knowledge of held-out
    // families); families are held out one at a time, as in the grouped CV.
    const rng = new Rng('families');
    const f = (x: number[]) => 800 * x[0] + 300 * x[1] ** 2 + 1200 * x[2] * x[3] + 500 * x[3];
    const fams = [
      [0, 1],
      [0, 2],
      [1, 2],
      [0, 1, 2],
      [1, 3],
      [2, 3],
      [0, 3],
      [0, 1, 3],
      [0, 2, 3],
      [1, 2, 3],
    ];
    const rows: { x: number[]; fam: number }[] = [];
    fams.forEach((els, fi) => {
      for (let k = 0; k < 12; k++) {
        const w = els.map(() => -Math.log(rng.uniform()));
        const s = w.reduce((a, b) => a + b, 0);
        const x = [0, 0, 0, 0];
        els.forEach((e, j) => {
          x[e] = w[j] / s;
        });
        rows.push({ x, fam: fi });
      }
    });
    const err: number[] = [];
    const delta: number[] = [];
    for (let fi = 0; fi < fams.length; fi++) {
      const tr = rows.filter((r) => r.fam !== fi);
      const te = rows.filter((r) => r.fam === fi);
      const dm = domainReference({
        elements: ['A', 'B', 'C', 'D'],
        x: tr.flatMap((r) => r.x),
        loads: tr.map(() => 1),
        hv: tr.map((r) => f(r.x)),
        formulas: tr.map((_, i) => `row${i}`),
      });
      for (const r of te) {
        const d = tr
          .map((t) => ({ t, d: Math.hypot(...t.x.map((v, j) => v - r.x[j])) }))
          .sort((a, b) => a.d - b.d)
          .slice(0, 5);
        const pred = d.reduce((a, b) => a + f(b.t.x), 0) / d.length;
        err.push(Math.abs(pred - f(r.x)));
        delta.push(dm.quantities(r.x, 1).knnDistance);
      }
    }
    const rho = spearman(err, delta);
    const prng = new Rng('perm');
    let above = 0;
    const P = 200;
    for (let p = 0; p < P; p++) if (spearman(err, prng.shuffle([...delta])) >= rho) above++;
    assert.ok(rho > 0, `ρ = ${rho}`);
    assert.ok((above + 1) / (P + 1) < 0.01, `permutation p = ${(above + 1) / (P + 1)}, ρ = ${rho}`);
  });
});

describe('UncertaintyModel distance σ with the load-extrapolation feature x', () => {
  const base = {
    scale: 1,
    conformal: { levels: [0.5, 0.6827, 0.9], q: [0.7, 1, 1.6], n: 10 },
  };
  const f = { knn: [0.1, 0.3], gap: [0, 1], ext: [0, Math.log(10)] };

  it('is √((aσ)² + (bδ)² + (cg)² + (dx)²), by hand', () => {
    const m = new UncertaintyModel({
      ...base,
      method: 'distance',
      distance: { a: 1.5, b: 400, c: 20, d: 100 },
    });
    const s = m.apply([50, 60], f).sigma;
    assert.ok(Math.abs(s[0] - Math.sqrt(75 ** 2 + 40 ** 2)) < 1e-9);
    assert.ok(
      Math.abs(s[1] - Math.sqrt(90 ** 2 + 120 ** 2 + 20 ** 2 + (100 * Math.log(10)) ** 2)) < 1e-9,
    );
  });

  it('reads a model saved before x existed as d = 0, and round-trips', () => {
    const old = UncertaintyModel.fromJSON({
      kind: 'UncertaintyModel',
      version: 1,
      method: 'conformal',
      ...base,
      distance: { a: 1.5, b: 400, c: 20 },
    });
    assert.deepEqual(old.distance, { a: 1.5, b: 400, c: 20, d: 0 });
    const u1 = Math.sqrt(90 ** 2 + 120 ** 2 + 20 ** 2);
    assert.ok(Math.abs(old.apply([50, 60], f).halfWidth(0.9)[1] - 1.6 * u1) < 1e-9);
    assert.deepEqual(UncertaintyModel.fromJSON(old.toJSON()).toJSON(), old.toJSON());
  });

  it('fits d to residuals that grow with x (the variance components recover it)', () => {
    const rng = new Rng('x-feature');
    const n = 4000;
    const rows = {
      y: [] as number[],
      mu: [] as number[],
      sigma: [] as number[],
      knn: [] as number[],
      gap: [] as number[],
      ext: [] as number[],
    };
    for (let i = 0; i < n; i++) {
      const x = rng.uniform() < 0.3 ? 3 * rng.uniform() : 0;
      const sd = Math.sqrt(30 ** 2 + (80 * x) ** 2);
      rows.y.push(sd * gauss(rng));
      rows.mu.push(0);
      rows.sigma.push(30);
      rows.knn.push(0);
      rows.gap.push(0);
      rows.ext.push(x);
    }
    const m = UncertaintyModel.fit('distance', rows, rows);
    // 4 000 rows: the ML estimates are within ~10 % (a few standard errors)
    assert.ok(Math.abs(m.distance.a - 1) < 0.1, `a ${m.distance.a}`);
    assert.ok(Math.abs(m.distance.d - 80) < 8, `d ${m.distance.d}`);
  });
});
