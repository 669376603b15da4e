/**
 * Figures of the latent analysis (SPEC §14): the k-means elbow curve, the measured-HV
 * distribution per cluster, the gradient sensitivity per latent coordinate and the navigability
 * comparison, and `latentFigures`, every figure of a `vibann latent` run as named specs (the maps
 * and traversals from `latentMapPlot` / `traversalPlot` of src/plots). Plain data in, Vega-Lite
 * specs out (the workflow renders them); the look follows src/plots/common.ts.
 */
import {
  BASE_CONFIG,
  CATEGORY_COLOURS,
  type CommonPlotOptions,
  short,
  type TopLevelSpec,
  titleBlock,
  VL_SCHEMA,
} from '../../plots/common.ts';
import { latentMapPlot, traversalPlot } from '../../plots/latent.ts';
import type { LatentAnalysis, LatentPoints, LatentRows } from './analyze.ts';
import type { ClusterSummary, ElbowPoint } from './clusters.ts';
import type { NavigabilityModelReport } from './navigability.ts';
import type { CoordinateSensitivity } from './sensitivity.ts';

const LOG_TICKS = [1, 3, 10, 30, 100, 300, 1000, 3000, 10000, 30000, 100000];

/** Elbow curve: within-cluster sum of squares against k, the chosen k marked. */
export function elbowPlot(
  data: { points: ElbowPoint[]; chosen?: number; rows?: number },
  options: CommonPlotOptions = {},
): TopLevelSpec {
  const pts = data.points.map((p) => ({
    k: p.k,
    inertia: p.inertia,
    chosen: p.k === data.chosen ? 'used' : 'other',
  }));
  const own = [
    `k-means++ on the standardised train_fit latents${data.rows ? ` (${data.rows} rows)` : ''}; squares in standardised latent units`,
  ];
  if (data.chosen !== undefined) own.push(`red: k = ${data.chosen}, the clustering used`);
  return {
    $schema: VL_SCHEMA,
    title: titleBlock(options.title ?? 'K-means elbow curve', own, options.subtitle),
    description: 'Within-cluster sum of squares against the number of clusters.',
    width: options.width ?? 360,
    height: options.height ?? 240,
    config: BASE_CONFIG,
    data: { values: pts },
    layer: [
      {
        name: 'line',
        mark: { type: 'line', color: '#1f5fb4' },
        encoding: {
          x: {
            field: 'k',
            type: 'quantitative',
            title: 'number of clusters k',
            axis: { values: pts.map((p) => p.k), format: 'd', labelOverlap: false },
            scale: { domain: [Math.min(...pts.map((p) => p.k)), Math.max(...pts.map((p) => p.k))] },
          },
          y: {
            field: 'inertia',
            type: 'quantitative',
            title: 'within-cluster sum of squares',
            scale: { zero: true },
            axis: { format: ',d' },
          },
        },
      },
      {
        name: 'points',
        mark: { type: 'point', filled: true, size: 60 },
        encoding: {
          x: { field: 'k', type: 'quantitative' },
          y: { field: 'inertia', type: 'quantitative' },
          color: {
            field: 'chosen',
            type: 'nominal',
            scale: { domain: ['used', 'other'], range: ['#d62728', '#1f5fb4'] },
            legend: null,
          },
          tooltip: [{ field: 'k' }, { field: 'inertia', format: '.4~s' }],
        },
      },
    ],
  };
}

/**
 * Measured HV per latent cluster as box plots drawn from the five-number summaries (whiskers
 * min–max, box q1–q3, white tick at the median), with each cluster's main elements on the axis.
 */
export function clusterHvPlot(
  data: { clusters: ClusterSummary[]; hardest?: number },
  options: CommonPlotOptions = {},
): TopLevelSpec {
  const label = (c: ClusterSummary) =>
    `${c.cluster}${c.cluster === data.hardest ? ' (hardest)' : ''}: n = ${c.n}`;
  const rows = data.clusters.map((c) => ({
    cluster: label(c),
    id: String(c.cluster),
    ...c.hv,
    elements: c.main_elements,
  }));
  const order = rows.map((r) => r.cluster);
  const y = {
    field: 'cluster',
    type: 'nominal' as const,
    sort: order,
    title: 'latent cluster',
    axis: { labelFontSize: 12, labelLimit: 300 },
  };
  const colour = {
    field: 'id',
    type: 'nominal' as const,
    scale: { domain: rows.map((r) => r.id), range: CATEGORY_COLOURS },
    legend: null,
  };
  return {
    $schema: VL_SCHEMA,
    title: titleBlock(
      options.title ?? 'Measured hardness per latent cluster',
      [
        'box: q1 – q3, white tick: median, whiskers: min – max',
        ...data.clusters.map((c) => `cluster ${c.cluster}: ${c.main_elements}`),
      ],
      options.subtitle,
    ),
    description: 'Five-number summary of measured HV per k-means cluster of the latents.',
    width: options.width ?? 420,
    height: { step: 34 },
    config: BASE_CONFIG,
    data: { values: rows },
    layer: [
      {
        name: 'whiskers',
        mark: { type: 'rule', color: '#444' },
        encoding: {
          y,
          x: { field: 'min', type: 'quantitative', title: 'measured HV', scale: { zero: false } },
          x2: { field: 'max' },
        },
      },
      {
        name: 'boxes',
        mark: { type: 'bar', size: 18 },
        encoding: {
          y,
          x: { field: 'q1', type: 'quantitative' },
          x2: { field: 'q3' },
          color: colour,
          tooltip: [
            { field: 'cluster' },
            { field: 'min', format: '.0f' },
            { field: 'q1', format: '.0f' },
            { field: 'median', format: '.0f' },
            { field: 'q3', format: '.0f' },
            { field: 'max', format: '.0f' },
            { field: 'elements', title: 'main elements' },
          ],
        },
      },
      {
        name: 'medians',
        mark: { type: 'tick', color: 'white', thickness: 2.5, size: 18 },
        encoding: { y, x: { field: 'median', type: 'quantitative' } },
      },
    ],
  };
}

/**
 * Sensitivity per latent coordinate: mean |∂HV/∂z_j| × sd(z_j) (HV per standard deviation of the
 * coordinate), top N, coloured by the sign of the coordinate's correlation with predicted HV.
 */
export function sensitivityPlot(
  data: { coordinates: CoordinateSensitivity[]; samples?: number },
  options: CommonPlotOptions & { top?: number } = {},
): TopLevelSpec {
  const sorted = [...data.coordinates].sort(
    (a, b) => b.mean_abs_gradient_per_sd - a.mean_abs_gradient_per_sd,
  );
  const top = options.top ?? 16;
  const shown = top > 0 ? sorted.slice(0, top) : sorted;
  const rows = shown.map((c) => ({
    coord: `z${c.coordinate}`,
    value: c.mean_abs_gradient_per_sd,
    sign:
      !Number.isFinite(c.spearman) || Math.abs(c.spearman) < 0.1
        ? '|Spearman| < 0.1'
        : c.spearman > 0
          ? 'HV rises with z'
          : 'HV falls with z',
    spearman: c.spearman,
    grad: c.mean_abs_gradient,
  }));
  return {
    $schema: VL_SCHEMA,
    title: titleBlock(
      options.title ?? 'Hardness sensitivity per latent coordinate',
      [
        `${shown.length < sorted.length ? `top ${shown.length} of ${sorted.length}` : `${sorted.length}`} coordinates; mean |∂HV/∂z| over ${data.samples ?? 'the reference'} latents × sd of the coordinate`,
        'colour: sign of the Spearman correlation of the coordinate with predicted HV',
      ],
      options.subtitle,
    ),
    description: 'Mean absolute gradient of predicted HV per latent coordinate.',
    width: options.width ?? 380,
    height: { step: 16 },
    config: BASE_CONFIG,
    data: { values: rows },
    mark: { type: 'bar' },
    encoding: {
      y: {
        field: 'coord',
        type: 'nominal',
        sort: rows.map((r) => r.coord),
        title: 'latent coordinate',
      },
      x: {
        field: 'value',
        type: 'quantitative',
        title: 'HV per standard deviation of the coordinate',
        axis: { format: '~s' },
      },
      color: {
        field: 'sign',
        type: 'nominal',
        title: null,
        scale: {
          domain: ['HV rises with z', 'HV falls with z', '|Spearman| < 0.1'],
          range: ['#c8423b', '#2f6db3', '#9a9a9a'],
        },
        legend: { orient: 'bottom', direction: 'horizontal' },
      },
      tooltip: [
        { field: 'coord' },
        { field: 'value', format: '.1f', title: 'HV per sd' },
        { field: 'grad', format: '.2f', title: 'mean |∂HV/∂z|' },
        { field: 'spearman', format: '.2f' },
      ],
    },
  };
}

/**
 * Navigability: distribution of |ΔHV| / ‖Δz‖ over the k-NN graph edges per model (‖Δz‖ in units
 * of the model's latent RMS radius, so models are comparable): box q25–q75, median tick,
 * whiskers q10–q90; the label gives the bottleneck and the number of connected components.
 */
export function navigabilityPlot(
  data: { models: NavigabilityModelReport[] },
  options: CommonPlotOptions = {},
): TopLevelSpec {
  const rows = data.models.map((m) => ({
    model: `${m.bottleneck === 'vib' ? 'VIB' : m.bottleneck} (${m.model}): ${m.components} component${m.components === 1 ? '' : 's'}`,
    ...m.ratio_scaled,
    dhv: m.abs_dhv.median,
  }));
  const y = {
    field: 'model',
    type: 'nominal' as const,
    sort: rows.map((r) => r.model),
    title: null,
    axis: { labelFontSize: 12, labelLimit: 420 },
  };
  const k = data.models[0]?.k ?? 10;
  return {
    $schema: VL_SCHEMA,
    title: titleBlock(
      options.title ?? 'Latent navigability',
      [
        `${k}-nearest-neighbour graph of the latents; per edge |ΔHV| (measured) / ‖Δz‖, ‖Δz‖ in units of the latent cloud's RMS radius`,
        'box: q25 – q75, white tick: median, whiskers: q10 – q90; lower = smoother',
        ...data.models.map(
          (m) =>
            `${m.bottleneck}: median |ΔHV| between neighbours ${short(m.abs_dhv.median, 3)} HV, largest component ${short(100 * m.largest_component_fraction, 3)} % of ${m.n} rows`,
        ),
      ],
      options.subtitle,
    ),
    description: 'Distribution of hardness change per latent distance over k-NN graph edges.',
    width: options.width ?? 420,
    height: { step: 40 },
    config: BASE_CONFIG,
    data: { values: rows },
    layer: [
      {
        name: 'whiskers',
        mark: { type: 'rule', color: '#444' },
        encoding: {
          y,
          x: {
            field: 'q10',
            type: 'quantitative',
            title: '|ΔHV| per latent RMS radius (HV)',
            scale: { type: 'log' },
            axis: { values: LOG_TICKS, format: '~s' },
          },
          x2: { field: 'q90' },
        },
      },
      {
        name: 'boxes',
        mark: { type: 'bar', size: 20, color: '#5b8fd1' },
        encoding: {
          y,
          x: { field: 'q25', type: 'quantitative' },
          x2: { field: 'q75' },
          tooltip: [
            { field: 'model' },
            { field: 'q10', format: '.0f' },
            { field: 'median', format: '.0f' },
            { field: 'q90', format: '.0f' },
          ],
        },
      },
      {
        name: 'medians',
        mark: { type: 'tick', color: 'white', thickness: 2.5, size: 20 },
        encoding: { y, x: { field: 'median', type: 'quantitative' } },
      },
    ],
  };
}

/** A figure of a run: its file name (without extension) and its spec. */
export interface NamedFigure {
  name: string;
  spec: TopLevelSpec;
}

/** What the latent figures say about the run besides the analysis. */
export interface LatentFigureContext {
  /** Seed of the run (t-SNE subtitle). */
  seed: number;
  /** The fixed encoding load, N (undefined: each row at its own load). */
  load?: number;
  /** Where the model joins the load ('before-bottleneck': the latents carry it). */
  loadJoin: string;
  /** The design network (index) whose hardness head the traversals use. */
  designMember: number;
  /** Caveats of the comparison model (empty: comparable); undefined: no comparison model. */
  comparability?: readonly string[];
}

/**
 * The figures of a latent run: latent_pca_hv, latent_pca_cluster, latent_tsne_hv and
 * latent_tsne_cluster (with t-SNE), traversal_<anchor>, elbow, cluster_hv, sensitivity and
 * navigability.
 */
export function latentFigures(
  analysis: LatentAnalysis,
  points: LatentPoints,
  rows: Pick<LatentRows, 'hv' | 'labels' | 'sets'>,
  ctx: LatentFigureContext,
): NamedFigure[] {
  const figs: NamedFigure[] = [];
  const nRows = rows.hv.length;
  const ev = analysis.pca.explained_variance_ratio;
  const pcaPts = Array.from({ length: nRows }, (_, i) => ({
    x: points.pca.data[i * 2],
    y: points.pca.data[i * 2 + 1],
    hv: rows.hv[i],
    cluster: points.cluster[i],
    label: rows.labels?.[i] ?? '',
  }));
  const pcaSub = `R² of predicted HV on PC1 ${analysis.pca.r2_predicted_hv_pc1.toFixed(3)}, on PC2 ${analysis.pca.r2_predicted_hv_pc2.toFixed(3)} (PCA fitted on train_fit)`;
  const pcaData = { points: pcaPts, method: 'PCA', explained: [ev[0], ev[1]] as [number, number] };
  figs.push({ name: 'latent_pca_hv', spec: latentMapPlot(pcaData, { subtitle: pcaSub }) });
  figs.push({
    name: 'latent_pca_cluster',
    spec: latentMapPlot(pcaData, {
      colourBy: 'cluster',
      subtitle: `cluster ${analysis.clusters.hardest} is the hardest (highest median HV)`,
    }),
  });
  if (points.tsne) {
    const ts = points.tsne;
    const tsPts = pcaPts.map((p, i) => ({ ...p, x: ts.data[i * 2], y: ts.data[i * 2 + 1] }));
    const sub = `perplexity ${analysis.tsne?.perplexity}, seed ${ctx.seed}; distances between far-apart groups are not meaningful`;
    figs.push({
      name: 'latent_tsne_hv',
      spec: latentMapPlot({ points: tsPts, method: 't-SNE' }, { subtitle: sub }),
    });
    figs.push({
      name: 'latent_tsne_cluster',
      spec: latentMapPlot(
        { points: tsPts, method: 't-SNE' },
        { colourBy: 'cluster', subtitle: sub },
      ),
    });
  }
  const loadNote =
    ctx.loadJoin === 'before-bottleneck'
      ? ctx.load === undefined
        ? 'each latent carries the load it was encoded at'
        : `latents encoded at ${ctx.load} N`
      : 'at the median train_fit load';
  for (const t of analysis.traversal) {
    const anchor =
      t.anchor === 'centre' ? 'latent centre' : `hard anchor ${t.formula ?? `row ${t.row}`}`;
    figs.push({
      name: `traversal_${t.anchor}`,
      spec: traversalPlot(
        { hv: t.hv, anchor },
        {
          subtitle: [
            t.anchor === 'centre'
              ? `anchor: mean of the train_fit latents; predicted ${Math.round(t.predicted_hv)} HV`
              : `anchor: a train_fit row with HV ≥ q0.92 (${Math.round(t.measured_hv ?? Number.NaN)} HV measured at ${t.load_N} N); predicted ${Math.round(t.predicted_hv)} HV`,
            `hardness head of the design network (network ${ctx.designMember}); ${loadNote}`,
          ],
        },
      ),
    });
  }
  figs.push({
    name: 'elbow',
    spec: elbowPlot({
      points: analysis.clusters.elbow,
      chosen: analysis.clusters.k,
      rows: analysis.sensitivity.samples.train_fit,
    }),
  });
  figs.push({
    name: 'cluster_hv',
    spec: clusterHvPlot({
      clusters: analysis.clusters.summary,
      hardest: analysis.clusters.hardest,
    }),
  });
  const ss = analysis.sensitivity.samples;
  figs.push({
    name: 'sensitivity',
    spec: sensitivityPlot(
      { coordinates: analysis.sensitivity.coordinates, samples: ss.train_fit + ss.gmm_draws },
      {
        subtitle: `${ss.train_fit} train_fit latents + ${ss.gmm_draws} GMM draws; correlations over ${nRows} rows`,
      },
    ),
  });
  const caveats = ctx.comparability ?? [];
  figs.push({
    name: 'navigability',
    spec: navigabilityPlot(
      { models: analysis.navigability },
      caveats.length > 0
        ? { subtitle: `caution: the comparison model was ${caveats.join('; ')}` }
        : analysis.navigability.length === 1
          ? {
              subtitle:
                'no comparison model: pass --compare-deterministic DIR or --train-deterministic',
            }
          : {},
    ),
  });
  return figs;
}
