/**
 * A small analytic stand-in for a trained model, so the design pipeline can be tested exactly.
 * Decoder x̂ = softmax(Q z + b); encoder = its exact left inverse on the decoder's manifold
 * (z = (QᵀQ)⁻¹Qᵀ·centre(ln x − b), with Q's columns centred), as a trained autoencoder approximately is.
 */
import { Composition } from '../../src/chem/composition.ts';
import type { DesignData } from '../../src/design/pipeline.ts';
import type { DesignModel, McStats } from '../../src/model/design-model.ts';
import { Rng } from '../../src/util/rng.ts';

export const ELEMENTS = ['B', 'Co', 'Fe', 'Nb', 'W', 'Zr'] as const;

const Q0 = [
  [1.2, -0.3],
  [-0.4, 0.9],
  [0.2, 1.1],
  [0.9, -0.6],
  [0.1, 0.8],
  [-1.1, 0.1],
];
// centre the columns so that Q z has zero mean (softmax is shift-invariant)
const colMean = [0, 1].map((j) => Q0.reduce((s, r) => s + r[j], 0) / Q0.length);
const Q = Q0.map((r) => r.map((v, j) => v - colMean[j]));
const b = [1.0, -0.5, 0.8, 0.2, -0.8, -0.3];
// (QᵀQ)⁻¹Qᵀ
const qtq = [0, 1].map((i) => [0, 1].map((j) => Q.reduce((s, r) => s + r[i] * r[j], 0)));
const det = qtq[0][0] * qtq[1][1] - qtq[0][1] * qtq[1][0];
const inv = [
  [qtq[1][1] / det, -qtq[0][1] / det],
  [-qtq[1][0] / det, qtq[0][0] / det],
];
const pinv = [0, 1].map((i) => Q.map((r) => inv[i][0] * r[0] + inv[i][1] * r[1]));

/** Known hardness (HV) and uncertainty of a composition. */
export function truth(x: ArrayLike<number>): { mean: number; std: number } {
  return {
    mean: 900 + 1600 * x[0] + 700 * x[3] + 400 * x[4] - 300 * x[5],
    std: 40 + 150 * x[1] + 60 * x[5],
  };
}

function decodeOne(z: readonly number[]): number[] {
  const a = Q.map((q, k) => q[0] * z[0] + q[1] * z[1] + b[k]);
  const m = Math.max(...a);
  const e = a.map((v) => Math.exp(v - m));
  const s = e.reduce((p, c) => p + c, 0);
  return e.map((v) => v / s);
}

export const toyModel: DesignModel = {
  elements: ELEMENTS,
  latentDim: 2,
  async encode(x) {
    return x.map((v) => {
      const l = Array.from(v, (xk, k) => Math.log(xk + 1e-4) - b[k]);
      const m = l.reduce((s, c) => s + c, 0) / l.length;
      const c = l.map((t) => t - m);
      return pinv.map((row) => row.reduce((s, p, k) => s + p * c[k], 0));
    });
  },
  async decode(Z) {
    return Z.map(decodeOne);
  },
  async predictAt(x): Promise<McStats> {
    const t = x.map(truth);
    return { mean: Float64Array.from(t, (r) => r.mean), std: Float64Array.from(t, (r) => r.std) };
  },
};

/** Training data on the decoder's manifold (elements under 4 % dropped), deterministic. */
export function toyData(n = 80): DesignData {
  const rng = new Rng('toy-data');
  const xs: number[][] = [];
  for (let i = 0; i < n; i++) {
    const x = decodeOne([1.2 * rng.normal(), 1.2 * rng.normal()]).map((v) => (v < 0.04 ? 0 : v));
    const s = x.reduce((a, c) => a + c, 0);
    xs.push(x.map((v) => v / s));
  }
  const comps = xs.map((x) => Composition.fromVector(ELEMENTS, x));
  const tf = xs.slice(0, 60);
  return {
    elements: ELEMENTS,
    trainFit: {
      x: tf,
      composition: comps.slice(0, 60),
      hv: tf.map((x) => truth(x).mean),
      load: tf.map(() => 0.5),
      weight: tf.map(() => 1),
    },
    calibration: { x: xs.slice(60), composition: comps.slice(60) },
  };
}
