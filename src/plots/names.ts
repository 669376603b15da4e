/**
 * The figure files a run directory may hold: the file stem each command writes (with `writePlot`)
 * and the HTML report recognises, the report section it belongs to, and its caption. A file
 * `<stem>.svg` or `<stem>_<anything>.svg` (e.g. `parity_test.svg`) matches the entry.
 */

export type ReportTopic =
  | 'accuracy'
  | 'training'
  | 'baselines'
  | 'latent'
  | 'explain'
  | 'design'
  | 'other';

export interface FigureName {
  /** File stem, e.g. 'parity' for parity.svg / parity.png. */
  stem: string;
  /** Report section. */
  topic: ReportTopic;
  /** Caption in the report (what the figure shows and how to read it). */
  caption: string;
}

export const FIGURES: readonly FigureName[] = [
  {
    stem: 'parity',
    topic: 'accuracy',
    caption:
      'Predicted against measured hardness with ±1σ bars; points on the dashed line are predicted exactly.',
  },
  {
    stem: 'reliability',
    topic: 'accuracy',
    caption:
      'Reliability diagram: observed against expected coverage of central intervals; below the diagonal the uncertainty is under-estimated.',
  },
  {
    stem: 'pit',
    topic: 'accuracy',
    caption:
      'PIT histogram: flat for calibrated uncertainty; a U shape means intervals too narrow, a hump too wide, a slope a bias.',
  },
  {
    stem: 'interval_width',
    topic: 'accuracy',
    caption: 'Mean interval width (HV) against the coverage it reaches and its nominal level.',
  },
  {
    stem: 'training',
    topic: 'training',
    caption:
      'Training curves per network: losses, validation MSE, KL per latent dimension and β per epoch.',
  },
  {
    stem: 'baselines',
    topic: 'baselines',
    caption: 'MAE and RMSE of VIBANN and the baseline models on the same split.',
  },
  {
    stem: 'latent',
    topic: 'latent',
    caption: 'Two-dimensional map of the latent means, coloured by hardness or by k-means cluster.',
  },
  {
    stem: 'traversal',
    topic: 'latent',
    caption:
      'Latent traversal: predicted hardness while one coordinate is swept from its 1 % to its 99 % quantile, the others fixed.',
  },
  {
    stem: 'elbow',
    topic: 'latent',
    caption: 'K-means elbow curve: within-cluster sum of squares against the number of clusters.',
  },
  {
    stem: 'attention',
    topic: 'explain',
    caption:
      'Mean attention weight per element (top elements), over all rows and over rows containing the element.',
  },
  {
    stem: 'ig',
    topic: 'explain',
    caption: 'Mean integrated-gradient attribution per element in HV (top elements by magnitude).',
  },
  {
    stem: 'gmm_density',
    topic: 'design',
    caption:
      'Latent Gaussian-mixture density on a 2-D plane with the MCMC samples and the designed candidates.',
  },
  {
    stem: 'load_curves',
    topic: 'design',
    caption: 'Predicted hardness of the candidates against indentation load, with ±1σ bands.',
  },
  {
    stem: 'cluster_hv',
    topic: 'latent',
    caption: 'Measured hardness per latent cluster (k-means on standardised latents).',
  },
  {
    stem: 'sensitivity',
    topic: 'latent',
    caption:
      'Sensitivity of predicted hardness to each latent coordinate (mean |∂HV/∂z_j|) and its correlations.',
  },
  {
    stem: 'navigability',
    topic: 'latent',
    caption:
      'Navigability of the latent space: |ΔHV| per unit latent distance over k-nearest-neighbour edges, VIB vs deterministic bottleneck.',
  },
  {
    stem: 'permutation',
    topic: 'explain',
    caption:
      'Permutation importance per latent cluster: increase in MAE when one feature is shuffled within the cluster.',
  },
  {
    stem: 'bo_trace',
    topic: 'design',
    caption:
      'GP-BO: best LCB over the iterations, on the GP with fantasy observations and on the data-only GP.',
  },
  {
    stem: 'bic',
    topic: 'design',
    caption: 'BIC of the latent Gaussian mixture against the number of components.',
  },
];

/** The registry entry a file stem belongs to (longest matching stem), if any. */
export function figureFor(fileStem: string): FigureName | undefined {
  let best: FigureName | undefined;
  for (const f of FIGURES) {
    const hit =
      fileStem === f.stem || fileStem.startsWith(`${f.stem}_`) || fileStem.startsWith(`${f.stem}-`);
    if (hit && (best === undefined || f.stem.length > best.stem.length)) best = f;
  }
  return best;
}
