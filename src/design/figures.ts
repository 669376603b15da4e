/**
 * Figures of a design run (SPEC §14): HV-vs-load curves with ±1σ bands for the candidates (with
 * the nearest known alloys' measurements), and the latent density map with MCMC samples and
 * candidates, and the accepted alloys' LCB against raw-material cost with the Pareto set (issue 13).
 */
import type { TopLevelSpec } from 'vega-lite';
import { paretoPlot } from '../plots/design.ts';
import { gmmDensityPlot, loadCurvesPlot } from '../plots/index.ts';
import type { DesignResult } from './pipeline.ts';

export function designFigures(r: DesignResult): Record<string, TopLevelSpec> {
  const figs: Record<string, TopLevelSpec> = {};
  if (r.candidates.length > 0) {
    figs.load_curves = loadCurvesPlot(
      {
        candidates: r.candidates.map((c) => ({ name: c.formula, predictions: c.predictions })),
        measured: r.candidates.map((c) => ({
          name: `${c.nearest.formula} (nearest known)`,
          load: c.nearest.load,
          hv: c.nearest.hv,
        })),
      },
      { title: 'Predicted hardness of the candidates across loads (μ ± 1σ)' },
    );
  }
  if (r.acceptedPool.some((p) => p.cost !== null)) {
    figs.pareto = paretoPlot(
      r.acceptedPool.map((p) => ({ ...p, name: p.formula })),
      r.gateState.load,
    );
  }
  if (r.map) {
    figs.gmm_density = gmmDensityPlot(
      {
        grid: r.map.grid,
        training: r.map.training,
        samples: r.map.samples,
        candidates: r.map.candidates,
        method: 'latent principal coordinates',
        explained: r.map.explained,
        xTitle: 'latent PC 1',
        yTitle: 'latent PC 2',
      },
      { title: 'Latent density (GMM marginal) with MCMC samples and candidates' },
    );
  }
  return figs;
}
