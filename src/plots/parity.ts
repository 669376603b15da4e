/**
 * Parity plot (SPEC §14): predicted μ against measured HV with ±1σ bars, one colour per data set,
 * the y = x line, equal axes on a square panel, and R², MAE and ±1σ coverage per set in the
 * subtitle so the figure can be read without the metrics table.
 */
import {
  BASE_CONFIG,
  type CommonPlotOptions,
  extent,
  fmt,
  isFiniteNumber,
  pad,
  r2,
  SET_COLOURS,
  type TopLevelSpec,
  titleBlock,
  VL_SCHEMA,
} from './common.ts';

export type DataSetName = 'train' | 'calibration' | 'test';

export interface ParityPoint {
  /** Measured hardness (HV). */
  measured: number;
  /** Predicted mean μ (HV). */
  predicted: number;
  /** Predicted standard deviation σ (HV); the bar spans μ ± σ. */
  sigma: number;
  /** Which split the row belongs to. */
  set: DataSetName;
  /** Optional label shown in the tooltip (e.g. the formula). */
  label?: string;
  /** Optional indentation load (N), shown in the tooltip. */
  load?: number;
}

export interface ParityData {
  points: ParityPoint[];
}

export interface ParityOptions extends CommonPlotOptions {
  /** Draw the ±1σ bars (default true). */
  errorBars?: boolean;
}

const SET_ORDER: DataSetName[] = ['train', 'calibration', 'test'];

/** Per-set summary line: n, R², MAE and ±1σ coverage. */
function summary(points: readonly ParityPoint[], set: DataSetName): string | undefined {
  const p = points.filter((q) => q.set === set);
  if (p.length === 0) return undefined;
  const y = p.map((q) => q.measured);
  const mu = p.map((q) => q.predicted);
  const mae = p.reduce((a, q) => a + Math.abs(q.predicted - q.measured), 0) / p.length;
  const cov = p.filter((q) => Math.abs(q.predicted - q.measured) <= q.sigma).length / p.length;
  return `${set} (n = ${p.length}): R² = ${fmt(r2(y, mu), 3)}, MAE = ${fmt(mae, 3)} HV, ±1σ coverage = ${Math.round(cov * 100)} %`;
}

export function parityPlot(data: ParityData, options: ParityOptions = {}): TopLevelSpec {
  const size = options.width ?? 440;
  const pts = data.points
    .filter((p) => isFiniteNumber(p.measured) && isFiniteNumber(p.predicted))
    .map((p) => {
      const s = isFiniteNumber(p.sigma) && p.sigma > 0 ? p.sigma : 0;
      return {
        measured: p.measured,
        predicted: p.predicted,
        sigma: s,
        lo: p.predicted - s,
        hi: p.predicted + s,
        set: p.set,
        label: p.label ?? '',
        load: p.load ?? null,
      };
    })
    // Draw train first, test last (on top).
    .sort((a, b) => SET_ORDER.indexOf(a.set) - SET_ORDER.indexOf(b.set));
  const sets = SET_ORDER.filter((s) => pts.some((p) => p.set === s));
  const bars = options.errorBars !== false;
  let dom = extent(
    pts.flatMap((p) => (bars ? [p.measured, p.lo, p.hi] : [p.measured, p.predicted])),
  );
  dom = pad(dom, 0.03);
  if (dom[0] < 0 && pts.every((p) => p.measured >= 0)) dom[0] = Math.max(dom[0], 0);
  const scale = { domain: dom, nice: false, zero: false };
  // Whole HV without thousands separators (2500, not 2,500) unless the range is narrow.
  const format = dom[1] - dom[0] > 20 ? 'd' : '.3~r';
  const x = {
    field: 'measured',
    type: 'quantitative' as const,
    title: 'measured hardness (HV)',
    scale,
    axis: { tickCount: 6, format },
  };
  const colour = {
    field: 'set',
    type: 'nominal' as const,
    title: 'data set',
    scale: { domain: sets, range: sets.map((s) => SET_COLOURS[s]) },
    legend: {
      orient: 'bottom-right' as const,
      fillColor: 'white',
      padding: 6,
      strokeColor: '#ccc',
      symbolOpacity: 1,
    },
  };
  const own = sets.map((s) => summary(data.points, s)).filter((s): s is string => s !== undefined);
  own.push(bars ? 'bars: μ ± 1σ; dashed line: y = x' : 'dashed line: y = x');
  return {
    $schema: VL_SCHEMA,
    title: titleBlock(
      options.title ?? 'Parity: predicted vs measured hardness',
      own,
      options.subtitle,
    ),
    description: 'Parity plot of predicted against measured Vickers hardness with ±1σ bars.',
    width: size,
    height: options.height ?? size,
    config: BASE_CONFIG,
    layer: [
      {
        name: 'diagonal',
        data: { values: [{ v: dom[0] }, { v: dom[1] }] },
        mark: { type: 'line', color: '#444', strokeDash: [6, 4], strokeWidth: 1.2, clip: true },
        encoding: {
          x: { ...x, field: 'v' },
          y: { field: 'v', type: 'quantitative', scale },
        },
      },
      {
        data: { values: pts },
        layer: [
          ...(bars
            ? [
                {
                  name: 'errorbars',
                  mark: { type: 'rule' as const, opacity: 0.45, strokeWidth: 1, clip: true },
                  encoding: {
                    x,
                    y: { field: 'lo', type: 'quantitative' as const, scale },
                    y2: { field: 'hi' },
                    color: colour,
                  },
                },
              ]
            : []),
          {
            name: 'points',
            mark: {
              type: 'point' as const,
              filled: true,
              size: 30,
              opacity: 0.85,
              stroke: 'white',
              strokeWidth: 0.4,
              clip: true,
            },
            encoding: {
              x,
              y: {
                field: 'predicted',
                type: 'quantitative' as const,
                title: bars ? 'predicted hardness μ ± 1σ (HV)' : 'predicted hardness μ (HV)',
                scale,
                axis: { tickCount: 6, format },
              },
              color: colour,
              shape: {
                field: 'set',
                type: 'nominal' as const,
                scale: {
                  domain: sets,
                  range: sets.map((s) => (s === 'calibration' ? 'diamond' : 'circle')),
                },
              },
              tooltip: [
                { field: 'label', title: 'alloy' },
                { field: 'set' },
                { field: 'load', title: 'load (N)' },
                { field: 'measured', format: '.0f', title: 'measured (HV)' },
                { field: 'predicted', format: '.0f', title: 'μ (HV)' },
                { field: 'sigma', format: '.0f', title: 'σ (HV)' },
              ],
            },
          },
        ],
      },
    ],
  };
}
