import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ATTENTION_NOTE, attentionByElement } from '../../src/explain/attention.ts';
import { permutationImportance } from '../../src/explain/permutation.ts';
import { Rng } from '../../src/util/rng.ts';

function close(a: number, b: number, tol: number, what = ''): void {
  assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b} (tol ${tol})`);
}

describe('attention per element', () => {
  // 3 rows × 3 elements (A, B, C); attention rows sum to 1
  const els = ['A', 'B', 'C'];
  const x = [0.5, 0.5, 0, 1, 0, 0, 0, 0.2, 0.8];
  const att = [0.2, 0.3, 0.5, 0.6, 0.3, 0.1, 0.1, 0.4, 0.5];

  it('means over all rows and over the rows containing the element, by hand', () => {
    const r = attentionByElement(att, x, els);
    const by = Object.fromEntries(r.map((e) => [e.element, e]));
    close(by.A.all, (0.2 + 0.6 + 0.1) / 3, 1e-15, 'A all');
    close(by.A.present!, (0.2 + 0.6) / 2, 1e-15, 'A present');
    assert.equal(by.A.n_present, 2);
    close(by.B.all, (0.3 + 0.3 + 0.4) / 3, 1e-15, 'B all');
    close(by.B.present!, (0.3 + 0.4) / 2, 1e-15, 'B present');
    close(by.C.present!, 0.5, 1e-15, 'C present'); // only row 3 contains C
    assert.equal(by.C.n_present, 1);
    // sorted by the mean over rows containing the element
    assert.deepEqual(
      r.map((e) => e.element),
      ['C', 'A', 'B'],
    );
  });

  it('a row subset, and an element absent from every row', () => {
    const r = attentionByElement(att, x, els, [0, 1]);
    const c = r.find((e) => e.element === 'C')!;
    assert.equal(c.present, null);
    assert.equal(c.n_present, 0);
    close(c.all, 0.3, 1e-15, 'C all over rows 0, 1');
    assert.equal(r[r.length - 1].element, 'C');
  });

  it('the note says that absent elements receive attention mass', () => {
    assert.match(ATTENTION_NOTE, /absent elements receive attention mass/);
  });
});

describe('permutation importance', () => {
  const els = ['A', 'B', 'C'];
  // 6 rows; C is in no row (constant 0)
  const x = [0.5, 0.5, 0, 0.2, 0.8, 0, 0.9, 0.1, 0, 0.6, 0.4, 0, 0.3, 0.7, 0, 1, 0, 0];
  const load = [0.5, 1, 2, 5, 10, 0.2];
  const y = [100, 200, 300, 400, 500, 600];

  it('a model of the load only: element shuffles change nothing, the load matters', () => {
    const seen: number[][] = [];
    const predict = (X: Float64Array, L: Float64Array) => {
      for (let i = 0; i < L.length; i++) seen.push(Array.from(X.subarray(i * 3, (i + 1) * 3)));
      return Float64Array.from(L, (l) => 100 * l);
    };
    const r = permutationImportance(predict, x, load, y, els, { rng: new Rng(1), repeats: 20 });
    const by = Object.fromEntries(r.features.map((f) => [f.feature, f]));
    assert.equal(r.repeats, 20);
    assert.equal(by.C.constant, true);
    assert.equal(by.C.mae_increase, 0);
    assert.equal(by.A.mae_increase, 0);
    assert.equal(by.B.mae_increase, 0);
    assert.ok(by.load.mae_increase > 0);
    assert.equal(r.features[0].feature, 'load');
    // the base MAE by hand: |50−100|, |100−200|, |200−300|, |500−400|, |1000−500|, |20−600|
    close(r.base_mae, (50 + 100 + 100 + 100 + 500 + 580) / 6, 1e-9, 'base MAE');
    // every composition the model saw sums to 1 (renormalised after the shuffle)
    for (const row of seen) close(row[0] + row[1] + row[2], 1, 1e-12, 'row sum');
  });

  it('a composition model: the shuffled feature matters; the same seed gives the same numbers', () => {
    const predict = (X: Float64Array) =>
      Float64Array.from({ length: X.length / 3 }, (_, i) => 1000 * X[i * 3]);
    const a = permutationImportance(predict, x, load, y, els, { rng: new Rng(3), repeats: 5 });
    const b = permutationImportance(predict, x, load, y, els, { rng: new Rng(3), repeats: 5 });
    const c = permutationImportance(predict, x, load, y, els, { rng: new Rng(4), repeats: 5 });
    assert.deepEqual(a, b);
    assert.notDeepEqual(a.features, c.features);
    const by = Object.fromEntries(a.features.map((f) => [f.feature, f]));
    assert.equal(by.load.mae_increase, 0, 'the model ignores the load');
    assert.ok(by.A.sd >= 0);
    // shuffling B changes A's renormalised fraction, so B matters too (through the simplex)
    assert.ok(Math.abs(by.B.mae_increase) > 0);
  });

  it('a row emptied by the shuffle keeps its composition', () => {
    // row 2 holds only A; a shuffle that moves row 1's A = 0 to it leaves it empty → unchanged, counted
    const x2 = [0, 1, 1, 0];
    const r = permutationImportance(
      (X) => Float64Array.from({ length: X.length / 2 }, (_, i) => X[i * 2]),
      x2,
      [1, 1],
      [1, 1],
      ['A', 'B'],
      { rng: new Rng(2), repeats: 10 },
    );
    assert.ok(r.emptied_rows > 0);
  });
});
