/**
 * Training of a stacked VIBANN ensemble (SPEC §4): the members train together in one
 * computation per step (leading model dimension), each on its own rows, batches, shuffles,
 * noise, β controller, Adam state and early stopping; a member that has stopped keeps its best
 * snapshot and leaves the stack while the others continue.
 *
 * Protocol choices shared with the peer (`../shared/bench/peer_torch.py`, README): Adam ε 1e-7;
 * BatchNorm momentum 0.99 in the Keras convention, moving variance updated with the unbiased
 * batch variance (torch); epoch-mean KL/d (and the logged losses) are row-weighted means of the
 * batch means; a trailing batch of 1 row is dropped (BatchNorm cannot train on it); an
 * improvement is a strictly lower weighted validation MSE (standardised units, dropout off,
 * BatchNorm frozen, z = μ); the best weights are restored at the end.
 */

import { backendInfo } from '../nn/backend.ts';
import { N_DESCRIPTORS, standardDescriptors } from '../nn/descriptors.ts';
import { readView } from '../nn/jsKernels.ts';
import { type BatchStat, forward } from '../nn/model.ts';
import type { VibannOptions } from '../nn/options.ts';
import { VibannModel } from '../nn/params.ts';
import { disposeNoise, trainingNoise } from '../nn/sampling.ts';
import * as tf from '../nn/tf.ts';
import { InputError, VibannError } from '../util/errors.ts';
import { Rng } from '../util/rng.ts';
import { type AdamOptions, StackedAdam } from './adam.ts';
import { BetaController, type BetaOptions } from './beta.ts';
import { lossTerms, rowXlogX } from './loss.ts';

/** Standardised training data (the data layer's output), row-major. */
export interface TrainingArrays {
  /** Compositions n × E, rows on the simplex. */
  x: Float32Array;
  /** Standardised load, n. */
  load: Float32Array;
  /** Standardised hardness, n. */
  y: Float32Array;
  /** Sample weights, n (all 1 for `weights: none`). */
  w: Float32Array;
  /** E. */
  nElements: number;
}

/** One member's rows (indices into TrainingArrays) and seed. */
export interface MemberPlan {
  /** Training rows. */
  train: ArrayLike<number>;
  /** Early-stopping validation rows (never calibration or test rows). */
  val: ArrayLike<number>;
  /** Seed of the member's shuffles and noise (peer: 1000·seed + k); init is seeded by the caller. */
  seed: number;
}

export interface TrainOptions {
  /** Adam learning rate (SPEC §4: 1e-4). */
  lr: number;
  /** Mini-batch size (SPEC §4: 16). */
  batchSize: number;
  /** Epoch cap (SPEC §4: 1000). */
  maxEpochs: number;
  /** Early-stopping patience in epochs (SPEC §4: 100). */
  patience: number;
  /** β controller or fixed β. */
  beta: Partial<BetaOptions>;
  /** Adam β₁, β₂, ε (defaults 0.9, 0.999, 1e-7). */
  adam?: Partial<Omit<AdamOptions, 'lr'>>;
  /**
   * Huber threshold δ of the hardness term, standardised units (train/loss.ts); absent: squared
   * error (SPEC §4). Early stopping still compares the validation MSE.
   */
  huberDelta?: number;
  /** Called after every epoch (progress display). */
  onEpoch?: (e: EpochEvent) => void;
  /** Called after every optimisation step with its wall time in ms (benchmarks). */
  onStep?: (ms: number) => void;
}

export interface EpochRecord {
  epoch: number;
  /** Row-weighted epoch mean of the batch weighted hardness loss ρ (standardised; the MSE without δ). */
  hard: number;
  /** Row-weighted epoch mean of the batch weighted reconstruction KL. */
  recon: number;
  /** Row-weighted epoch mean of KL/d (training mode). */
  klPerDim: number;
  /** β used during the epoch. */
  beta: number;
  /** Weighted validation hardness MSE (standardised units), after the epoch. */
  valMse: number;
  /** Wall time of the (stacked) epoch, ms. */
  wallMs: number;
}

export interface MemberReport {
  member: number;
  seed: number;
  nTrain: number;
  nVal: number;
  epochsRun: number;
  bestEpoch: number;
  bestValMse: number;
  stoppedEarly: boolean;
  finalBeta: number;
  /** Sum of the wall times of the stacked epochs this member took part in, s. */
  wallS: number;
  history: EpochRecord[];
}

export interface EpochEvent {
  epoch: number;
  maxEpochs: number;
  elapsedS: number;
  members: {
    member: number;
    active: boolean;
    record: EpochRecord | null;
    bestEpoch: number;
    bestValMse: number;
  }[];
}

export interface TrainResult {
  /** The ensemble with every member's best weights restored. */
  model: VibannModel;
  members: MemberReport[];
  wallS: number;
  backend: string;
}

const sizeOf = (shape: number[]): number => shape.reduce((p, d) => p * d, 1);

function checkArrays(d: TrainingArrays): number {
  const E = d.nElements;
  if (!Number.isInteger(E) || E < 2)
    throw new InputError(`TrainingArrays.nElements must be an integer ≥ 2, got ${E}`);
  const n = d.y.length;
  if (d.x.length !== n * E)
    throw new InputError(`TrainingArrays.x has ${d.x.length} values, expected ${n}×${E}`);
  if (d.load.length !== n || d.w.length !== n)
    throw new InputError('TrainingArrays: load, y and w must have the same length');
  return n;
}

/** Split shuffled rows into batches; drop a trailing batch of 1 row (BatchNorm cannot train on it). */
function makeBatches(perm: number[], bs: number): number[][] {
  const out: number[][] = [];
  for (let s = 0; s < perm.length; s += bs) out.push(perm.slice(s, s + bs));
  if (out.length > 1 && out[out.length - 1].length === 1) out.pop();
  return out;
}

/** BatchNorm moving statistics (Keras momentum; unbiased batch variance, as torch). */
function emaUpdate(
  mm: Float32Array,
  mv: Float32Array,
  mean: Float32Array,
  variance: Float32Array,
  stack: number[],
  counts: number[],
  M: number,
  mom: number,
): void {
  const w = mm.length / M;
  for (let j = 0; j < stack.length; j++) {
    const c = counts[j];
    if (c === 0) continue;
    const k = stack[j];
    const unb = c > 1 ? c / (c - 1) : 1;
    for (let u = 0; u < w; u++) {
      const q = k * w + u;
      mm[q] = mom * mm[q] + (1 - mom) * mean[j * w + u];
      mv[q] = mom * mv[q] + (1 - mom) * variance[j * w + u] * unb;
    }
  }
}

/**
 * Gather the stacked batch: member j's rows into slot j. A member with fewer rows than the widest
 * member of the step is padded with copies of its first row of the step (of `pad[j]`, a row of its
 * own, when it has no row in this step), with loss and batch-norm weights 0 (batch-norm weights 1/B
 * when the member has no row: its slot is computed but not used), and, from
 * `trainingNoise`, dropout masks and ε 0. A padding row must give finite values, since its zero
 * weights only cancel finite terms (an all-zero composition gave an infinite δ descriptor, and
 * 0 · ∞ turned the member's descriptor-branch gradient into NaN), so a member's step is the same
 * whatever the other members of its stack are (train/parallel.ts relies on it), and no slot of the
 * step holds NaN or ∞.
 */
function fillBatch(
  data: TrainingArrays,
  xlogx: Float64Array,
  rows: number[][],
  pad: number[],
  B: number,
  E: number,
  xb: Float32Array,
  lb: Float32Array,
  yb: Float32Array,
  aLoss: Float32Array,
  aMean: Float32Array,
  bnW: Float32Array,
  xl: Float32Array,
): void {
  for (let j = 0; j < rows.length; j++) {
    const r = rows[j];
    const inv = r.length > 0 ? 1 / r.length : 0;
    for (let b = 0; b < r.length; b++) {
      const i = r[b];
      const q = j * B + b;
      xb.set(data.x.subarray(i * E, (i + 1) * E), q * E);
      lb[q] = data.load[i];
      yb[q] = data.y[i];
      aLoss[q] = data.w[i] * inv;
      aMean[q] = inv;
      bnW[q] = inv;
      xl[q] = xlogx[i];
    }
    const i = r.length > 0 ? r[0] : pad[j];
    for (let b = r.length; b < B; b++) {
      const q = j * B + b;
      // a member without rows in this step: batch-norm statistics of its B identical padding rows
      // (variance ~0, finite outputs) instead of none (1/√ε-scaled raw activations)
      if (r.length === 0) bnW[q] = 1 / B;
      xb.set(data.x.subarray(i * E, (i + 1) * E), q * E);
      lb[q] = data.load[i];
      yb[q] = data.y[i];
      xl[q] = xlogx[i];
    }
  }
}

/** Member seeds as in the peer: network k of seed s uses 1000·s + k. */
export function memberSeeds(seed: number, nMembers: number): number[] {
  return Array.from({ length: nMembers }, (_, k) => 1000 * seed + k);
}

/** A freshly initialised stacked model, member k seeded by `seeds[k]` (stream 'init'). */
export function initEnsemble(options: VibannOptions, seeds: number[]): VibannModel {
  return VibannModel.init(
    options,
    seeds.map((s) => new Rng(s).fork('init')),
  );
}

/**
 * The descriptor branch's standardised descriptors of every data row for every member ([M, n, 15]
 * flat), or null without the branch. In training no gradient reaches x, so the descriptors are
 * constants of a row: computed here once by `standardDescriptors` (the same ops, row by row, as
 * inside the forward pass; the per-member constants `desc/*` are not trained) and gathered per
 * step by `gatherDescriptors` instead of being recomputed for every batch.
 */
export function rowDescriptors(model: VibannModel, data: TrainingArrays): Float32Array | null {
  if (!model.options.descriptors) return null;
  const names = ['desc/props', 'desc/hmix', 'desc/shift', 'desc/scale'];
  const specs = names.map((name) => {
    const s = model.specs.find((t) => t.name === name);
    if (!s) throw new VibannError(`trainEnsemble: the model has no '${name}'`);
    return s;
  });
  const members = Array.from({ length: model.nMembers }, (_, k) => k);
  const n = data.load.length;
  const E = data.nElements;
  const ts = uploadMembers(model, specs, members);
  try {
    const d = tf.tidy(() =>
      standardDescriptors(tf.tensor3d(data.x, [1, n, E]), ts[0], ts[1], ts[2], ts[3]),
    );
    const out = d.dataSync() as Float32Array;
    d.dispose();
    return out;
  } finally {
    tf.dispose(ts);
  }
}

/** One step's descriptors [Ms, B, 15] from `rowDescriptors`, padded as `fillBatch` pads x. */
export function gatherDescriptors(
  desc: Float32Array,
  n: number,
  stack: readonly number[],
  rows: readonly number[][],
  pads: readonly number[],
  B: number,
): Float32Array {
  const D = N_DESCRIPTORS;
  const out = new Float32Array(stack.length * B * D);
  stack.forEach((k, j) => {
    const r = rows[j];
    for (let b = 0; b < B; b++) {
      const i = b < r.length ? r[b] : r.length > 0 ? r[0] : pads[j];
      out.set(desc.subarray((k * n + i) * D, (k * n + i + 1) * D), (j * B + b) * D);
    }
  });
  return out;
}

/** Upload the listed members' values of the named tensors as [Ms, ...shape]. */
function uploadMembers(
  model: VibannModel,
  names: { name: string; shape: number[] }[],
  members: number[],
): tf.Tensor[] {
  const M = model.nMembers;
  const all = members.length === M && members.every((k, i) => k === i);
  return names.map(({ name, shape }) => {
    const v = model.values.get(name) as Float32Array;
    if (all) return tf.tensor(v, [M, ...shape]);
    const n = sizeOf(shape);
    const buf = new Float32Array(members.length * n);
    members.forEach((k, j) => {
      buf.set(v.subarray(k * n, (k + 1) * n), j * n);
    });
    return tf.tensor(buf, [members.length, ...shape]);
  });
}

/**
 * Train the members of `model` (M = plans.length) together. The model is not modified; the
 * result holds a trained copy with the best weights of each member.
 */
export async function trainEnsemble(
  initial: VibannModel,
  data: TrainingArrays,
  plans: MemberPlan[],
  opts: TrainOptions,
): Promise<TrainResult> {
  const n = checkArrays(data);
  const M = plans.length;
  if (M !== initial.nMembers)
    throw new InputError(`trainEnsemble: ${M} plans for a model of ${initial.nMembers} members`);
  if (initial.options.nElements !== data.nElements) {
    throw new InputError(
      `trainEnsemble: the model has ${initial.options.nElements} elements, the data ${data.nElements}`,
    );
  }
  if (!(opts.batchSize >= 2)) throw new InputError(`batchSize must be ≥ 2, got ${opts.batchSize}`);
  if (opts.huberDelta !== undefined && !(opts.huberDelta >= 0 && Number.isFinite(opts.huberDelta)))
    throw new InputError(`huberDelta must be a finite number ≥ 0, got ${opts.huberDelta}`);
  for (const [k, p] of plans.entries()) {
    if (p.train.length < 2) throw new InputError(`member ${k}: needs at least 2 training rows`);
    if (p.val.length < 1) throw new InputError(`member ${k}: needs at least 1 validation row`);
    for (const r of [...Array.from(p.train), ...Array.from(p.val)]) {
      if (!(Number.isInteger(r) && r >= 0 && r < n))
        throw new InputError(`member ${k}: row index ${r} out of range 0..${n - 1}`);
    }
  }
  const o = initial.options;
  const E = data.nElements;
  const model = initial.clone();
  const best = initial.clone();
  const trainable = model.specs.filter((s) => s.trainable);
  const stateSpecs = model.specs.filter((s) => !s.trainable);
  const adam = new StackedAdam({ ...opts.adam, lr: opts.lr }, M);
  const ctrls = plans.map(() => new BetaController(opts.beta));
  const shuffles = plans.map((p) => new Rng(p.seed).fork('shuffle'));
  const noises = plans.map((p) => new Rng(p.seed).fork('noise'));
  const xlogx = rowXlogX(data.x, E);
  const trainRows = plans.map((p) => Array.from(p.train));
  const valRows = plans.map((p) => Array.from(p.val));
  const desc = rowDescriptors(model, data);
  const reports: MemberReport[] = plans.map((p, k) => ({
    member: k,
    seed: p.seed,
    nTrain: trainRows[k].length,
    nVal: valRows[k].length,
    epochsRun: 0,
    bestEpoch: 0,
    bestValMse: Number.POSITIVE_INFINITY,
    stoppedEarly: false,
    finalBeta: ctrls[k].beta,
    wallS: 0,
    history: [],
  }));
  const wait = new Array(M).fill(0);
  let active = plans.map((_, k) => k);
  const mom = o.bnMomentum;
  const t0 = performance.now();

  let valCache: {
    key: string;
    x: tf.Tensor;
    load: tf.Tensor;
    desc?: tf.Tensor;
    V: number;
  } | null = null;
  const disposeVal = () => {
    if (valCache) {
      valCache.x.dispose();
      valCache.load.dispose();
      valCache.desc?.dispose();
      valCache = null;
    }
  };

  try {
    for (let epoch = 1; epoch <= opts.maxEpochs && active.length > 0; epoch++) {
      const te = performance.now();
      const stack = active.slice();
      const Ms = stack.length;
      const batches = stack.map((k) =>
        makeBatches(
          shuffles[k].permutation(trainRows[k].length).map((i) => trainRows[k][i]),
          opts.batchSize,
        ),
      );
      const nSteps = Math.max(...batches.map((b) => b.length));
      const pads = stack.map((k) => trainRows[k][0]);
      const sums = stack.map(() => [0, 0, 0]);
      const seen = stack.map(() => 0);
      for (let t = 0; t < nSteps; t++) {
        const ts = opts.onStep ? performance.now() : 0;
        const rows = batches.map((b) => b[t] ?? []);
        const counts = rows.map((r) => r.length);
        const B = Math.max(...counts);
        const xb = new Float32Array(Ms * B * E);
        const lb = new Float32Array(Ms * B);
        const yb = new Float32Array(Ms * B);
        const aLoss = new Float32Array(Ms * B);
        const aMean = new Float32Array(Ms * B);
        const bnW = new Float32Array(Ms * B);
        const xl = new Float32Array(Ms * B);
        fillBatch(data, xlogx, rows, pads, B, E, xb, lb, yb, aLoss, aMean, bnW, xl);
        const db = desc ? gatherDescriptors(desc, n, stack, rows, pads, B) : null;
        const betas = new Float32Array(stack.map((k) => ctrls[k].beta));
        const seeds = stack.map((k, j) => (counts[j] > 0 ? noises[k].nextSeed() : 0));
        const ragged = counts.some((c) => c !== B);
        const paramTs = uploadMembers(model, trainable, stack);
        const stateTs = uploadMembers(model, stateSpecs, stack);
        const noise = trainingNoise(o, B, seeds, counts);
        const x = tf.tensor3d(xb, [Ms, B, E]);
        const load = tf.tensor3d(lb, [Ms, B, 1]);
        const descT = db ? tf.tensor3d(db, [Ms, B, N_DESCRIPTORS]) : undefined;
        const y = tf.tensor2d(yb, [Ms, B]);
        const rowLoss = tf.tensor2d(aLoss, [Ms, B]);
        const rowMean = tf.tensor2d(aMean, [Ms, B]);
        const rowWeights = ragged ? tf.tensor3d(bnW, [Ms, 1, B]) : undefined;
        const xlT = tf.tensor2d(xl, [Ms, B]);
        const betaT = tf.tensor1d(betas);
        let parts: tf.Tensor | null = null;
        let stats: Record<string, BatchStat> = {};
        let gradData: Float32Array[] = [];
        let gradTs: tf.Tensor[] = [];
        try {
          const f = (...ts: tf.Tensor[]): tf.Scalar => {
            const params: Record<string, tf.Tensor> = {};
            trainable.forEach((s, i) => {
              params[s.name] = ts[i];
            });
            stateSpecs.forEach((s, i) => {
              params[s.name] = stateTs[i];
            });
            const out = forward(
              { options: o, params },
              { x, load, desc: descT },
              { training: true, noise, rowWeights },
            );
            const lt = lossTerms(out, {
              x,
              y,
              rowLoss,
              rowMean,
              xlogx: xlT,
              beta: betaT,
              huberDelta: opts.huberDelta,
            });
            parts = tf.keep(lt.parts);
            stats = {};
            for (const [name, s] of Object.entries(out.batchStats)) {
              stats[name] = { mean: tf.keep(s.mean), variance: tf.keep(s.variance) };
            }
            return lt.total as tf.Scalar;
          };
          const { value, grads } = tf.valueAndGrads(f)(paramTs);
          value.dispose();
          const pd = (parts as tf.Tensor | null)?.dataSync() ?? new Float32Array(Ms * 3);
          // the gradients are read in place (views of the backend's memory; nothing allocates
          // tensors until the Adam updates below are done), then disposed in `finally`
          gradTs = grads;
          gradData = grads.map((g) => readView(g));
          // Adam per member with rows in this step
          for (let j = 0; j < Ms; j++) {
            if (counts[j] === 0) continue;
            const k = stack[j];
            adam.beginStep(k);
            trainable.forEach((s, i) => {
              adam.apply(
                s.name,
                model.values.get(s.name) as Float32Array,
                k,
                gradData[i],
                j * sizeOf(s.shape),
              );
            });
            for (let c = 0; c < 3; c++) sums[j][c] += pd[j * 3 + c] * counts[j];
            seen[j] += counts[j];
          }
          // BatchNorm moving statistics (Keras momentum; unbiased variance as torch)
          for (const [name, s] of Object.entries(stats)) {
            emaUpdate(
              model.values.get(`${name}/movingMean`) as Float32Array,
              model.values.get(`${name}/movingVar`) as Float32Array,
              s.mean.dataSync() as Float32Array,
              s.variance.dataSync() as Float32Array,
              stack,
              counts,
              M,
              mom,
            );
          }
        } finally {
          (parts as tf.Tensor | null)?.dispose();
          tf.dispose(gradTs);
          for (const s of Object.values(stats)) {
            s.mean.dispose();
            s.variance.dispose();
          }
          tf.dispose([...paramTs, ...stateTs, x, load, y, rowLoss, rowMean, xlT, betaT]);
          rowWeights?.dispose();
          descT?.dispose();
          disposeNoise(noise);
        }
        opts.onStep?.(performance.now() - ts);
      }
      // epoch records and β updates
      const recs: EpochRecord[] = stack.map((k, j) => {
        const r = seen[j] || 1;
        return {
          epoch,
          hard: sums[j][0] / r,
          recon: sums[j][1] / r,
          klPerDim: sums[j][2] / r,
          beta: ctrls[k].beta,
          valMse: Number.NaN,
          wallMs: 0,
        };
      });
      stack.forEach((k, j) => {
        ctrls[k].update(recs[j].klPerDim);
      });
      // validation (weighted hardness MSE, inference mode)
      const key = stack.join(',');
      if (!valCache || valCache.key !== key) {
        disposeVal();
        const V = Math.max(...stack.map((k) => valRows[k].length));
        const xv = new Float32Array(Ms * V * E);
        const lv = new Float32Array(Ms * V);
        // a member with fewer validation rows is padded with copies of its first (finite
        // compositions, as in fillBatch; the padding rows' predictions are not read)
        stack.forEach((k, j) => {
          const vr = valRows[k];
          for (let b = 0; b < V; b++) {
            const i = vr[b < vr.length ? b : 0];
            xv.set(data.x.subarray(i * E, (i + 1) * E), (j * V + b) * E);
            lv[j * V + b] = data.load[i];
          }
        });
        // padded as xv above: the rows past a member's own repeat its first
        const vals = stack.map((k) => valRows[k]);
        const dv = desc
          ? gatherDescriptors(
              desc,
              n,
              stack,
              vals,
              vals.map((r) => r[0]),
              V,
            )
          : null;
        valCache = {
          key,
          x: tf.tensor3d(xv, [Ms, V, E]),
          load: tf.tensor3d(lv, [Ms, V, 1]),
          desc: dv ? tf.tensor3d(dv, [Ms, V, N_DESCRIPTORS]) : undefined,
          V,
        };
      }
      const vc = valCache;
      const yhat = tf.tidy(() => {
        const ts = uploadMembers(model, model.specs, stack);
        const params: Record<string, tf.Tensor> = {};
        model.specs.forEach((s, i) => {
          params[s.name] = ts[i];
        });
        return forward(
          { options: o, params },
          { x: vc.x, load: vc.load, desc: vc.desc },
          { training: false, decoder: false },
        ).yhat;
      });
      const yh = yhat.dataSync();
      yhat.dispose();
      stack.forEach((k, j) => {
        let s = 0;
        valRows[k].forEach((i, b) => {
          const e = data.y[i] - yh[j * vc.V + b];
          s += data.w[i] * e * e;
        });
        recs[j].valMse = s / valRows[k].length;
      });
      const wallMs = performance.now() - te;
      const stopped: number[] = [];
      stack.forEach((k, j) => {
        const rec = recs[j];
        rec.wallMs = wallMs;
        const rep = reports[k];
        rep.history.push(rec);
        rep.epochsRun = epoch;
        rep.wallS += wallMs / 1000;
        rep.finalBeta = ctrls[k].beta;
        if (rec.valMse < rep.bestValMse) {
          rep.bestValMse = rec.valMse;
          rep.bestEpoch = epoch;
          wait[k] = 0;
          for (const s of model.specs) {
            const len = sizeOf(s.shape);
            (best.values.get(s.name) as Float32Array).set(
              (model.values.get(s.name) as Float32Array).subarray(k * len, (k + 1) * len),
              k * len,
            );
          }
        } else {
          wait[k]++;
        }
        if (wait[k] >= opts.patience) {
          rep.stoppedEarly = true;
          stopped.push(k);
        }
      });
      if (stopped.length) active = active.filter((k) => !stopped.includes(k));
      opts.onEpoch?.({
        epoch,
        maxEpochs: opts.maxEpochs,
        elapsedS: (performance.now() - t0) / 1000,
        members: reports.map((r, k) => {
          const j = stack.indexOf(k);
          return {
            member: k,
            active: active.includes(k),
            record: j >= 0 ? recs[j] : null,
            bestEpoch: r.bestEpoch,
            bestValMse: r.bestValMse,
          };
        }),
      });
      await new Promise((r) => setImmediate(r));
    }
  } finally {
    disposeVal();
  }
  for (const r of reports) {
    if (r.bestEpoch === 0)
      throw new VibannError(
        `member ${r.member}: the validation MSE was never finite; training diverged`,
      );
  }
  return {
    model: best,
    members: reports,
    wallS: (performance.now() - t0) / 1000,
    backend: backendInfo()?.backend ?? tf.getBackend(),
  };
}
