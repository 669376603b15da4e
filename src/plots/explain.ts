/**
 * Interpretability bar charts (SPEC §11, §14): mean attention per element and mean integrated-
 * gradient attribution per element. With 56 elements a full chart is unreadable, so the bars are
 * sorted and only the top N are shown (default 20; the subtitle says how many were left out).
 */
import {
  BASE_CONFIG,
  type CommonPlotOptions,
  isFiniteNumber,
  short,
  type TopLevelSpec,
  titleBlock,
  topN,
  VL_SCHEMA,
} from './common.ts';

export interface AttentionElement {
  /** Element symbol, e.g. 'Nb'. */
  element: string;
  /** Mean attention weight over all rows of the reference set (mean over heads; 0 … 1). */
  all: number;
  /** Mean attention weight over the rows that contain the element. */
  present?: number;
}

export interface AttentionData {
  elements: AttentionElement[];
  /** Reference set the means are over, for the subtitle (e.g. 'train_fit, 0.5 N'). */
  reference?: string;
}

export interface BarOptions extends CommonPlotOptions {
  /** Number of bars shown (default 20; 0 = all). */
  top?: number;
}

const ATTN_SERIES = ['rows containing the element', 'all rows'] as const;

/**
 * Attention per element: horizontal bars sorted by the weight over rows containing the element
 * (or over all rows when that is not given), the two averages side by side.
 */
export function attentionPlot(data: AttentionData, options: BarOptions = {}): TopLevelSpec {
  const hasPresent = data.elements.some((e) => isFiniteNumber(e.present));
  const key = (e: AttentionElement) => (hasPresent ? (e.present ?? Number.NaN) : e.all);
  const shown = topN(data.elements, key, options.top ?? 20);
  const order = shown.map((e) => e.element);
  const rows = shown.flatMap((e) => [
    ...(hasPresent && isFiniteNumber(e.present)
      ? [{ element: e.element, series: ATTN_SERIES[0], weight: e.present }]
      : []),
    ...(isFiniteNumber(e.all)
      ? [{ element: e.element, series: ATTN_SERIES[1], weight: e.all }]
      : []),
  ]);
  const series = hasPresent ? [...ATTN_SERIES] : [ATTN_SERIES[1]];
  const own = [
    shown.length < data.elements.length
      ? `top ${shown.length} of ${data.elements.length} elements`
      : `${data.elements.length} elements`,
  ];
  if (data.reference) own[0] += `, over ${data.reference}`;
  own.push(
    hasPresent
      ? 'the softmax also gives weight to absent elements: "all rows" includes that mass'
      : 'mean over all rows: the softmax also gives weight to absent elements, included here',
  );
  return {
    $schema: VL_SCHEMA,
    title: titleBlock(options.title ?? 'Attention per element', own, options.subtitle),
    description: 'Mean attention weight per element, sorted, top elements only.',
    width: options.width ?? 380,
    height: options.height ?? { step: hasPresent ? 10 : 16 },
    config: BASE_CONFIG,
    data: { values: rows },
    mark: { type: 'bar' },
    encoding: {
      y: {
        field: 'element',
        type: 'nominal',
        sort: order,
        title: 'element',
        axis: { labelFontSize: 12 },
      },
      ...(hasPresent ? { yOffset: { field: 'series', type: 'nominal', sort: series } } : {}),
      x: {
        field: 'weight',
        type: 'quantitative',
        title: 'mean attention weight (mean over heads)',
        axis: { format: '.3f' },
      },
      color: {
        field: 'series',
        type: 'nominal',
        title: 'mean over',
        scale: { domain: series, range: hasPresent ? ['#1f5fb4', '#a6c3e6'] : ['#1f5fb4'] },
        legend: hasPresent ? { orient: 'bottom', direction: 'horizontal', labelLimit: 0 } : null,
      },
      tooltip: [{ field: 'element' }, { field: 'series' }, { field: 'weight', format: '.4f' }],
    },
  };
}

export interface IgElement {
  /** Element symbol (or 'load' for the load feature). */
  element: string;
  /** Mean signed integrated-gradient attribution over the reference rows (HV). */
  attribution: number;
}

export interface IgData {
  elements: IgElement[];
  /** Mean |Σ IG − (f(x) − f(baseline))| over rows (HV), the completeness gap (SPEC §11). */
  completenessGap?: number;
  /** Reference set, for the subtitle. */
  reference?: string;
}

/**
 * Integrated gradients per element: signed bars (red raises HV, blue lowers it), sorted by
 * absolute attribution, top N.
 */
export function igPlot(data: IgData, options: BarOptions = {}): TopLevelSpec {
  const finite = data.elements.filter((e) => isFiniteNumber(e.attribution));
  const shown = topN(finite, (e) => e.attribution, options.top ?? 20, true);
  const rows = shown.map((e) => ({
    element: e.element,
    attribution: e.attribution,
    sign: e.attribution >= 0 ? 'raises HV' : 'lowers HV',
  }));
  const own = [
    `${shown.length < finite.length ? `top ${shown.length} of ${finite.length}` : `${finite.length}`} features by |mean attribution|${data.reference ? `, over ${data.reference}` : ''}`,
  ];
  if (isFiniteNumber(data.completenessGap))
    own.push(
      `completeness gap mean |Σ IG − (f(x) − f(baseline))| = ${short(data.completenessGap, 3)} HV`,
    );
  return {
    $schema: VL_SCHEMA,
    title: titleBlock(options.title ?? 'Integrated gradients per element', own, options.subtitle),
    description:
      'Mean signed integrated-gradient attribution per element in HV, sorted by magnitude.',
    width: options.width ?? 380,
    height: options.height ?? { step: 16 },
    config: BASE_CONFIG,
    data: { values: rows },
    layer: [
      {
        name: 'bars',
        mark: { type: 'bar' },
        encoding: {
          y: {
            field: 'element',
            type: 'nominal',
            sort: rows.map((r) => r.element),
            title: 'element',
            axis: { labelFontSize: 12 },
          },
          x: {
            field: 'attribution',
            type: 'quantitative',
            title: 'mean IG attribution (HV)',
            axis: { format: '.4~r' },
          },
          color: {
            field: 'sign',
            type: 'nominal',
            title: null,
            scale: { domain: ['raises HV', 'lowers HV'], range: ['#c8423b', '#2f6db3'] },
            legend: { orient: 'bottom', direction: 'horizontal' },
          },
          tooltip: [
            { field: 'element' },
            { field: 'attribution', format: '.1f', title: 'IG (HV)' },
          ],
        },
      },
      {
        name: 'zero',
        data: { values: [{}] },
        mark: { type: 'rule', color: '#333' },
        encoding: { x: { datum: 0, type: 'quantitative' } },
      },
    ],
  };
}
