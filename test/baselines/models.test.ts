import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GradientBoostingRegressor, RandomForestRegressor } from '../../src/baselines/ensemble.ts';
import { denseMatrix } from '../../src/baselines/features.ts';
import { GaussianProcessRegressor, matern52 } from '../../src/baselines/gp.ts';
import { KnnRegressor } from '../../src/baselines/knn.ts';
import { MlpRegressor } from '../../src/baselines/mlp.ts';
import { nelderMead } from '../../src/baselines/nelderMead.ts';
import { fitTree, presort, RegressionTree, resolveMaxFeatures } from '../../src/baselines/tree.ts';
import { Rng } from '../../src/util/rng.ts';

const close = (a: number, b: number, tol: number, what = '') =>
  assert.ok(Math.abs(a - b) <= tol, `${what} ${a} vs ${b} (tol ${tol})`);

/** 40 rows × 3 features of exact rational data (distinct values per feature), as in linear.test. */
const m = 40;
const xs: number[] = [];
const ys: number[] = [];
for (let i = 0; i < m; i++) {
  const r = [((i * 37) % 101) / 101, ((i * 53 + 7) % 97) / 97, ((i * 29 + 3) % 89) / 89];
  xs.push(...r);
  ys.push(r[0] ** 2 + 2 * r[1] - r[2] + ((i * 5) % 3) / 10);
}
const xSmall = denseMatrix(m, 3, xs);
const queries = denseMatrix(4, 3, [0.1, 0.2, 0.3, 0.5, 0.5, 0.5, 0.9, 0.1, 0.7, 0.33, 0.8, 0.05]);

describe('KNN', () => {
  const x1 = denseMatrix(4, 1, [0, 1, 2, 4]);
  const y1 = [0, 10, 20, 40];
  it('uniform and 1/d weights on a hand case', () => {
    const q = denseMatrix(2, 1, [1.2, 2]);
    const u = new KnnRegressor({ k: 2, weights: 'uniform', p: 2 }).fit(x1, y1).predict(q);
    // 1.2: neighbours 1 (d 0.2) and 2 (d 0.8) → (10 + 20) / 2; 2: itself and 1 (tie with 3 at d 1
    // broken by row order... 1 is at d 1, 4 at d 2) → (20 + 10) / 2.
    assert.deepEqual([...u], [15, 15]);
    const d = new KnnRegressor({ k: 2, weights: 'distance', p: 2 }).fit(x1, y1).predict(q);
    // (10/0.2 + 20/0.8) / (1/0.2 + 1/0.8) = 75 / 6.25 = 12; an exact match takes the matched row only.
    close(d[0], 12, 1e-12);
    assert.equal(d[1], 20);
  });
  it('p = 1 and p = 2 choose different neighbours', () => {
    const x = denseMatrix(2, 2, [2, 0, 1.2, 1.2]);
    const q = denseMatrix(1, 2, [0, 0]);
    // L1: 2 vs 2.4 → row 0; L2: 2 vs 1.697 → row 1.
    assert.equal(
      new KnnRegressor({ k: 1, weights: 'uniform', p: 1 }).fit(x, [5, 7]).predict(q)[0],
      5,
    );
    assert.equal(
      new KnnRegressor({ k: 1, weights: 'uniform', p: 2 }).fit(x, [5, 7]).predict(q)[0],
      7,
    );
  });
  it('JSON round trip', () => {
    const k = new KnnRegressor({ k: 3, weights: 'distance', p: 1 }).fit(xSmall, ys);
    assert.deepEqual(
      KnnRegressor.fromJSON(JSON.parse(JSON.stringify(k.toJSON()))).predict(queries),
      k.predict(queries),
    );
  });
});

describe('CART tree', () => {
  it('a step is found exactly at the midpoint', () => {
    const x = denseMatrix(6, 1, [0.1, 0.2, 0.3, 0.7, 0.8, 0.9]);
    const y = [1, 1, 1, 5, 5, 5];
    const t = fitTree(
      x,
      y,
      new Float64Array(6).fill(1),
      presort(x),
      { maxDepth: 3, minSamplesSplit: 2, minSamplesLeaf: 1, maxFeatures: 1 },
      new Rng(1),
    );
    assert.equal(t.nodeCount, 3);
    close(t.threshold[0], 0.5, 1e-15);
    assert.deepEqual([...t.predict(denseMatrix(2, 1, [0.49, 0.51]))], [1, 5]);
  });
  it('matches scikit-learn DecisionTreeRegressor(max_depth=4, min_samples_leaf=3)', () => {
    const t = fitTree(
      xSmall,
      ys,
      new Float64Array(m).fill(1),
      presort(xSmall),
      { maxDepth: 4, minSamplesSplit: 2, minSamplesLeaf: 3, maxFeatures: 3 },
      new Rng(1),
    );
    // Reference: scikit-learn 1.2.1, same data; 23 nodes; identical for random_state 0, 1, 2.
    const ref = [0.9027185139755057, 1.3023260174269529, -0.42278175164388276, 2.09114567890827];
    const p = t.predict(queries);
    for (let i = 0; i < 4; i++) close(p[i], ref[i], 1e-12, `query ${i}`);
    assert.equal(t.nodeCount, 23);
    const train = t.predict(xSmall);
    const sse = ys.reduce((s, v, i) => s + (train[i] - v) ** 2, 0);
    close(sse, 0.9424916136809216, 1e-12, 'train SSE');
  });
  it('weights act as repeated rows; zero-weight rows are ignored', () => {
    const x = denseMatrix(4, 1, [0, 1, 2, 3]);
    const t = fitTree(
      x,
      [0, 0, 10, 99],
      [1, 3, 2, 0],
      presort(x),
      { maxDepth: 1, minSamplesSplit: 2, minSamplesLeaf: 1, maxFeatures: 1 },
      new Rng(1),
    );
    // Rows 0–2 only: best split between 1 and 2; the left leaf is 0, the right leaf 10.
    assert.deepEqual([...t.predict(denseMatrix(2, 1, [0.5, 2.5]))], [0, 10]);
    assert.deepEqual(RegressionTree.fromJSON(t.toJSON()).toJSON(), t.toJSON());
  });
  it('max_features specs resolve as scikit-learn', () => {
    assert.equal(resolveMaxFeatures('sqrt', 57), 7);
    assert.equal(resolveMaxFeatures(0.5, 57), 28);
    assert.equal(resolveMaxFeatures(0.33, 57), 18);
    assert.equal(resolveMaxFeatures('all', 57), 57);
  });
});

describe('tree ensembles', () => {
  it('random forest: seeded, reproducible, and JSON round trip', () => {
    const o = {
      nEstimators: 20,
      maxDepth: null,
      minSamplesSplit: 2,
      minSamplesLeaf: 1,
      maxFeatures: 'sqrt' as const,
    };
    const a = new RandomForestRegressor(o).fit(xSmall, ys, new Rng(5));
    const b = new RandomForestRegressor(o).fit(xSmall, ys, new Rng(5));
    assert.deepEqual(a.predict(queries), b.predict(queries));
    assert.deepEqual(
      RandomForestRegressor.fromJSON(JSON.parse(JSON.stringify(a.toJSON()))).predict(queries),
      a.predict(queries),
    );
  });
  it('gradient boosting with one full-depth stage and learning rate 1 interpolates', () => {
    const g = new GradientBoostingRegressor({
      nEstimators: 1,
      learningRate: 1,
      maxDepth: 12,
      minSamplesLeaf: 1,
      subsample: 1,
      maxFeatures: 'all',
    }).fit(xSmall, ys, new Rng(1));
    const p = g.predict(xSmall);
    // Distinct rows, full depth: every leaf holds one row, so F₀ + (y − F₀) = y.
    for (let i = 0; i < m; i++) close(p[i], ys[i], 1e-12);
    const g2 = new GradientBoostingRegressor({
      nEstimators: 50,
      learningRate: 0.1,
      maxDepth: 3,
      minSamplesLeaf: 2,
      subsample: 0.7,
      maxFeatures: 'all',
    }).fit(xSmall, ys, new Rng(1));
    assert.deepEqual(
      GradientBoostingRegressor.fromJSON(JSON.parse(JSON.stringify(g2.toJSON()))).predict(queries),
      g2.predict(queries),
    );
  });
});

describe('MLP', () => {
  it('learns a smooth function, is seeded, and round-trips', () => {
    const o = {
      hidden: [16],
      activation: 'tanh' as const,
      alpha: 1e-4,
      learningRate: 1e-2,
      batchSize: 8,
      maxIter: 300,
    };
    const a = new MlpRegressor(o).fit(xSmall, ys, new Rng(2));
    const b = new MlpRegressor(o).fit(xSmall, ys, new Rng(2));
    assert.deepEqual(a.predict(queries), b.predict(queries));
    const p = a.predict(xSmall);
    const mse = ys.reduce((s, v, i) => s + (p[i] - v) ** 2, 0) / m;
    const mean = ys.reduce((s, v) => s + v, 0) / m;
    const vary = ys.reduce((s, v) => s + (v - mean) ** 2, 0) / m;
    // The target is smooth plus a 0–0.2 sawtooth (variance 0.0067): a fit leaves < 10 % of Var(y).
    assert.ok(mse < 0.1 * vary, `train MSE ${mse} vs Var(y) ${vary}`);
    // The loss curve falls.
    assert.ok(a.lossCurve[a.lossCurve.length - 1] < 0.5 * a.lossCurve[0]);
    assert.deepEqual(
      MlpRegressor.fromJSON(JSON.parse(JSON.stringify(a.toJSON()))).predict(queries),
      a.predict(queries),
    );
  });
});

describe('Nelder–Mead', () => {
  it('minimises the Rosenbrock function', () => {
    const r = nelderMead((x) => 100 * (x[1] - x[0] ** 2) ** 2 + (1 - x[0]) ** 2, [-1.2, 1], {
      maxEval: 2000,
      xTol: 1e-8,
      fTol: 1e-14,
    });
    assert.ok(r.converged);
    close(r.x[0], 1, 1e-5);
    close(r.x[1], 1, 1e-5);
  });
  it('respects a box', () => {
    const r = nelderMead((x) => (x[0] - 3) ** 2 + (x[1] + 1) ** 2, [0, 0], {
      lower: [-1, -0.5],
      upper: [2, 1],
    });
    close(r.x[0], 2, 1e-4);
    close(r.x[1], -0.5, 1e-4);
  });
});

describe('Gaussian process', () => {
  // 3 points in 1-D, C = 1.5, ℓ = 2, σ²ₙ = 0.1, y not normalised.
  const x3 = denseMatrix(3, 1, [0, 1, 3]);
  const y3 = [1, 2, 0];
  const p = { constant: 1.5, lengthScale: 2, noise: 0.1 };

  /** The same quantities by hand: Matérn values, 3×3 inverse by cofactors, determinant. */
  function hand(q: number) {
    const k = (a: number, b: number) => 1.5 * matern52(Math.abs(a - b), 2);
    const X = [0, 1, 3];
    const K = X.map((a, i) => X.map((b, j) => k(a, b) + (i === j ? 0.1 : 0)));
    const [[a, b, c], [d, e, f], [g, h, i]] = K;
    const det = a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g);
    const inv = [
      [e * i - f * h, c * h - b * i, b * f - c * e],
      [f * g - d * i, a * i - c * g, c * d - a * f],
      [d * h - e * g, b * g - a * h, a * e - b * d],
    ].map((r) => r.map((v) => v / det));
    const al = inv.map((r) => r.reduce((s, v, j) => s + v * y3[j], 0));
    const lml =
      -0.5 * y3.reduce((s, v, j) => s + v * al[j], 0) -
      0.5 * Math.log(det) -
      1.5 * Math.log(2 * Math.PI);
    const ks = X.map((xx) => k(q, xx));
    const mean = ks.reduce((s, v, j) => s + v * al[j], 0);
    const quad = ks.reduce((s, v, r) => s + v * inv[r].reduce((t, w, j) => t + w * ks[j], 0), 0);
    return { lml, mean, variance: 1.5 - quad + 0.1 };
  }

  it('log marginal likelihood and predictive mean/variance match the hand computation and scikit-learn', () => {
    const gp = new GaussianProcessRegressor({ normalizeY: false, fixed: p }).fit(x3, y3);
    const h2 = hand(2);
    const h05 = hand(0.5);
    // Cholesky vs cofactors: agreement to rounding.
    close(gp.logMarginalLikelihood, h2.lml, 1e-12, 'lml');
    const { mean, variance } = gp.predictWithVariance(denseMatrix(2, 1, [2, 0.5]));
    close(mean[0], h2.mean, 1e-12, 'mean(2)');
    close(variance[0], h2.variance, 1e-12, 'var(2)');
    close(mean[1], h05.mean, 1e-12, 'mean(0.5)');
    close(variance[1], h05.variance, 1e-12, 'var(0.5)');
    // scikit-learn 1.2.1 (optimizer=None, same kernel), predictions printed to 8 digits. Its
    // default alpha = 1e-10 jitter on the diagonal moves the log-likelihood by ~2e-10.
    close(gp.logMarginalLikelihood, -4.894978037903336, 1e-9, 'sklearn lml');
    close(mean[0], 1.13811569, 1e-8);
    close(mean[1], 1.52585438, 1e-8);
    close(variance[0], 0.29363954, 1e-8);
    close(variance[1], 0.16821334, 1e-8);
    // Without the noise term the variance is the latent one.
    const lat = gp.predictWithVariance(denseMatrix(1, 1, [2]), { includeNoise: false }).variance[0];
    close(lat, h2.variance - 0.1, 1e-12);
  });

  it('normalize_y scales as scikit-learn', () => {
    const gp = new GaussianProcessRegressor({ fixed: p }).fit(x3, y3);
    // scikit-learn's alpha = 1e-10 jitter: ~7e-10 in the log-likelihood.
    close(gp.logMarginalLikelihood, -5.931603175834542, 2e-9, 'lml');
    const r = gp.predictWithVariance(denseMatrix(1, 1, [2]));
    close(r.mean[0], 1.13735992, 1e-8);
    close(r.variance[0], 0.19575969, 1e-8);
  });

  it('ML-II reaches scikit-learn’s optimum on a 25-point 2-D problem', () => {
    // numpy RandomState(0) data; scikit-learn 1.2.1 (L-BFGS-B, 5 restarts) found
    // 3.07²·Matérn(ℓ = 2.87) + White(0.0055) with log marginal likelihood −15.038813050602185.
    const X = [
      0.195254015709299, 0.8607574654896779, 0.4110535042865755, 0.17953273198758746,
      -0.30538080264438117, 0.5835764522666245, -0.24965115494922996, 1.567092003128319,
      1.8546510420041171, -0.4662339246968892, 1.1669001523306584, 0.11557967901161792,
      0.27217824437572924, 1.7023865531706441, -1.7158557672084522, -1.6514828011938372,
      -1.9191264102386971, 1.330479382191752, 1.112627003799402, 1.4800485929872766,
      1.914473368931056, 1.1966342568668944, -0.15408255098827262, 1.1221167051458218,
      -1.5269022965242671, 0.5596840853100953, -1.4265868503638144, 1.7786756681983356,
      0.0873932870002867, -0.34135224003790565, -0.9417775515814921, 1.0969347577368667,
      -0.1753986711338058, 0.27373579547459403, -1.9248407982545794, 0.47054198830350824,
      0.44838289088968564, 0.46773598749902767, 1.7749923140584967, 0.7272811964139336,
      -0.561968397704856, -0.2518721848026342, 0.7905247837090594, -1.7590981134829207,
      0.6670668617826707, 0.6825514784726376, -1.1584697557046364, -1.4842948093805868,
      -0.7382865963032645, -0.5451569162295096,
    ];
    const Y = [
      0.4885364458633222, 0.7894420532967928, -0.32290346008964993, 0.818295668477238,
      0.335322407984461, 1.0683518263627754, 1.6846898997127924, 0.804637541029751,
      0.5356561053836706, 2.129149893287619, 0.9315045469307304, 0.2824381201530135,
      -0.5982927701671408, 0.7822818009085004, 0.19562719708517284, -0.35564336108263706,
      -0.28603976255390395, -0.17716766224317906, 0.665144179924947, 0.6894980579635848,
      -0.7962054491825554, 2.301379822002265, 1.0924760472997708, 0.07528433134068363,
      -0.9089747047070316,
    ];
    const gp = new GaussianProcessRegressor({ restarts: 3 }).fit(
      denseMatrix(25, 2, X),
      Y,
      new Rng(1),
    );
    // Nelder–Mead stops at |Δθ| ≤ 1e-4 in log space: the maximum to ~1e-6 in log-likelihood.
    assert.ok(
      gp.logMarginalLikelihood >= -15.038813050602185 - 1e-4,
      `lml ${gp.logMarginalLikelihood}`,
    );
    close(gp.params.lengthScale, 2.87, 0.01, 'ℓ');
    close(Math.sqrt(gp.params.constant), 3.07, 0.01, '√C');
    close(gp.params.noise, 0.0055, 0.0001, 'noise');
    const back = GaussianProcessRegressor.fromJSON(JSON.parse(JSON.stringify(gp.toJSON())));
    const q = denseMatrix(1, 2, [0.3, -0.2]);
    assert.deepEqual(back.predictWithVariance(q), gp.predictWithVariance(q));
  });
});
