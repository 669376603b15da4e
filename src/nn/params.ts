/**
 * The parameters of a stacked VIBANN ensemble (SPEC §3), as an explicit named record.
 *
 * Every tensor has a leading model dimension M (the ensemble members; M = 1 for one network):
 * a Dense kernel is [M, in, out], a bias [M, out], BatchNorm γ/β and moving mean/variance
 * [M, width]. The values live in JS Float32Arrays (the source of truth, cheap to snapshot,
 * restore and save); `tensors()` materialises them for a computation.
 */

import { InputError, VibannError } from '../util/errors.ts';
import type { Rng } from '../util/rng.ts';
import { DESC_CONST_COLS, N_DESCRIPTORS } from './descriptors.ts';
import type { VibannOptions } from './options.ts';
import { resolveVibannOptions } from './options.ts';
import * as tf from './tf.ts';

export type ParamInit = 'glorot' | 'zeros' | 'ones';

export interface ParamSpec {
  /** Name, e.g. 'comp0/kernel'. */
  name: string;
  /** Shape of one member's tensor (without the leading M). */
  shape: number[];
  /** Initialiser: Glorot-uniform kernels, zero biases/β/moving mean, unit γ/moving variance (SPEC §3). */
  init: ParamInit;
  /** Glorot: number of column blocks initialised separately (attention: one per head). */
  blocks?: number;
  /** Trainable (false: BatchNorm moving statistics). */
  trainable: boolean;
}

/** A Dense-ReLU-BatchNorm-dropout block of the network. */
export interface BlockSpec {
  name: string;
  inDim: number;
  width: number;
}

export interface Architecture {
  attention: { heads: number; inDim: number } | null;
  comp: BlockSpec[];
  pair: BlockSpec[];
  fuse: BlockSpec | null;
  load: BlockSpec[];
  /** Descriptor branch blocks (empty without `descriptors`). */
  desc: BlockSpec[];
  /** The hardness head ends in Meyer's law (a second Dense 1, 'ise', gives the exponent). */
  meyer: boolean;
  /** Input width of μ / log σ². */
  bottleneckIn: number;
  head: BlockSpec[];
  /** Input width of the final Dense 1 of the hardness head. */
  outIn: number;
  dec: BlockSpec[];
  /** Input width of the final Dense E (softmax) of the decoder. */
  reconIn: number;
  /** Number of pairwise products E(E−1)/2 (pairwise branch only). */
  nPairs: number;
}

function blocks(prefix: string, inDim: number, widths: number[]): BlockSpec[] {
  const out: BlockSpec[] = [];
  let d = inDim;
  widths.forEach((w, i) => {
    out.push({ name: `${prefix}${i}`, inDim: d, width: w });
    d = w;
  });
  return out;
}

const last = (b: BlockSpec[], fallback: number): number =>
  b.length ? b[b.length - 1].width : fallback;

/** Layer structure implied by the options (SPEC §3 and its variants). */
export function architecture(o: VibannOptions): Architecture {
  const E = o.nElements;
  const H = o.attentionHeads;
  const comp = blocks('comp', H > 0 ? H * E : E, o.compHidden);
  const nPairs = (E * (E - 1)) / 2;
  const pair = o.pairwiseBranch ? blocks('pair', nPairs, o.pairwiseHidden) : [];
  const fuse = o.pairwiseBranch
    ? { name: 'fuse', inDim: last(comp, 0) + last(pair, 0), width: o.fuseHidden }
    : null;
  const meyer = o.loadHead === 'meyer';
  // with the Meyer head the load enters only through the law: no load path
  const load = meyer ? [] : blocks('load', 1, o.loadHidden);
  const desc = o.descriptors ? blocks('desc', N_DESCRIPTORS, o.descHidden) : [];
  const encOut = (fuse ? fuse.width : last(comp, 0)) + last(desc, 0);
  const loadOut = last(load, 0);
  const before = o.loadJoin === 'before-bottleneck';
  const bottleneckIn = encOut + (before ? loadOut : 0);
  const headIn = o.latentDim + (before ? 0 : loadOut);
  const head = blocks('head', headIn, o.headHidden);
  const dec = blocks('dec', o.latentDim, o.decoderHidden);
  return {
    attention: H > 0 ? { heads: H, inDim: E } : null,
    comp,
    pair,
    fuse,
    load,
    desc,
    meyer,
    bottleneckIn,
    head,
    outIn: last(head, headIn),
    dec,
    reconIn: last(dec, o.latentDim),
    nPairs,
  };
}

/**
 * Every dropout-bearing block, in network order (its index is the block's noise stream; the
 * descriptor branch comes last so that the streams of the other blocks do not depend on it).
 */
export function allBlocks(a: Architecture): BlockSpec[] {
  return [
    ...a.comp,
    ...a.pair,
    ...(a.fuse ? [a.fuse] : []),
    ...a.load,
    ...a.head,
    ...a.dec,
    ...a.desc,
  ];
}

/** The parameter list (stable order; the order of initialisation and of the weights file). */
export function paramSpecs(o: VibannOptions): ParamSpec[] {
  const a = architecture(o);
  const specs: ParamSpec[] = [];
  const dense = (name: string, i: number, w: number, blocksN = 1) => {
    specs.push({
      name: `${name}/kernel`,
      shape: [i, w],
      init: 'glorot',
      blocks: blocksN,
      trainable: true,
    });
    specs.push({ name: `${name}/bias`, shape: [w], init: 'zeros', trainable: true });
  };
  const block = (b: BlockSpec) => {
    dense(b.name, b.inDim, b.width);
    specs.push({ name: `${b.name}/gamma`, shape: [b.width], init: 'ones', trainable: true });
    specs.push({ name: `${b.name}/beta`, shape: [b.width], init: 'zeros', trainable: true });
    specs.push({ name: `${b.name}/movingMean`, shape: [b.width], init: 'zeros', trainable: false });
    specs.push({ name: `${b.name}/movingVar`, shape: [b.width], init: 'ones', trainable: false });
  };
  if (a.attention)
    dense('att', a.attention.inDim, a.attention.heads * a.attention.inDim, a.attention.heads);
  a.comp.forEach(block);
  a.pair.forEach(block);
  if (a.fuse) block(a.fuse);
  a.load.forEach(block);
  dense('mu', a.bottleneckIn, o.latentDim);
  if (o.bottleneck === 'vib') dense('logvar', a.bottleneckIn, o.latentDim);
  a.head.forEach(block);
  dense('out', a.outIn, 1);
  if (a.meyer) dense('ise', a.outIn, 1);
  a.dec.forEach(block);
  dense('recon', a.reconIn, o.nElements);
  if (a.desc.length) {
    // element constants and train_fit standardisation of the descriptors (set by the model layer)
    specs.push({
      name: 'desc/props',
      shape: [o.nElements, DESC_CONST_COLS],
      init: 'zeros',
      trainable: false,
    });
    specs.push({
      name: 'desc/hmix',
      shape: [o.nElements, o.nElements],
      init: 'zeros',
      trainable: false,
    });
    specs.push({ name: 'desc/shift', shape: [N_DESCRIPTORS], init: 'zeros', trainable: false });
    specs.push({ name: 'desc/scale', shape: [N_DESCRIPTORS], init: 'ones', trainable: false });
    a.desc.forEach(block);
  }
  return specs;
}

const sizeOf = (shape: number[]): number => shape.reduce((p, d) => p * d, 1);

/** Glorot-uniform fill of one member's [in, out] kernel, `nBlocks` column blocks initialised separately. */
function glorot(
  dst: Float32Array,
  offset: number,
  shape: number[],
  nBlocks: number,
  rng: Rng,
): void {
  const [fin, fout] = shape;
  const bw = fout / nBlocks;
  const limit = Math.sqrt(6 / (fin + bw));
  // row-major [in, out]; draw in that order (fine for any block structure: the limit is per block)
  for (let i = 0; i < fin * fout; i++) dst[offset + i] = (2 * rng.uniform() - 1) * limit;
}

export interface VibannModelJSON {
  kind: 'vibann-model';
  options: VibannOptions;
  nMembers: number;
  /** name → base64 of the little-endian Float32 values, [M, ...shape]. */
  tensors: Record<string, string>;
}

/** A stacked ensemble of M VIBANN networks with the same options. */
export class VibannModel {
  readonly options: VibannOptions;
  readonly nMembers: number;
  readonly specs: ParamSpec[];
  /** name → values [M, ...shape] (trainable parameters and BatchNorm moving statistics). */
  readonly values: Map<string, Float32Array>;

  constructor(options: VibannOptions, nMembers: number, values: Map<string, Float32Array>) {
    this.options = resolveVibannOptions(options);
    if (!Number.isInteger(nMembers) || nMembers < 1)
      throw new InputError(`VibannModel: nMembers must be ≥ 1, got ${nMembers}`);
    this.nMembers = nMembers;
    this.specs = paramSpecs(this.options);
    this.values = new Map();
    for (const s of this.specs) {
      const v = values.get(s.name);
      const n = nMembers * sizeOf(s.shape);
      if (!v) throw new VibannError(`VibannModel: missing tensor '${s.name}'`);
      if (v.length !== n) {
        throw new VibannError(
          `VibannModel: tensor '${s.name}' has ${v.length} values, expected ${n} ([${nMembers}, ${s.shape}])`,
        );
      }
      this.values.set(s.name, v);
    }
  }

  /**
   * Fresh seeded initialisation (SPEC §3: Glorot-uniform kernels, per attention head; zero
   * biases; BatchNorm γ 1, β 0, moving mean 0, moving variance 1). Member k draws from
   * `rngs[k]` only, so a member's initial weights do not depend on the other members.
   */
  static init(options: VibannOptions, rngs: Rng[]): VibannModel {
    const o = resolveVibannOptions(options);
    const specs = paramSpecs(o);
    const M = rngs.length;
    const values = new Map<string, Float32Array>();
    for (const s of specs) values.set(s.name, new Float32Array(M * sizeOf(s.shape)));
    for (let k = 0; k < M; k++) {
      for (const s of specs) {
        const n = sizeOf(s.shape);
        const v = values.get(s.name) as Float32Array;
        if (s.init === 'glorot') glorot(v, k * n, s.shape, s.blocks ?? 1, rngs[k]);
        else if (s.init === 'ones') v.fill(1, k * n, (k + 1) * n);
      }
    }
    return new VibannModel(o, M, values);
  }

  /** Per-member parameter count (trainable only). */
  paramCount(): number {
    return this.specs.filter((s) => s.trainable).reduce((p, s) => p + sizeOf(s.shape), 0);
  }

  /** The named tensors [M, ...shape]; the caller owns (disposes) them. */
  tensors(): Record<string, tf.Tensor> {
    const out: Record<string, tf.Tensor> = {};
    for (const s of this.specs)
      out[s.name] = tf.tensor(this.values.get(s.name) as Float32Array, [this.nMembers, ...s.shape]);
    return out;
  }

  /** Member k's values (a copy) as a one-member model. */
  member(k: number): VibannModel {
    return this.select([k]);
  }

  /** A model of the listed members (copies), in that order. */
  select(members: number[]): VibannModel {
    const values = new Map<string, Float32Array>();
    for (const s of this.specs) {
      const n = sizeOf(s.shape);
      const src = this.values.get(s.name) as Float32Array;
      const dst = new Float32Array(members.length * n);
      members.forEach((k, j) => {
        if (!(k >= 0 && k < this.nMembers))
          throw new InputError(`VibannModel.select: no member ${k}`);
        dst.set(src.subarray(k * n, (k + 1) * n), j * n);
      });
      values.set(s.name, dst);
    }
    return new VibannModel(this.options, members.length, values);
  }

  /** Stack models with identical options into one ensemble (members in order). */
  static stack(models: VibannModel[]): VibannModel {
    if (models.length === 0) throw new InputError('VibannModel.stack: no models');
    const o = models[0].options;
    const key = JSON.stringify(o);
    for (const m of models) {
      if (JSON.stringify(m.options) !== key)
        throw new InputError('VibannModel.stack: models have different options');
    }
    const M = models.reduce((p, m) => p + m.nMembers, 0);
    const values = new Map<string, Float32Array>();
    for (const s of models[0].specs) {
      const dst = new Float32Array(M * sizeOf(s.shape));
      let off = 0;
      for (const m of models) {
        const v = m.values.get(s.name) as Float32Array;
        dst.set(v, off);
        off += v.length;
      }
      values.set(s.name, dst);
    }
    return new VibannModel(o, M, values);
  }

  /** A deep copy. */
  clone(): VibannModel {
    const values = new Map<string, Float32Array>();
    for (const [k, v] of this.values) values.set(k, v.slice());
    return new VibannModel(this.options, this.nMembers, values);
  }

  toJSON(): VibannModelJSON {
    const tensors: Record<string, string> = {};
    for (const s of this.specs) {
      const v = this.values.get(s.name) as Float32Array;
      tensors[s.name] = Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
    }
    return { kind: 'vibann-model', options: this.options, nMembers: this.nMembers, tensors };
  }

  static fromJSON(j: VibannModelJSON): VibannModel {
    if (j?.kind !== 'vibann-model')
      throw new InputError('VibannModel.fromJSON: not a vibann-model object');
    const values = new Map<string, Float32Array>();
    for (const [name, b64] of Object.entries(j.tensors)) {
      const buf = Buffer.from(b64, 'base64');
      const copy = new Uint8Array(buf.byteLength);
      copy.set(buf);
      values.set(name, new Float32Array(copy.buffer));
    }
    return new VibannModel(j.options, j.nMembers, values);
  }
}
