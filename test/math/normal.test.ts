import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalCdf, normalInv, normalLogPdf, normalPdf, normalSf } from '../../src/math/normal.ts';

function close(a: number, b: number, tol: number, what = ''): void {
  assert.ok(Math.abs(a - b) <= tol, `${what} ${a} vs ${b} (tol ${tol})`);
}

describe('normal CDF and inverse', () => {
  // Reference values: scipy.stats.norm.ppf / norm.cdf (scipy 1.17). AS241 is accurate to ~1e-16
  // relative; 1e-12 relative leaves margin for the last-bit differences between implementations.
  const ppf: [number, number][] = [
    [1e-300, -37.0470962993612],
    [1e-20, -9.262340089798409],
    [1e-10, -6.361340902404056],
    [1e-5, -4.264890793922825],
    [0.001, -3.090232306167813],
    [0.02425, -1.972961051311885],
    [0.05, -1.6448536269514729],
    [0.075, -1.4395314709384563],
    [0.1, -1.2815515655446004],
    [0.3, -0.5244005127080409],
    [0.6, 0.2533471031357997],
    [0.925, 1.4395314709384563],
    [0.975, 1.959963984540054],
    [0.999, 3.090232306167813],
    [1 - 1e-10, 6.361340889697422],
  ];
  it('Φ⁻¹ matches scipy to 1e-12 relative', () => {
    for (const [p, z] of ppf) close(normalInv(p), z, 1e-12 * Math.abs(z), `ppf(${p})`);
    assert.equal(normalInv(0.5), 0);
    assert.equal(normalInv(0), Number.NEGATIVE_INFINITY);
    assert.equal(normalInv(1), Number.POSITIVE_INFINITY);
    assert.ok(Number.isNaN(normalInv(1.5)));
  });

  const cdf: [number, number][] = [
    [-20, 2.7536241186061556e-89],
    [-10, 7.61985302416047e-24],
    [-8, 6.22096057427174e-16],
    [-5, 2.866515718791933e-7],
    [-3.5, 0.00023262907903552502],
    [-3, 0.0013498980316300933],
    [-2.9, 0.0018658133003840375],
    [-1.5, 0.06680720126885807],
    [-1, 0.15865525393145707],
    [-0.3, 0.3820885778110474],
    [0, 0.5],
    [0.2, 0.579259709439103],
    [1, 0.8413447460685429],
    [1.96, 0.9750021048517795],
    [2.5, 0.9937903346742238],
    [3, 0.9986501019683699],
    [3.2, 0.9993128620620841],
    [5, 0.9999997133484281],
  ];
  it('Φ matches scipy to 1e-13 relative (deep tail included)', () => {
    // Series for |x| ≤ 3 loses ≈ log10(0.5/Φ) digits by cancellation for negative x: at x = −3 that
    // is ~1e-13 relative; the continued fraction beyond keeps full relative accuracy.
    for (const [x, p] of cdf) close(normalCdf(x), p, 1e-13 * p, `cdf(${x})`);
    assert.equal(normalCdf(Number.NEGATIVE_INFINITY), 0);
    assert.equal(normalCdf(Number.POSITIVE_INFINITY), 1);
  });

  it('Φ(Φ⁻¹(p)) = p over (0, 1)', () => {
    for (let k = 1; k < 1000; k++) {
      const p = k / 1000;
      close(normalCdf(normalInv(p)), p, 1e-14, `p=${p}`);
    }
  });
});

describe('normal density, log-density and survival function', () => {
  it('φ and ln φ are the closed form; ln φ stays finite where φ underflows', () => {
    // φ(0) = 1/√(2π), φ(1) = e^(−1/2)/√(2π): closed forms, equal to ~1 ulp.
    close(normalPdf(0), 1 / Math.sqrt(2 * Math.PI), 1e-16);
    close(normalPdf(1), Math.exp(-0.5) / Math.sqrt(2 * Math.PI), 1e-16);
    for (const x of [-3, -0.7, 0, 0.4, 2, 6]) close(normalLogPdf(x), Math.log(normalPdf(x)), 1e-14);
    // ln φ(40) = −800 − ½ ln 2π (closed form); φ(40) itself is 0 in doubles.
    close(normalLogPdf(40), -800 - 0.5 * Math.log(2 * Math.PI), 1e-12);
    assert.equal(normalPdf(40), 0);
  });

  it('Q(x) = Φ(−x) with full relative accuracy in the upper tail', () => {
    // scipy.stats.norm.sf(x) for x = 8, 9, 20, 3 (scipy 1.17); 1 − Φ(8) would be 0 in doubles.
    const sf: [number, number][] = [
      [8, 6.22096057427174e-16],
      [9, 1.1285884059538324e-19],
      [20, 2.7536241186061556e-89],
      [3, 0.0013498980316300933],
      [0, 0.5],
    ];
    // 1e-13 relative: the tolerance of Φ above (same code path by symmetry).
    for (const [x, q] of sf) close(normalSf(x), q, 1e-13 * q, `sf(${x})`);
    close(normalSf(-1), 1 - normalSf(1), 1e-16, 'Q(−x) = 1 − Q(x)');
  });

  it('the density is the derivative of Φ (central differences)', () => {
    // h = 1e-5: truncation error φ''' h²/6 ≈ 1e-11, rounding ≈ 1e-16/h = 1e-11.
    const h = 1e-5;
    for (const x of [-4, -1.3, 0, 0.8, 2.9, 3.1, 5]) {
      const fd = (normalCdf(x + h) - normalCdf(x - h)) / (2 * h);
      close(fd, normalPdf(x), 1e-9, `x=${x}`);
    }
  });
});
