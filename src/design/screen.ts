/**
 * The four acceptance gates (SPEC §9.7) for a set of candidate compositions, in one place: the
 * design pipeline screens its rounded alloys with it, and the GP-BO comparison scores both
 * methods' candidates with it (bo/compare.ts).
 *
 * The gates need a design's *gate state*: the latent frame and the GMM fitted on the training
 * latents (support), the calibration thresholds σ_ref and LCB_target (uncertainty, performance),
 * the novelty threshold and the LCB target window. A design run saves it in its run directory
 * (`gates.json`, `gateStateToJSON`); `vibann bo --design-run` loads it from there, so both methods
 * are judged by exactly the design's gates.
 *
 * Each candidate is scored the same way: the ensemble's μ, σ and LCB = μ − 1.645σ at L* (one MC
 * call for all candidates, so every candidate sees the same dropout draws), log p_GMM of the
 * re-encoded composition in the design frame, the distance to the nearest train_fit composition,
 * the gates with their audit record, and whether the LCB lies in the target window.
 */
import { LatentFrame, type LatentFrameJSON } from '../latent/frame.ts';
import { type BicPoint, GaussianMixture, type GaussianMixtureJSON } from '../latent/gmm.ts';
import type { DesignModel } from '../model/design-model.ts';
import { LCB_Z } from '../uq/lcb.ts';
import { allPass, type DesignThresholds, evaluateGates, type GateRecord } from './gates.ts';
import { nearest } from './thresholds.ts';

/** What the four gates of a design need (SPEC §9.1, §9.2). */
export interface GateState {
  /** Design load L*, N. */
  load: number;
  thresholds: DesignThresholds;
  /** Target window on LCB at L*, HV (accepted = all four gates pass and LCB inside the window). */
  window: [number, number];
  /** Calibration rows the LCB target was taken over. */
  nearPeakRows: number;
  /** The design's latent coordinates (principal subspace of the training latents). */
  frame: LatentFrame;
  /** The latent density in frame coordinates. */
  gmm: GaussianMixture;
  /** The BIC curve the mixture was selected on. */
  bic: BicPoint[];
}

/** `gates.json` of a design run: the gate state as plain JSON (exact round trip). */
export interface GateStateJSON {
  kind: 'vibann-design-gates';
  version: 1;
  load: number;
  thresholds: DesignThresholds;
  window: [number, number];
  nearPeakRows: number;
  bic: BicPoint[];
  frame: LatentFrameJSON;
  gmm: GaussianMixtureJSON;
}

export function gateStateToJSON(s: GateState): GateStateJSON {
  return {
    kind: 'vibann-design-gates',
    version: 1,
    load: s.load,
    thresholds: { ...s.thresholds },
    window: [s.window[0], s.window[1]],
    nearPeakRows: s.nearPeakRows,
    bic: s.bic.map((b) => ({ ...b })),
    frame: s.frame.toJSON(),
    gmm: s.gmm.toJSON(),
  };
}

export function gateStateFromJSON(j: GateStateJSON): GateState {
  return {
    load: j.load,
    thresholds: { ...j.thresholds },
    window: [j.window[0], j.window[1]],
    nearPeakRows: j.nearPeakRows,
    bic: j.bic.map((b) => ({ ...b })),
    frame: LatentFrame.fromJSON(j.frame),
    gmm: GaussianMixture.fromJSON(j.gmm),
  };
}

/** One screened candidate: the numbers behind its gates. */
export interface ScreenedCandidate {
  /** Frame coordinates u of the re-encoded composition. */
  u: number[];
  /** Ensemble MC prediction at L*, HV. */
  mean: number;
  std: number;
  lcb: number;
  /** log p_GMM(u). */
  logp: number;
  /** Nearest train_fit composition: row index into `trainFit` and Euclidean distance (fractions). */
  nearest: { index: number; distance: number };
  gates: GateRecord;
  /** LCB inside the target window. */
  inWindow: boolean;
  /** All four gates pass and the LCB is inside the window. */
  accepted: boolean;
}

export interface ScreenOptions {
  /** MC-dropout passes per network. */
  passes: number;
  /** Seed of the MC-dropout draws. */
  seed: number;
}

/**
 * Score compositions (vectors over the model's elements) through the four gates of `state`;
 * `trainFit` are the train_fit compositions the novelty gate measures distances to.
 */
export async function screen(
  model: DesignModel,
  trainFit: readonly ArrayLike<number>[],
  state: GateState,
  vectors: readonly ArrayLike<number>[],
  o: ScreenOptions,
): Promise<ScreenedCandidate[]> {
  if (vectors.length === 0) return [];
  const pred = await model.predictAt(vectors, state.load, o.passes, o.seed);
  const U = state.frame.project(await model.encode(vectors, state.load));
  const lp = state.gmm.logPdf(U);
  const [lo, hi] = state.window;
  return vectors.map((v, i) => {
    const nn = nearest(v, trainFit);
    const mean = pred.mean[i];
    const std = pred.std[i];
    const lcb = mean - LCB_Z * std;
    const gates = evaluateGates(
      { logp: lp[i], novelty: nn.distance, sigma: std, lcb },
      state.thresholds,
    );
    const inWindow = lcb >= lo && lcb <= hi;
    return {
      u: U[i],
      mean,
      std,
      lcb,
      logp: lp[i],
      nearest: { index: nn.index, distance: nn.distance },
      gates,
      inWindow,
      accepted: allPass(gates) && inWindow,
    };
  });
}
