/** A HardnessModel around an untrained tiny ensemble, for the model-view, explain and latent tests. */
import {
  HARDNESS_MODEL_SCHEMA,
  HardnessModel,
  type HardnessModelMeta,
} from '../../src/model/hardness-model.ts';
import type { VibannOptions } from '../../src/nn/options.ts';
import type { VibannModel } from '../../src/nn/params.ts';
import { Rng } from '../../src/util/rng.ts';
import { tinyModel } from '../nn/helpers.ts';

export const TINY_ELEMENTS = ['Al', 'B', 'Cu', 'Fe', 'Nb', 'Zr'];

export interface TinyOptions {
  /** HV scaler (default mean 900, std 300). */
  hv?: { mean: number; std: number };
  /** Load scaler (default ln L, mean 0.3, std 1.2). */
  load?: { transform: 'log' | 'linear'; mean: number; std: number };
  /** Network option overrides (default: dropout 0.2). */
  network?: Partial<VibannOptions>;
}

/** The raw 3-network ensemble (E = 6, d = 3) the tiny model wraps (deterministic weights). */
export function tinyNet(o: TinyOptions = {}): VibannModel {
  return tinyModel({ dropout: 0.2, ...o.network }, 3, 11);
}

/** A HardnessModel around `tinyNet(o)`; the design network is member 1. */
export function tinyHardnessModel(o: TinyOptions = {}): HardnessModel {
  const hv = o.hv ?? { mean: 900, std: 300 };
  const load = o.load ?? { transform: 'log', mean: 0.3, std: 1.2 };
  const meta = {
    schema: HARDNESS_MODEL_SCHEMA,
    elements: TINY_ELEMENTS,
    load_scaler: { kind: 'load', ...load },
    hv_scaler: { kind: 'standard', mean: hv.mean, std: hv.std },
    design_member: 1,
    preset: { mcPasses: 8 },
  } as unknown as HardnessModelMeta;
  return new HardnessModel(tinyNet(o), meta);
}

/** Random compositions (2–4 elements each) as n × 6 fractions. */
export function compositions(n: number, seed: string): Float64Array {
  const rng = new Rng(seed);
  const x = new Float64Array(n * 6);
  for (let i = 0; i < n; i++) {
    const idx = rng.permutation(6).slice(0, 2 + rng.int(3));
    let s = 0;
    for (const j of idx) {
      x[i * 6 + j] = 0.1 + rng.uniform();
      s += x[i * 6 + j];
    }
    for (const j of idx) x[i * 6 + j] /= s;
  }
  return x;
}
