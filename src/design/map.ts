/**
 * The design map: the latent GMM's exact marginal density on the first two frame coordinates
 * (principal directions), with the training latents, MCMC samples and candidates on that plane.
 * The marginal of a Gaussian mixture on two coordinates is the mixture of the components'
 * 2-D marginals, so no sampling is involved.
 */
import type { GaussianMixture } from '../latent/gmm.ts';
import { logSumExp } from '../math/logsumexp.ts';
import { GaussianShape } from './mvn.ts';

export interface DesignMap {
  grid: { x: number[]; y: number[]; logp: number[][] };
  training: { x: number; y: number }[];
  samples: { x: number; y: number }[];
  candidates: { x: number; y: number; label: string; name: string; accepted: boolean }[];
  /** Fraction of the latent variance along each axis. */
  explained: [number, number];
}

export function designMap(
  gmm: GaussianMixture,
  training: readonly (readonly number[])[],
  samples: readonly (readonly number[])[],
  candidates: { u: readonly number[]; name: string; accepted: boolean }[],
  explained: readonly number[],
  gridSize = 60,
): DesignMap {
  const pts = [...training, ...samples, ...candidates.map((c) => c.u)];
  const range = (j: number): [number, number] => {
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (const p of pts) {
      lo = Math.min(lo, p[j]);
      hi = Math.max(hi, p[j]);
    }
    const pad = 0.1 * (hi - lo || 1);
    return [lo - pad, hi + pad];
  };
  const axis = ([lo, hi]: [number, number]) =>
    Array.from({ length: gridSize }, (_, i) => lo + ((i + 0.5) * (hi - lo)) / gridSize);
  const gx = axis(range(0));
  const gy = axis(range(1));
  const comps = gmm.means.map((m, k) => ({
    logw: Math.log(gmm.weights[k]),
    mean: [m[0], m[1]],
    shape: new GaussianShape([
      [gmm.covariances[k][0][0], gmm.covariances[k][0][1]],
      [gmm.covariances[k][1][0], gmm.covariances[k][1][1]],
    ]),
  }));
  const logp = gy.map((y) =>
    gx.map((x) => logSumExp(comps.map((c) => c.logw + c.shape.logPdf([x, y], c.mean)))),
  );
  const xy = (p: readonly number[]) => ({ x: p[0], y: p[1] });
  return {
    grid: { x: gx, y: gy, logp },
    training: training.map(xy),
    samples: samples.map(xy),
    candidates: candidates.map((c, i) => ({
      ...xy(c.u),
      label: String(i + 1),
      name: c.name,
      accepted: c.accepted,
    })),
    explained: [explained[0] ?? 0, explained[1] ?? 0],
  };
}
