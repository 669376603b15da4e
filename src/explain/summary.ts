/**
 * The text summary of an explain result (what `vibann explain` prints): lines and tables, the
 * tables as header + rows so that a terminal (cli/io.ts `formatTable`) or a web page can lay them
 * out.
 */
import type { SummaryBlock } from '../latent/analysis/summary.ts';
import type { ExplainResult } from './explain.ts';

export type { SummaryBlock };

/** The summary of `result`; `elements` is the size E of the element basis (uniform weight 1/E). */
export function explainSummary(result: ExplainResult, elements: number): SummaryBlock[] {
  const out: SummaryBlock[] = [];
  const hardest = result.clusters.hardest;
  const hc = result.clusters.summary.find((c) => c.cluster === hardest);
  const hardName = `cluster ${hardest} (hardest: ${hc?.main_elements ?? ''})`;
  const igd = result.integrated_gradients;
  const c = igd.completeness;
  const f3 = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(0) : x.toFixed(1));
  const igRow = (list: typeof igd.features) =>
    list
      .slice(0, 8)
      .map((f) => `${f.feature} ${f.mean >= 0 ? '+' : ''}${f3(f.mean)}`)
      .join(', ');
  out.push(
    `latent clusters (k = ${result.clusters.k}, design network): ${result.clusters.summary
      .map(
        (s) =>
          `${s.cluster}: ${s.n} rows, median ${Math.round(s.median_hv)} HV, ${s.main_elements}`,
      )
      .join('; ')}`,
    '',
    `integrated gradients over the ${igd.n} ${igd.set} rows (${igd.steps} steps; baseline predicted ${Math.round(igd.baseline.predicted_hv)} HV at ${igd.baseline.load_N.toPrecision(3)} N):`,
    `  completeness gap mean |Σ IG − (f(x) − f(x0))| = ${c.mean_gap.toPrecision(3)} HV (max ${c.max_gap.toPrecision(3)}), ${(100 * c.mean_gap_fraction_of_hv_range).toPrecision(2)} % of the data's HV range ${Math.round(result.reference.hv_range)} HV; mean |f(x) − f(x0)| ${Math.round(c.mean_abs_delta_f)} HV`,
    `  mean attribution (HV): ${igRow(igd.features)}`,
  );
  const hIg = igd.by_cluster.find((x) => x.cluster === hardest);
  if (hIg) out.push(`  in ${hardName}, ${hIg.n} rows: ${igRow(hIg.top)}`);
  out.push(
    '  (an element absent from a row is credited with (0 − its baseline fraction) × gradient)',
    '',
  );
  if (result.attention) {
    const a = result.attention;
    const present = (list: typeof a.elements, n: number) =>
      list
        .slice(0, n)
        .map((e) => `${e.element} ${e.present?.toFixed(4)} (${e.n_present})`)
        .join(', ');
    out.push(
      `attention (mean over heads and networks; uniform 1/${elements} = ${a.uniform_weight.toFixed(4)}); the softmax also gives weight to absent elements, so read the means over rows containing the element:`,
      `  over rows containing the element: ${present(a.elements, 8)}`,
    );
    const ha = a.by_cluster.find((x) => x.cluster === hardest);
    if (ha) out.push(`  in ${hardName}: ${present(ha.top, 5)}`);
    out.push('');
  }
  out.push(
    `permutation importance on the test rows of each cluster (${result.permutation.repeats} shuffles; increase in MAE, HV):`,
    {
      header: ['cluster', 'test rows', 'MAE', 'most important features (MAE increase ± sd)'],
      rows: result.permutation.clusters.map((p) => [
        `${p.cluster}${p.cluster === hardest ? ' (hardest)' : ''}`,
        p.n,
        Math.round(p.base_mae),
        p.top
          .slice(0, 5)
          .map((f) => `${f.feature} ${f.mae_increase.toFixed(0)} ± ${f.sd.toFixed(0)}`)
          .join(', '),
      ]),
    },
    '',
  );
  return out;
}
