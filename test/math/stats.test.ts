import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mean, meanSd, pearson, ranks, spearman, stdPop, stdSample } from '../../src/math/stats.ts';

function close(a: number, b: number, tol: number, what = ''): void {
  assert.ok(Math.abs(a - b) <= tol, `${what} ${a} vs ${b} (tol ${tol})`);
}

const x = [1.2, 3.4, 2.2, 5.1, 4.4, 0.3, 3.4];
const y = [2.0, 2.9, 3.5, 6.0, 2.9, 1.0, 0.5];

describe('summary statistics', () => {
  it('mean and population sd match numpy', () => {
    // numpy.mean(x), numpy.std(x) (ddof 0) (numpy 2.4); a few ulps.
    close(mean(x), 2.8571428571428568, 1e-15);
    close(stdPop(x), 1.5909181022803358, 1e-15);
    assert.ok(Number.isNaN(mean([])));
    assert.ok(Number.isNaN(stdPop([])));
    assert.equal(stdPop([4, 4, 4]), 0);
  });

  it('sample sd matches numpy (ddof 1)', () => {
    // numpy.std(x, ddof=1) (numpy 2.4.6); a few ulps
    close(stdSample(x), 1.7183879488803284, 1e-15);
    // by hand: [1, 2, 3, 4] → √(5/3)
    close(stdSample([1, 2, 3, 4]), Math.sqrt(5 / 3), 1e-15);
    assert.ok(Number.isNaN(stdSample([1])) && Number.isNaN(stdSample([])));
    assert.equal(stdSample([4, 4, 4]), 0);
    // the reports' column summary: the sample sd, 0 (not NaN) for a single value
    assert.deepEqual(meanSd(x), { m: mean(x), sd: stdSample(x) });
    assert.deepEqual(meanSd([7]), { m: 7, sd: 0 });
  });

  it('Pearson and Spearman match scipy.stats (ties included)', () => {
    // scipy.stats.pearsonr(x, y)[0], scipy.stats.spearmanr(x, y)[0] (scipy 1.17)
    close(pearson(x, y), 0.6191976767174046, 1e-14);
    close(spearman(x, y), 0.5363636363636364, 1e-14);
    close(pearson([1, 2, 3], [1, 3, 2]), 0.5, 1e-15);
    assert.ok(Number.isNaN(pearson([1, 1, 1], [1, 2, 3])), 'constant variable → NaN');
    assert.throws(() => pearson([1, 2], [1]), RangeError);
  });

  it('ranks average ties as scipy.stats.rankdata', () => {
    // scipy.stats.rankdata([3, 1, 4, 1, 5, 9, 2, 6, 5])
    assert.deepEqual(
      Array.from(ranks([3, 1, 4, 1, 5, 9, 2, 6, 5])),
      [4, 1.5, 5, 1.5, 6.5, 9, 3, 8, 6.5],
    );
  });
});
