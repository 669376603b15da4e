import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalCdf } from '../../src/math/normal.ts';
import {
  calibrationMetrics,
  calibrationMetricsCore,
  fitSigmaScale,
  gaussianIntervalCalibration,
  gaussianLevelCalibration,
  linspace,
  miscalibrationArea,
  pitHistogram,
  QUANTILE_LEVELS,
  rawAndRecalibrated,
  SigmaRecalibrator,
  sampleQuantileCalibration,
  samplesByRow,
  samplesFromFlat,
  sharpness,
  tailIndices,
} from '../../src/uq/calibration.ts';
import { InputError } from '../../src/util/errors.ts';
import { Rng } from '../../src/util/rng.ts';

function close(a: number, b: number, tol: number, what = ''): void {
  assert.ok(Math.abs(a - b) <= tol, `${what} ${a} vs ${b} (tol ${tol})`);
}

/** y ~ N(mu, trueScale²·sigma²) for n rows with heteroscedastic sigma; seeded. */
function gaussianSet(n: number, seed: string, trueScale = 1) {
  const rng = new Rng(seed);
  const mu = new Float64Array(n);
  const sigma = new Float64Array(n);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    mu[i] = 800 + 300 * rng.normal();
    sigma[i] = 20 + 80 * rng.uniform();
    y[i] = mu[i] + trueScale * sigma[i] * rng.normal();
  }
  return { y, mu, sigma, rng };
}

describe('tail quantiles (numpy linear)', () => {
  it('tail indices are y ≥ q of the set', () => {
    // numpy.quantile([0, 2.5, 10], 0.8) = 7.0 -> only 10
    assert.deepEqual(tailIndices([2.5, 10, 0], 0.8), [1]);
    assert.deepEqual(tailIndices([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.8), [8, 9]);
  });

  it('linspace equals numpy.linspace(0, 1, 100) at the ends and step', () => {
    const e = linspace(0, 1, 100);
    assert.equal(e.length, 100);
    assert.equal(e[0], 0);
    assert.equal(e[99], 1);
    assert.equal(e[50], 50 * (1 / 99));
  });
});

describe('Gaussian-interval calibration (uncertainty-toolbox)', () => {
  it('reproduces the toolbox fixture to 1e-6', () => {
    const c = gaussianIntervalCalibration([1.5, 3, 2], [1, 2, 3], [0.1, 0.5, 1], 100);
    close(c.mace, 0.3733333333, 1e-6, 'MACE');
    close(c.rmsce, 0.4165757477, 1e-6, 'RMSCE');
    close(c.miscal_area, 0.3771043771, 1e-6, 'area');
    close(sharpness([0.1, 0.5, 1]), 0.6480740698, 1e-6, 'sharpness');
    assert.equal(c.expected.length, 100);
    assert.equal(c.observed[0], 0);
    assert.equal(c.observed[99], 1);
  });

  it('miscalibration area splits segments at crossings', () => {
    // ∫|0.5 − p| dp over [0, 1] = 0.25; ∫|1 − 2p| dp = 0.5 (a crossing mid-segment)
    close(miscalibrationArea([0, 0.5, 1], [0.5, 0.5, 0.5]), 0.25, 1e-15);
    close(miscalibrationArea([0, 1], [1, 0]), 0.5, 1e-15);
    assert.equal(miscalibrationArea([0, 0.5, 1], [0, 0.5, 1]), 0);
  });

  it('y drawn from the predicted Gaussians is calibrated (MACE, RMSCE, area ≤ 0.015)', () => {
    // Observed(p) = F_n(z_p) for the empirical CDF F_n of |r|, so every |observed − expected| is at
    // most sup|F_n − F|. DKW: P(sup > ε) ≤ 2exp(−2nε²) = 2.5e-4 for n = 20000, ε = 0.015. MACE,
    // RMSCE and the area (an integral of |obs − exp| over [0, 1]) are then all ≤ 0.015.
    const { y, mu, sigma } = gaussianSet(20000, 'calibrated');
    const c = gaussianIntervalCalibration(y, mu, sigma);
    assert.ok(c.mace < 0.015, `mace ${c.mace}`);
    assert.ok(c.rmsce < 0.015, `rmsce ${c.rmsce}`);
    assert.ok(c.miscal_area < 0.015, `area ${c.miscal_area}`);
  });

  it('doubling σ gives over-coverage at every level and ±1σ coverage ≈ 0.954', () => {
    const { y, mu, sigma } = gaussianSet(20000, 'doubled');
    const doubled = Array.from(sigma, (s) => 2 * s);
    const c = gaussianIntervalCalibration(y, mu, doubled);
    // Expected observed = 2Φ(2 z_p) − 1; its smallest excess over p on the inner grid is ≈ 0.01
    // (at p = 1/99 and p = 98/99), ≥ 14 binomial standard deviations (≤ 7e-4) at n = 20000.
    for (let j = 1; j < 99; j++) assert.ok(c.observed[j] > c.expected[j], `level ${c.expected[j]}`);
    const m = calibrationMetrics(y, mu, doubled);
    // P(|ε| ≤ 2) = 0.9545; binomial sd sqrt(0.045·0.955/20000) = 1.5e-3; tolerance 3.3 sd.
    close(m.coverage_1sigma, 0.9545, 0.005, 'coverage_1sigma');
    for (let j = 0; j < QUANTILE_LEVELS.length; j++) {
      assert.ok(m.coverage_curve.observed[j] > QUANTILE_LEVELS[j]);
    }
  });
});

describe('sample-quantile calibration', () => {
  it('matches a hand/numpy computation on ragged rows', () => {
    // numpy: coverage via np.quantile per row; see the values below.
    const y = [2.5, 10, 0];
    const s = [
      [1, 2, 3, 4, 5],
      [4, 6, 8, 2, 10, 12],
      [0.5, 1.5, -1, 2],
    ];
    const c = sampleQuantileCalibration(y, s);
    const third = 1 / 3;
    const expectedCov = [0, 0, third, third, third, third, 1, 1, 1, 1];
    for (let j = 0; j < 10; j++) close(c.coverage[j], expectedCov[j], 1e-15);
    close(c.mace, 0.14333333333333326, 1e-12, 'mace');
    close(c.imce, 0.13833333333333334, 1e-12, 'imce');
    close(c.mean_interval_width_95, 5.383333333333333, 1e-12, 'width');
    assert.deepEqual(c.pit, [0.4, 4 / 6, 0.25]);
  });

  it('samples and y from the same Gaussians: MACE small, PIT uniform', () => {
    // n = 2000 rows, S = 200 samples. Coverage at level c is a mean of n row indicators with
    // P ≈ c (finite-S quantile bias O(1/S) ≈ 0.005), sd ≤ 0.5/√2000 = 0.011; MACE < 0.03 leaves ~2.5
    // sd. PIT bins: 0.1 ± sqrt(0.09/2000) = 0.0067 sd; tolerance 0.025 (3.7 sd).
    const n = 2000;
    const S = 200;
    const { y, mu, sigma, rng } = gaussianSet(n, 'samples');
    const passes = Array.from({ length: S }, () => {
      const p = new Float64Array(n);
      for (let i = 0; i < n; i++) p[i] = mu[i] + sigma[i] * rng.normal();
      return p;
    });
    const rows = samplesByRow(passes);
    const c = sampleQuantileCalibration(y, rows);
    assert.ok(c.mace < 0.03, `mace ${c.mace}`);
    assert.ok(c.imce < 0.03, `imce ${c.imce}`);
    for (const h of pitHistogram(c.pit)) close(h, 0.1, 0.025, 'pit bin');
    const m = calibrationMetrics(y, mu, sigma, { samples: rows });
    assert.equal(m.calibration_source, 'mc_samples');
    assert.equal(m.mace, c.mace);
  });

  it('samplesFromFlat reads pass-major buffers; samplesByRow transposes', () => {
    const flat = [1, 2, 3, 10, 20, 30]; // 2 passes × 3 rows
    const rows = samplesFromFlat(flat, 2, 3);
    assert.deepEqual(
      rows.map((r) => [...r]),
      [
        [1, 10],
        [2, 20],
        [3, 30],
      ],
    );
    assert.deepEqual(
      samplesByRow([
        [1, 2, 3],
        [10, 20, 30],
      ]).map((r) => [...r]),
      [
        [1, 10],
        [2, 20],
        [3, 30],
      ],
    );
    assert.throws(() => samplesFromFlat(flat, 4, 3), InputError);
  });

  it('Gaussian level calibration uses μ ± Φ⁻¹((1+c)/2)σ and PIT = Φ((y−μ)/σ)', () => {
    // Row 2 (|r| = 1.5) is inside only when c ≥ 2Φ(1.5) − 1 = 0.866, i.e. at c = 0.95.
    const g = gaussianLevelCalibration([0, 1.5], [0, 0], [1, 1]);
    assert.deepEqual(
      g.coverage,
      QUANTILE_LEVELS.map((_, j) => (j === 9 ? 1 : 0.5)),
    );
    close(g.pit[0], 0.5, 1e-15);
    close(g.pit[1], normalCdf(1.5), 1e-15);
    close(g.mean_interval_width_95, 2 * 1.959963984540054, 1e-12);
  });
});

describe('recalibration', () => {
  it('recovers a known σ scale (true σ = 2 × predicted)', () => {
    // s² = mean(4ε²): relative sd of s is 1/√(2n) = 0.005 at n = 20000; tolerance 0.02 (4 sd).
    const { y, mu, sigma } = gaussianSet(20000, 'recal', 2);
    const s = fitSigmaScale(y, mu, sigma);
    close(s, 2, 0.02, 'scale');
    const r = SigmaRecalibrator.fit(y, mu, sigma);
    assert.equal(r.scale, s);
    const rr = rawAndRecalibrated(y, mu, sigma, r);
    assert.equal(rr.sigma_scale, s);
    // raw σ is half the truth: ±1σ coverage ≈ P(|ε| ≤ 0.5) = 0.383; recalibrated ≈ 0.683
    close(rr.raw.coverage_1sigma, 0.383, 0.012, 'raw cov');
    close(rr.recalibrated.coverage_1sigma, 0.683, 0.012, 'recal cov');
    assert.ok(rr.recalibrated.nll < rr.raw.nll);
  });

  it('the closed form minimises the NLL', () => {
    const { y, mu, sigma } = gaussianSet(500, 'argmin', 1.3);
    const s = fitSigmaScale(y, mu, sigma);
    const nll = (k: number) =>
      calibrationMetrics(
        y,
        mu,
        Array.from(sigma, (v) => v * k),
      ).nll;
    assert.ok(nll(s) < nll(s * 1.01) && nll(s) < nll(s * 0.99));
  });

  it('round-trips through JSON and scales samples about the centre', () => {
    const r = new SigmaRecalibrator(1.7, 12);
    const back = SigmaRecalibrator.fromJSON(JSON.parse(JSON.stringify(r)));
    assert.deepEqual(back.toJSON(), r.toJSON());
    assert.deepEqual([...r.apply([1, 2])], [1.7, 3.4]);
    const scaled = r.applySamples([[1, 3]]);
    assert.deepEqual([...scaled[0]], [2 - 1.7, 2 + 1.7]);
    assert.throws(() => new SigmaRecalibrator(0));
  });
});

describe('calibrationMetrics (docs/architecture.md M)', () => {
  it('carries the toolbox fixture values', () => {
    const m = calibrationMetrics([1.5, 3, 2], [1, 2, 3], [0.1, 0.5, 1]);
    close(m.mace_toolbox, 0.3733333333, 1e-6);
    close(m.rmsce, 0.4165757477, 1e-6);
    close(m.miscal_area, 0.3771043771, 1e-6);
    close(m.sharpness, 0.6480740698, 1e-6);
  });

  it('tail blocks use the tail rows and their samples', () => {
    const { y, mu, sigma, rng } = gaussianSet(100, 'tails');
    const samples = Array.from(mu, (m, i) =>
      Array.from({ length: 50 }, () => m + sigma[i] * rng.normal()),
    );
    const m = calibrationMetrics(y, mu, sigma, { samples });
    const idx = tailIndices(y, 0.9);
    const direct = calibrationMetricsCore(
      idx.map((i) => y[i]),
      idx.map((i) => mu[i]),
      idx.map((i) => sigma[i]),
      { samples: idx.map((i) => samples[i]) },
    );
    assert.deepEqual(m.tail.q90, direct);
    assert.equal(m.tail.q90.calibration_source, 'mc_samples');
  });

  it('has the contract keys, Gaussian source without samples, and tails', () => {
    const { y, mu, sigma } = gaussianSet(200, 'shape');
    const m = calibrationMetrics(y, mu, sigma);
    for (const k of [
      'r2',
      'mae',
      'rmse',
      'mape',
      'mean_signed_error',
      'coverage_1sigma',
      'mace',
      'imce',
      'rmsce',
      'miscal_area',
      'nll',
      'tail',
    ]) {
      assert.ok(k in m, k);
    }
    assert.equal(m.calibration_source, 'gaussian');
    assert.equal(m.tail.q80.n, tailIndices(y, 0.8).length);
    assert.equal(m.tail.q80.n, 40);
    assert.equal(m.tail.q90.n, 20);
    assert.equal('tail' in m.tail.q80, false);
    close(m.sharpness, sharpness(sigma), 1e-12);
    assert.equal(m.pit_histogram.length, 10);
    close(
      m.pit_histogram.reduce((a, b) => a + b, 0),
      1,
      1e-12,
    );
    // JSON-serialisable
    assert.doesNotThrow(() => JSON.stringify(m));
  });
});
