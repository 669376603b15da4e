/**
 * Figures of `vibann explain` (SPEC §11, §14): the permutation-importance figure (per latent
 * cluster, the features whose shuffling raises the MAE most, as horizontal bars with ±1 sd over
 * the repeats, one panel per cluster), and `explainFigures`, every figure of a run as named specs
 * (attention and integrated-gradient bars from `attentionPlot` / `igPlot` of src/plots). Plain
 * data in, Vega-Lite specs out; the workflow renders them.
 */
import {
  BASE_CONFIG,
  type CommonPlotOptions,
  type TopLevelSpec,
  titleBlock,
  VL_SCHEMA,
} from '../plots/common.ts';
import { attentionPlot, igPlot } from '../plots/explain.ts';
import type { ExplainResult } from './explain.ts';
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

/** A figure of a run: its file name (without extension) and its spec. */
export interface NamedFigure {
  name: string;
  spec: TopLevelSpec;
}

/** Attention weights sit near 1/E ≈ 0.02: three decimals on the x axis, not '.2~f'. */
function fineAxis(spec: TopLevelSpec): TopLevelSpec {
  const enc = (spec as { encoding?: { x?: { axis?: Record<string, unknown> } } }).encoding;
  if (enc?.x?.axis) enc.x.axis.format = '.3f';
  return spec;
}

/**
 * The figures of an explain run: attention and attention_hardest (when the model has attention
 * and the hardest cluster has rows), ig, ig_hardest (when the hardest cluster has attributed rows)
 * and permutation. `elements` is the size E of the element basis.
 */
export function explainFigures(result: ExplainResult, elements: number): NamedFigure[] {
  const figs: NamedFigure[] = [];
  const hardest = result.clusters.hardest;
  const hc = result.clusters.summary.find((c) => c.cluster === hardest);
  const att = result.attention;
  if (att) {
    figs.push({
      name: 'attention',
      spec: fineAxis(
        attentionPlot({
          elements: att.elements.map((e) => ({
            element: e.element,
            all: e.all,
            present: e.present ?? undefined,
          })),
          reference: `all ${result.reference.rows} rows; uniform weight 1/${elements} = ${att.uniform_weight.toFixed(4)}`,
        }),
      ),
    });
    const hcAtt = att.by_cluster.find((c) => c.cluster === hardest);
    if (hcAtt && hcAtt.top.length > 0)
      figs.push({
        name: 'attention_hardest',
        spec: fineAxis(
          attentionPlot(
            {
              elements: hcAtt.top.map((e) => ({
                element: `${e.element} (${e.n_present})`,
                all: e.all,
                present: e.present ?? undefined,
              })),
              reference: `the ${hcAtt.n} rows of cluster ${hardest} (${hc?.main_elements ?? ''})`,
            },
            {
              title: `Attention per element in latent cluster ${hardest} (hardest)`,
              subtitle: "in brackets: how many of the cluster's rows contain the element",
            },
          ),
        ),
      });
  }
  const igd = result.integrated_gradients;
  const setName = igd.set === 'all' ? '' : `${igd.set} `;
  const igSub = [
    `baseline: the mean train_fit alloy at ${igd.baseline.load_N.toPrecision(3)} N (predicted ${Math.round(igd.baseline.predicted_hv)} HV); ${igd.steps} trapezoid steps`,
    'an element absent from a row is credited with (0 − its baseline fraction) × gradient',
  ];
  figs.push({
    name: 'ig',
    spec: igPlot(
      {
        elements: igd.features.map((f) => ({ element: f.feature, attribution: f.mean })),
        completenessGap: igd.completeness.mean_gap,
        reference: `the ${igd.n} ${setName}rows`,
      },
      { subtitle: igSub },
    ),
  });
  const hIg = igd.by_cluster.find((c) => c.cluster === hardest);
  if (hIg)
    figs.push({
      name: 'ig_hardest',
      spec: igPlot(
        {
          elements: hIg.top.map((f) => ({ element: f.feature, attribution: f.mean })),
          reference: `the cluster's ${hIg.n} ${setName}rows`,
        },
        {
          title: `Integrated gradients in latent cluster ${hardest} (hardest)`,
          subtitle: [`cluster ${hardest}: ${hc?.main_elements ?? ''}`, ...igSub],
        },
      ),
    });
  figs.push({
    name: 'permutation',
    spec: permutationPlot({
      clusters: result.permutation.clusters.map((c) => ({
        ...c,
        label: result.clusters.summary.find((s) => s.cluster === c.cluster)?.main_elements,
      })),
      repeats: result.permutation.repeats,
      hardest,
    }),
  });
  return figs;
}
