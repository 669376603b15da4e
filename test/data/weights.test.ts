import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type Dataset,
  familyKey,
  familyWeights,
  LoadScaler,
  ldsWeights,
  loadDataset,
  StandardScaler,
  sampleWeights,
  selectSplit,
} from '../../src/data/index.ts';
import { InputError } from '../../src/util/errors.ts';
import { sharedData } from '../helpers/paths.ts';

const ds = loadDataset(sharedData('H_v_dataset.csv'));
const split = selectSplit(ds);

describe('sample weights (SPEC §2) on reference train_fit', () => {
  const rows = split.trainFit;
  const w = familyWeights(ds, rows);
  const keys = rows.map((r) => familyKey(ds.compositions[r]));
  const max = Math.max(...w);

  it('gives every B–Fe–Nb-only row the floor weight 0.25', () => {
    const bfenb = keys.map((k, i) => (k === 'B-Fe-Nb' ? w[i] : -1)).filter((v) => v >= 0);
    assert.ok(bfenb.length > 100, `${bfenb.length} B-Fe-Nb rows`);
    for (const v of bfenb) assert.equal(v, 0.25);
  });
  it('gives single-row families the maximum weight', () => {
    const counts = new Map<string, number>();
    for (const k of keys) counts.set(k, (counts.get(k) ?? 0) + 1);
    const singles = keys.map((k, i) => (counts.get(k) === 1 ? w[i] : -1)).filter((v) => v >= 0);
    assert.ok(singles.length > 10);
    for (const v of singles) assert.equal(v, max);
  });
  it('matches the PyTorch peer: range 0.25–2.54, mean 1.07 (its README, 2-3 significant digits)', () => {
    assert.equal(Math.min(...w), 0.25);
    assert.ok(Math.abs(max - 2.54) < 0.005, `max ${max}`);
    const mean = w.reduce((a, b) => a + b, 0) / w.length;
    assert.ok(Math.abs(mean - 1.07) < 0.005, `mean ${mean}`);
  });
  it('hand-computed case: counts {A:4, B:1} -> top family A x0.35', () => {
    // raw: A rows 0.35/2 = 0.175 each, B row 1; mean = (4*0.175 + 1)/5 = 0.34
    // normalised: A 0.5147..., B 2.941...; no clipping
    const mini = {
      ...ds,
      compositions: [0, 0, 0, 0, 1].map((i) => ds.compositions[i === 0 ? 0 : 1]),
    };
    const wm = familyWeights(mini, [0, 1, 2, 3, 4]);
    assert.ok(Math.abs(wm[0] - 0.175 / 0.34) < 1e-12);
    assert.ok(Math.abs(wm[4] - 1 / 0.34) < 1e-12);
  });
  it("'none' gives ones", () => {
    assert.deepEqual(Array.from(sampleWeights(ds, [1, 2, 3], 'none')), [1, 1, 1]);
  });
});

describe('scalers (SPEC §1)', () => {
  const tf = split.trainFit;
  it('match the peer train_fit statistics: load 2.0762 / 3.1117 N, HV 1106.65 / 574.41', () => {
    const L = LoadScaler.fit(
      tf.map((r) => ds.load[r]),
      'linear',
    );
    assert.ok(
      Math.abs(L.mean - 2.0762) < 5e-5 && Math.abs(L.std - 3.1117) < 5e-5,
      `${L.mean} ${L.std}`,
    );
    const H = StandardScaler.fit(tf.map((r) => ds.hv[r]));
    assert.ok(
      Math.abs(H.mean - 1106.65) < 5e-3 && Math.abs(H.std - 574.41) < 5e-3,
      `${H.mean} ${H.std}`,
    );
  });
  it('log load standardises ln L and round-trips through JSON', () => {
    const L = LoadScaler.fit([1, Math.E, Math.E ** 2], 'log');
    assert.ok(Math.abs(L.mean - 1) < 1e-12);
    assert.ok(Math.abs(L.std - Math.sqrt(2 / 3)) < 1e-12);
    assert.ok(Math.abs(L.transform(Math.E ** 2) - 1 / Math.sqrt(2 / 3)) < 1e-12);
    const back = LoadScaler.fromJSON(JSON.parse(JSON.stringify(L.toJSON())));
    assert.equal(back.transform(3.3), L.transform(3.3));
    assert.throws(() => L.transform(0), /load must be > 0 N, got 0/);
  });
  it('standard scaler inverts exactly and round-trips', () => {
    const s = StandardScaler.fit([1, 2, 3, 4]);
    assert.equal(s.std, Math.sqrt(1.25));
    assert.ok(Math.abs(s.inverse(s.transform(3.7)) - 3.7) < 1e-12);
    assert.deepEqual(StandardScaler.fromJSON(s.toJSON()), s);
  });
});

describe('label-distribution-smoothing weights (ablation scheme "lds")', () => {
  // a minimal dataset view: ldsWeights reads the hardness column only
  const fake = { hv: Float64Array.of(100, 100, 100, 1000, 555) } as unknown as Dataset;

  it('w ∝ 1/√(Gaussian-smoothed label density), mean 1 (hand-computed case)', () => {
    // rows 0–2 at 100 HV, row 3 alone at 1000 HV, h = 100: densities 3 (+e^−40.5) and 1
    const w = ldsWeights(fake, [0, 1, 2, 3], { bandwidth: 100 });
    const raw = [1 / Math.sqrt(3), 1 / Math.sqrt(3), 1 / Math.sqrt(3), 1];
    const m = raw.reduce((a, b) => a + b) / 4;
    raw.forEach((r, i) => {
      assert.ok(Math.abs(w[i] - r / m) < 1e-12, `row ${i}: ${w[i]} vs ${r / m}`);
    });
    assert.ok(Math.abs(w.reduce((a, b) => a + b) / 4 - 1) < 1e-12);
  });
  it('clips to [0.25, 4] and is computed from the given rows only', () => {
    const w = ldsWeights(fake, [0, 1, 2, 3], { bandwidth: 100, max: 1.2 });
    assert.equal(w[3], 1.2);
    // row 4 (555 HV) is not among the rows: it does not change their weights
    const a = ldsWeights(fake, [0, 3]);
    assert.deepEqual(Array.from(a), [1, 1]);
    assert.deepEqual(
      Array.from(sampleWeights(fake, [0, 1, 2, 3], 'lds')),
      Array.from(ldsWeights(fake, [0, 1, 2, 3])),
    );
  });
  it('on reference train_fit: the hardest 10 % weigh more than the median band', () => {
    const rows = split.trainFit;
    const w = ldsWeights(ds, rows);
    const hv = rows.map((r) => ds.hv[r]);
    const q90 = [...hv].sort((a, b) => a - b)[Math.floor(0.9 * (hv.length - 1))];
    const mean = (f: (v: number) => boolean) => {
      const s = hv.map((v, i) => (f(v) ? w[i] : Number.NaN)).filter((v) => !Number.isNaN(v));
      return s.reduce((a, b) => a + b, 0) / s.length;
    };
    const q40 = [...hv].sort((a, b) => a - b)[Math.floor(0.4 * (hv.length - 1))];
    const q60 = [...hv].sort((a, b) => a - b)[Math.floor(0.6 * (hv.length - 1))];
    // measured 2026-12-05: 1.38 on the 44 hardest rows, 0.69 on the 40–60 % band (range 0.68–1.76)
    const top = mean((v) => v >= q90);
    const mid = mean((v) => v >= q40 && v < q60);
    assert.ok(top > 1.3 && top < 1.45, `hardest 10 %: ${top}`);
    assert.ok(mid > 0.65 && mid < 0.75, `40–60 % band: ${mid}`);
    assert.ok(Math.min(...w) >= 0.25 && Math.max(...w) <= 4);
  });
});

describe('sample weighting input errors', () => {
  const fake = { hv: Float64Array.of(100, 200) } as unknown as Dataset;
  it('an unknown scheme or a bad LDS bandwidth is an InputError, not a silent fallback', () => {
    assert.throws(
      () => sampleWeights(fake, [0, 1], 'famliy' as unknown as 'family'),
      (e: unknown) => e instanceof InputError && /famliy/.test((e as Error).message),
    );
    for (const bandwidth of [0, -5, Number.NaN])
      assert.throws(() => ldsWeights(fake, [0, 1], { bandwidth }), InputError);
  });
});
