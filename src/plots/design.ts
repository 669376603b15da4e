/**
 * Design and comparison figures (SPEC §9.8, §7, §14): predicted HV against indentation load with
 * ±1σ bands for the candidates (log load axis, 0.5–10 N), and the baseline comparison bars.
 */
import {
  BASE_CONFIG,
  CATEGORY_COLOURS,
  type CommonPlotOptions,
  extent,
  isFiniteNumber,
  type LayerItem,
  type TopLevelSpec,
  titleBlock,
  VL_SCHEMA,
} from './common.ts';

export interface LoadPrediction {
  /** Indentation load (N). */
  load: number;
  /** Predicted mean μ (HV). */
  mean: number;
  /** Predicted standard deviation σ (HV). */
  std: number;
}

export interface LoadCurve {
  /** Legend label, normally the formula, e.g. 'B68Nb24Fe4W4'. */
  name: string;
  predictions: LoadPrediction[];
}

export interface LoadCurvesData {
  candidates: LoadCurve[];
  /** Measured points to show for comparison (e.g. the nearest known alloy), as crosses. */
  measured?: { name: string; load: number; hv: number }[];
}

/** The loads of SPEC §9.8, used as axis ticks when they fall in the data range. */
const LOAD_TICKS = [0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 2, 3, 5, 10, 20, 50];

/** HV against load for each candidate: μ line with points and a ±1σ band, log-scale load axis. */
export function loadCurvesPlot(
  data: LoadCurvesData,
  options: CommonPlotOptions = {},
): TopLevelSpec {
  const names = data.candidates.map((c) => c.name);
  const rows = data.candidates.flatMap((c) =>
    c.predictions
      .filter((p) => isFiniteNumber(p.load) && p.load > 0 && isFiniteNumber(p.mean))
      .map((p) => {
        const s = isFiniteNumber(p.std) ? Math.max(0, p.std) : 0;
        return { name: c.name, load: p.load, mean: p.mean, std: s, lo: p.mean - s, hi: p.mean + s };
      }),
  );
  const meas = (data.measured ?? []).filter((m) => isFiniteNumber(m.load) && m.load > 0);
  let [lo, hi] = extent([...rows.map((r) => r.load), ...meas.map((m) => m.load)]);
  // Default to the design range 0.5–10 N; widen only when the data go beyond it.
  lo = Math.min(lo, 0.5);
  hi = Math.max(hi, 10);
  // A little room on both sides so markers at the end loads are not cut by the frame.
  const xScale = { type: 'log' as const, domain: [lo / 1.2, hi * 1.2], nice: false };
  const x = {
    field: 'load',
    type: 'quantitative' as const,
    title: 'indentation load (N, log scale)',
    scale: xScale,
    axis: { values: LOAD_TICKS.filter((t) => t >= lo && t <= hi), format: '.3~g' },
  };
  const colour = {
    field: 'name',
    type: 'nominal' as const,
    title: 'candidate',
    scale: {
      domain: names,
      range: CATEGORY_COLOURS,
    },
    // Legend symbols as solid lines (the band layer would otherwise lend them its pale fill).
    legend: { symbolType: 'stroke', symbolStrokeWidth: 2.5, symbolOpacity: 1, symbolSize: 200 },
  };
  const y = {
    field: 'mean',
    type: 'quantitative' as const,
    title: 'predicted hardness μ ± 1σ (HV)',
    scale: { zero: false },
    axis: { format: 'd' },
  };
  const layers: LayerItem[] = [
    {
      name: 'band',
      mark: { type: 'area', opacity: 0.15 },
      encoding: { x, y: { ...y, field: 'lo' }, y2: { field: 'hi' }, color: colour },
    },
    {
      name: 'line',
      mark: { type: 'line', strokeWidth: 2, point: { filled: true, size: 36 } },
      encoding: {
        x,
        y,
        color: colour,
        tooltip: [
          { field: 'name', title: 'candidate' },
          { field: 'load', title: 'load (N)' },
          { field: 'mean', format: '.0f', title: 'μ (HV)' },
          { field: 'std', format: '.0f', title: 'σ (HV)' },
        ],
      },
    },
  ];
  if (meas.length > 0) {
    layers.push({
      name: 'measured',
      data: { values: meas },
      mark: { type: 'point', shape: 'cross', filled: true, size: 70, color: '#333' },
      encoding: {
        x,
        y: { field: 'hv', type: 'quantitative' },
        tooltip: [{ field: 'name' }, { field: 'load' }, { field: 'hv', title: 'measured HV' }],
      },
    });
  }
  const own = ['line: predicted μ; band: μ ± 1σ'];
  if (meas.length > 0)
    own.push(`crosses: measured hardness of ${[...new Set(meas.map((m) => m.name))].join(', ')}`);
  return {
    $schema: VL_SCHEMA,
    title: titleBlock(
      options.title ?? 'Predicted hardness vs indentation load',
      own,
      options.subtitle,
    ),
    description: 'Predicted Vickers hardness against load with ±1σ bands per candidate.',
    width: options.width ?? 440,
    height: options.height ?? 300,
    config: BASE_CONFIG,
    data: { values: rows },
    layer: layers,
  };
}

export interface BaselineModel {
  /** Model name, e.g. 'VIBANN', 'GP', 'random forest'. */
  model: string;
  /** Mean absolute error (HV). */
  mae: number;
  /** Root mean squared error (HV). */
  rmse: number;
  /** Standard deviation of the MAE over seeds or folds (HV), drawn as an error bar when given. */
  mae_sd?: number;
  /** Standard deviation of the RMSE (HV). */
  rmse_sd?: number;
}

export interface BaselinesData {
  models: BaselineModel[];
  /** Set the errors are measured on, for the subtitle (default 'test set'). */
  set?: string;
}

export interface BaselinesOptions extends CommonPlotOptions {
  /** Model names drawn in bold on the axis (default ['VIBANN']). */
  highlight?: string[];
}

/** Baseline comparison: MAE and RMSE bars side by side per model, sorted by RMSE (best on top). */
export function baselinesPlot(data: BaselinesData, options: BaselinesOptions = {}): TopLevelSpec {
  const models = [...data.models].sort(
    (a, b) =>
      (isFiniteNumber(a.rmse) ? a.rmse : Number.POSITIVE_INFINITY) -
      (isFiniteNumber(b.rmse) ? b.rmse : Number.POSITIVE_INFINITY),
  );
  const order = models.map((m) => m.model);
  const rows = models.flatMap((m) =>
    (
      [
        ['MAE', m.mae, m.mae_sd],
        ['RMSE', m.rmse, m.rmse_sd],
      ] as const
    )
      .filter(([, v]) => isFiniteNumber(v))
      .map(([metric, v, sd]) => ({
        model: m.model,
        metric,
        value: v,
        lo: isFiniteNumber(sd) ? v - sd : null,
        hi: isFiniteNumber(sd) ? v + sd : null,
        // Value labels sit past the end of the bar, or of its error bar.
        tx: isFiniteNumber(sd) ? v + sd : v,
        label: Math.round(v).toString(),
      })),
  );
  const withSd = rows.filter((r) => r.lo !== null);
  const highlight = JSON.stringify(options.highlight ?? ['VIBANN']);
  const y = {
    field: 'model',
    type: 'nominal' as const,
    sort: order,
    title: null,
    axis: {
      labelFontSize: 12,
      labelFontWeight: { expr: `indexof(${highlight}, datum.value) >= 0 ? 'bold' : 'normal'` },
    },
  };
  const yOffset = { field: 'metric', type: 'nominal' as const, sort: ['MAE', 'RMSE'] };
  const layers: LayerItem[] = [
    {
      name: 'bars',
      mark: { type: 'bar' },
      encoding: {
        y,
        yOffset,
        x: {
          field: 'value',
          type: 'quantitative',
          title: `error on the ${data.set ?? 'test set'} (HV)`,
          // Room on the right for the value labels.
          scale: { domainMax: 1.1 * Math.max(0, ...rows.map((r) => r.tx)) },
        },
        color: {
          field: 'metric',
          type: 'nominal',
          title: null,
          scale: { domain: ['MAE', 'RMSE'], range: ['#5b8fd1', '#1f4e8c'] },
          legend: { orient: 'bottom', direction: 'horizontal' },
        },
        tooltip: [
          { field: 'model' },
          { field: 'metric' },
          { field: 'value', format: '.1f', title: 'HV' },
        ],
      },
    },
    {
      name: 'values',
      mark: { type: 'text', align: 'left', dx: 3, fontSize: 10, color: '#333' },
      encoding: {
        y,
        yOffset,
        x: { field: 'tx', type: 'quantitative' },
        text: { field: 'label' },
      },
    },
  ];
  if (withSd.length > 0) {
    layers.push({
      name: 'sd',
      data: { values: withSd },
      mark: { type: 'rule', color: '#111', strokeWidth: 1.2 },
      encoding: { y, yOffset, x: { field: 'lo', type: 'quantitative' }, x2: { field: 'hi' } },
    });
  }
  const own = ['sorted by RMSE, best on top'];
  if (withSd.length > 0) own.push('black lines: ± 1 standard deviation over seeds or folds');
  return {
    $schema: VL_SCHEMA,
    title: titleBlock(options.title ?? 'Model comparison: MAE and RMSE', own, options.subtitle),
    description: 'MAE and RMSE per model on the same split.',
    width: options.width ?? 380,
    height: { step: 14 },
    config: BASE_CONFIG,
    data: { values: rows },
    layer: layers,
  };
}

/** One accepted alloy of a design: LCB at the design load, raw-material cost, novelty. */
export interface ParetoPoint {
  name: string;
  lcb: number;
  /** USD/kg; null when an element's price is unknown (not drawn). */
  cost: number | null;
  novelty: number;
  pareto: boolean;
}

/**
 * The accepted alloys of a design on cost (log axis, USD/kg) against LCB at the design load,
 * coloured by novelty; the Pareto set over (LCB, cost, novelty) drawn as filled diamonds with labels.
 */
export function paretoPlot(
  points: readonly ParetoPoint[],
  load: number,
  options: CommonPlotOptions = {},
): TopLevelSpec {
  const rows = points
    .filter((p) => p.cost !== null && p.cost > 0 && isFiniteNumber(p.lcb))
    .map((p) => ({ ...p, set: p.pareto ? 'Pareto set' : 'other accepted' }));
  const front = rows.filter((r) => r.pareto).length;
  const x = {
    field: 'cost',
    type: 'quantitative' as const,
    scale: { type: 'log' as const },
    title: 'raw-material cost (USD/kg, chem/tables/prices.ts)',
  };
  const y = {
    field: 'lcb',
    type: 'quantitative' as const,
    scale: { zero: false },
    title: `LCB at ${load} N (HV)`,
  };
  return {
    $schema: VL_SCHEMA,
    config: BASE_CONFIG,
    title: titleBlock(
      options.title ?? 'Accepted alloys: hardness (LCB) against raw-material cost',
      [
        `${rows.length} accepted alloys with a known cost; ${front} on the Pareto front over (LCB, cost, novelty)`,
      ],
      options.subtitle,
    ),
    width: options.width ?? 520,
    height: options.height ?? 360,
    data: { values: rows },
    layer: [
      {
        mark: { type: 'point', filled: true, size: 60 },
        encoding: {
          x,
          y,
          color: { field: 'novelty', type: 'quantitative', title: 'novelty (distance)' },
          shape: {
            field: 'set',
            type: 'nominal',
            title: null,
            scale: { domain: ['Pareto set', 'other accepted'], range: ['diamond', 'circle'] },
          },
          size: { condition: { test: 'datum.pareto', value: 140 }, value: 50 },
          tooltip: [
            { field: 'name', type: 'nominal' },
            { field: 'lcb', type: 'quantitative', format: '.0f' },
            { field: 'cost', type: 'quantitative', format: '.1f' },
            { field: 'novelty', type: 'quantitative', format: '.3f' },
          ],
        },
      },
      {
        transform: [{ filter: 'datum.pareto' }],
        mark: { type: 'text', align: 'left', dx: 8, fontSize: 10 },
        encoding: { x, y, text: { field: 'name', type: 'nominal' } },
      },
    ] as LayerItem[],
  } as TopLevelSpec;
}
