/** Shared fixtures for the nn / train / uq tests: tiny networks and synthetic data. */
import { resolveVibannOptions, type VibannOptions } from '../../src/nn/options.ts';
import { VibannModel } from '../../src/nn/params.ts';
import type { TrainingArrays } from '../../src/train/trainer.ts';
import { Rng } from '../../src/util/rng.ts';

/** A small network (E = 6) with every block type; options override the defaults. */
export function tinyOptions(over: Partial<VibannOptions> = {}): VibannOptions {
  return resolveVibannOptions({
    nElements: 6,
    latentDim: 3,
    attentionHeads: 2,
    dropout: 0.2,
    compHidden: [8, 5],
    loadHidden: [4],
    headHidden: [5],
    decoderHidden: [6],
    pairwiseHidden: [7],
    fuseHidden: 5,
    ...over,
  });
}

/**
 * A tiny model at a generic point: Glorot kernels, and biases, BatchNorm β and γ − 1 drawn
 * around 0 (at the initialisation itself zero biases, β = 0 and inputs with exact zeros put some
 * ReLUs exactly at their kink, where a finite-difference check is meaningless), plus moving
 * statistics away from 0/1.
 */
export function tinyModel(over: Partial<VibannOptions> = {}, members = 1, seed = 7): VibannModel {
  const m = VibannModel.init(
    tinyOptions(over),
    Array.from({ length: members }, (_, k) => new Rng(seed * 100 + k)),
  );
  const rng = new Rng(`${seed}/generic`);
  for (const [name, v] of m.values) {
    if (name.endsWith('/bias') || name.endsWith('/beta') || name.endsWith('/movingMean')) {
      for (let i = 0; i < v.length; i++) v[i] = 0.2 * rng.normal();
    } else if (name.endsWith('/gamma')) {
      for (let i = 0; i < v.length; i++) v[i] = 1 + 0.2 * rng.normal();
    } else if (name.endsWith('/movingVar')) {
      for (let i = 0; i < v.length; i++) v[i] = 0.5 + rng.uniform();
    }
  }
  return m;
}

/**
 * Synthetic standardised data: n rows of E-element compositions (2–4 elements present), loads,
 * and a smooth hardness function of both, with sample weights around 1.
 */
export function syntheticData(n: number, E: number, seed = 3): TrainingArrays {
  const rng = new Rng(seed);
  const x = new Float32Array(n * E);
  const load = new Float32Array(n);
  const y = new Float32Array(n);
  const w = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const k = 2 + rng.int(3);
    const idx = rng.permutation(E).slice(0, k);
    let s = 0;
    for (const e of idx) {
      const v = 0.1 + rng.uniform();
      x[i * E + e] = v;
      s += v;
    }
    for (const e of idx) x[i * E + e] /= s;
    load[i] = rng.normal();
    let f = 0;
    for (let e = 0; e < E; e++) f += x[i * E + e] * Math.sin(1 + 2 * e);
    y[i] = 2 * f + 0.3 * load[i] + 0.05 * rng.normal();
    w[i] = 0.5 + rng.uniform();
  }
  return { x, load, y, w, nElements: E };
}

/** Max |a − b| / max(|b|, floor) over the arrays. */
export function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>, floor = 1e-3): number {
  let m = 0;
  let scale = floor;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]));
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m / scale;
}
