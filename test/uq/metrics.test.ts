import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { accuracyMetrics, gaussianNll } from '../../src/uq/metrics.ts';
import { InputError } from '../../src/util/errors.ts';

// Reference values from ../shared/bench/peer_torch.py::metrics run with numpy on the same arrays:
// y=[100,200,300,400], mu=[110,190,330,380], sigma=[5,20,10,30].
// Tolerance 1e-12 relative: both sides are a handful of double-precision operations.
const y = [100, 200, 300, 400];
const mu = [110, 190, 330, 380];
const sigma = [5, 20, 10, 30];

function close(a: number, b: number, rel = 1e-12): void {
  assert.ok(Math.abs(a - b) <= rel * Math.max(1, Math.abs(b)), `${a} vs ${b}`);
}

describe('accuracyMetrics', () => {
  it('matches the peer numpy definitions (no sigma)', () => {
    const m = accuracyMetrics(y, mu);
    assert.equal(m.n, 4);
    close(m.r2, 0.97);
    close(m.mae, 17.5);
    close(m.rmse, 19.364916731037084);
    close(m.mape, 7.5);
    close(m.mean_signed_error, 2.5);
    assert.equal('nll' in m, false);
  });

  it('matches the peer numpy definitions with sigma', () => {
    const m = accuracyMetrics(Float64Array.from(y), mu, sigma);
    close(m.coverage_1sigma, 0.5);
    close(m.mean_sigma, 16.25);
    close(m.nll, 5.207982253921302);
    close(gaussianNll(y, mu, sigma), 5.207982253921302);
  });

  it('counts |err| == sigma as covered and floors sigma at 1e-12', () => {
    const m = accuracyMetrics([1, 2], [1.5, 2], [0.5, 0]);
    assert.equal(m.coverage_1sigma, 1);
    // row 2: sigma floored to 1e-12, err 0 -> 0.5 ln(2π·1e-24)
    const expected =
      (0.5 * Math.log(2 * Math.PI * 0.25) + 0.5 + 0.5 * Math.log(2 * Math.PI * 1e-24)) / 2;
    close(m.nll, expected);
  });

  it('r2 is NaN for constant y; perfect prediction gives r2 = 1 and zero errors', () => {
    assert.ok(Number.isNaN(accuracyMetrics([3, 3], [3, 4]).r2));
    const m = accuracyMetrics(y, y);
    assert.equal(m.r2, 1);
    assert.equal(m.mae, 0);
    assert.equal(m.rmse, 0);
  });

  it('rejects mismatched or empty input', () => {
    assert.throws(() => accuracyMetrics([1, 2], [1]), InputError);
    assert.throws(() => accuracyMetrics([], []), InputError);
    assert.throws(() => accuracyMetrics([1], [1], [1, 2]), InputError);
  });
});
