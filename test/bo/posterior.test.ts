import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GaussianProcessRegressor } from '../../src/baselines/gp.ts';
import { GpPosterior } from '../../src/bo/posterior.ts';
import { Rng } from '../../src/util/rng.ts';

/**
 * A small GP on 3 composition fractions + 1 load feature, y a smooth function plus noise of 30 HV
 * (HV-like scale; the noise keeps K well conditioned, so the latent variance C − kᵀK⁻¹k is not a
 * cancellation of nearly equal numbers and the tolerances below are about the algebra).
 */
function fitted(): { gp: GaussianProcessRegressor; X: number[][] } {
  const rng = new Rng('bo-posterior');
  const X: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < 30; i++) {
    const a = [rng.uniform(), rng.uniform(), rng.uniform()];
    const s = a[0] + a[1] + a[2];
    const x = [a[0] / s, a[1] / s, a[2] / s, rng.normal()];
    X.push(x);
    y.push(
      1200 +
        600 * x[0] -
        300 * x[1] * x[2] +
        80 * Math.sin(3 * x[0]) -
        40 * x[3] +
        30 * rng.normal(),
    );
  }
  const gp = new GaussianProcessRegressor({ restarts: 1 }).fit(
    { rows: X.length, cols: 4, data: Float64Array.from(X.flat()) },
    y,
    new Rng(3),
  );
  return { gp, X };
}

const { gp, X } = fitted();
const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(1, Math.abs(b));

describe('GP posterior for BO', () => {
  it('predicts as the fitted regressor (mean and variance with noise)', () => {
    const post = GpPosterior.fromRegressor(gp);
    const q = [[0.2, 0.5, 0.3, 0.4], [0.7, 0.1, 0.2, -1], X[3]];
    const ref = gp.predictWithVariance({ rows: 3, cols: 4, data: Float64Array.from(q.flat()) });
    q.forEach((v, i) => {
      const p = post.predict(v);
      // two Cholesky factorisations of the same SPD matrix: agreement to ~1e-10 relative
      assert.ok(rel(p.mean, ref.mean[i]) < 1e-9, `${p.mean} vs ${ref.mean[i]}`);
      assert.ok(rel(p.variance, ref.variance[i]) < 1e-8, `${p.variance} vs ${ref.variance[i]}`);
    });
  });

  it('gradients of μ and σ match central finite differences', () => {
    const post = GpPosterior.fromRegressor(gp);
    for (const q of [
      [0.25, 0.45, 0.3, 0.2],
      [0.6, 0.3, 0.1, -0.8],
    ]) {
      const g = post.predictWithGradient(q);
      const h = 1e-6;
      for (let j = 0; j < 4; j++) {
        const up = post.predict(q.map((v, k) => (k === j ? v + h : v)));
        const dn = post.predict(q.map((v, k) => (k === j ? v - h : v)));
        const fdM = (up.mean - dn.mean) / (2 * h);
        const fdS = (up.sd - dn.sd) / (2 * h);
        // HV-scale values (~1e3): rounding ≈ 1e3·1e-16/1e-6 = 1e-7, truncation O(h²·f''') ≈ 1e-8
        assert.ok(Math.abs(fdM - g.dMean[j]) < 1e-4 * Math.max(1, Math.abs(fdM)), `dμ/dq${j}`);
        assert.ok(Math.abs(fdS - g.dSd[j]) < 1e-4 * Math.max(1, Math.abs(fdS)), `dσ/dq${j}`);
      }
      assert.equal(g.mean, post.predict(q).mean);
    }
  });

  it('a fantasy leaves the mean unchanged (there and elsewhere) and shrinks the variance', () => {
    const post = GpPosterior.fromRegressor(gp);
    const x = [0.3, 0.3, 0.4, 0.5];
    const far = [0.8, 0.1, 0.1, -1.5];
    const before = post.predict(x);
    const beforeFar = post.predict(far);
    const returned = post.fantasize(x);
    assert.equal(returned.mean, before.mean);
    const after = post.predict(x);
    const afterFar = post.predict(far);
    // the innovation y − μ(x) is 0, so μ is unchanged up to rounding of the solves (~1e-12 relative)
    assert.ok(rel(after.mean, before.mean) < 1e-10, `${after.mean} vs ${before.mean}`);
    assert.ok(rel(afterFar.mean, beforeFar.mean) < 1e-10);
    assert.ok(after.variance < before.variance, `${after.variance} !< ${before.variance}`);
    assert.ok(afterFar.variance <= beforeFar.variance * (1 + 1e-12));
    // with noise σ²ₙ in both the observation and the prediction, the latent part at x becomes
    // v·σ²ₙ/(v + σ²ₙ): check the closed form of the one-point update
    const n = gp.params.noise * gp.yStd ** 2;
    const v0 = before.variance - n;
    const expected = (v0 * n) / (v0 + n) + n;
    assert.ok(rel(after.variance, expected) < 1e-8, `${after.variance} vs ${expected}`);
    assert.equal(post.fantasies, 1);
    assert.equal(post.size, X.length + 1);
  });

  it('clone is independent; toJSON/fromJSON round-trips exactly, fantasies included', () => {
    const a = GpPosterior.fromRegressor(gp, { capacity: 1 });
    a.fantasize([0.3, 0.3, 0.4, 0.5]);
    const b = a.clone();
    b.fantasize([0.1, 0.6, 0.3, 0.0]); // grows past the reserved capacity
    assert.equal(a.size, X.length + 1);
    assert.equal(b.size, X.length + 2);
    const c = GpPosterior.fromJSON(JSON.parse(JSON.stringify(b.toJSON())));
    assert.deepEqual(c.toJSON(), b.toJSON());
    const q = [0.2, 0.2, 0.6, 0.1];
    assert.deepEqual(c.predictWithGradient(q), b.predictWithGradient(q));
    assert.equal(c.fantasies, 2);
  });
});

describe('GP posterior conditioning', () => {
  it('the fitted noise is well above the lower bound (the data are noisy)', () => {
    assert.ok(gp.params.noise > 1e-3, JSON.stringify(gp.params));
  });
});
