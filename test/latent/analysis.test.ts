import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  assignClusters,
  elbowCurve,
  fitKMeans,
  orderClusters,
  summariseClusters,
} from '../../src/latent/analysis/clusters.ts';
import {
  connectedComponents,
  knnEdges,
  navigability,
  rmsRadius,
} from '../../src/latent/analysis/navigability.ts';
import { fitPca, orientPca, pcaScores, r2OnScores } from '../../src/latent/analysis/pca.ts';
import { coordinateSensitivity } from '../../src/latent/analysis/sensitivity.ts';
import {
  fiveNumbers,
  fromRows,
  type Matrix,
  pearson,
  ranks,
  spearman,
} from '../../src/latent/analysis/stats.ts';
import { sweepRanges, traversalAnchors, traverse } from '../../src/latent/analysis/traversal.ts';
import { conditionalP, tsne } from '../../src/latent/analysis/tsne.ts';
import { Rng } from '../../src/util/rng.ts';

function close(a: number, b: number, tol: number, what = ''): void {
  assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b} (tol ${tol})`);
}

/** An orthonormal 3 × 3 matrix (rotation about (1, 1, 1) by 40°). */
function rotation(): number[][] {
  const t = (40 * Math.PI) / 180;
  const u = [1, 1, 1].map((v) => v / Math.sqrt(3));
  const c = Math.cos(t);
  const s = Math.sin(t);
  const [x, y, z] = u;
  return [
    [c + x * x * (1 - c), x * y * (1 - c) - z * s, x * z * (1 - c) + y * s],
    [y * x * (1 - c) + z * s, c + y * y * (1 - c), y * z * (1 - c) - x * s],
    [z * x * (1 - c) - y * s, z * y * (1 - c) + x * s, c + z * z * (1 - c)],
  ];
}
const mulRow = (Q: number[][], v: number[]) => Q.map((r) => r.reduce((s, q, j) => s + q * v[j], 0));

/** n points per centre, N(centre, sd²) in each coordinate. */
function blobs(centres: number[][], n: number, sd: number, seed: string): Matrix {
  const rng = new Rng(seed);
  const rows: number[][] = [];
  for (const c of centres)
    for (let i = 0; i < n; i++) rows.push(c.map((m) => m + sd * rng.normal()));
  return fromRows(rows);
}

describe('stats', () => {
  it('average ranks for ties, Spearman of a monotone map is 1, Pearson by hand', () => {
    assert.deepEqual(Array.from(ranks([10, 20, 20, 30])), [1, 2.5, 2.5, 4]);
    close(spearman([1, 2, 3, 4, 5], [1, 8, 27, 64, 125]), 1, 1e-12, 'monotone');
    close(spearman([1, 2, 3], [3, 2, 1]), -1, 1e-12, 'reversed');
    // x = (1,2,3), y = (1,3,2): cov 0.5·… → r = 0.5 exactly
    close(pearson([1, 2, 3], [1, 3, 2]), 0.5, 1e-12, 'pearson');
    assert.ok(Number.isNaN(pearson([1, 1, 1], [1, 2, 3])), 'constant variable → NaN');
  });
  it('five-number summary with numpy linear quantiles', () => {
    assert.deepEqual(fiveNumbers([4, 1, 3, 2, 5]), { min: 1, q1: 2, median: 3, q3: 4, max: 5 });
    assert.deepEqual(fiveNumbers([1, 2, 3, 4]), {
      min: 1,
      q1: 1.75,
      median: 2.5,
      q3: 3.25,
      max: 4,
    });
  });
});

describe('PCA of a synthetic latent set', () => {
  // Points (±3, 0, 0) and (0, ±1, 0), rotated: variance 4.5 along the rotated e1, 0.5 along e2,
  // 0 along e3, so the explained ratios are exactly 0.9, 0.1, 0.
  const Q = rotation();
  const base = [
    [3, 0, 0],
    [-3, 0, 0],
    [0, 1, 0],
    [0, -1, 0],
  ];
  const shift = [5, -2, 1];
  const z = fromRows(base.map((b) => mulRow(Q, b).map((v, j) => v + shift[j])));
  // predicted HV = 2·(coordinate along the rotated e1) + 1000
  const hv = base.map((b) => 1000 + 2 * b[0]);

  it('explained variance 0.9 / 0.1 / 0 and PC1 along the rotated e1', () => {
    const fit = fitPca(z, 2);
    close(fit.explainedVarianceRatio[0], 0.9, 1e-10, 'PC1 ratio');
    close(fit.explainedVarianceRatio[1], 0.1, 1e-10, 'PC2 ratio');
    close(fit.explainedVarianceRatio[2] ?? 0, 0, 1e-10, 'PC3 ratio');
    const e1 = mulRow(Q, [1, 0, 0]);
    const dot = fit.components[0].reduce((s, v, j) => s + v * e1[j], 0);
    close(Math.abs(dot), 1, 1e-10, '|PC1 · Qe1|');
    fit.mean.forEach((m, j) => {
      close(m, shift[j], 1e-12, `mean ${j}`);
    });
  });

  it('oriented scores: PC1 = coordinate along e1 (+3 for the hard point), R² 1 on PC1 and 0 on PC2', () => {
    const fit = orientPca(fitPca(z, 2), z, hv);
    const s = pcaScores(fit, z);
    close(s.data[0], 3, 1e-10, 'PC1 score of (3,0,0)');
    close(s.data[2], -3, 1e-10, 'PC1 score of (−3,0,0)');
    close(Math.abs(s.data[5]), 1, 1e-10, '|PC2| of (0,1,0)');
    const [r1, r2] = r2OnScores(s, hv);
    close(r1, 1, 1e-12, 'R² on PC1');
    close(r2, 0, 1e-12, 'R² on PC2');
  });
});

describe('traversal of a linear hardness head', () => {
  // reference: coordinate j takes the values 0..100 (shifted by 10j), so q0.01 = 1 + 10j and
  // q0.99 = 99 + 10j exactly (numpy linear quantiles on 101 evenly spaced values)
  const d = 3;
  const ref = fromRows(Array.from({ length: 101 }, (_, i) => [i, i + 10, i + 20]));
  const w = [2, -0.5, 0];
  const b = 700;
  const head = (m: Matrix) =>
    Float64Array.from({ length: m.n }, (_, i) => {
      let s = b;
      for (let j = 0; j < d; j++) s += w[j] * m.data[i * d + j];
      return s;
    });

  it('25 values from q0.01 to q0.99, predicted HV and peak-to-peak amplitude |w_j|·98', async () => {
    const ranges = sweepRanges(ref);
    assert.deepEqual(ranges, [
      [1, 99],
      [11, 109],
      [21, 119],
    ]);
    const anchor = [50, 60, 70];
    const t = await traverse(anchor, ranges, head, { steps: 25 });
    assert.equal(t.values[0].length, 25);
    close(t.values[1][0], 11, 1e-12, 'first value');
    close(t.values[1][24], 109, 1e-12, 'last value');
    close(t.values[0][12], 50, 1e-12, 'middle value');
    const h0 = b + w[0] * 50 + w[1] * 60;
    close(t.anchorHv, h0, 1e-9, 'anchor HV');
    for (let j = 0; j < d; j++) {
      for (let s = 0; s < 25; s++)
        close(t.hv[j][s], h0 + w[j] * (t.values[j][s] - anchor[j]), 1e-9, `hv[${j}][${s}]`);
      close(t.amplitude[j], Math.abs(w[j]) * 98, 1e-9, `amplitude ${j}`);
    }
  });

  it('anchors: the centre is the mean; the high anchor is drawn among rows with HV ≥ q0.92', () => {
    const hv = Array.from({ length: 101 }, (_, i) => 100 + i); // q0.92 = 192
    const a = traversalAnchors(ref, hv, () => 0);
    assert.deepEqual(a.centre, [50, 60, 70]);
    assert.equal(a.threshold, 192);
    assert.equal(a.highRow, 92);
    assert.deepEqual(a.high, [92, 102, 112]);
    assert.equal(traversalAnchors(ref, hv, (c) => c - 1).highRow, 100);
  });
});

describe('k-means and the elbow on separated clusters', () => {
  const centres = [
    [0, 0, 0, 0],
    [20, 0, 0, 0],
    [0, 20, 20, 0],
  ];
  const z = blobs(centres, 30, 1, 'blobs');
  const truth = Array.from({ length: 90 }, (_, i) => Math.floor(i / 30));

  it('k = 3 recovers the clusters; ordering by median HV numbers them softest first', () => {
    const km = fitKMeans(z, 3, new Rng(1), { nInit: 5 });
    // the same partition as the truth, up to a relabelling
    const map = new Map<number, number>();
    km.labels.forEach((l, i) => {
      if (!map.has(l)) map.set(l, truth[i]);
      assert.equal(map.get(l), truth[i], `row ${i}`);
    });
    assert.deepEqual(assignClusters(z, km.centres), km.labels);
    const hv = truth.map((t) => [900, 300, 1500][t]);
    const o = orderClusters(km.labels, km.centres, hv);
    o.labels.forEach((l, i) => {
      assert.equal(l, [1, 0, 2][truth[i]], `ordered label of row ${i}`);
    });
    close(o.centres[2][1], 20, 1, 'hardest centre');
  });

  it('elbow: a steep drop until k = 3, flat after', () => {
    const e = elbowCurve(z, new Rng(2), 6, 1, { nInit: 5 });
    assert.deepEqual(
      e.map((p) => p.k),
      [1, 2, 3, 4, 5, 6],
    );
    for (let i = 1; i < e.length; i++) assert.ok(e[i].inertia <= e[i - 1].inertia + 1e-9);
    assert.ok(e[2].inertia / e[1].inertia < 0.1, `k=3 vs k=2: ${e[2].inertia / e[1].inertia}`);
    assert.ok(e[3].inertia / e[2].inertia > 0.7, `k=4 vs k=3: ${e[3].inertia / e[2].inertia}`);
    // within-cluster sum of squares at k = 3 ≈ n·d·sd² = 90·4·1 (tolerance: sampling noise)
    close(e[2].inertia, 360, 90, 'inertia at k = 3');
  });

  it('cluster summaries by hand', () => {
    const s = summariseClusters({
      labels: [0, 0, 1, 1, 1],
      k: 2,
      hv: [100, 200, 1000, 1200, 1100],
      predicted: [110, 190, 1000, 1000, 1000],
      x: fromRows([
        [1, 0],
        [0.5, 0.5],
        [0, 1],
        [0.2, 0.8],
        [0.1, 0.9],
      ]),
      elements: ['Cu', 'Zr'],
      sets: ['train_fit', 'test', 'train_fit', 'train_fit', 'test'],
    });
    assert.equal(s.length, 2);
    assert.deepEqual(s[0].hv, { min: 100, q1: 125, median: 150, q3: 175, max: 200 });
    assert.deepEqual(s[0].mean_composition, { Cu: 0.75, Zr: 0.25 });
    assert.deepEqual(s[0].n_by_set, { train_fit: 1, test: 1 });
    assert.equal(s[0].predicted_hv_median, 150);
    assert.deepEqual(s[1].mean_composition, { Zr: 0.9, Cu: 0.1 });
    assert.equal(s[1].main_elements, 'Zr 90 %, Cu 10 %');
    assert.equal(s[1].hv.median, 1100);
  });
});

describe('navigability on a hand-made graph', () => {
  // two groups on a line, {0, 1, 2} and {100, 101, 102}; with k = 2 each group is a triangle
  const z = fromRows([[0], [1], [2], [100], [101], [102]]);
  const hv = [0, 10, 20, 1000, 1010, 1020]; // 10 HV per latent unit

  it('k-NN edges and components', () => {
    assert.deepEqual(knnEdges(z, 2), [
      [0, 1],
      [0, 2],
      [1, 2],
      [3, 4],
      [3, 5],
      [4, 5],
    ]);
    assert.deepEqual(connectedComponents(6, knnEdges(z, 2)), [0, 0, 0, 1, 1, 1]);
    assert.deepEqual(connectedComponents(4, [[2, 3]]), [0, 1, 2, 2]);
    // k = 3 joins the groups (each end point's third neighbour is across the gap)
    assert.deepEqual(connectedComponents(6, knnEdges(z, 3)), [0, 0, 0, 0, 0, 0]);
  });

  it('ratio |ΔHV|/‖Δz‖ = 10 on every edge; |ΔHV| distribution; scale-free ratio = 10 × RMS radius', () => {
    const r = navigability(z, hv, 2);
    assert.equal(r.components, 2);
    assert.equal(r.edges, 6);
    assert.equal(r.largest_component_fraction, 0.5);
    assert.equal(r.ratio.median, 10);
    assert.equal(r.ratio.q10, 10);
    assert.equal(r.ratio.q90, 10);
    // |ΔHV| over the six edges: 10, 20, 10 per group
    close(r.abs_dhv.mean, 40 / 3, 1e-12, 'mean |ΔHV|');
    assert.equal(r.abs_dhv.median, 10);
    const radius = Math.sqrt((2 * (51 ** 2 + 50 ** 2 + 49 ** 2)) / 6);
    close(rmsRadius(z), radius, 1e-12, 'RMS radius');
    close(r.ratio_scaled.median, 10 * radius, 1e-9, 'scaled ratio');
    assert.equal(r.zero_length_edges, 0);
  });

  it('duplicate latents give zero-length edges, left out of the ratio', () => {
    const r = navigability(fromRows([[0], [0], [1]]), [5, 7, 9], 1);
    assert.equal(r.zero_length_edges, 1);
    assert.equal(r.ratio.n, r.edges - 1);
  });
});

describe('sensitivity', () => {
  it('mean |gradient| and correlations of a linear head', () => {
    const z = fromRows([
      [0, 1],
      [1, 3],
      [2, 2],
      [3, 0],
    ]);
    const w = [3, -2];
    const pred = [0, 1, 2, 3].map((i) => w[0] * z.data[2 * i] + w[1] * z.data[2 * i + 1]);
    const grad = fromRows(Array.from({ length: 4 }, () => [...w]));
    const s = coordinateSensitivity(grad, z, pred);
    close(s[0].mean_abs_gradient, 3, 1e-12, 'coordinate 0');
    close(s[1].mean_abs_gradient, 2, 1e-12, 'coordinate 1');
    close(s[0].sd, Math.sqrt(1.25), 1e-12, 'sd');
    close(s[0].mean_abs_gradient_per_sd, 3 * Math.sqrt(1.25), 1e-12, 'per sd');
    assert.ok(s[0].pearson > 0.9 && s[1].pearson < 0);
  });
});

describe('t-SNE', () => {
  it('each bandwidth reaches the perplexity (entropy = ln perplexity)', () => {
    const x = blobs([[0, 0, 0]], 40, 1, 'p');
    const n = x.n;
    const D = new Float64Array(n * n);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++)
        for (let c = 0; c < 3; c++) D[i * n + j] += (x.data[i * 3 + c] - x.data[j * 3 + c]) ** 2;
    const P = conditionalP(D, n, 10);
    for (const i of [0, 17, 39]) {
      let H = 0;
      let s = 0;
      for (let j = 0; j < n; j++) {
        const p = P[i * n + j];
        s += p;
        if (p > 0) H -= p * Math.log(p);
      }
      close(s, 1, 1e-12, `row ${i} sums to 1`);
      close(H, Math.log(10), 1e-4, `row ${i} entropy`); // bisection tolerance 1e-5 in H
    }
  });

  it('separated clusters stay separated, seeded runs are identical', () => {
    const x = blobs(
      [
        [0, 0, 0, 0, 0],
        [8, 8, 0, 0, 0],
      ],
      20,
      1,
      'ts',
    );
    const a = tsne(x, new Rng(1), { perplexity: 5, iterations: 1000 });
    const b = tsne(x, new Rng(1), { perplexity: 5, iterations: 1000 });
    assert.deepEqual(Array.from(a.embedding.data), Array.from(b.embedding.data));
    assert.ok(Number.isFinite(a.klDivergence) && a.klDivergence >= 0);
    // every point's nearest neighbour in the embedding is in its own cluster
    const Y = a.embedding.data;
    for (let i = 0; i < 40; i++) {
      let best = -1;
      let bd = Number.POSITIVE_INFINITY;
      for (let j = 0; j < 40; j++) {
        if (j === i) continue;
        const dd = (Y[2 * i] - Y[2 * j]) ** 2 + (Y[2 * i + 1] - Y[2 * j + 1]) ** 2;
        if (dd < bd) {
          bd = dd;
          best = j;
        }
      }
      assert.equal(Math.floor(best / 20), Math.floor(i / 20), `point ${i}`);
    }
    const r = tsne(x, new Rng(5), { perplexity: 5, iterations: 1000, init: 'random' });
    assert.notDeepEqual(Array.from(r.embedding.data), Array.from(a.embedding.data));
  });
});
