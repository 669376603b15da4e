/**
 * Figures of the structure analysis (issue 17; the paper's Figs. 4–5): g(r) with partials, S(Q)
 * (number, X-ray, neutron; both routes), measured against simulated curves, CN, Voronoi-index,
 * bond-angle and bond-length distributions, and Fig. 5-style descriptor panels across alloys.
 * Pure functions: typed data in, a Vega-Lite spec out (render with ./render.ts).
 */
import {
  BASE_CONFIG,
  CATEGORY_COLOURS,
  type CommonPlotOptions,
  short,
  type TopLevelSpec,
  titleBlock,
  VL_SCHEMA,
} from './common.ts';

/** One named curve. */
export interface Series {
  label: string;
  x: readonly number[];
  y: readonly (number | null)[];
}

export interface LinesOptions extends CommonPlotOptions {
  xTitle: string;
  yTitle: string;
  /** Draw points as well as lines (for sparse, discrete data such as CN histograms). */
  points?: boolean;
  /** Dash the series whose label is listed here. */
  dashed?: string[];
  /** x-axis domain. */
  xDomain?: [number, number];
}

/** Line chart of several series, one colour each (the first series in black, thicker). */
export function linesPlot(title: string, series: readonly Series[], o: LinesOptions): TopLevelSpec {
  const values: { x: number; y: number; series: string; order: number }[] = [];
  series.forEach((s, k) => {
    s.x.forEach((x, i) => {
      const y = s.y[i];
      if (y !== null && y !== undefined && Number.isFinite(y) && Number.isFinite(x))
        values.push({ x, y, series: s.label, order: k });
    });
  });
  const labels = series.map((s) => s.label);
  const colours = labels.map((_, k) => (k === 0 ? '#222222' : CATEGORY_COLOURS[(k - 1) % 10]));
  const dashed = new Set(o.dashed ?? []);
  return {
    $schema: VL_SCHEMA,
    config: BASE_CONFIG,
    title: titleBlock(o.title ?? title, [], o.subtitle),
    width: o.width ?? 520,
    height: o.height ?? 300,
    data: { values },
    mark: { type: 'line', point: o.points ? { size: 24 } : false, clip: true },
    encoding: {
      x: {
        field: 'x',
        type: 'quantitative',
        title: o.xTitle,
        ...(o.xDomain ? { scale: { domain: o.xDomain } } : {}),
      },
      y: { field: 'y', type: 'quantitative', title: o.yTitle },
      color: {
        field: 'series',
        type: 'nominal',
        title: null,
        scale: { domain: labels, range: colours },
        legend: { orient: 'right' },
      },
      strokeDash: {
        field: 'series',
        type: 'nominal',
        scale: { domain: labels, range: labels.map((l) => (dashed.has(l) ? [6, 3] : [1, 0])) },
        legend: null,
      },
      strokeWidth: {
        field: 'series',
        type: 'nominal',
        scale: { domain: labels, range: labels.map((_, k) => (k === 0 ? 2.2 : 1.4)) },
        legend: null,
      },
      order: { field: 'order' },
    },
  } as TopLevelSpec;
}

/** Grouped bars: categories on x, one bar per series (CN or Voronoi-index distributions). */
export function barsPlot(
  title: string,
  rows: readonly { category: string; series: string; value: number }[],
  o: CommonPlotOptions & { xTitle: string; yTitle: string; categories?: string[] },
): TopLevelSpec {
  const series = [...new Set(rows.map((r) => r.series))];
  return {
    $schema: VL_SCHEMA,
    config: BASE_CONFIG,
    title: titleBlock(o.title ?? title, [], o.subtitle),
    width: o.width ?? 520,
    height: o.height ?? 280,
    data: { values: rows.map((r) => ({ ...r })) },
    mark: { type: 'bar' },
    encoding: {
      x: {
        field: 'category',
        type: 'nominal',
        title: o.xTitle,
        sort: o.categories ?? null,
        axis: { labelAngle: -40 },
      },
      xOffset: { field: 'series', type: 'nominal', sort: series },
      y: { field: 'value', type: 'quantitative', title: o.yTitle },
      color: {
        field: 'series',
        type: 'nominal',
        title: null,
        sort: series,
        scale: { range: CATEGORY_COLOURS },
        legend: series.length > 1 ? { orient: 'top-right' } : null,
      },
    },
  } as TopLevelSpec;
}

export interface PanelRow {
  alloy: string;
  descriptor: string;
  value: number;
  /** Standard deviation over frames (0 for one frame). */
  sd: number;
  hardness: number | null;
}

/**
 * The paper's Fig. 5-style panels: one small plot per descriptor. With hardness: descriptor against
 * HV, a point per alloy labelled with it; without: the descriptor per alloy. Error bars ±1 sd over
 * frames when a trajectory was averaged.
 */
export function descriptorPanels(
  rows: readonly PanelRow[],
  o: CommonPlotOptions & { columns?: number; correlations?: Record<string, number | null> } = {},
): TopLevelSpec {
  const withHv = rows.length > 0 && rows.every((r) => r.hardness !== null);
  const values = rows.map((r) => ({
    ...r,
    lo: r.value - r.sd,
    hi: r.value + r.sd,
    panel:
      o.correlations && o.correlations[r.descriptor] !== undefined
        ? `${r.descriptor} (r = ${short(o.correlations[r.descriptor], 2)})`
        : r.descriptor,
  }));
  const x = withHv
    ? { field: 'hardness', type: 'quantitative', title: 'hardness (HV)', scale: { zero: false } }
    : { field: 'alloy', type: 'nominal', title: null };
  return {
    $schema: VL_SCHEMA,
    config: BASE_CONFIG,
    title: titleBlock(
      o.title ??
        (withHv ? 'Structure descriptors against hardness' : 'Structure descriptors per alloy'),
      withHv ? ['Pearson r of each descriptor with HV in the panel title'] : [],
      o.subtitle,
    ),
    data: { values },
    facet: { field: 'panel', type: 'nominal', title: null, header: { labelFontSize: 11 } },
    columns: o.columns ?? 4,
    resolve: { scale: { y: 'independent' } },
    spec: {
      width: o.width ?? 150,
      height: o.height ?? 120,
      layer: [
        {
          mark: { type: 'rule', color: '#888888' },
          encoding: {
            x,
            y: { field: 'lo', type: 'quantitative', scale: { zero: false }, title: null },
            y2: { field: 'hi' },
          },
        },
        {
          mark: { type: 'point', filled: true, size: 50, color: '#1f5fb4' },
          encoding: {
            x,
            y: { field: 'value', type: 'quantitative', scale: { zero: false }, title: null },
            tooltip: [{ field: 'alloy' }, { field: 'value' }],
          },
        },
        ...(withHv
          ? [
              {
                mark: { type: 'text', dx: 7, align: 'left', fontSize: 9, color: '#555555' },
                encoding: {
                  x,
                  y: { field: 'value', type: 'quantitative' },
                  text: { field: 'alloy' },
                },
              },
            ]
          : []),
      ],
    },
  } as TopLevelSpec;
}
