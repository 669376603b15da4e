/**
 * The latent analysis of SPEC §8 for one model, end to end, on a reference set of rows (by
 * default every row of the dataset, each encoded at its own load; the fits use the train_fit rows
 * only, as the original code, docs/original.md §7):
 * 1. latents z = μ of the design network; predicted HV = its hardness head ŷ(z);
 * 2. k-means (k = 3) on the latents standardised with the train_fit scaler, elbow curve k = 1..10;
 *    per-cluster measured-HV five-number summary and mean composition (clusters.ts);
 * 3. PCA fitted on the train_fit latents: explained variance, R² of predicted HV on PC1 and PC2
 *    (over all rows and over the test rows);
 * 4. t-SNE (perplexity 30) of the standardised latents of all rows;
 * 5. traversal from the centre and from a random train_fit latent with HV ≥ q0.92 (traversal.ts);
 * 6. sensitivity mean |∂HV/∂z_j| over the train_fit latents plus GMM draws (≥ 1000 in all; the
 *    GMM is fitted by BIC in the principal subspace holding 90 % of the latent variance, as the
 *    design's latent density, latent/frame.ts) and Pearson/Spearman of z_j with predicted HV;
 * 7. navigability (k-NN graph, k = 10) of this model's latents and, when given, of a comparison
 *    model's (e.g. the same settings with a deterministic bottleneck), with the measured HV.
 */
import type { Dataset } from '../../data/dataset.ts';
import type { Split } from '../../data/split.ts';
import { quantile } from '../../math/quantile.ts';
import { InputError } from '../../util/errors.ts';
import type { Rng } from '../../util/rng.ts';
import { LatentFrame } from '../frame.ts';
import { GaussianMixture } from '../gmm.ts';
import type { LatentModel } from './access.ts';
import {
  assignClusters,
  type ClusterSummary,
  type ElbowPoint,
  elbowCurve,
  fitKMeans,
  orderClusters,
  summariseClusters,
} from './clusters.ts';
import { type NavigabilityModelReport, navigability } from './navigability.ts';
import { fitPca, orientPca, pcaScores, r2OnScores } from './pca.ts';
import { type CoordinateSensitivity, coordinateSensitivity } from './sensitivity.ts';
import {
  applyColumnScaler,
  type ColumnScaler,
  fitColumnScaler,
  fromRows,
  type Matrix,
  pickRows,
  sig,
  toRows,
} from './stats.ts';
import { sweepRanges, traversalAnchors, traverse } from './traversal.ts';
import { tsne } from './tsne.ts';

/** The rows the analysis runs on. */
export interface LatentRows {
  elements: readonly string[];
  /** Compositions, n × E fractions (row-major). */
  x: ArrayLike<number>;
  /** Indentation load of each row, N. */
  load: ArrayLike<number>;
  /** Measured hardness, HV. */
  hv: ArrayLike<number>;
  /** Data set of each row: 'train_fit', 'calibration' or 'test' (fits use 'train_fit'). */
  sets: readonly string[];
  /** Row labels (formulas), for tooltips and the CSV. */
  labels?: readonly string[];
  /** 0-based data-row index of each row, for the CSV. */
  rowIds?: readonly number[];
}

export interface LatentAnalysisOptions {
  /** k-means clusters (SPEC §8: 3). */
  k: number;
  /** Largest k of the elbow curve (SPEC §8: 10). */
  elbowMax: number;
  /** k-means++ restarts (docs/original.md §7.1: 10). */
  kmeansInit: number;
  /** t-SNE perplexity (SPEC §8: 30); 0 skips the t-SNE map. */
  perplexity: number;
  /** t-SNE iterations (sklearn default 1000). */
  tsneIterations: number;
  /** Traversal values per coordinate (SPEC §8: 25). */
  traversalSteps: number;
  /** Quantiles bounding each coordinate's sweep (SPEC §8: [0.01, 0.99]). */
  traversalRange: [number, number];
  /** HV quantile defining the "high" anchor's pool (SPEC §8: 0.92). */
  highQuantile: number;
  /** Latents for the gradient sensitivity: train_fit latents plus GMM draws up to this many (SPEC §8: ≥ 1000). */
  sensitivitySamples: number;
  /** Fraction of latent variance kept by the subspace the sensitivity GMM is fitted in (default 0.9). */
  frameVariance: number;
  /** BIC range and restarts of that GMM. */
  gmm: { kMin: number; kMax: number; nInit: number };
  /** Neighbours of the navigability graph (SPEC §8: 10). */
  navigabilityK: number;
  /** Encode every row at this load (N) instead of its own load (latent "at load L", SPEC §8). */
  load?: number;
}

export const DEFAULT_LATENT_ANALYSIS: LatentAnalysisOptions = {
  k: 3,
  elbowMax: 10,
  kmeansInit: 10,
  perplexity: 30,
  tsneIterations: 1000,
  traversalSteps: 25,
  traversalRange: [0.01, 0.99],
  highQuantile: 0.92,
  sensitivitySamples: 1000,
  frameVariance: 0.9,
  gmm: { kMin: 1, kMax: 6, nInit: 3 },
  navigabilityK: 10,
};

export interface TraversalReport {
  /** 'centre' or 'high'. */
  anchor: string;
  /** For the 'high' anchor: its 0-based data row, formula, measured HV, load and the pool threshold. */
  row?: number;
  formula?: string;
  measured_hv?: number;
  load_N?: number;
  hv_threshold?: number;
  /** Predicted HV at the anchor. */
  predicted_hv: number;
  /** Peak-to-peak amplitude per coordinate, HV (index = coordinate). */
  amplitude: number[];
  /** The coordinates with the largest amplitude, largest first. */
  top: { coordinate: number; amplitude: number; low: number; high: number }[];
  /** Sum of the amplitudes, and the share of it taken by the top 5 coordinates. */
  total_amplitude: number;
  top5_share: number;
  /** Full sweep: values[j][s] and predicted hv[j][s] (kept out of latent.json; see traversal.csv). */
  values: number[][];
  hv: number[][];
}

export interface LatentAnalysis {
  reference: {
    rows: number;
    by_set: Record<string, number>;
    /** 'each row at its own load' or the fixed load. */
    load: string;
    latent_dim: number;
    bottleneck: string;
  };
  clusters: {
    k: number;
    elbow: ElbowPoint[];
    /** Cluster with the highest median measured HV (clusters are numbered by ascending median HV). */
    hardest: number;
    summary: ClusterSummary[];
  };
  pca: {
    /** Fraction of the train_fit latent variance per principal direction (first 10). */
    explained_variance_ratio: number[];
    /** Directions needed for 90 % of the variance. */
    components_for_90pct: number;
    r2_predicted_hv_pc1: number;
    r2_predicted_hv_pc2: number;
    /** The same on the test rows only (as the original code, docs/original.md §7.7). */
    test: { n: number; r2_predicted_hv_pc1: number; r2_predicted_hv_pc2: number };
    /** R² of the measured HV on PC1 (all rows), for comparison. */
    r2_measured_hv_pc1: number;
  };
  tsne?: { perplexity: number; iterations: number; kl_divergence: number; init: string };
  traversal: TraversalReport[];
  sensitivity: {
    samples: { train_fit: number; gmm_draws: number; gmm_components: number; frame_dim: number };
    /** Per coordinate, sorted by mean |∂HV/∂z_j| × sd (largest first). */
    coordinates: CoordinateSensitivity[];
  };
  navigability: NavigabilityModelReport[];
}

/** Per-row results (the CSV and the maps). */
export interface LatentPoints {
  z: Matrix;
  predicted: Float64Array;
  cluster: number[];
  pca: Matrix;
  tsne?: Matrix;
}

/**
 * What `analyzeLatents` reports while it runs (the workflow maps it to its hooks). A callback may
 * throw to stop the run (cancellation).
 */
export interface LatentProgress {
  /** A stage starts: 'encoding and clustering', 'PCA', 't-SNE', 'traversal', 'sensitivity', 'navigability'. */
  onStage?(stage: string): void;
  /** Work done within a stage: t-SNE iterations. */
  onProgress?(stage: string, done: number, total: number): void;
}

/** Latents of the rows and the train_fit-based scaler and k-means clusters (shared with `explain`). */
export interface LatentClusters {
  z: Matrix;
  scaler: ColumnScaler;
  /** Standardised latents of all rows. */
  zs: Matrix;
  /** Cluster per row (0 = softest median measured HV … k−1 = hardest). */
  labels: number[];
  centres: number[][];
  trainIdx: number[];
}

/** The rows of a split, stacked train_fit, calibration, test (as docs/original.md §7.2). */
export function latentRowsOf(ds: Dataset, split: Split): LatentRows {
  const E = ds.elements.length;
  const ids = [...split.trainFit, ...split.calibration, ...split.test];
  const sets = [
    ...split.trainFit.map(() => 'train_fit'),
    ...split.calibration.map(() => 'calibration'),
    ...split.test.map(() => 'test'),
  ];
  const x = new Float64Array(ids.length * E);
  ids.forEach((r, i) => {
    x.set(ds.x.subarray(r * E, (r + 1) * E), i * E);
  });
  return {
    elements: ds.elements,
    x,
    load: Float64Array.from(ids, (r) => ds.load[r]),
    hv: Float64Array.from(ids, (r) => ds.hv[r]),
    sets,
    labels: ids.map((r) => ds.compositions[r].toString()),
    rowIds: ids,
  };
}

function encodeRows(lm: LatentModel, rows: LatentRows, load?: number): Matrix {
  const n = rows.hv.length;
  const loads = load === undefined ? rows.load : new Float64Array(n).fill(load);
  return lm.encode(rows.x, loads);
}

function trainIndices(rows: LatentRows): number[] {
  const idx = rows.sets.map((s, i) => (s === 'train_fit' ? i : -1)).filter((i) => i >= 0);
  if (idx.length < 10)
    throw new InputError(
      `latent analysis: ${idx.length} train_fit rows in the reference set; need at least 10`,
    );
  return idx;
}

/** Encode the rows and cluster them (k-means on train_fit-standardised latents, SPEC §8). */
export function latentClusters(
  lm: LatentModel,
  rows: LatentRows,
  rng: Rng,
  o: Pick<LatentAnalysisOptions, 'k' | 'kmeansInit' | 'load'> = DEFAULT_LATENT_ANALYSIS,
): LatentClusters {
  const z = encodeRows(lm, rows, o.load);
  const trainIdx = trainIndices(rows);
  const scaler = fitColumnScaler(pickRows(z, trainIdx));
  const zs = applyColumnScaler(scaler, z);
  const km = fitKMeans(pickRows(zs, trainIdx), o.k, rng.fork('kmeans'), { nInit: o.kmeansInit });
  const raw = assignClusters(zs, km.centres);
  const ordered = orderClusters(raw, km.centres, rows.hv);
  return { z, scaler, zs, labels: ordered.labels, centres: ordered.centres, trainIdx };
}

/** Run the analysis (see the file header). `compare` adds a second model to the navigability. */
export async function analyzeLatents(
  lm: LatentModel,
  rows: LatentRows,
  rng: Rng,
  options: Partial<LatentAnalysisOptions> = {},
  compare?: LatentModel,
  progress: LatentProgress = {},
): Promise<{ analysis: LatentAnalysis; points: LatentPoints }> {
  const o = { ...DEFAULT_LATENT_ANALYSIS, ...options };
  const onStage = (s: string) => progress.onStage?.(s);
  const n = rows.hv.length;
  const loads = o.load === undefined ? rows.load : new Float64Array(n).fill(o.load);
  onStage('encoding and clustering');
  const cl = latentClusters(lm, rows, rng, o);
  const { z, zs, trainIdx } = cl;
  const predicted = lm.hardness(z, loads);
  const hvTrain = trainIdx.map((i) => rows.hv[i]);
  const zTrain = pickRows(z, trainIdx);
  const elbow = elbowCurve(pickRows(zs, trainIdx), rng.fork('elbow'), o.elbowMax, 1, {
    nInit: o.kmeansInit,
  });
  const E = rows.elements.length;
  const summary = summariseClusters({
    labels: cl.labels,
    k: o.k,
    hv: rows.hv,
    predicted,
    x: { data: Float64Array.from(rows.x), n, d: E },
    elements: rows.elements,
    sets: rows.sets,
  });
  const hardest = summary.reduce((a, b) => (b.hv.median > a.hv.median ? b : a)).cluster;

  onStage('PCA');
  const predTrain = trainIdx.map((i) => predicted[i]);
  const pfit = orientPca(fitPca(zTrain, 2), zTrain, predTrain);
  const scores = pcaScores(pfit, z);
  const [r2pc1, r2pc2] = r2OnScores(scores, predicted);
  const testIdx = rows.sets.map((s, i) => (s === 'test' ? i : -1)).filter((i) => i >= 0);
  const testR2 =
    testIdx.length >= 3
      ? r2OnScores(
          pickRows(scores, testIdx),
          testIdx.map((i) => predicted[i]),
        )
      : [Number.NaN, Number.NaN];
  const ev = pfit.explainedVarianceRatio;
  let cum = 0;
  let for90 = ev.length;
  for (let i = 0; i < ev.length; i++) {
    cum += ev[i];
    if (cum >= 0.9 - 1e-12) {
      for90 = i + 1;
      break;
    }
  }

  let tsneOut: { embedding: Matrix; klDivergence: number } | undefined;
  if (o.perplexity > 0) {
    onStage('t-SNE');
    const perplexity = Math.min(o.perplexity, Math.max(1, Math.floor((n - 1) / 3)));
    tsneOut = tsne(zs, rng.fork('tsne'), {
      perplexity,
      iterations: o.tsneIterations,
      onIteration: (done, total) => progress.onProgress?.('t-SNE', done, total),
    });
  }

  onStage('traversal');
  const medianLoad = quantile(
    trainIdx.map((i) => loads[i]),
    0.5,
  );
  const headAt = (m: Matrix) => lm.hardness(m, new Float64Array(m.n).fill(medianLoad));
  const ranges = sweepRanges(zTrain, o.traversalRange);
  const pickRng = rng.fork('traversal-anchor');
  const anchors = traversalAnchors(zTrain, hvTrain, (c) => pickRng.int(c), o.highQuantile);
  const traversal: TraversalReport[] = [];
  for (const [name, anchor] of [
    ['centre', anchors.centre],
    ['high', anchors.high],
  ] as const) {
    const t = await traverse(anchor, ranges, headAt, {
      steps: o.traversalSteps,
      range: o.traversalRange,
    });
    const order = t.amplitude.map((a, j) => ({ a, j })).sort((p, q) => q.a - p.a || p.j - q.j);
    const total = t.amplitude.reduce((s, a) => s + a, 0);
    const rowOf = trainIdx[anchors.highRow];
    traversal.push({
      anchor: name,
      ...(name === 'high'
        ? {
            row: rows.rowIds ? rows.rowIds[rowOf] : rowOf,
            formula: rows.labels?.[rowOf],
            measured_hv: rows.hv[rowOf],
            load_N: rows.load[rowOf],
            hv_threshold: anchors.threshold,
          }
        : {}),
      predicted_hv: t.anchorHv,
      amplitude: t.amplitude.map((a) => sig(a, 5)),
      top: order.slice(0, 10).map(({ a, j }) => ({
        coordinate: j,
        amplitude: sig(a, 5),
        low: sig(ranges[j][0], 5),
        high: sig(ranges[j][1], 5),
      })),
      total_amplitude: total,
      top5_share: total > 0 ? order.slice(0, 5).reduce((s, p) => s + p.a, 0) / total : Number.NaN,
      values: t.values,
      hv: t.hv,
    });
  }

  onStage('sensitivity');
  const frame = LatentFrame.fit(toRows(zTrain), o.frameVariance);
  const U = frame.project(toRows(zTrain));
  const nDraw = Math.max(0, o.sensitivitySamples - trainIdx.length);
  let gmmK = 0;
  let drawn: number[][] = [];
  if (nDraw > 0) {
    const sel = GaussianMixture.selectByBic(U, {
      kMin: o.gmm.kMin,
      kMax: o.gmm.kMax,
      nInit: o.gmm.nInit,
      rng: rng.fork('sensitivity-gmm'),
    });
    gmmK = sel.bestK;
    drawn = frame.lift(sel.best.sample(nDraw, rng.fork('sensitivity-draws')));
  }
  const ref = fromRows([...toRows(zTrain), ...drawn]);
  const refLoads = Float64Array.from({ length: ref.n }, (_, i) =>
    i < trainIdx.length ? loads[trainIdx[i]] : medianLoad,
  );
  const g = lm.hardnessGrad(ref, refLoads);
  const coords = coordinateSensitivity(g.grad, z, predicted).sort(
    (a, b) =>
      b.mean_abs_gradient_per_sd - a.mean_abs_gradient_per_sd || a.coordinate - b.coordinate,
  );

  onStage('navigability');
  const nav: NavigabilityModelReport[] = [
    {
      model: 'this model',
      bottleneck: lm.bottleneck,
      latent_dim: lm.latentDim,
      ...navigability(z, rows.hv, o.navigabilityK),
    },
  ];
  if (compare) {
    const zc = encodeRows(compare, rows, o.load);
    nav.push({
      model: 'comparison',
      bottleneck: compare.bottleneck,
      latent_dim: compare.latentDim,
      ...navigability(zc, rows.hv, o.navigabilityK),
    });
  }

  const bySet: Record<string, number> = {};
  for (const s of rows.sets) bySet[s] = (bySet[s] ?? 0) + 1;
  const analysis: LatentAnalysis = {
    reference: {
      rows: n,
      by_set: bySet,
      load: o.load === undefined ? 'each row at its own load' : `${o.load} N`,
      latent_dim: lm.latentDim,
      bottleneck: lm.bottleneck,
    },
    clusters: { k: o.k, elbow, hardest, summary },
    pca: {
      explained_variance_ratio: ev.slice(0, 10).map((v) => sig(v, 5)),
      components_for_90pct: for90,
      r2_predicted_hv_pc1: r2pc1,
      r2_predicted_hv_pc2: r2pc2,
      test: { n: testIdx.length, r2_predicted_hv_pc1: testR2[0], r2_predicted_hv_pc2: testR2[1] },
      r2_measured_hv_pc1: r2OnScores(scores, rows.hv)[0],
    },
    ...(tsneOut
      ? {
          tsne: {
            perplexity: Math.min(o.perplexity, Math.max(1, Math.floor((n - 1) / 3))),
            iterations: o.tsneIterations,
            kl_divergence: tsneOut.klDivergence,
            init: 'pca',
          },
        }
      : {}),
    traversal,
    sensitivity: {
      samples: {
        train_fit: trainIdx.length,
        gmm_draws: drawn.length,
        gmm_components: gmmK,
        frame_dim: frame.dim,
      },
      coordinates: coords,
    },
    navigability: nav,
  };
  return {
    analysis,
    points: { z, predicted, cluster: cl.labels, pca: scores, tsne: tsneOut?.embedding },
  };
}

/**
 * The analysis as written to latent.json: flat records where a table reads best (the HTML report
 * renders records as tables and nested objects as sub-sections), the traversals keyed by anchor
 * without their full sweeps (traversal.csv), and the `topSensitivity` most sensitive coordinates
 * (all of them go to sensitivity.csv).
 */
export function latentJson(a: LatentAnalysis, topSensitivity = 16) {
  return {
    reference: a.reference,
    clusters: {
      k: a.clusters.k,
      hardest: a.clusters.hardest,
      summary: a.clusters.summary.map((c) => ({
        cluster: c.cluster,
        n: c.n,
        n_train_fit: c.n_by_set.train_fit ?? 0,
        n_calibration: c.n_by_set.calibration ?? 0,
        n_test: c.n_by_set.test ?? 0,
        hv_min: c.hv.min,
        hv_q1: c.hv.q1,
        hv_median: c.hv.median,
        hv_q3: c.hv.q3,
        hv_max: c.hv.max,
        predicted_hv_median: c.predicted_hv_median,
        main_elements: c.main_elements,
        mean_composition: c.mean_composition,
      })),
      elbow: a.clusters.elbow,
    },
    pca: a.pca,
    ...(a.tsne ? { tsne: a.tsne } : {}),
    traversal: Object.fromEntries(
      a.traversal.map(({ values: _v, hv: _h, anchor, ...t }) => [anchor, t]),
    ),
    sensitivity: {
      samples: a.sensitivity.samples,
      top: a.sensitivity.coordinates.slice(0, topSensitivity),
    },
    navigability: a.navigability.map((m) => ({
      model: m.model,
      bottleneck: m.bottleneck,
      latent_dim: m.latent_dim,
      k: m.k,
      n: m.n,
      edges: m.edges,
      components: m.components,
      largest_component_fraction: m.largest_component_fraction,
      rms_radius: m.rms_radius,
      ratio_scaled_q10: m.ratio_scaled.q10,
      ratio_scaled_q25: m.ratio_scaled.q25,
      ratio_scaled_median: m.ratio_scaled.median,
      ratio_scaled_q75: m.ratio_scaled.q75,
      ratio_scaled_q90: m.ratio_scaled.q90,
      ratio_scaled_mean: m.ratio_scaled.mean,
      ratio_median: m.ratio.median,
      abs_dhv_median: m.abs_dhv.median,
      abs_dhv_mean: m.abs_dhv.mean,
      zero_length_edges: m.zero_length_edges,
    })),
  };
}
