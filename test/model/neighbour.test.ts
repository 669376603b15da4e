/**
 * The neighbour term of the default model (model/neighbour.ts): closed forms on hand-made data,
 * monotone load for any Meyer samples (property-based), out-of-fold honesty of member subsets, the
 * CV choice, persistence, and the term in a trained model's predictions.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import fc from 'fast-check';
import { type Dataset, loadDataset, type Split, selectSplit } from '../../src/data/index.ts';
import { evaluateModel } from '../../src/eval/evaluate.ts';
import { HardnessModel } from '../../src/model/hardness-model.ts';
import {
  blendSamples,
  chooseNeighbour,
  findNeighbours,
  kernelWeight,
  NeighbourBlend,
  nearestRows,
  neighboursFrom,
  type OofSamples,
} from '../../src/model/neighbour.ts';
import { sharedData } from '../helpers/paths.ts';

// three training alloys over 2 elements: (1, 0) at 1 N, (0.9, 0.1) at 4 N, (0, 1) at 1 N
const E = 2;
const TRAIN = { x: [1, 0, 0.9, 0.1, 0, 1], loads: [1, 4, 1], hv: [1000, 800, 300] };

describe('findNeighbours and blendSamples: closed forms', () => {
  it('weights the k nearest by exp(−(d − d_min)/τ) and carries each along the sample curve (L_j/L)^b', () => {
    const p = { tau: 0.1, k: 2, alpha: 0.25, d0: 0.5 };
    // query (0.95, 0.05) at 2 N: L1 distances 0.1, 0.1, 1.9 → the first two, equal weights
    const nb = findNeighbours(p, E, [0.95, 0.05], 1, { ...TRAIN, rows: [0, 1, 2] });
    assert.deepEqual(Array.from(nb.off), [0, 2]);
    assert.ok(Math.abs(nb.dmin[0] - 0.1) < 1e-12);
    const g = 0.75 * Math.exp(-((0.1 / 0.5) ** 2));
    assert.ok(Math.abs(nb.g[0] - g) < 1e-12);
    // (0.9, 0.1) is nearer by a rounding error: either order, the same pairs (w·y/Σw, ln L)
    const pairs = [0, 1].map((q) => [nb.a[q], nb.lnL[q]]).sort((u, v) => u[0] - v[0]);
    assert.ok(Math.abs(pairs[0][0] - 400) < 1e-9 && Math.abs(pairs[0][1] - Math.log(4)) < 1e-12);
    assert.ok(Math.abs(pairs[1][0] - 500) < 1e-9 && pairs[1][1] === 0);
    // one member, 2 passes of a Meyer curve s(L) = A·L^(−b): (A, b) = (900, 0.1), (700, 0.3)
    const L = 2;
    const curves = [
      [900, 0.1],
      [700, 0.3],
    ];
    const s1 = curves.map(([A, b]) => A * L ** -b);
    const s2 = curves.map(([A, b]) => A * (L * Math.E) ** -b);
    const out = blendSamples(s1, s2, [Math.log(L)], nb, 1, 2);
    // K per pass = 500·(1/2)^b + 400·(4/2)^b; member shift = g·mean(K − s)
    const K = curves.map(([, b]) => 500 * (1 / 2) ** b + 400 * 2 ** b);
    const shift = (g * (K[0] - s1[0] + K[1] - s1[1])) / 2;
    for (let s = 0; s < 2; s++) assert.ok(Math.abs(out[s] - (s1[s] + shift)) < 1e-3);
    // the blended mean is (1 − g)·mean(s) + g·mean(K); the spread over passes is the network's
    const mean = (out[0] + out[1]) / 2;
    const want = (1 - g) * ((s1[0] + s1[1]) / 2) + (g * (K[0] + K[1])) / 2;
    assert.ok(Math.abs(mean - want) < 1e-3);
    assert.ok(Math.abs(out[0] - out[1] - (s1[0] - s1[1])) < 1e-3);
  });

  it('without decay g = 1 − α; far from the data with decay the samples are the network’s', () => {
    assert.equal(kernelWeight({ alpha: 0.3, d0: null }, 5), 0.7);
    const nb = findNeighbours({ tau: 0.1, k: 1, alpha: 0, d0: 0.01 }, E, [0, 1], 1, {
      ...TRAIN,
      rows: [0, 1],
    });
    // nearest is (0.9, 0.1) at L1 distance 1.8: g = exp(−(180)²) = 0
    assert.equal(nb.g[0], 0);
    assert.deepEqual(Array.from(blendSamples([123, 456], [100, 400], [0], nb, 1, 2)), [123, 456]);
  });

  it('keeps every blended member mean non-increasing in the load for any Meyer samples (property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.double({ min: 50, max: 3000, noNaN: true }),
            fc.double({ min: 0, max: 0.5, noNaN: true }),
          ),
          {
            minLength: 1,
            maxLength: 6,
          },
        ),
        fc.double({ min: 0.01, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (curves, tau, alpha, t) => {
          const p = { tau, k: 3, alpha, d0: null };
          const x = [t, 1 - t];
          const nb = findNeighbours(p, E, x, 1, { ...TRAIN, rows: [0, 1, 2] });
          const S = curves.length;
          let prev = Number.POSITIVE_INFINITY;
          for (const L of [0.01, 0.1, 0.5, 1, 2, 5, 10, 20]) {
            const s1 = curves.map(([A, b]) => A * L ** -b);
            const s2 = curves.map(([A, b]) => A * (L * Math.E) ** -b);
            const out = blendSamples(s1, s2, [Math.log(L)], nb, 1, S);
            const m = out.reduce((a, v) => a + v, 0) / S;
            // float32 samples: a relative tolerance of 1e-6
            if (m > prev * (1 + 1e-6) + 1e-6) return false;
            prev = m;
          }
          return true;
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('nearestRows: one search for every k of the CV grid', () => {
  it('the first k rows of a search for kMax ≥ k give the neighbours of a search for k (property, ties included)', () => {
    fc.assert(
      fc.property(
        // training fractions on a coarse grid over 3 elements, so that equal distances occur
        fc.array(fc.tuple(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 4 })), {
          minLength: 1,
          maxLength: 12,
        }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 4 })), {
          minLength: 1,
          maxLength: 4,
        }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 0, max: 6 }),
        fc.double({ min: 0.01, max: 1, noNaN: true }),
        (tr, qs, k, extra, tau) => {
          const frac = ([a, b]: [number, number]) => {
            const u = Math.min(a, 4) / 8;
            const v = Math.min(b, 4) / 8;
            return [u, v, 1 - u - v];
          };
          const train = {
            x: tr.flatMap(frac),
            loads: tr.map((_, i) => 0.5 + i),
            hv: tr.map((_, i) => 300 + 50 * i),
            rows: tr.map((_, i) => i),
          };
          const x = qs.flatMap(frac);
          const p = { tau, k, alpha: 0.2, d0: 0.1 };
          const direct = findNeighbours(p, 3, x, qs.length, train);
          const viaMax = neighboursFrom(
            p,
            nearestRows(k + extra, 3, x, qs.length, train),
            qs.length,
            train,
          );
          assert.deepEqual(viaMax, direct);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('refuses a search shorter than k when more rows exist', () => {
    const train = { ...TRAIN, rows: [0, 1, 2] };
    const near = nearestRows(1, E, [1, 0], 1, train);
    assert.throws(
      () => neighboursFrom({ tau: 0.1, k: 2, alpha: 0, d0: null }, near, 1, train),
      /cannot give k = 2/,
    );
  });
});

describe('NeighbourBlend: members, persistence', () => {
  const blend = new NeighbourBlend(
    {
      params: { tau: 0.05, k: 1, alpha: 0, d0: null },
      ...TRAIN,
      // member 0 was trained on rows 1 and 2, member 1 on rows 0 and 2
      member_rows: [
        [1, 2],
        [0, 2],
      ],
    },
    E,
  );

  it('uses only the rows of the selected members (union), so a member’s out-of-fold query never sees its own held-out row', () => {
    assert.deepEqual(blend.rowsOf([0]), [1, 2]);
    assert.deepEqual(blend.rowsOf(), [0, 1, 2]);
    // query = training row 0 exactly: member 0 never saw it, its nearest is row 1 (HV 800)
    const n0 = blend.neighbours([1, 0], 1, blend.rowsOf([0]));
    assert.equal(n0.a[0], 800);
    const all = blend.neighbours([1, 0], 1, blend.rowsOf());
    assert.equal(all.a[0], 1000);
    assert.equal(all.dmin[0], 0);
  });

  it('round-trips through JSON and re-indexes members in a subset', () => {
    const j = blend.toJSON();
    assert.deepEqual(NeighbourBlend.fromJSON(JSON.parse(JSON.stringify(j)), E).toJSON(), j);
    assert.deepEqual(blend.subset([1]).memberRows, [[0, 2]]);
    assert.throws(() => NeighbourBlend.fromJSON({ ...j, member_rows: [[7]] }, E), /member row 7/);
    assert.throws(
      () => NeighbourBlend.fromJSON({ ...j, params: { ...j.params, tau: 0 } }, E),
      /invalid params/,
    );
  });
});

describe('chooseNeighbour (the CV choice)', () => {
  // out-of-fold rows: the training alloys' neighbours; the network is flat at 600 HV (b = 0)
  function oofFor(y: number[]): OofSamples[] {
    return [
      {
        x: [0.95, 0.05, 0.05, 0.95],
        loads: [1, 1],
        y,
        rows: [0, 1, 2],
        s1: [600, 600],
        s2: [600, 600],
      },
    ];
  }

  it('picks a blend when the neighbours’ HV predict the held-out rows, and records the table', () => {
    const c = chooseNeighbour(E, TRAIN, oofFor([950, 310]));
    assert.ok(c.params !== null);
    assert.equal(c.table[0].params, null);
    assert.ok(Math.abs(c.table[0].mae - (350 + 290) / 2) < 1e-9);
    const best = c.table.find((t) => JSON.stringify(t.params) === JSON.stringify(c.params));
    assert.ok(best && best.mae < c.table[0].mae && best.rmse <= c.table[0].rmse);
  });

  it('keeps the network alone (null) when no blend lowers the MAE without raising the RMSE', () => {
    // the measured values are the network's: any pull towards the neighbours is worse
    const c = chooseNeighbour(E, TRAIN, oofFor([600, 600]));
    assert.equal(c.params, null);
  });
});

describe('the neighbour term in a trained default-preset model', () => {
  let model: HardnessModel;
  let net: HardnessModel;
  let x: Float32Array;
  let ds: Dataset;
  let split: Split;
  const loads = [0.01, 0.1, 0.5, 1, 2, 5, 10, 20];

  before(async () => {
    ds = loadDataset(sharedData('H_v_dataset.csv'));
    split = selectSplit(ds);
    const small = { latentDim: 8, compHidden: [32, 16], headHidden: [16], decoderHidden: [16] };
    const fit = (neighbour?: { tau: number; k: number; alpha: number; d0: number | null } | null) =>
      HardnessModel.fit(ds, split, {
        preset: 'default',
        seed: 1,
        seeds: 1,
        quick: true,
        network: small,
        neighbour,
      });
    ({ model } = await fit({ tau: 0.04, k: 5, alpha: 0.3, d0: 0.2 }));
    ({ model: net } = await fit(null));
    const E2 = ds.elements.length;
    // 40 train_fit alloys, each at every load
    const rows = split.trainFit.slice(0, 40);
    x = new Float32Array(rows.length * loads.length * E2);
    rows.forEach((r, i) => {
      loads.forEach((_, j) => {
        x.set(ds.x.subarray(r * E2, (r + 1) * E2), (i * loads.length + j) * E2);
      });
    });
  });

  it('is saved with the model and gives the same predictions after loading', async () => {
    assert.ok(model.neighbour);
    assert.equal(net.neighbour, null);
    assert.equal(model.neighbour.memberRows.length, model.nMembers);
    const dir = join(mkdtempSync(join(tmpdir(), 'vibann-nb-')), 'm');
    await model.save(dir);
    const back = await HardnessModel.load(dir);
    const L = Array.from(
      { length: x.length / model.elements.length },
      (_, i) => loads[i % loads.length],
    );
    const a = model.predictRows(x, L, { passes: 10 });
    const b = back.predictRows(x, L, { passes: 10 });
    assert.deepEqual(Array.from(b.mean), Array.from(a.mean));
    assert.deepEqual(Array.from(b.std), Array.from(a.std));
  });

  it('changes μ at the data, keeps the load curve non-increasing, and `network: true` is the networks alone (same weights)', () => {
    const n = x.length / model.elements.length;
    const L = Array.from({ length: n }, (_, i) => loads[i % loads.length]);
    const p = model.predictRows(x, L, { passes: 10 });
    const pn = model.predictRows(x, L, { passes: 10, network: true });
    const q = net.predictRows(x, L, { passes: 10 });
    // the networks of both fits are the same (the term is post-training): network-only equal
    assert.deepEqual(Array.from(pn.mean), Array.from(q.mean));
    let moved = 0;
    for (let i = 0; i < n; i++) if (Math.abs(p.mean[i] - pn.mean[i]) > 1) moved++;
    assert.ok(moved > n / 2, `${moved} of ${n} rows moved by the term`);
    for (let c = 0; c < n / loads.length; c++) {
      for (let j = 1; j < loads.length; j++) {
        const i = c * loads.length + j;
        assert.ok(
          p.mean[i] <= p.mean[i - 1] + 0.5,
          `composition ${c}: ${p.mean[i - 1]} → ${p.mean[i]}`,
        );
      }
    }
  });

  it("evaluate's CV report says the term was chosen on its rows and gives the networks alone (regression)", () => {
    const withTerm = evaluateModel(model, ds, split, { passes: 5 }).cv;
    const alone = evaluateModel(net, ds, split, { passes: 5 }).cv;
    assert.ok(withTerm?.neighbour && alone);
    assert.equal(withTerm.neighbour.chosen_on_these_rows, true);
    assert.equal(alone.neighbour, undefined);
    // the same networks: the term's report of the networks alone is the term-free model's report
    assert.deepEqual(withTerm.neighbour.networks.mean, alone.mean);
    assert.notDeepEqual(withTerm.mean, alone.mean);
  });
});
