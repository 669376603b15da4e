import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  correctedResampledTTest,
  resolvableDifference,
  studentTCdf,
  studentTQuantile,
} from '../../src/math/student.ts';

describe("Student's t and the Nadeau–Bengio corrected resampled t-test", () => {
  it('quantiles and CDF equal scipy.stats.t (values from scipy 1.x, written here)', () => {
    const ppf: [number, number, number][] = [
      [0.975, 1, 12.706204736174694],
      [0.975, 2, 4.302652729749462],
      [0.975, 4, 2.7764451051977934],
      [0.975, 9, 2.262157162798205],
      [0.95, 29, 1.6991270265334972],
      [0.975, 100, 1.9839715185235518],
      [0.025, 9, -2.2621571627982053],
    ];
    // the continued fraction converges to ~1e-14 relative; bisection to 1e-15
    for (const [p, df, want] of ppf)
      assert.ok(Math.abs(studentTQuantile(p, df) - want) < 1e-9 * Math.abs(want), `t(${p}, ${df})`);
    assert.equal(studentTQuantile(0.5, 3), 0);
    assert.ok(Math.abs(studentTCdf(1.5, 7) - 0.911350756505015) < 1e-12);
  });

  it('the corrected interval, by hand: d = [1, 2, 3, 4], n_train 80, n_test 20', () => {
    // d̄ = 2.5; s² = (2.25 + 0.25 + 0.25 + 2.25)/3 = 5/3; (1/4 + 20/80)·5/3 = 0.5·5/3 = 5/6
    // se = √(5/6) = 0.9128709291752769; t = 2.5/se = 2.7386127875258306; df = 3;
    // t_{0.975, 3} = 3.1824463052837078 (scipy) → CI 2.5 ± 2.905170...
    const r = correctedResampledTTest([1, 2, 3, 4], 80, 20);
    assert.equal(r.mean, 2.5);
    assert.ok(Math.abs(r.se - Math.sqrt(5 / 6)) < 1e-15);
    assert.ok(Math.abs(r.t - 2.7386127875258306) < 1e-12);
    assert.equal(r.df, 3);
    const half = 3.1824463052837078 * Math.sqrt(5 / 6);
    assert.ok(Math.abs(r.ci[0] - (2.5 - half)) < 1e-9 && Math.abs(r.ci[1] - (2.5 + half)) < 1e-9);
    // uncorrected it would be s/√J = 0.6455: the correction widens the interval
    assert.ok(r.se > Math.sqrt(5 / 3 / 4));
  });
});

describe('resolvableDifference: the smallest mean difference the corrected test tells from zero', () => {
  it('its half-width is the corrected interval’s; its limit is z·s·√(n_test/n_train)', () => {
    const d = [1, 2, 3, 4];
    const r = correctedResampledTTest(d, 80, 20);
    const v = resolvableDifference(r.sd, d.length, 80, 20);
    assert.ok(Math.abs(v.halfWidth - (r.ci[1] - r.ci[0]) / 2) < 1e-12);
    // z_{0.975} = 1.959963984540054 (scipy.stats.norm.ppf); s = √(5/3); √(20/80) = 0.5
    assert.ok(Math.abs(v.limit - 1.959963984540054 * Math.sqrt(5 / 3) * 0.5) < 1e-12);
    // the half-width falls towards the limit as J grows, never below it
    let prev = Number.POSITIVE_INFINITY;
    for (const J of [2, 5, 11, 50, 1000, 1e6]) {
      const h = resolvableDifference(r.sd, J, 80, 20).halfWidth;
      assert.ok(h < prev && h > v.limit, `J = ${J}`);
      prev = h;
    }
    assert.ok(Math.abs(prev - v.limit) < 1e-3 * v.limit);
    // issue 11's 11 splits: sd 4.22 HV, n_train 430, n_test 135 → ±5.98, ±4.63 (docs/accuracy.md:
    // ±4.64 from the sd of the table's differences, 4.221)
    const i11 = resolvableDifference(4.22, 11, 430, 135);
    assert.ok(Math.abs(i11.halfWidth - 5.98) < 0.01 && Math.abs(i11.limit - 4.63) < 0.01);
    assert.throws(() => resolvableDifference(1, 1, 80, 20), RangeError);
  });
});
