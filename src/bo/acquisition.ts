/**
 * The GP-BO acquisition (SPEC §10), maximised over logits u (composition x = softmax(u)) at a
 * fixed design load:
 *
 *   a(u) = LCB(x) − w_T · max(0, d_A(x) − r_T)² − w_R · max(0, r_R − d_S(x))²
 *
 * LCB = μ − z·σ of the current GP at (x, ℓ*) (z = 1.645); d_A = Euclidean distance from x to the
 * nearest anchor (the best training alloys near L*): a trust region that keeps the surrogate where
 * it has data; d_S = distance to the nearest earlier proposal: a repulsion that keeps the fantasy
 * loop from proposing the same point again. The penalties are squared hinges (continuous first
 * derivative); the defaults are the original's (r_T 0.12, w_T 1e4 HV; r_R 0.02, w_R 2e4 HV).
 * The minimum over anchors / proposals is differentiable except where two are equally near;
 * there the gradient of the current argmin is used.
 */
import { LCB_Z } from '../uq/lcb.ts';
import type { GpPosterior } from './posterior.ts';
import { softmax, softmaxVjp } from './simplex.ts';

export interface AcquisitionOptions {
  /** z of the lower confidence bound μ − z·σ (default 1.645: one-sided 95 %). */
  z: number;
  /** Trust-region radius on the distance to the nearest anchor, composition-fraction units (default 0.12). */
  trustRadius: number;
  /** Weight of the squared trust-region excess, HV per unit² (default 1e4). */
  trustWeight: number;
  /** Repulsion radius around earlier proposals, fraction units (default 0.02). */
  repulsionRadius: number;
  /** Weight of the squared repulsion shortfall, HV per unit² (default 2e4). */
  repulsionWeight: number;
}

export const DEFAULT_ACQUISITION_OPTIONS: AcquisitionOptions = Object.freeze({
  z: LCB_Z,
  trustRadius: 0.12,
  trustWeight: 1e4,
  repulsionRadius: 0.02,
  repulsionWeight: 2e4,
});

export interface AcquisitionValue {
  /** a(u), HV. */
  value: number;
  /** Composition x = softmax(u). */
  x: Float64Array;
  /** GP mean, σ and LCB at (x, ℓ*), HV. */
  mean: number;
  sd: number;
  lcb: number;
  /** Distance to the nearest anchor and to the nearest earlier proposal (∞ when none). */
  dAnchor: number;
  dSeen: number;
}

export interface AcquisitionGradient extends AcquisitionValue {
  /** ∂a/∂u. */
  grad: Float64Array;
}

function nearestIndex(
  x: ArrayLike<number>,
  refs: readonly ArrayLike<number>[],
): { index: number; distance: number } {
  let best = -1;
  let bd = Number.POSITIVE_INFINITY;
  for (let r = 0; r < refs.length; r++) {
    const v = refs[r];
    let s = 0;
    for (let k = 0; k < x.length; k++) {
      const t = x[k] - v[k];
      s += t * t;
    }
    if (s < bd) {
      bd = s;
      best = r;
    }
  }
  return { index: best, distance: Math.sqrt(bd) };
}

/**
 * The acquisition on a GP posterior whose features are the E composition fractions followed by
 * one standardised-load feature (fixed at `loadFeature`). `seen` is read at every call, so
 * pushing a proposal into it updates the repulsion.
 */
export class Acquisition {
  private readonly q: Float64Array;
  constructor(
    readonly gp: GpPosterior,
    readonly loadFeature: number,
    readonly anchors: readonly ArrayLike<number>[],
    readonly seen: ArrayLike<number>[],
    readonly options: AcquisitionOptions = DEFAULT_ACQUISITION_OPTIONS,
  ) {
    this.q = new Float64Array(gp.cols);
  }

  /** Number of composition entries E (the GP has E + 1 features). */
  get elements(): number {
    return this.gp.cols - 1;
  }

  private features(x: ArrayLike<number>): Float64Array {
    this.q.set(x as ArrayLike<number>);
    this.q[this.gp.cols - 1] = this.loadFeature;
    return this.q;
  }

  private penalties(x: Float64Array): {
    value: number;
    a: { index: number; distance: number };
    s: { index: number; distance: number };
  } {
    const o = this.options;
    const a = nearestIndex(x, this.anchors);
    const s = nearestIndex(x, this.seen);
    let value = 0;
    if (a.index >= 0 && a.distance > o.trustRadius)
      value += o.trustWeight * (a.distance - o.trustRadius) ** 2;
    if (s.index >= 0 && s.distance < o.repulsionRadius)
      value += o.repulsionWeight * (o.repulsionRadius - s.distance) ** 2;
    return { value, a, s };
  }

  /** a at a composition x (on the simplex). */
  atComposition(x: ArrayLike<number>): AcquisitionValue {
    const xx = Float64Array.from(x as ArrayLike<number>);
    const p = this.gp.predict(this.features(xx));
    const lcb = p.mean - this.options.z * p.sd;
    const pen = this.penalties(xx);
    return {
      value: lcb - pen.value,
      x: xx,
      mean: p.mean,
      sd: p.sd,
      lcb,
      dAnchor: pen.a.distance,
      dSeen: pen.s.distance,
    };
  }

  /** a at logits u. */
  value(u: ArrayLike<number>): AcquisitionValue {
    return this.atComposition(softmax(u));
  }

  /** a and ∂a/∂u at logits u (analytic). */
  valueAndGradient(u: ArrayLike<number>): AcquisitionGradient {
    const o = this.options;
    const E = this.elements;
    const x = softmax(u);
    const p = this.gp.predictWithGradient(this.features(x));
    const lcb = p.mean - o.z * p.sd;
    const gx = new Float64Array(E);
    for (let k = 0; k < E; k++) gx[k] = p.dMean[k] - o.z * p.dSd[k];
    const pen = this.penalties(x);
    const { a, s } = pen;
    if (a.index >= 0 && a.distance > o.trustRadius) {
      // ∂/∂x of −w (d − r)² = −2w (d − r) (x − anchor)/d
      const f = (-2 * o.trustWeight * (a.distance - o.trustRadius)) / a.distance;
      const v = this.anchors[a.index];
      for (let k = 0; k < E; k++) gx[k] += f * (x[k] - v[k]);
    }
    if (s.index >= 0 && s.distance < o.repulsionRadius && s.distance > 0) {
      // ∂/∂x of −w (r − d)² = +2w (r − d) (x − seen)/d
      const f = (2 * o.repulsionWeight * (o.repulsionRadius - s.distance)) / s.distance;
      const v = this.seen[s.index];
      for (let k = 0; k < E; k++) gx[k] += f * (x[k] - v[k]);
    }
    return {
      value: lcb - pen.value,
      x,
      mean: p.mean,
      sd: p.sd,
      lcb,
      dAnchor: a.distance,
      dSeen: s.distance,
      grad: softmaxVjp(x, gx),
    };
  }
}
