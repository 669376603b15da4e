import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DomainModel, domainReference, loadGridStep } from '../../src/uq/domain.ts';

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

  it('features(): x is the ln-load distance outside the training loads (0 inside)', () => {
    const lo = Math.min(...ref.loads);
    const hi = Math.max(...ref.loads);
    const f = ref.features(
      [0.6, 0.4, 0, 0.6, 0.4, 0, 0.6, 0.4, 0],
      [lo / 10, Math.sqrt(lo * hi), hi * 3],
    );
    assert.ok(Math.abs(f.ext[0] - Math.log(10)) < 1e-12);
    assert.equal(f.ext[1], 0);
    assert.ok(Math.abs(f.ext[2] - Math.log(3)) < 1e-12);
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

describe('load_extrapolation: the load gap to similar alloys against the load grid', () => {
  // A-rich alloys measured only at 0.01 N, B-rich ones at 1 and 10 N: distinct loads 0.01, 1, 10,
  // so the coarsest grid step is ln(1/0.01) = ln 100.
  const t2 = {
    elements: ['A', 'B'],
    x: [1, 0, 0.9, 0.1, 0.2, 0.8, 0, 1, 0, 1],
    loads: [0.01, 0.01, 1, 1, 10],
    hv: [900, 880, 500, 450, 420],
    formulas: ['A100', 'A90B10', 'A20B80', 'B100', 'B100'],
  };
  // calibration rows on training alloys: far_in_composition radius 0 (only the nearest alloy)
  const dm = DomainModel.fit(t2, { x: [1, 0, 0, 1], loads: [0.01, 1] });

  it('threshold = the largest ln-ratio of adjacent distinct training loads', () => {
    assert.ok(Math.abs(loadGridStep(t2.loads) - Math.log(100)) < 1e-12);
    assert.equal(dm.thresholds.max_load_gap, loadGridStep(t2.loads));
    assert.equal(loadGridStep([2, 2]), 0);
  });

  it('within the load range, flagged only when farther from similar alloys’ loads than the grid step', () => {
    // A100 at 0.5 N: ln(0.5/0.01) = ln 50 < ln 100 → in domain
    const a = dm.assess([1, 0], 0.5);
    assert.ok(Math.abs(a.load_gap - Math.log(50)) < 1e-12);
    assert.deepEqual(a.reasons, []);
    // A100 at 5 N: ln 500 > ln 100 → load_extrapolation, though 5 N is inside 0.01–10 N
    const b = dm.assess([1, 0], 5);
    assert.ok(Math.abs(b.load_gap - Math.log(500)) < 1e-12);
    assert.deepEqual(b.reasons, ['load_extrapolation']);
  });

  it('a wider composition radius counts more alloys as similar (their loads close the gap)', () => {
    // the same rows with a far_in_composition radius of 0.2: A90B10 (0.141 from A100) and
    // nothing measured above 0.01 N within it → still flagged; radius 1.2 reaches A20B80 at 1 N
    const j = dm.toJSON();
    const wide = (r: number) =>
      DomainModel.fromJSON({ ...j, thresholds: { ...j.thresholds, max_distance: r } });
    assert.deepEqual(wide(0.2).assess([1, 0], 5).reasons, ['load_extrapolation']);
    const v = wide(1.2).assess([1, 0], 5);
    assert.ok(Math.abs(v.load_gap - Math.log(5)) < 1e-12);
    assert.deepEqual(v.reasons, []);
  });
});
