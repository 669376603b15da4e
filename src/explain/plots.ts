/**
 * Permutation-importance figure (SPEC §11, §14): per latent cluster, the features whose shuffling
 * raises the MAE most, as horizontal bars with ±1 sd over the repeats, one panel per cluster.
 * (Attention and integrated-gradient bars use `attentionPlot` / `igPlot` from src/report.)
 */
import {
  BASE_CONFIG,
  type CommonPlotOptions,
  type TopLevelSpec,
  titleBlock,
  VL_SCHEMA,
} from '../plots/common.ts';
import type { FeatureImportance } from './permutation.ts';

export interface PermutationPanel {
  cluster: number;
  /** Short description, e.g. the main elements. */
  label?: string;
  n: number;
  base_mae: number;
  top: FeatureImportance[];
}

export function permutationPlot(
  data: { clusters: PermutationPanel[]; repeats: number; hardest?: number },
  options: CommonPlotOptions & { top?: number } = {},
): TopLevelSpec {
  const top = options.top ?? 8;
  const panel = (c: PermutationPanel) =>
    `cluster ${c.cluster}${c.cluster === data.hardest ? ' (hardest)' : ''}: ${c.n} test rows, MAE ${Math.round(c.base_mae)} HV`;
  const rows = data.clusters.flatMap((c) =>
    c.top.slice(0, top).map((f, i) => ({
      panel: panel(c),
      // unique per panel so each panel keeps its own order
      key: `${c.cluster}:${f.feature}`,
      feature: f.feature,
      rank: i,
      value: f.mae_increase,
      lo: f.mae_increase - f.sd,
      hi: f.mae_increase + f.sd,
      sd: f.sd,
    })),
  );
  const y = {
    field: 'key',
    type: 'nominal' as const,
    sort: { field: 'rank', order: 'ascending' as const },
    title: null,
    axis: { labelExpr: "split(datum.label, ':')[1]", labelFontSize: 12 },
  };
  return {
    $schema: VL_SCHEMA,
    title: titleBlock(
      options.title ?? 'Permutation importance per latent cluster',
      [
        "increase in MAE when one feature is shuffled among the cluster's test rows",
        `(compositions renormalised); bars: mean, black lines: ± 1 sd over ${data.repeats} shuffles`,
        `top ${top} features per cluster; elements absent from every row of a cluster are left out`,
        ...data.clusters.filter((c) => c.label).map((c) => `cluster ${c.cluster}: ${c.label}`),
      ],
      options.subtitle,
    ),
    description: 'Permutation importance of composition and load per latent cluster.',
    config: {
      ...BASE_CONFIG,
      header: { labelFontSize: 12, labelAnchor: 'start', labelFontWeight: 'bold' },
    },
    data: { values: rows },
    facet: {
      row: {
        field: 'panel',
        type: 'nominal',
        title: null,
        sort: data.clusters.map(panel),
        header: { labelAngle: 0, labelOrient: 'top', labelAlign: 'left' },
      },
    },
    resolve: { scale: { y: 'independent', x: 'independent' } },
    spec: {
      width: options.width ?? 360,
      height: { step: 15 },
      layer: [
        {
          name: 'bars',
          mark: { type: 'bar', color: '#5b8fd1' },
          encoding: {
            y,
            x: { field: 'value', type: 'quantitative', title: 'increase in MAE (HV)' },
            tooltip: [
              { field: 'feature' },
              { field: 'value', format: '.1f', title: 'MAE increase (HV)' },
              { field: 'sd', format: '.1f' },
            ],
          },
        },
        {
          name: 'sd',
          mark: { type: 'rule', color: '#111' },
          encoding: { y, x: { field: 'lo', type: 'quantitative' }, x2: { field: 'hi' } },
        },
      ],
    },
  };
}
