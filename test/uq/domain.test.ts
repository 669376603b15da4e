import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DomainModel, domainReference } from '../../src/uq/domain.ts';

// A hand-sized training set in the basis [A, B, C]: distances are computed by hand below.
const train = {
  elements: ['A', 'B', 'C'],
  // rows: A50B50 @ 1 N, A50B50 @ 10 N, A100 @ 1 N, B80C20 @ 0.1 N
  x: [0.5, 0.5, 0, 0.5, 0.5, 0, 1, 0, 0, 0, 0.8, 0.2],
  loads: [1, 10, 1, 0.1],
  hv: [500, 450, 300, 700],
  formulas: ['A50B50', 'A50B50', 'A100', 'B80C20'],
};

describe('DomainModel quantities', () => {
  const ref = domainReference(train);

  it('nearest distinct composition, the nearest row in ln L, support and load gap', () => {
    // query A60B40 at 8 N: distances to A50B50 = √(0.01+0.01) = 0.141421…, to A100 = √(0.16+0.16)
    const q = ref.quantities([0.6, 0.4, 0], 8, 2);
    assert.ok(Math.abs(q.distance - Math.SQRT2 * 0.1) < 1e-12);
    assert.equal(q.nearestRow, 1, 'the A50B50 row measured at 10 N is closest to 8 N in ln L');
    // k = 2: mean of 0.141421… and 0.565685…
    assert.ok(Math.abs(q.knnDistance - (Math.SQRT2 * 0.1 + Math.SQRT2 * 0.4) / 2) < 1e-12);
    // loads of the two nearest compositions: 1, 10, 1 → min |ln 8 − ln L| = ln(10/8)
    assert.ok(Math.abs(q.loadGap - Math.log(10 / 8)) < 1e-12);
    assert.deepEqual(q.support, { A: 3, B: 3 });
    assert.equal(q.minSupport, 3);
  });

  it('features() equals quantities() row by row', () => {
    const f = ref.features([0.6, 0.4, 0, 0, 0.5, 0.5], [8, 0.1]);
    const q1 = ref.quantities([0, 0.5, 0.5], 0.1);
    assert.equal(f.knn[1], q1.knnDistance);
    assert.equal(f.gap[1], q1.loadGap);
  });
});

describe('DomainModel verdict', () => {
  // thresholds fitted on two calibration rows that coincide with training alloys
  const cal = { x: [0.5, 0.5, 0, 1, 0, 0], loads: [1, 1], logDensity: [-1, -2] };
  const dm = DomainModel.fit(train, cal, [-3, -2, -1, 0]);

  it('in domain at a training alloy and load', () => {
    const v = dm.assess([0.5, 0.5, 0], 1, -1);
    assert.deepEqual(v.reasons, []);
    assert.equal(v.in_domain, true);
    assert.equal(v.nearest.formula, 'A50B50');
    assert.equal(v.nearest.hv, 500);
    assert.equal(v.log_density_percentile, 0.75);
  });

  it('names every failed test with the exact reason strings', () => {
    // C is in one training row (< the support threshold 3 from the calibration rows), the
    // composition is far, the load is outside 0.1–10 N, the density below every training row
    const v = dm.assess([0, 0, 1], 50, -10);
    assert.equal(v.in_domain, false);
    assert.deepEqual(v.reasons, [
      'unsupported_element',
      'far_in_composition',
      'load_extrapolation',
      'low_density',
    ]);
    assert.deepEqual(v.element_support, { C: 1 });
    assert.equal(v.log_density_percentile, 0);
  });

  it('without a latent density the percentile is null and never a reason', () => {
    const v = dm.assess([0.5, 0.5, 0], 1);
    assert.equal(v.log_density_percentile, null);
    assert.equal(v.in_domain, true);
  });

  it('round-trips through JSON exactly', () => {
    const j = JSON.parse(JSON.stringify(dm.toJSON()));
    const back = DomainModel.fromJSON(j);
    assert.deepEqual(back.toJSON(), dm.toJSON());
    assert.deepEqual(back.assess([0.6, 0.4, 0], 8, -1.5), dm.assess([0.6, 0.4, 0], 8, -1.5));
  });
});
