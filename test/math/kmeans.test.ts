import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cumulativeSum, searchCumulative, weightedKMeans } from '../../src/math/kmeans.ts';
import { Rng } from '../../src/util/rng.ts';

/** Two separated 2-D blobs: 800 rows around (0, 0), 1200 around (6, 6), unit spread. */
function blobs(seed: string): number[][] {
  const rng = new Rng(seed);
  const out: number[][] = [];
  for (let i = 0; i < 800; i++) out.push([rng.normal(), rng.normal()]);
  for (let i = 0; i < 1200; i++) out.push([6 + rng.normal(), 6 + rng.normal()]);
  return out;
}

describe('weightedKMeans', () => {
  it('separates two blobs', () => {
    const res = weightedKMeans(blobs('two-blobs'), 2, { rng: new Rng(7) });
    const first = res.labels[0];
    assert.ok(res.labels.slice(0, 800).every((l) => l === first));
    assert.ok(res.labels.slice(800).every((l) => l !== first));
  });

  it('centres are the weighted cluster means (closed form, 1-D)', () => {
    // Clusters {0, 1, 2} and {10, 11}; weights 1, 1, 2 and 3, 1 → means 5/4 and 41/4.
    const X = [[0], [1], [2], [10], [11]];
    const res = weightedKMeans(X, 2, { rng: new Rng(1), weights: [1, 1, 2, 3, 1], nInit: 3 });
    const c = res.centres.map((v) => v[0]).sort((a, b) => a - b);
    assert.deepEqual(c, [1.25, 10.25]);
    // inertia Σ w (x − c)²: 1.5625 + 0.0625 + 2·0.5625 + 3·0.0625 + 0.5625 = 3.5
    assert.equal(res.inertia, 3.5);
  });

  it('integer weights equal duplicated rows (same seed, same labels)', () => {
    const rng = new Rng('dup');
    const X = Array.from({ length: 60 }, () => [3 * rng.normal(), rng.normal()]);
    const w = X.map((_, i) => 1 + (i % 3));
    const dup = X.flatMap((x, i) => Array.from({ length: w[i] }, () => x));
    const first = X.map((_, i) => w.slice(0, i).reduce((a, b) => a + b, 0));
    const a = weightedKMeans(X, 4, { rng: new Rng('k'), weights: w });
    const b = weightedKMeans(dup, 4, { rng: new Rng('k') });
    assert.deepEqual(
      a.labels,
      first.map((j) => b.labels[j]),
    );
    // same partition ⇒ same inertia up to summation order (relative 1e-12)
    assert.ok(Math.abs(a.inertia - b.inertia) <= 1e-12 * b.inertia);
  });

  it('rejects bad input with RangeError', () => {
    assert.throws(() => weightedKMeans([], 1, { rng: new Rng(0) }), RangeError);
    assert.throws(() => weightedKMeans([[1], [2]], 3, { rng: new Rng(0) }), RangeError);
    assert.throws(() => weightedKMeans([[1], [Number.NaN]], 1, { rng: new Rng(0) }), RangeError);
    assert.throws(
      () => weightedKMeans([[1], [2]], 1, { rng: new Rng(0), weights: [0, 0] }),
      RangeError,
    );
  });
});

describe('cumulative draws', () => {
  it('index i is drawn with probability w_i / Σw; zero weights never', () => {
    const w = [0.5, 0, 2, 1.5];
    const cum = cumulativeSum(w);
    assert.deepEqual(Array.from(cum), [0.5, 0.5, 2.5, 4]);
    const rng = new Rng('draws');
    const counts = [0, 0, 0, 0];
    const n = 40_000;
    for (let s = 0; s < n; s++) counts[searchCumulative(cum, rng.uniform() * 4)]++;
    assert.equal(counts[1], 0);
    // binomial sd ≤ √(n/4) = 100 draws; 5 sd = 500
    for (const [i, p] of [0.125, 0, 0.5, 0.375].entries())
      assert.ok(Math.abs(counts[i] - p * n) < 500, `index ${i}: ${counts[i]}`);
  });
});
