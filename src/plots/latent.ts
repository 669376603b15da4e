/**
 * Latent-space figures (SPEC §8, §9, §14): 2-D maps of the latents (PCA or t-SNE) coloured by HV
 * or by cluster, the GMM density map on such a plane with MCMC samples and candidates on top, and
 * the traversal heatmap (latent coordinate × step → predicted HV).
 */
import {
  BASE_CONFIG,
  CATEGORY_COLOURS,
  type CommonPlotOptions,
  extent,
  isFiniteNumber,
  type LayerItem,
  short,
  type TopLevelSpec,
  titleBlock,
  topN,
  VL_SCHEMA,
} from './common.ts';

export interface LatentPoint {
  /** First map coordinate (e.g. PC1 score or t-SNE 1). */
  x: number;
  /** Second map coordinate. */
  y: number;
  /** Measured (or predicted) hardness of the row (HV). */
  hv?: number;
  /** K-means cluster of the row. */
  cluster?: string | number;
  /** Tooltip label, e.g. the formula. */
  label?: string;
}

export interface LatentMapData {
  points: LatentPoint[];
  /** Projection method, used in the title and default axis titles: 'PCA', 't-SNE', … */
  method: string;
  /** Fraction of latent variance explained by the two axes (PCA only), e.g. [0.41, 0.18]. */
  explained?: [number, number];
  /** Axis titles; default '<method> 1 (xx % of variance)' and the same for 2. */
  xTitle?: string;
  yTitle?: string;
}

export interface LatentMapOptions extends CommonPlotOptions {
  /** Colour the points by measured HV (continuous, default) or by k-means cluster. */
  colourBy?: 'hv' | 'cluster';
  /** What `hv` is, for the legend title (default 'measured HV'). */
  hvTitle?: string;
}

function axisTitles(d: {
  method: string;
  explained?: [number, number];
  xTitle?: string;
  yTitle?: string;
}) {
  const pc = d.method.toUpperCase() === 'PCA';
  const base = (k: 1 | 2) => (pc ? `PC${k}` : `${d.method} ${k}`);
  const ex = (k: 0 | 1) =>
    d.explained && isFiniteNumber(d.explained[k])
      ? ` (${Number((100 * d.explained[k]).toPrecision(3))} % of variance)`
      : '';
  return {
    x: d.xTitle ?? `${base(1)}${ex(0)}`,
    y: d.yTitle ?? `${base(2)}${ex(1)}`,
  };
}

/** Latent map: a 2-D scatter of the latents with a continuous HV colour scale (or cluster colours). */
export function latentMapPlot(data: LatentMapData, options: LatentMapOptions = {}): TopLevelSpec {
  const byCluster = options.colourBy === 'cluster';
  const pts = data.points
    .filter((p) => isFiniteNumber(p.x) && isFiniteNumber(p.y))
    .map((p) => ({
      x: p.x,
      y: p.y,
      hv: isFiniteNumber(p.hv) ? p.hv : null,
      cluster: p.cluster === undefined ? 'none' : String(p.cluster),
      label: p.label ?? '',
    }))
    // Hardest rows last, so they are drawn on top where points overlap.
    .sort((a, b) => (a.hv ?? Number.NEGATIVE_INFINITY) - (b.hv ?? Number.NEGATIVE_INFINITY));
  const t = axisTitles(data);
  const clusters = [...new Set(pts.map((p) => p.cluster))].sort((a, b) =>
    a.localeCompare(b, 'en', { numeric: true }),
  );
  const hvTitle = options.hvTitle ?? 'measured HV';
  return {
    $schema: VL_SCHEMA,
    title: titleBlock(
      options.title ??
        `Latent map (${data.method}), coloured by ${byCluster ? 'k-means cluster' : hvTitle}`,
      [`${pts.length} rows`],
      options.subtitle,
    ),
    description: `Two-dimensional ${data.method} map of the latent means.`,
    width: options.width ?? 420,
    height: options.height ?? 360,
    config: BASE_CONFIG,
    data: { values: pts },
    mark: { type: 'circle', size: 26, opacity: 0.85, stroke: '#333', strokeWidth: 0.25 },
    encoding: {
      x: {
        field: 'x',
        type: 'quantitative',
        title: t.x,
        scale: { zero: false },
        axis: { format: '.3~g' },
      },
      y: {
        field: 'y',
        type: 'quantitative',
        title: t.y,
        scale: { zero: false },
        axis: { format: '.3~g' },
      },
      color: byCluster
        ? {
            field: 'cluster',
            type: 'nominal',
            title: 'cluster',
            scale: { domain: clusters, range: CATEGORY_COLOURS },
          }
        : {
            field: 'hv',
            type: 'quantitative',
            title: hvTitle,
            scale: { scheme: 'viridis' },
            legend: { format: 'd', gradientLength: 220 },
          },
      tooltip: [
        { field: 'label', title: 'alloy' },
        { field: 'hv', format: '.0f', title: 'HV' },
        { field: 'cluster' },
      ],
    },
  };
}

export interface DensityGrid {
  /** Grid-cell centres along x (ascending, evenly spaced). */
  x: number[];
  /** Grid-cell centres along y (ascending, evenly spaced). */
  y: number[];
  /** log p at each cell: logp[iy][ix] (natural log of the density on the plane). */
  logp: number[][];
}

export interface MapPoint {
  x: number;
  y: number;
}

export interface CandidatePoint extends MapPoint {
  /** Short label drawn beside the marker, e.g. the rank '1'. */
  label: string;
  /** Full name listed in the subtitle, e.g. the formula. */
  name?: string;
  /** Whether the candidate passed every gate. */
  accepted?: boolean;
}

export interface GmmDensityData {
  grid: DensityGrid;
  /** Training latents on the same plane (small grey dots). */
  training?: MapPoint[];
  /** MCMC samples on the plane (small dark dots). */
  samples?: MapPoint[];
  /** Designed candidates (large markers with labels). */
  candidates?: CandidatePoint[];
  /** Support threshold logp_thr: cells below it are left white (outside support). */
  logpThreshold?: number;
  /** Plane method and axis titles, as in LatentMapData. */
  method?: string;
  explained?: [number, number];
  xTitle?: string;
  yTitle?: string;
}

/** Centres → cell edges (midpoints, with the outer edges half a step out). */
function edges(c: readonly number[]): number[] {
  if (c.length === 1) return [c[0] - 0.5, c[0] + 0.5];
  const e = [c[0] - (c[1] - c[0]) / 2];
  for (let i = 0; i + 1 < c.length; i++) e.push((c[i] + c[i + 1]) / 2);
  e.push(c[c.length - 1] + (c[c.length - 1] - c[c.length - 2]) / 2);
  return e;
}

/**
 * GMM density map: log-density heatmap in ten quantised bands (a filled-contour look), with the
 * training latents, the MCMC samples and the candidates on top. Cells below the support threshold
 * are left white.
 */
export function gmmDensityPlot(
  data: GmmDensityData,
  options: CommonPlotOptions = {},
): TopLevelSpec {
  const ex = edges(data.grid.x);
  const ey = edges(data.grid.y);
  const thr = data.logpThreshold;
  const cells: { x0: number; x1: number; y0: number; y1: number; logp: number }[] = [];
  data.grid.logp.forEach((row, iy) => {
    row.forEach((v, ix) => {
      if (isFiniteNumber(v) && (!isFiniteNumber(thr) || v >= thr))
        // Cells overlap by 2 % of a step so anti-aliasing leaves no hairline seams between them.
        cells.push({
          x0: ex[ix],
          x1: ex[ix + 1] + 0.02 * (ex[ix + 1] - ex[ix]),
          y0: ey[iy],
          y1: ey[iy + 1] + 0.02 * (ey[iy + 1] - ey[iy]),
          logp: v,
        });
    });
  });
  const xDom = [ex[0], ex[ex.length - 1]];
  const yDom = [ey[0], ey[ey.length - 1]];
  const t = axisTitles({ method: data.method ?? 'PCA', ...data });
  const scaleX = { domain: xDom, nice: false, zero: false };
  const scaleY = { domain: yDom, nice: false, zero: false };
  const kinds = [
    ['training', 'training latents', '#f0a030'],
    ['samples', 'MCMC samples', '#222222'],
    ['accepted', 'candidate (accepted)', '#d62728'],
    ['rejected', 'candidate (rejected)', '#ff9896'],
  ] as const;
  const overlay: { x: number; y: number; kind: string; label: string }[] = [];
  for (const p of data.training ?? [])
    overlay.push({ x: p.x, y: p.y, kind: kinds[0][1], label: '' });
  for (const p of data.samples ?? [])
    overlay.push({ x: p.x, y: p.y, kind: kinds[1][1], label: '' });
  const cands = (data.candidates ?? []).map((c) => ({
    x: c.x,
    y: c.y,
    kind: c.accepted === false ? kinds[3][1] : kinds[2][1],
    label: c.label,
  }));
  const present = kinds.filter(
    ([, name]) => overlay.some((o) => o.kind === name) || cands.some((c) => c.kind === name),
  );
  const pointColour = {
    field: 'kind',
    type: 'nominal' as const,
    title: null,
    scale: { domain: present.map((k) => k[1]), range: present.map((k) => k[2]) },
    legend: { orient: 'right' as const, symbolOpacity: 1, symbolSize: 60 },
  };
  const own: string[] = [];
  if (isFiniteNumber(thr)) own.push(`white: log p below the support threshold (${short(thr, 3)})`);
  const named = (data.candidates ?? []).filter((c) => c.name);
  for (let i = 0; i < named.length; i += 3)
    own.push(
      named
        .slice(i, i + 3)
        .map((c) => `${c.label}: ${c.name}`)
        .join('  ·  '),
    );
  const layers: LayerItem[] = [
    {
      name: 'density',
      data: { values: cells },
      mark: { type: 'rect', clip: true },
      encoding: {
        x: {
          field: 'x0',
          type: 'quantitative',
          title: t.x,
          scale: scaleX,
          axis: { format: '.3~g' },
        },
        x2: { field: 'x1' },
        y: {
          field: 'y0',
          type: 'quantitative',
          title: t.y,
          scale: scaleY,
          axis: { format: '.3~g' },
        },
        y2: { field: 'y1' },
        // `fill`, not `color`: the density gets its own scale and legend, separate from the points.
        fill: {
          field: 'logp',
          type: 'quantitative',
          title: 'GMM log density',
          scale: { type: 'quantize', scheme: 'blues', nice: true, zero: false },
          legend: { format: '.3~g', orient: 'right', titleLimit: 0 },
        },
      },
    },
    {
      name: 'overlay',
      data: { values: overlay },
      mark: { type: 'circle', size: 10, opacity: 0.6, clip: true },
      encoding: {
        x: { field: 'x', type: 'quantitative', scale: scaleX },
        y: { field: 'y', type: 'quantitative', scale: scaleY },
        color: pointColour,
      },
    },
    {
      data: { values: cands },
      layer: [
        {
          name: 'candidates',
          mark: {
            type: 'point',
            shape: 'diamond',
            filled: true,
            size: 110,
            stroke: 'white',
            strokeWidth: 1,
            clip: true,
          },
          encoding: {
            x: { field: 'x', type: 'quantitative', scale: scaleX },
            y: { field: 'y', type: 'quantitative', scale: scaleY },
            color: pointColour,
            tooltip: [{ field: 'label' }, { field: 'kind' }],
          },
        },
        {
          name: 'candidate_labels',
          mark: {
            type: 'text',
            align: 'left',
            dx: 7,
            dy: -7,
            fontSize: 12,
            fontWeight: 'bold',
            stroke: 'white',
            strokeWidth: 0.3,
            clip: true,
          },
          encoding: {
            x: { field: 'x', type: 'quantitative', scale: scaleX },
            y: { field: 'y', type: 'quantitative', scale: scaleY },
            text: { field: 'label' },
          },
        },
      ],
    },
  ];
  return {
    $schema: VL_SCHEMA,
    title: titleBlock(
      options.title ?? 'Latent density (GMM) with MCMC samples and candidates',
      own,
      options.subtitle,
    ),
    description: 'Gaussian-mixture log-density on a latent plane with samples and candidates.',
    width: options.width ?? 440,
    height: options.height ?? 380,
    config: BASE_CONFIG,
    layer: layers,
  };
}

export interface TraversalData {
  /** Predicted HV per coordinate and step: hv[j][s] for latent coordinate j, step s. */
  hv: number[][];
  /** Index of each row's latent coordinate (default 0, 1, …); shown as z<index>. */
  coordinates?: number[];
  /** The anchor the sweep starts from, for the title (e.g. 'latent centre'). */
  anchor?: string;
  /** Range swept per coordinate, for the x-axis title (default 'q0.01 → q0.99'). */
  range?: string;
}

export interface TraversalOptions extends CommonPlotOptions {
  /** Show the N coordinates with the largest peak-to-peak amplitude (default 16; 0 = all). */
  top?: number;
}

/**
 * Traversal heatmap: one row per latent coordinate (sorted by peak-to-peak amplitude, largest on
 * top, amplitude in the label), one column per step, colour = predicted HV.
 */
export function traversalPlot(data: TraversalData, options: TraversalOptions = {}): TopLevelSpec {
  const rowsIn = data.hv.map((v, j) => {
    const idx = data.coordinates?.[j] ?? j;
    const [lo, hi] = extent(v);
    return { j: idx, v, amp: v.some(isFiniteNumber) ? hi - lo : Number.NaN };
  });
  const top = topN(rowsIn, (r) => r.amp, options.top ?? 16);
  const rowLabel = (r: { j: number; amp: number }) => `z${r.j} (Δ ${short(r.amp, 3)} HV)`;
  const order = top.map(rowLabel);
  const steps = Math.max(0, ...top.map((r) => r.v.length));
  const cells = top.flatMap((r) =>
    r.v.map((hv, s) => ({ coord: rowLabel(r), step: s + 1, hv: isFiniteNumber(hv) ? hv : null })),
  );
  const own = [
    top.length < rowsIn.length
      ? `${top.length} of ${rowsIn.length} coordinates with the largest peak-to-peak amplitude (in brackets)`
      : `${rowsIn.length} coordinates, sorted by peak-to-peak amplitude (in brackets)`,
  ];
  const stepAxisValues =
    steps <= 13
      ? undefined
      : [
          1,
          ...Array.from({ length: Math.floor(steps / 4) }, (_, k) => 4 * (k + 1) + 1).filter(
            (v) => v <= steps,
          ),
        ];
  return {
    $schema: VL_SCHEMA,
    title: titleBlock(
      options.title ?? `Latent traversal${data.anchor ? ` from the ${data.anchor}` : ''}`,
      own,
      options.subtitle,
    ),
    description:
      'Predicted hardness while one latent coordinate is swept and the others are fixed.',
    width: options.width ?? Math.max(300, 16 * steps),
    height: options.height ?? Math.max(120, 18 * top.length),
    config: BASE_CONFIG,
    data: { values: cells },
    mark: { type: 'rect', stroke: 'white', strokeWidth: 0.3 },
    encoding: {
      x: {
        field: 'step',
        type: 'ordinal',
        title: `step along the coordinate (${data.range ?? 'q0.01 → q0.99'})`,
        axis: { labelAngle: 0, values: stepAxisValues },
      },
      y: { field: 'coord', type: 'ordinal', title: 'latent coordinate', sort: order },
      color: {
        field: 'hv',
        type: 'quantitative',
        title: 'predicted HV',
        scale: { scheme: 'viridis' },
        legend: { format: 'd', gradientLength: Math.max(100, Math.min(260, 18 * top.length)) },
      },
      tooltip: [
        { field: 'coord', title: 'coordinate' },
        { field: 'step' },
        { field: 'hv', format: '.0f', title: 'predicted HV' },
      ],
    },
  };
}
