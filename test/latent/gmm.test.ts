import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { determinant, inverse, Matrix } from 'ml-matrix';
import { GaussianMixture } from '../../src/latent/gmm.ts';
import { InputError } from '../../src/util/errors.ts';
import { Rng } from '../../src/util/rng.ts';

function close(a: number, b: number, tol: number, what = ''): void {
  assert.ok(Math.abs(a - b) <= tol, `${what} ${a} vs ${b} (tol ${tol})`);
}

/** n draws from N(mean, L Lᵀ). */
function gaussianDraws(rng: Rng, n: number, mean: number[], L: number[][]): number[][] {
  const d = mean.length;
  const out: number[][] = [];
  for (let s = 0; s < n; s++) {
    const e = Array.from({ length: d }, () => rng.normal());
    out.push(mean.map((m, a) => m + L[a].reduce((acc, l, b) => acc + (b <= a ? l * e[b] : 0), 0)));
  }
  return out;
}

// Known well-separated 2-D mixture: π = (0.4, 0.6), μ₁ = (0, 0), Σ₁ = [[1, .5], [.5, 1]],
// μ₂ = (6, 6), Σ₂ = [[2, −.3], [−.3, .5]].
const L1 = [
  [1, 0],
  [0.5, Math.sqrt(0.75)],
];
const L2 = [
  [Math.sqrt(2), 0],
  [-0.3 / Math.sqrt(2), Math.sqrt(0.5 - 0.045)],
];
function twoComponentData(n1: number, n2: number, seed: string): number[][] {
  const rng = new Rng(seed);
  return [...gaussianDraws(rng, n1, [0, 0], L1), ...gaussianDraws(rng, n2, [6, 6], L2)];
}
const X2 = twoComponentData(800, 1200, 'two-comp');

function byFirstMean(g: GaussianMixture): number[] {
  return g.means.map((_, k) => k).sort((a, b) => g.means[a][0] - g.means[b][0]);
}

describe('GaussianMixture', () => {
  it('recovers a known well-separated 2-component mixture', () => {
    const g = GaussianMixture.fit(X2, { nComponents: 2, rng: new Rng(1), nInit: 3 });
    const [a, b] = byFirstMean(g);
    // Mean error sd = sqrt(Σ_jj / n_k): ≤ sqrt(2/1200) = 0.041 and sqrt(1/800) = 0.035; tol 0.15 ≈ 3.7 sd.
    close(g.means[a][0], 0, 0.15, 'μ1x');
    close(g.means[a][1], 0, 0.15, 'μ1y');
    close(g.means[b][0], 6, 0.15, 'μ2x');
    close(g.means[b][1], 6, 0.15, 'μ2y');
    // The clusters are separated by > 8 sd so the weights are the sample fractions 0.4 / 0.6 exactly
    // up to the few overlapping points (negligible): tol 0.01.
    close(g.weights[a], 0.4, 0.01, 'π1');
    close(g.weights[b], 0.6, 0.01, 'π2');
    // Covariance entry sd ≈ sqrt((Σ_aa Σ_bb + Σ_ab²)/n_k) ≤ sqrt(4.09/1200) = 0.058; tol 0.25.
    const c1 = g.covariances[a];
    const c2 = g.covariances[b];
    close(c1[0][0], 1, 0.25);
    close(c1[0][1], 0.5, 0.25);
    close(c1[1][1], 1, 0.25);
    close(c2[0][0], 2, 0.25);
    close(c2[0][1], -0.3, 0.25);
    close(c2[1][1], 0.5, 0.25);
    assert.equal(g.fitInfo?.converged, true);
    // responsibilities: rows sum to 1, first 800 rows belong to component a
    const r = g.responsibilities(X2.slice(0, 5));
    for (const row of r) {
      close(row[0] + row[1], 1, 1e-12);
      assert.ok(row[a] > 0.99);
    }
  });

  it('BIC picks K = 2 among 1..4', () => {
    const { bestK, curve } = GaussianMixture.selectByBic(X2, {
      kMin: 1,
      kMax: 4,
      rng: new Rng(2),
      nInit: 2,
    });
    assert.equal(bestK, 2);
    assert.deepEqual(
      curve.map((p) => p.k),
      [1, 2, 3, 4],
    );
    assert.deepEqual(
      curve.map((p) => p.nParameters),
      [5, 11, 17, 23],
    );
  });

  it('weighted EM with integer weights equals unweighted EM on duplicated rows', () => {
    const rng = new Rng('dup');
    const X = twoComponentData(60, 90, 'dup-data').map((r) => [...r, r[0] * 0.3 + rng.normal()]);
    const w = X.map(() => 1 + rng.int(3));
    const dup: number[][] = [];
    X.forEach((row, i) => {
      for (let c = 0; c < w[i]; c++) dup.push(row);
    });
    for (const K of [2, 3]) {
      const gw = GaussianMixture.fit(X, {
        nComponents: K,
        weights: w,
        nInit: 3,
        rng: new Rng(`same-${K}`),
      });
      const gd = GaussianMixture.fit(dup, { nComponents: K, nInit: 3, rng: new Rng(`same-${K}`) });
      // Same k-means++ draws and the same EM sums in a different order: agreement to rounding,
      // amplified by at most a few EM iterations — 1e-8 absolute.
      assert.equal(gw.fitInfo?.nIter, gd.fitInfo?.nIter);
      const [cw, cd] = [gw.covariances, gd.covariances];
      for (let k = 0; k < K; k++) {
        close(gw.weights[k], gd.weights[k], 1e-8, 'π');
        for (let a = 0; a < 3; a++) {
          close(gw.means[k][a], gd.means[k][a], 1e-8, 'μ');
          for (let b = 0; b < 3; b++) close(cw[k][a][b], cd[k][a][b], 1e-8, 'Σ');
        }
      }
      close(gw.fitInfo!.meanLogLikelihood, gd.fitInfo!.meanLogLikelihood, 1e-8);
      // The weighted BIC (weights normalised to sum n) is a different quantity from the duplicated
      // BIC (n differs), but the logL scaled back is the same.
      const bw = gw.bicDetails(X, w);
      const bd = gd.bicDetails(dup);
      close((bw.logLikelihood * dup.length) / X.length, bd.logLikelihood, 1e-6);
    }
  });

  it('a 1-component fit has the closed-form Gaussian log-density (population MLE) to 1e-9', () => {
    const rng = new Rng('one');
    const L = [
      [2, 0, 0],
      [0.7, 1.1, 0],
      [-0.4, 0.3, 0.5],
    ];
    const X = gaussianDraws(rng, 300, [10, -3, 1], L);
    const n = X.length;
    const mean = [0, 1, 2].map((j) => X.reduce((s, r) => s + r[j], 0) / n);
    for (const reg of [0, 1e-6]) {
      const cov = [0, 1, 2].map((a) =>
        [0, 1, 2].map(
          (b) =>
            X.reduce((s, r) => s + (r[a] - mean[a]) * (r[b] - mean[b]), 0) / n +
            (a === b ? reg : 0),
        ),
      );
      const g = GaussianMixture.fit(X, {
        nComponents: 1,
        regCovar: reg,
        rng: new Rng(3),
        nInit: 2,
      });
      const C = new Matrix(cov);
      const P = inverse(C);
      const logDet = Math.log(determinant(C));
      const lp = g.logPdf(X.slice(0, 20));
      X.slice(0, 20).forEach((x, i) => {
        const diff = Matrix.columnVector(x.map((v, j) => v - mean[j]));
        const q = diff.transpose().mmul(P).mmul(diff).get(0, 0);
        // values are O(10); 1e-9 absolute covers ml-matrix's LU vs our Cholesky rounding.
        close(lp[i], -0.5 * (3 * Math.log(2 * Math.PI) + logDet + q), 1e-9, `row ${i}`);
      });
      close(g.weights[0], 1, 1e-14);
    }
  });

  it('the density integrates to 1 (1-D, two components)', () => {
    const g = new GaussianMixture({
      weights: [0.3, 0.7],
      means: [[-1], [2]],
      covariances: [[[0.25]], [[1.5]]],
    });
    let s = 0;
    const h = 0.001;
    for (let x = -12; x <= 14; x += h) s += Math.exp(g.logPdfOne([x])) * h;
    close(s, 1, 1e-6);
    close(g.logPdfOne([0]), Math.log(0.3 * gauss(0, -1, 0.25) + 0.7 * gauss(0, 2, 1.5)), 1e-14);
  });

  it('sampled points match the mixture moments', () => {
    const g = new GaussianMixture({
      weights: [0.25, 0.75],
      means: [
        [1, -2],
        [4, 3],
      ],
      covariances: [
        [
          [1, 0.3],
          [0.3, 0.5],
        ],
        [
          [2, -0.8],
          [-0.8, 1],
        ],
      ],
    });
    const n = 40000;
    const S = g.sample(n, new Rng('sample'));
    // mixture mean m = Σπμ; covariance Σπ(Σ_k + μ_kμ_kᵀ) − mmᵀ
    const m = [0.25 * 1 + 0.75 * 4, 0.25 * -2 + 0.75 * 3];
    const second = [
      [0.25 * (1 + 1) + 0.75 * (2 + 16), 0.25 * (0.3 - 2) + 0.75 * (-0.8 + 12)],
      [0, 0.25 * (0.5 + 4) + 0.75 * (1 + 9)],
    ];
    const cov = [
      [second[0][0] - m[0] * m[0], second[0][1] - m[0] * m[1]],
      [0, second[1][1] - m[1] * m[1]],
    ];
    const sm = [0, 1].map((j) => S.reduce((s, r) => s + r[j], 0) / n);
    const sc = (a: number, b: number) =>
      S.reduce((s, r) => s + (r[a] - sm[a]) * (r[b] - sm[b]), 0) / n;
    // Mixture variances are 3.19 and 5.69: mean sd ≤ sqrt(5.69/40000) = 0.012, tol 0.05. Covariance
    // entries sd ≲ sqrt(2·5.69²/40000) ≈ 0.04 (heavier for a bimodal mixture), tol 0.15.
    close(sm[0], m[0], 0.05);
    close(sm[1], m[1], 0.05);
    close(sc(0, 0), cov[0][0], 0.15);
    close(sc(0, 1), cov[0][1], 0.15);
    close(sc(1, 1), cov[1][1], 0.15);
    // component frequencies: 0.25 ± 3·sqrt(0.1875/40000) = 0.0065
    const r = g.responsibilities(S);
    const frac = r.filter((p) => p[0] > 0.5).length / n;
    close(frac, 0.25, 0.015);
  });

  it('toJSON/fromJSON round trip gives identical logPdf', () => {
    const g = GaussianMixture.fit(X2, { nComponents: 3, rng: new Rng(4), nInit: 2 });
    const back = GaussianMixture.fromJSON(JSON.parse(JSON.stringify(g)));
    assert.deepEqual(back.toJSON(), g.toJSON());
    assert.deepEqual(back.logPdf(X2.slice(0, 50)), g.logPdf(X2.slice(0, 50)));
    assert.deepEqual(back.sample(5, new Rng(9)), g.sample(5, new Rng(9)));
  });

  it('same seed gives an identical fit; another seed may differ but fits as well', () => {
    const a = GaussianMixture.fit(X2, { nComponents: 3, rng: new Rng('s'), nInit: 2 });
    const b = GaussianMixture.fit(X2, { nComponents: 3, rng: new Rng('s'), nInit: 2 });
    assert.deepEqual(a.toJSON(), b.toJSON());
  });

  it('batched flat evaluation matches per-point evaluation', () => {
    const g = GaussianMixture.fit(X2, { nComponents: 2, rng: new Rng(5), nInit: 1 });
    const flat = Float64Array.from(X2.slice(0, 10).flat());
    const lp = g.logPdfFlat(flat, 10);
    for (let i = 0; i < 10; i++) assert.equal(lp[i], g.logPdfOne(X2[i]));
    // Mahalanobis² of the mean is 0; of μ + L e₁ is 1
    const L = g.choleskyFactor(0);
    const mu = g.means[0];
    close(g.mahalanobisSq(mu, 0), 0, 1e-20);
    close(g.mahalanobisSq([mu[0] + L[0][0], mu[1] + L[1][0]], 0), 1, 1e-12);
  });

  it('rejects bad input', () => {
    assert.throws(() => GaussianMixture.fit([], { nComponents: 1, rng: new Rng(0) }), InputError);
    assert.throws(
      () => GaussianMixture.fit([[1], [2]], { nComponents: 3, rng: new Rng(0) }),
      InputError,
    );
    assert.throws(
      () => GaussianMixture.fit([[1], [2]], { nComponents: 1, rng: new Rng(0), weights: [0, 0] }),
      InputError,
    );
    assert.throws(
      () => GaussianMixture.fit([[1, 2], [2]], { nComponents: 1, rng: new Rng(0) }),
      InputError,
    );
    assert.throws(
      () => GaussianMixture.fit([[Number.NaN]], { nComponents: 1, rng: new Rng(0) }),
      InputError,
    );
  });
});

function gauss(x: number, m: number, v: number): number {
  return Math.exp(-((x - m) ** 2) / (2 * v)) / Math.sqrt(2 * Math.PI * v);
}
