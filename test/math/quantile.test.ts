import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { median, quantile, quantileSorted, weightedQuantile } from '../../src/math/quantile.ts';

describe('quantiles (numpy linear)', () => {
  it('matches numpy.quantile', () => {
    // numpy.quantile([3,1,4,1,5,9,2,6], q) for the q below (numpy 2.4).
    const a = [3, 1, 4, 1, 5, 9, 2, 6];
    const ref: [number, number][] = [
      [0, 1],
      [0.1, 1],
      [0.25, 1.75],
      [0.5, 3.5],
      [0.8, 5.6000000000000005],
      [0.9, 6.8999999999999995],
      [0.95, 7.949999999999998],
      [1, 9],
    ];
    // numpy's two-sided lerp is reproduced, so the agreement is to the last bit.
    for (const [q, v] of ref) assert.equal(quantile(a, q), v, `q=${q}`);
    assert.deepEqual(a, [3, 1, 4, 1, 5, 9, 2, 6]); // input untouched
    assert.equal(quantile([7], 0.3), 7);
    assert.throws(() => quantile([], 0.5), RangeError);
    assert.throws(() => quantile([1, 2], 1.5), RangeError);
  });

  it('median is the 0.5 quantile; quantileSorted reads a sorted array as is', () => {
    // numpy.median([3, 1, 4, 1]) = 2.0, numpy.median([3, 1, 4]) = 3.0
    assert.equal(median([3, 1, 4, 1]), 2);
    assert.equal(median([3, 1, 4]), 3);
    assert.equal(quantileSorted([1, 2, 4, 8], 1 / 3), 2);
  });
});

describe('weightedQuantile (numpy inverted_cdf with weights)', () => {
  it('matches numpy.quantile(method="inverted_cdf", weights=...)', () => {
    // numpy 2.4: v = [5,1,3,2,4], w = [1,2,0.5,1,1.5]
    const v = [5, 1, 3, 2, 4];
    const w = [1, 2, 0.5, 1, 1.5];
    const ref: [number, number][] = [
      [0, 1],
      [0.1, 1],
      [0.2, 1],
      [0.3, 1],
      [0.5, 2],
      [0.6, 4],
      [0.9, 5],
      [1, 5],
    ];
    for (const [q, x] of ref) assert.equal(weightedQuantile(v, w, q), x, `q=${q}`);
  });

  it('integer weights equal the quantile of duplicated values (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: -50, max: 50 }), fc.integer({ min: 1, max: 4 })), {
          minLength: 1,
          maxLength: 20,
        }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (pairs, q) => {
          const v = pairs.map((p) => p[0]);
          const w = pairs.map((p) => p[1]);
          const dup = pairs.flatMap(([x, c]) => Array<number>(c).fill(x));
          return (
            weightedQuantile(v, w, q) ===
            weightedQuantile(
              dup,
              dup.map(() => 1),
              q,
            )
          );
        },
      ),
      { seed: 42, numRuns: 300 },
    );
  });

  it('rejects bad input', () => {
    assert.throws(() => weightedQuantile([], [], 0.1), RangeError);
    assert.throws(() => weightedQuantile([1], [1, 2], 0.1), RangeError);
    assert.throws(() => weightedQuantile([1], [1], 1.5), RangeError);
    assert.throws(() => weightedQuantile([1, 2], [0, 0], 0.5), RangeError);
  });
});
