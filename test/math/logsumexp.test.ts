import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { logSumExp } from '../../src/math/logsumexp.ts';

describe('logSumExp', () => {
  it('matches scipy.special.logsumexp without overflow or underflow', () => {
    // scipy.special.logsumexp([1000, 1000.5, 999]) and ([-1000, -999]) (scipy 1.17); exp(1000)
    // overflows and exp(−1000) underflows, so the naive sum would give ∞ and −∞.
    assert.ok(Math.abs(logSumExp([1000, 1000.5, 999]) - 1001.1041306053368) < 1e-12);
    assert.ok(Math.abs(logSumExp(Float64Array.from([-1000, -999])) - -998.6867383124818) < 1e-12);
  });

  it('is the plain log of a sum for small values; −∞ for empty or all −∞', () => {
    const v = [0.1, -2, 1.5, 0.7];
    const direct = Math.log(v.reduce((s, x) => s + Math.exp(x), 0));
    assert.ok(Math.abs(logSumExp(v) - direct) < 1e-15);
    assert.equal(logSumExp([]), Number.NEGATIVE_INFINITY);
    assert.equal(logSumExp([Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY]), -Infinity);
    assert.equal(logSumExp([Number.NEGATIVE_INFINITY, 2]), 2);
  });
});
