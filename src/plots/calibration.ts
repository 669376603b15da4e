/**
 * Calibration figures (SPEC §6, §14): the reliability diagram (observed against expected coverage),
 * the PIT histogram, and interval width against coverage. Each takes one or more labelled curves
 * (e.g. raw and recalibrated σ, or test and calibration sets) so they can be compared in one figure.
 */
import {
  BASE_CONFIG,
  CATEGORY_COLOURS,
  type CommonPlotOptions,
  fmt,
  isFiniteNumber,
  type LayerItem,
  type TopLevelSpec,
  titleBlock,
  VL_SCHEMA,
} from './common.ts';

export interface ReliabilityCurve {
  /** Legend label, e.g. 'test, raw σ'. */
  label: string;
  /** Nominal coverage levels p in [0, 1]. */
  expected: number[];
  /** Observed fraction of rows inside the central p-interval, same length. */
  observed: number[];
  /** Mean |observed − expected|, shown in the legend when given. */
  mace?: number;
}

export interface ReliabilityData {
  curves: ReliabilityCurve[];
}

function curveColours(labels: string[]) {
  return { domain: labels, range: CATEGORY_COLOURS };
}

function labelWithMace(c: { label: string; mace?: number }): string {
  return isFiniteNumber(c.mace) ? `${c.label} (MACE ${fmt(c.mace, 2)})` : c.label;
}

/** Reliability diagram: observed against expected coverage, with the diagonal of perfect calibration. */
export function reliabilityPlot(
  data: ReliabilityData,
  options: CommonPlotOptions = {},
): TopLevelSpec {
  const size = options.width ?? 360;
  const labels = data.curves.map(labelWithMace);
  const rows = data.curves.flatMap((c, k) =>
    c.expected
      .map((e, i) => ({ curve: labels[k], expected: e, observed: c.observed[i] }))
      .filter((r) => isFiniteNumber(r.expected) && isFiniteNumber(r.observed)),
  );
  const axis = { format: '.0%', values: [0, 0.2, 0.4, 0.6, 0.8, 1] };
  const unit = { domain: [0, 1], nice: false };
  const dense = rows.length / Math.max(1, data.curves.length) > 25;
  return {
    $schema: VL_SCHEMA,
    title: titleBlock(
      options.title ?? 'Reliability diagram',
      ['dashed line: perfect calibration; below it: intervals too narrow (over-confident)'],
      options.subtitle,
    ),
    description: 'Observed against expected coverage of central prediction intervals.',
    width: size,
    height: options.height ?? size,
    config: BASE_CONFIG,
    layer: [
      {
        name: 'diagonal',
        data: { values: [{ v: 0 }, { v: 1 }] },
        mark: { type: 'line', color: '#444', strokeDash: [6, 4], strokeWidth: 1.2 },
        encoding: {
          x: { field: 'v', type: 'quantitative', scale: unit },
          y: { field: 'v', type: 'quantitative', scale: unit },
        },
      },
      {
        name: 'curves',
        data: { values: rows },
        mark: { type: 'line', point: !dense, strokeWidth: 2 },
        encoding: {
          x: {
            field: 'expected',
            type: 'quantitative',
            title: 'expected coverage (nominal level)',
            scale: unit,
            axis,
          },
          y: {
            field: 'observed',
            type: 'quantitative',
            title: 'observed coverage (fraction of rows)',
            scale: unit,
            axis,
          },
          color: {
            field: 'curve',
            type: 'nominal',
            title: null,
            scale: curveColours(labels),
            legend: { orient: 'bottom', direction: 'vertical', labelLimit: 0 },
          },
        },
      },
    ],
  };
}

export interface PitSeries {
  /** Panel label, e.g. 'test'. */
  label: string;
  /** Fraction of rows per equal-width PIT bin on [0, 1] (SPEC §6: 10 bins). */
  fractions: number[];
  /** Number of rows; when given, a ±2 standard-error band around the uniform level is drawn. */
  n?: number;
}

export interface PitData {
  series: PitSeries[];
}

/**
 * PIT histogram: a calibrated model gives a flat histogram at 1/bins; a U shape means intervals
 * that are too narrow, a hump too wide, a slope a bias. One panel per series.
 */
export function pitHistogramPlot(data: PitData, options: CommonPlotOptions = {}): TopLevelSpec {
  const rows = data.series.flatMap((s) => {
    const k = s.fractions.length;
    return s.fractions.map((f, i) => ({
      series: s.label,
      lo: i / k,
      hi: (i + 1) / k,
      fraction: f,
    }));
  });
  const refs = data.series.map((s) => {
    const k = Math.max(1, s.fractions.length);
    const p = 1 / k;
    const se = isFiniteNumber(s.n) && s.n > 0 ? Math.sqrt((p * (1 - p)) / s.n) : 0;
    return {
      series: s.label,
      uniform: p,
      lo: Math.max(0, p - 2 * se),
      hi: p + 2 * se,
      band: se > 0,
    };
  });
  const own = [
    "PIT: fraction of a row's MC samples below its measured HV (Φ((y − μ)/σ) without samples)",
    'flat at the dashed line = calibrated; U shape = intervals too narrow; hump = too wide',
  ];
  if (refs.some((r) => r.band)) own.push('grey band: ±2 standard errors of a uniform histogram');
  const single = data.series.length <= 1;
  // Each panel gets its own rows (filtered here, not by a Vega-Lite transform over shared data).
  // Mark names must be unique across panels (vega would otherwise mix up the panels' data).
  const layersFor = (label?: string, k?: number): LayerItem[] => {
    const sfx = k === undefined ? '' : `_${k}`;
    const mine = <T extends { series: string }>(v: T[]) =>
      label === undefined ? v : v.filter((r) => r.series === label);
    return [
      {
        name: `band${sfx}`,
        data: { values: mine(refs.filter((r) => r.band)) },
        mark: { type: 'rect', color: '#000', opacity: 0.08 },
        encoding: {
          x: { datum: 0, type: 'quantitative' },
          x2: { datum: 1 },
          y: { field: 'lo', type: 'quantitative' },
          y2: { field: 'hi' },
        },
      },
      {
        name: `bins${sfx}`,
        data: { values: mine(rows) },
        mark: { type: 'rect', color: '#4c78a8', stroke: 'white', strokeWidth: 1 },
        encoding: {
          x: {
            field: 'lo',
            type: 'quantitative',
            title: 'PIT value',
            scale: { domain: [0, 1], nice: false },
            axis: { values: [0, 0.2, 0.4, 0.6, 0.8, 1], format: '.1f' },
          },
          x2: { field: 'hi' },
          y: {
            field: 'fraction',
            type: 'quantitative',
            title: 'fraction of rows',
            axis: { format: '.0%' },
          },
          y2: { datum: 0 },
        },
      },
      {
        name: `uniform${sfx}`,
        data: { values: mine(refs) },
        mark: { type: 'rule', strokeDash: [6, 4], color: '#444', strokeWidth: 1.2 },
        encoding: { y: { field: 'uniform', type: 'quantitative' } },
      },
    ];
  };
  const width = options.width ?? (single ? 380 : 260);
  const height = options.height ?? 220;
  const title = titleBlock(options.title ?? 'PIT histogram', own, options.subtitle);
  if (single) {
    return {
      $schema: VL_SCHEMA,
      title,
      description: 'Histogram of the probability integral transform of the measured hardness.',
      width,
      height,
      config: BASE_CONFIG,
      layer: layersFor(),
    };
  }
  // One panel per series, side by side, on a shared y scale.
  return {
    $schema: VL_SCHEMA,
    title,
    description: 'Histograms of the probability integral transform, one panel per set.',
    config: BASE_CONFIG,
    hconcat: data.series.map((s, k) => ({
      title: { text: s.label, fontSize: 12, anchor: 'middle' as const },
      width,
      height,
      layer: layersFor(s.label, k),
    })),
    resolve: { scale: { y: 'shared' } },
  };
}

export interface IntervalWidthCurve {
  /** Legend label, e.g. 'test, raw σ'. */
  label: string;
  /** Nominal coverage levels c in (0, 1). */
  levels: number[];
  /** Observed coverage at each level. */
  coverage: number[];
  /** Mean width of the central c-interval at each level (HV). */
  width: number[];
}

export interface IntervalWidthData {
  curves: IntervalWidthCurve[];
}

/**
 * Interval width against coverage (sharpness vs calibration): for each nominal level, the mean
 * interval width in HV and the coverage actually reached (solid), beside the nominal level (dashed).
 */
export function intervalWidthPlot(
  data: IntervalWidthData,
  options: CommonPlotOptions = {},
): TopLevelSpec {
  const labels = data.curves.map((c) => c.label);
  const rows = data.curves.flatMap((c) =>
    c.levels.flatMap((lev, i) => {
      const w = c.width[i];
      if (!isFiniteNumber(w) || !isFiniteNumber(lev)) return [];
      const out = [{ curve: c.label, kind: 'nominal level', width: w, coverage: lev, level: lev }];
      if (isFiniteNumber(c.coverage[i]))
        out.push({
          curve: c.label,
          kind: 'observed coverage',
          width: w,
          coverage: c.coverage[i],
          level: lev,
        });
      return out;
    }),
  );
  return {
    $schema: VL_SCHEMA,
    title: titleBlock(
      options.title ?? 'Interval width vs coverage',
      ['solid: coverage reached; dashed: nominal level of the same interval'],
      options.subtitle,
    ),
    description: 'Mean central-interval width against observed and nominal coverage.',
    width: options.width ?? 420,
    height: options.height ?? 300,
    config: BASE_CONFIG,
    data: { values: rows },
    mark: { type: 'line', point: true, strokeWidth: 2 },
    encoding: {
      x: {
        field: 'width',
        type: 'quantitative',
        title: 'mean interval width (HV)',
        scale: { zero: true },
      },
      y: {
        field: 'coverage',
        type: 'quantitative',
        title: 'coverage (fraction of rows)',
        scale: { domain: [0, 1], nice: false },
        axis: { format: '.0%', values: [0, 0.2, 0.4, 0.6, 0.8, 1] },
      },
      color: {
        field: 'curve',
        type: 'nominal',
        title: null,
        scale: curveColours(labels),
        legend: { symbolType: 'stroke', symbolStrokeWidth: 2.5, symbolSize: 300, labelLimit: 0 },
      },
      strokeDash: {
        field: 'kind',
        type: 'nominal',
        title: null,
        scale: {
          domain: ['observed coverage', 'nominal level'],
          range: [
            [1, 0],
            [5, 4],
          ],
        },
        // Explained in the subtitle; a dash legend would show the point symbols, not the dashes.
        legend: null,
      },
      detail: { field: 'kind' },
      tooltip: [
        { field: 'curve' },
        { field: 'level', format: '.0%', title: 'nominal level' },
        { field: 'coverage', format: '.0%' },
        { field: 'width', format: '.0f', title: 'width (HV)' },
      ],
    },
  };
}
