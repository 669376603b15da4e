/**
 * The text summary of a latent analysis (what `vibann latent` prints): lines and tables, the
 * tables as header + rows so that a terminal (cli/io.ts `formatTable`) or a web page can lay them
 * out.
 */
import type { LatentAnalysis } from './analyze.ts';

/** A line of text, or a table (header and rows; numbers right-aligned on a terminal). */
export type SummaryBlock = string | { header: string[]; rows: (string | number)[][] };

/**
 * The summary of `analysis` (design network `designMember`); `compared`: whether a comparison
 * model took part in the navigability.
 */
export function latentSummary(
  analysis: LatentAnalysis,
  designMember: number,
  compared: boolean,
): SummaryBlock[] {
  const out: SummaryBlock[] = [];
  const cl = analysis.clusters;
  const ref = analysis.reference;
  out.push(
    `latents of ${ref.rows} rows (${ref.load}); design network ${designMember}, d = ${ref.latent_dim}, bottleneck ${ref.bottleneck}`,
    '',
    `k-means, k = ${cl.k} (standardised latents, fitted on train_fit):`,
    {
      header: ['cluster', 'n', 'HV min', 'q1', 'median', 'q3', 'max', 'main elements (mean at.%)'],
      rows: cl.summary.map((c) => [
        `${c.cluster}${c.cluster === cl.hardest ? ' (hardest)' : ''}`,
        c.n,
        Math.round(c.hv.min),
        Math.round(c.hv.q1),
        Math.round(c.hv.median),
        Math.round(c.hv.q3),
        Math.round(c.hv.max),
        c.main_elements,
      ]),
    },
  );
  const pc = analysis.pca;
  out.push(
    '',
    `PCA: PC1 ${(100 * pc.explained_variance_ratio[0]).toFixed(1)} %, PC2 ${(100 * pc.explained_variance_ratio[1]).toFixed(1)} % of the variance (${pc.components_for_90pct} directions for 90 %); R² of predicted HV on PC1 ${pc.r2_predicted_hv_pc1.toFixed(3)}, on PC2 ${pc.r2_predicted_hv_pc2.toFixed(3)} (test rows: ${pc.test.r2_predicted_hv_pc1.toFixed(3)}, ${pc.test.r2_predicted_hv_pc2.toFixed(3)})`,
  );
  if (analysis.tsne)
    out.push(
      `t-SNE: perplexity ${analysis.tsne.perplexity}, KL ${analysis.tsne.kl_divergence.toFixed(3)}`,
    );
  for (const t of analysis.traversal)
    out.push(
      `traversal from the ${t.anchor === 'centre' ? 'centre' : `hard anchor (${t.formula ?? `row ${t.row}`}, ${Math.round(t.measured_hv ?? 0)} HV)`}: predicted ${Math.round(t.predicted_hv)} HV; largest amplitudes ${t.top
        .slice(0, 5)
        .map((c) => `z${c.coordinate} ${Math.round(c.amplitude)}`)
        .join(', ')} HV`,
    );
  out.push(
    `sensitivity (HV per sd of the coordinate): ${analysis.sensitivity.coordinates
      .slice(0, 5)
      .map(
        (c) =>
          `z${c.coordinate} ${c.mean_abs_gradient_per_sd.toFixed(0)} (ρ ${c.spearman.toFixed(2)})`,
      )
      .join(', ')}`,
    '',
    'navigability (k-NN graph, k = 10; |ΔHV|/‖Δz‖ with ‖Δz‖ in units of the latent RMS radius):',
    {
      header: ['model', 'bottleneck', 'components', 'largest', 'median', 'q90', 'median |ΔHV|'],
      rows: analysis.navigability.map((m) => [
        m.model,
        m.bottleneck,
        m.components,
        `${(100 * m.largest_component_fraction).toFixed(1)} %`,
        Math.round(m.ratio_scaled.median),
        Math.round(m.ratio_scaled.q90),
        Math.round(m.abs_dhv.median),
      ]),
    },
  );
  if (!compared)
    out.push(
      '(no comparison model: --compare-deterministic DIR or --train-deterministic adds one)',
    );
  out.push('');
  return out;
}
