import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GaussianProcessRegressor } from '../../src/baselines/gp.ts';
import { Acquisition } from '../../src/bo/acquisition.ts';
import { lbfgsMaximize } from '../../src/bo/lbfgs.ts';
import { GpPosterior } from '../../src/bo/posterior.ts';
import { softmax } from '../../src/bo/simplex.ts';
import { Rng } from '../../src/util/rng.ts';

const E = 5;

/** GP on E fractions + load, fitted to a noisy smooth function of the composition. */
function posterior(): GpPosterior {
  const rng = new Rng('bo-acq');
  const rows: number[] = [];
  const y: number[] = [];
  for (let i = 0; i < 40; i++) {
    const a = Array.from({ length: E }, () => -Math.log(rng.uniform() + 1e-12));
    const s = a.reduce((p, c) => p + c, 0);
    const x = a.map((v) => v / s);
    const l = rng.normal();
    rows.push(...x, l);
    y.push(1000 + 800 * x[0] + 400 * x[1] * x[2] - 500 * x[4] ** 2 - 30 * l + 20 * rng.normal());
  }
  const gp = new GaussianProcessRegressor({ restarts: 0 }).fit(
    { rows: 40, cols: E + 1, data: Float64Array.from(rows) },
    y,
  );
  return GpPosterior.fromRegressor(gp);
}

describe('GP-BO acquisition (SPEC §10)', () => {
  const post = posterior();

  it('gradient w.r.t. the logits matches central finite differences, penalties active', () => {
    const u = Float64Array.from([0.4, -0.3, 0.9, 0.1, -1.1]);
    const x = softmax(u);
    const anchors = [
      [0.6, 0.1, 0.1, 0.1, 0.1],
      [0.1, 0.1, 0.6, 0.1, 0.1],
    ];
    // an earlier proposal 0.006 away from x: inside the repulsion radius
    const seen = [Float64Array.from(x, (v, k) => v + [0.004, -0.002, 0.003, -0.001, -0.002][k])];
    const acq = new Acquisition(post, -0.3, anchors, seen, {
      z: 1.645,
      trustRadius: 0.05, // below the distance to both anchors: the trust penalty is active
      trustWeight: 1e4,
      repulsionRadius: 0.02,
      repulsionWeight: 2e4,
    });
    const g = acq.valueAndGradient(u);
    assert.ok(g.dAnchor > 0.05, `trust penalty inactive (d = ${g.dAnchor})`);
    assert.ok(g.dSeen < 0.02, `repulsion inactive (d = ${g.dSeen})`);
    assert.ok(g.value < g.lcb, 'penalties must lower the acquisition');
    const h = 1e-6;
    for (let j = 0; j < E; j++) {
      const up = acq.value(u.map((v, k) => (k === j ? v + h : v))).value;
      const dn = acq.value(u.map((v, k) => (k === j ? v - h : v))).value;
      const fd = (up - dn) / (2 * h);
      // values ~1e3 HV: rounding ≈ 1e3·1e-16/1e-6 = 1e-7; truncation O(h²); 1e-4 relative is ample
      assert.ok(
        Math.abs(fd - g.grad[j]) < 1e-4 * Math.max(1, Math.abs(fd)),
        `j=${j}: fd ${fd} vs analytic ${g.grad[j]}`,
      );
    }
  });

  it('without penalties the acquisition is the GP LCB', () => {
    const acq = new Acquisition(post, 0, [[0.2, 0.2, 0.2, 0.2, 0.2]], [], {
      z: 1.645,
      trustRadius: 10,
      trustWeight: 1e4,
      repulsionRadius: 0.02,
      repulsionWeight: 2e4,
    });
    const v = acq.value([0, 0, 0, 0, 0]);
    const p = post.predict([0.2, 0.2, 0.2, 0.2, 0.2, 0]);
    assert.ok(Math.abs(v.value - (p.mean - 1.645 * p.sd)) < 1e-9);
    assert.equal(v.dSeen, Number.POSITIVE_INFINITY);
  });
});

describe('L-BFGS ascent', () => {
  it('finds the maximum of a concave quadratic', () => {
    const c = [1, -2, 0.5, 3];
    const a = [1, 10, 0.5, 4]; // curvatures spanning a factor 20
    const f = (u: Float64Array) => ({
      value: -u.reduce((s, v, i) => s + a[i] * (v - c[i]) ** 2, 0),
      grad: Float64Array.from(u, (v, i) => -2 * a[i] * (v - c[i])),
    });
    const r = lbfgsMaximize(f, [0, 0, 0, 0], { gradTol: 1e-9, fTol: 0 });
    assert.equal(r.status, 'gradient');
    r.u.forEach((v, i) => {
      assert.ok(Math.abs(v - c[i]) < 1e-9, `u${i} = ${v}`);
    });
  });

  it('maximises on the simplex through the softmax (a linear score → a vertex)', () => {
    const w = [1, 3, 2];
    const f = (u: Float64Array) => {
      const x = softmax(u);
      const xg = x.reduce((s, v, i) => s + v * w[i], 0);
      return { value: xg, grad: Float64Array.from(x, (v, i) => v * (w[i] - xg)) };
    };
    const r = lbfgsMaximize(f, [0, 0, 0], { maxIter: 200 });
    const x = softmax(r.u);
    assert.ok(x[1] > 0.99, `x = ${Array.from(x)}`);
  });
});
