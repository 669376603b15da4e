/**
 * The GP-BO best-LCB trace (SPEC §10): the best LCB so far against the iteration, under the
 * fantasy-augmented GP the acquisition saw and under the GP trained on data only, with the VIBANN
 * design's LCB target (performance gate) and its best candidate's LCB as reference lines. A pure
 * function: typed data in, a Vega-Lite spec out (render with plots/render.ts).
 */
import {
  BASE_CONFIG,
  type CommonPlotOptions,
  extent,
  isFiniteNumber,
  pad,
  type TopLevelSpec,
  titleBlock,
  VL_SCHEMA,
} from '../plots/common.ts';
import { LCB_Z } from '../uq/lcb.ts';
import type { BoTracePoint } from './run.ts';

export interface BoTracePlotData {
  trace: readonly BoTracePoint[];
  /** Horizontal reference lines (HV), e.g. the LCB target and VIBANN's best LCB. */
  references?: { label: string; value: number }[];
}

const SERIES = {
  current: 'best LCB, GP with fantasies',
  base: 'best LCB, GP on data only',
} as const;

export function boTracePlot(data: BoTracePlotData, options: CommonPlotOptions = {}): TopLevelSpec {
  const rows = data.trace.flatMap((t) => [
    { iteration: t.iteration + 1, series: SERIES.current, lcb: t.bestLcb },
    { iteration: t.iteration + 1, series: SERIES.base, lcb: t.bestBaseLcb },
  ]);
  const refs = (data.references ?? []).filter((r) => isFiniteNumber(r.value));
  const domain = pad(extent([...rows.map((r) => r.lcb), ...refs.map((r) => r.value)]), 0.06);
  const y = {
    field: 'lcb',
    type: 'quantitative' as const,
    title: `LCB = μ − ${LCB_Z}σ at the design load (HV)`,
    scale: { domain, zero: false },
  };
  const last = data.trace.at(-1);
  const own = last
    ? [
        `${data.trace.length} iterations; best ${last.bestLcb.toFixed(0)} HV with fantasies, ${last.bestBaseLcb.toFixed(0)} HV on data only`,
      ]
    : [];
  return {
    $schema: VL_SCHEMA,
    config: BASE_CONFIG,
    title: titleBlock(options.title ?? 'GP-BO best-LCB trace', own, options.subtitle),
    width: options.width ?? 520,
    height: options.height ?? 300,
    layer: [
      {
        name: 'trace',
        data: { values: rows },
        mark: { type: 'line', strokeWidth: 2, interpolate: 'step-after' },
        encoding: {
          x: {
            field: 'iteration',
            type: 'quantitative',
            title: 'BO iteration',
            axis: { tickMinStep: 1, format: 'd' },
          },
          y,
          color: {
            field: 'series',
            type: 'nominal',
            title: null,
            scale: { domain: [SERIES.current, SERIES.base], range: ['#1f77b4', '#ff7f0e'] },
            legend: { orient: 'bottom', labelLimit: 400, columns: 1 },
          },
        },
      },
      ...(refs.length > 0
        ? [
            {
              name: 'references',
              data: { values: refs },
              mark: { type: 'rule' as const, strokeDash: [5, 4], color: '#555555' },
              encoding: { y: { field: 'value', type: 'quantitative' as const } },
            },
            {
              name: 'reference_labels',
              data: { values: refs },
              mark: {
                type: 'text' as const,
                align: 'left' as const,
                baseline: 'bottom' as const,
                dx: 4,
                dy: -2,
                x: 0,
                fontSize: 10,
                color: '#555555',
              },
              encoding: {
                y: { field: 'value', type: 'quantitative' as const },
                text: { field: 'label', type: 'nominal' as const },
              },
            },
          ]
        : []),
    ],
  } as TopLevelSpec;
}
