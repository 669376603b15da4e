/**
 * The trained hardness model: a VIBANN ensemble plus everything needed to use it on raw inputs
 * (element basis, load and HV scalers, preset, split, data checksum, seeds, training history).
 * scikit-learn style: `HardnessModel.fit(…)`, `predict`, `predictWithUncertainty`, `save`,
 * `HardnessModel.load`. It also implements the design pipeline's `DesignModel` (latent space of
 * one member, the "design network"; every hardness prediction uses the whole ensemble).
 *
 * The networks and the scalers are private: tools that look inside the model get a view in
 * physical units (`ensembleView()`, `memberView(k)`, view.ts), and MC predictions come from
 * `predictRows` / `predictWithUncertainty` (fractions, N → HV).
 */

import { basename } from 'node:path';
import type { Composition } from '../chem/composition.ts';
import { type Dataset, rowsX } from '../data/dataset.ts';
import { type LoadRange, loadRangeOf } from '../data/loads.ts';
import {
  LoadScaler,
  type LoadScalerJSON,
  StandardScaler,
  type StandardScalerJSON,
} from '../data/scalers.ts';
import { type Split, type SplitFileJSON, splitToJSON } from '../data/split.ts';
import type { SampleWeighting } from '../data/weights.ts';
import { type BackendInfo, initBackend } from '../nn/backend.ts';
import { loadModel, saveModel } from '../nn/io.ts';
import { resolveVibannOptions, type VibannOptions } from '../nn/options.ts';
import type { VibannModel } from '../nn/params.ts';
import { trainEnsembleParallel } from '../train/parallel.ts';
import {
  preset as getPreset,
  type Preset,
  type PresetName,
  quickCaps,
  type TrainHyper,
} from '../train/presets.ts';
import {
  type EpochEvent,
  type EpochRecord,
  initEnsemble,
  type MemberReport,
} from '../train/trainer.ts';
import { type PredictResult, predictFromSamples, predictMC } from '../uq/predict.ts';
import { InputError } from '../util/errors.ts';
import { VERSION } from '../version.ts';
import { setDescriptorParams } from './descriptors.ts';
import type { DesignModel, McStats } from './design-model.ts';
import {
  blendSamples,
  chooseNeighbour,
  NeighbourBlend,
  type NeighbourBlendJSON,
  type NeighbourParams,
  type OofSamples,
} from './neighbour.ts';
import { memberPlans, prepareArrays } from './prepare.ts';
import { type EnsembleView, ensembleView, type MemberView, memberView } from './view.ts';

export const HARDNESS_MODEL_SCHEMA = 'vibann-hardness-model/1';

export interface FitOptions {
  /** 'default' (CV-tuned, monotone load, neighbour term), 'v2' / 'v1' (earlier defaults) or 'paper' (SPEC §4 exactly). */
  preset: PresetName;
  /** Base seed; member k of seed s is seeded 1000·s + k. */
  seed: number;
  /** Number of seeds: the ensemble is seeds × CV folds networks (default 1). */
  seeds: number;
  /** Smoke run: a few epochs and fewer MC passes. */
  quick?: boolean;
  /** Overrides of the preset's network options (ablations). */
  network?: Partial<VibannOptions>;
  /** Overrides of the preset's training settings (epochs, batch, patience, lr, β). */
  training?: Partial<TrainHyper>;
  /** Override of the preset's sample weights (SPEC §2; ablations). */
  sampleWeights?: SampleWeighting;
  /** Progress callback after every (stacked) epoch. */
  onEpoch?: (e: EpochEvent) => void;
  /**
   * The neighbour term (model/neighbour.ts): these settings (null: none) instead of the preset's
   * choice — e.g. the grouped-CV networks of the uncertainty fit use the model's own.
   */
  neighbour?: NeighbourParams | null;
  /**
   * Each network's training and early-stopping rows (indices into the dataset), replacing the
   * split's CV folds (e.g. the grouped CV of workflows/uncertainty.ts, whose networks must not be
   * early-stopped on the rows they will predict). Seeds as `memberPlans`: 1000·seed + k.
   */
  plans?: { train: readonly number[]; val: readonly number[] }[];
  /**
   * Worker threads the networks are trained on (train/parallel.ts: the members split into
   * contiguous stacks, one per thread; the trained weights are bit-identical for any count).
   * Default 1: in this thread — what a job already running in a worker thread of a pool must use,
   * so that a pool of one job per core does not start more threads than cores. The workflows pass
   * the number of cores (`vibann train --threads`).
   */
  threads?: number;
}

/** What a saved model records besides its weights. */
export interface HardnessModelMeta {
  schema: typeof HARDNESS_MODEL_SCHEMA;
  vibann_version: string;
  created: string;
  elements: string[];
  load_scaler: LoadScalerJSON;
  hv_scaler: StandardScalerJSON;
  /** Loads (N) of the train_fit rows, [min, max] (the load rule, data/loads.ts); absent in older models. */
  load_range?: LoadRange;
  preset: Preset;
  seeds: number[];
  /** Index of the member whose latent space the design uses (lowest validation MSE). */
  design_member: number;
  data: { file: string; sha256: string; rows: number };
  split: SplitFileJSON & { kind: string; description: string };
  training: {
    wall_s: number;
    backend: string;
    /** Worker threads the networks were trained on (absent in models saved before it was recorded). */
    threads?: number;
    members: Omit<MemberReport, 'history'>[];
  };
  history: EpochRecord[][];
  /** The neighbour term (model/neighbour.ts; absent: the network alone). */
  neighbour?: NeighbourBlendJSON;
}

export interface PredictionRequest {
  compositions: readonly Composition[];
  /** Load per composition, N (same length), or one load for all. */
  loads: readonly number[] | number;
}

export interface UncertainPrediction {
  /** μ per row, HV. */
  mean: Float64Array;
  /** σ per row, HV. */
  std: Float64Array;
  /** μ − LCB_Z·σ per row, HV (uq/lcb.ts). */
  lcb: Float64Array;
  /** All MC samples (HV), [(k·S + s)·n + i], when asked for. */
  samples?: Float32Array;
  passes: number;
  members: number;
}

/** Options of an MC-dropout prediction. */
export interface McOptions {
  /** MC passes per member (default: the preset's, SPEC §5: 100). */
  passes?: number;
  /** Seed of the dropout masks (default 1). */
  seed?: number;
  /** Return every sample (HV). */
  returnSamples?: boolean;
  /** Only these members (indices into the ensemble; default all), e.g. one CV fold's network. */
  members?: readonly number[];
  /** The networks alone, without the neighbour term (model/neighbour.ts). */
  network?: boolean;
}

export class HardnessModel implements DesignModel {
  private readonly net: VibannModel;
  readonly meta: HardnessModelMeta;
  private readonly loadScaler: LoadScaler;
  private readonly hvScaler: StandardScaler;
  readonly elements: readonly string[];
  /** The neighbour term, when the model has one. */
  readonly neighbour: NeighbourBlend | null;

  constructor(net: VibannModel, meta: HardnessModelMeta) {
    if (meta.schema !== HARDNESS_MODEL_SCHEMA)
      throw new InputError(`unknown hardness-model schema ${JSON.stringify(meta.schema)}`);
    if (net.options.nElements !== meta.elements.length) {
      throw new InputError(
        `model: ${net.options.nElements} network inputs but ${meta.elements.length} elements in the basis`,
      );
    }
    this.net = net;
    this.meta = meta;
    this.loadScaler = LoadScaler.fromJSON(meta.load_scaler);
    this.hvScaler = StandardScaler.fromJSON(meta.hv_scaler);
    this.elements = meta.elements;
    this.neighbour = meta.neighbour
      ? NeighbourBlend.fromJSON(meta.neighbour, meta.elements.length)
      : null;
    if (this.neighbour && this.neighbour.memberRows.length !== net.nMembers)
      throw new InputError(
        `model: the neighbour term has ${this.neighbour.memberRows.length} members, the ensemble ${net.nMembers}`,
      );
  }

  get latentDim(): number {
    return this.net.options.latentDim;
  }

  /** Best validation RMSE of each member (its early-stopping criterion), HV. */
  validationRmse(): number[] {
    return this.meta.training.members.map((m) => Math.sqrt(m.bestValMse) * this.hvScaler.std);
  }

  /** Networks in the ensemble. */
  get nMembers(): number {
    return this.net.nMembers;
  }

  /** The networks' architecture options (shared by every member). */
  get networkOptions(): Readonly<VibannOptions> {
    return this.net.options;
  }

  /** The whole ensemble in physical units (inference mode, gradients, MC sampler); dispose it. */
  ensembleView(): EnsembleView {
    return ensembleView(this.viewSource());
  }

  /** The latent space of member `member` (default: the design network) in physical units; dispose it. */
  memberView(member: number = this.meta.design_member): MemberView {
    return memberView(this.viewSource(), member);
  }

  private viewSource() {
    return {
      net: this.net,
      loadScaler: this.loadScaler,
      hvScaler: this.hvScaler,
      elements: this.elements,
    };
  }

  /** Train the ensemble of SPEC §4 on `split` of `ds`. */
  static async fit(
    ds: Dataset,
    split: Split,
    o: FitOptions,
  ): Promise<{ model: HardnessModel; backend: BackendInfo }> {
    const backend = await initBackend();
    let p = getPreset(o.preset);
    if (o.quick) p = quickCaps(p);
    p = {
      ...p,
      network: { ...p.network, ...o.network },
      training: { ...p.training, ...o.training },
      // recorded in the model (meta.preset), so that refits of it (the grouped CV) use the same
      sampleWeights: o.sampleWeights ?? p.sampleWeights,
    };
    const prep = prepareArrays(ds, split, p.loadTransform, p.sampleWeights);
    const seeds = Array.from({ length: o.seeds }, (_, i) => o.seed + i);
    const plans = o.plans
      ? o.plans.map((pl, k) => ({
          train: [...pl.train],
          val: [...pl.val],
          seed: 1000 * o.seed + k,
        }))
      : memberPlans(split, seeds);
    let options = resolveVibannOptions({ ...p.network, nElements: ds.elements.length });
    if (options.loadHead === 'meyer') {
      // SPEC §3 load head: Meyer's law is a power law in L, i.e. linear in ln L
      if (p.loadTransform !== 'log')
        throw new InputError(
          `the Meyer load head needs the ln-load scaling (preset '${p.name}' scales the load '${p.loadTransform}')`,
        );
      options = { ...options, hvZero: -prep.hvScaler.mean / prep.hvScaler.std };
    }
    const initial = initEnsemble(
      options,
      plans.map((pl) => pl.seed),
    );
    if (options.descriptors) setDescriptorParams(initial, ds.elements, rowsX(ds, split.trainFit));
    const res = await trainEnsembleParallel(initial, prep.arrays, plans, {
      lr: p.training.lr,
      batchSize: p.training.batchSize,
      maxEpochs: p.training.maxEpochs,
      patience: p.training.patience,
      beta: p.training.beta,
      huberDelta: p.training.huberDelta,
      onEpoch: o.onEpoch,
      threads: o.threads ?? 1,
    });
    let designMember = 0;
    res.members.forEach((m, k) => {
      if (m.bestValMse < res.members[designMember].bestValMse) designMember = k;
    });
    const meta: HardnessModelMeta = {
      schema: HARDNESS_MODEL_SCHEMA,
      vibann_version: VERSION,
      created: new Date().toISOString(),
      elements: [...ds.elements],
      load_scaler: prep.loadScaler.toJSON(),
      hv_scaler: prep.hvScaler.toJSON(),
      load_range: loadRangeOf(ds.load, split.trainFit),
      preset: p,
      seeds,
      design_member: designMember,
      data: { file: basename(ds.source), sha256: ds.sha256, rows: ds.nRows },
      split: { ...splitToJSON(split, ds), kind: split.kind },
      training: {
        wall_s: res.wallS,
        backend: res.backend,
        threads: res.threads,
        members: res.members.map(({ history: _h, ...m }) => m),
      },
      history: res.members.map((m) => m.history),
    };
    const model = new HardnessModel(res.model, meta);
    const nb = await fitNeighbour(model, ds, split, plans, p, o.neighbour);
    return {
      model: nb ? new HardnessModel(res.model, { ...meta, neighbour: nb }) : model,
      backend,
    };
  }

  /**
   * The sub-ensemble of the given members (e.g. one seed's fold networks), with the matching
   * records; scalers, basis and split are shared.
   */
  subset(members: readonly number[]): HardnessModel {
    const m = this.meta;
    const folds = Math.max(1, m.split.cv_folds.length);
    const seeds = [...new Set(members.map((k) => m.seeds[Math.floor(k / folds)]))];
    const best = members.reduce(
      (b, k) => (m.training.members[k].bestValMse < m.training.members[b].bestValMse ? k : b),
      members[0],
    );
    return new HardnessModel(this.net.select([...members]), {
      ...m,
      seeds,
      design_member: members.indexOf(best),
      training: { ...m.training, members: members.map((k) => m.training.members[k]) },
      history: members.map((k) => m.history[k]),
      neighbour: this.neighbour?.subset(members).toJSON(),
    });
  }

  /** Compositions as the network's input rows (an element outside the basis is an error naming it). */
  vectors(compositions: readonly Composition[]): Float32Array {
    const E = this.elements.length;
    const x = new Float32Array(compositions.length * E);
    for (const [i, c] of compositions.entries()) x.set(c.toVector(this.elements), i * E);
    return x;
  }

  private flat(x: readonly ArrayLike<number>[]): Float32Array {
    const E = this.elements.length;
    const out = new Float32Array(x.length * E);
    x.forEach((v, i) => {
      if (v.length !== E)
        throw new InputError(`composition vector ${i} has ${v.length} entries, expected ${E}`);
      out.set(v as ArrayLike<number>, i * E);
    });
    return out;
  }

  /**
   * MC-dropout prediction with ensemble pooling (SPEC §5) of rows x (n × E fractions) at loads
   * (N), in HV; `members` restricts it to a sub-ensemble.
   */
  predictRows(x: Float32Array, loadsN: ArrayLike<number>, o: McOptions = {}): PredictResult {
    const nb = this.neighbour;
    if (!nb || o.network) return this.predictNetwork(x, loadsN, o);
    const n = loadsN.length;
    const p = this.meyerPair(x, loadsN, o);
    const near = nb.neighbours(x, n, nb.rowsOf(o.members));
    const lnL = Float64Array.from(loadsN as ArrayLike<number>, (L) => Math.log(L));
    const res = predictFromSamples(
      blendSamples(p.s1, p.s2, lnL, near, n, p.passes),
      p.nMembers,
      p.passes,
      n,
    );
    if (!o.returnSamples) delete res.samples;
    return res;
  }

  /**
   * The networks' MC samples (HV) of rows x at their loads L (`s1`) and at L·e (`s2`), from one MC
   * computation; both loads of a row share its masks (keyed by composition), so s1/s2 per sample
   * is its Meyer curve's ratio — what the neighbour term (model/neighbour.ts) reads its exponent
   * from. Layout of each: [(k·S + s)·n + i].
   */
  meyerPair(
    x: Float32Array,
    loadsN: ArrayLike<number>,
    o: Omit<McOptions, 'returnSamples' | 'network'> = {},
  ): { s1: Float32Array; s2: Float32Array; nMembers: number; passes: number } {
    const n = loadsN.length;
    const E = this.elements.length;
    const x2 = new Float32Array(2 * n * E);
    x2.set(x.subarray(0, n * E));
    x2.set(x.subarray(0, n * E), n * E);
    const L2 = new Float64Array(2 * n);
    for (let i = 0; i < n; i++) {
      L2[i] = loadsN[i];
      L2[n + i] = loadsN[i] * Math.E;
    }
    const p = this.predictNetwork(x2, L2, { ...o, returnSamples: true });
    const MS = p.nMembers * p.passes;
    const s1 = new Float32Array(MS * n);
    const s2 = new Float32Array(MS * n);
    const all = p.samples as Float32Array;
    for (let m = 0; m < MS; m++) {
      s1.set(all.subarray(m * 2 * n, m * 2 * n + n), m * n);
      s2.set(all.subarray(m * 2 * n + n, (m + 1) * 2 * n), m * n);
    }
    return { s1, s2, nMembers: p.nMembers, passes: p.passes };
  }

  /** `predictRows` of the networks alone. */
  private predictNetwork(
    x: Float32Array,
    loadsN: ArrayLike<number>,
    o: McOptions = {},
  ): PredictResult {
    const load = Float32Array.from(loadsN as ArrayLike<number>, (L) =>
      this.loadScaler.transform(L),
    );
    if (o.members) {
      for (const k of o.members) {
        if (!Number.isInteger(k) || k < 0 || k >= this.net.nMembers)
          throw new InputError(`model: member ${k} does not exist (0 … ${this.net.nMembers - 1})`);
      }
    }
    const net = o.members ? this.net.select([...o.members]) : this.net;
    return predictMC(net, x, load, {
      passes: o.passes ?? this.meta.preset.mcPasses,
      seed: o.seed ?? 1,
      scale: { mean: this.hvScaler.mean, std: this.hvScaler.std },
      returnSamples: o.returnSamples,
    });
  }

  /** μ, σ and LCB (HV) for each composition at its load. */
  predictWithUncertainty(
    req: PredictionRequest,
    o: Omit<McOptions, 'members'> = {},
  ): UncertainPrediction {
    const n = req.compositions.length;
    const loads = typeof req.loads === 'number' ? new Array<number>(n).fill(req.loads) : req.loads;
    if (loads.length !== n)
      throw new InputError(`predict: ${n} compositions but ${loads.length} loads`);
    const r = this.predictRows(this.vectors(req.compositions), loads, o);
    return {
      mean: r.mean,
      std: r.std,
      lcb: r.lcb,
      samples: r.samples,
      passes: r.passes,
      members: r.nMembers,
    };
  }

  /** Point predictions (MC mean), HV. */
  predict(req: PredictionRequest, o: { passes?: number; seed?: number } = {}): Float64Array {
    return this.predictWithUncertainty(req, o).mean;
  }

  // ---- DesignModel -------------------------------------------------------------------------

  async encode(x: readonly ArrayLike<number>[], load: number): Promise<number[][]> {
    if (x.length === 0) return [];
    const view = this.memberView();
    try {
      const z = view.encode(this.flat(x), new Array<number>(x.length).fill(load));
      return rows(z, view.latentDim);
    } finally {
      view.dispose();
    }
  }

  async decode(z: readonly (readonly number[])[]): Promise<number[][]> {
    if (z.length === 0) return [];
    const d = this.latentDim;
    const flat = new Float64Array(z.length * d);
    for (const [i, v] of z.entries()) {
      if (v.length !== d)
        throw new InputError(`latent vector ${i} has ${v.length} entries, expected ${d}`);
      flat.set(v, i * d);
    }
    const view = this.memberView();
    try {
      return rows(view.decode(flat), this.elements.length);
    } finally {
      view.dispose();
    }
  }

  async predictAt(
    x: readonly ArrayLike<number>[],
    load: number,
    passes: number,
    seed: number,
  ): Promise<McStats> {
    return this.statsAt(x, load, { passes, seed });
  }

  /** The MCMC search's prediction (DesignModel): the networks alone, without the neighbour term. */
  async searchAt(
    x: readonly ArrayLike<number>[],
    load: number,
    passes: number,
    seed: number,
  ): Promise<McStats> {
    return this.statsAt(x, load, { passes, seed, network: true });
  }

  private statsAt(x: readonly ArrayLike<number>[], load: number, o: McOptions): McStats {
    const r = this.predictRows(this.flat(x), new Array<number>(x.length).fill(load), o);
    return { mean: r.mean, std: r.std };
  }

  // ---- persistence -------------------------------------------------------------------------

  /** Save to a model directory, atomically replacing it (a failed save keeps the old model). */
  async save(dir: string): Promise<void> {
    await saveModel(dir, this.net, this.meta as unknown as Record<string, unknown>);
  }

  static async load(dir: string): Promise<HardnessModel> {
    await initBackend();
    const { model, extra } = await loadModel<HardnessModelMeta>(dir);
    if (extra?.schema !== HARDNESS_MODEL_SCHEMA) {
      throw new InputError(
        `${dir}: not a vibann hardness model (schema ${JSON.stringify(extra?.schema)})`,
      );
    }
    return new HardnessModel(model, extra);
  }
}

/** A flat row-major array as rows of `width`. */
function rows(flat: Float64Array, width: number): number[][] {
  return Array.from({ length: flat.length / width }, (_, i) =>
    Array.from(flat.subarray(i * width, (i + 1) * width)),
  );
}

/**
 * The neighbour term of a freshly trained model (model/neighbour.ts): with `given` settings, or
 * chosen by CV on the members' out-of-fold predictions when the preset asks for it ('cv'; the
 * members' early-stopping rows are their held-out CV folds). Its training rows are train_fit; each
 * member's are the rows of its plan. Null: the network alone (not a Meyer model, preset 'none', or
 * CV chose none).
 */
export async function fitNeighbour(
  model: HardnessModel,
  ds: Dataset,
  split: Split,
  plans: readonly { train: ArrayLike<number>; val: ArrayLike<number> }[],
  p: Preset,
  given: NeighbourParams | null | undefined,
): Promise<NeighbourBlendJSON | undefined> {
  if (model.networkOptions.loadHead !== 'meyer') return undefined;
  if (given === null || (given === undefined && p.neighbour !== 'cv')) return undefined;
  const E = ds.elements.length;
  const tf = split.trainFit;
  const pos = new Map(tf.map((r, i) => [r, i]));
  const x = rowsX(ds, tf);
  const train = { x, loads: tf.map((r) => ds.load[r]), hv: tf.map((r) => ds.hv[r]) };
  const memberRows = plans.map((pl) =>
    Array.from(pl.train).flatMap((r) => {
      const i = pos.get(r);
      return i === undefined ? [] : [i];
    }),
  );
  let params = given ?? null;
  let cv: NeighbourBlendJSON['cv'];
  if (given === undefined) {
    const oof: OofSamples[] = plans.map((pl, k) => {
      const val = Array.from(pl.val);
      const xv = rowsX(ds, val);
      const loads = val.map((r) => ds.load[r]);
      const { s1, s2 } = model.meyerPair(xv, loads, { members: [k], seed: 1 });
      return { x: xv, loads, y: val.map((r) => ds.hv[r]), rows: memberRows[k], s1, s2 };
    });
    const c = chooseNeighbour(E, train, oof);
    params = c.params;
    cv = { rows: oof.reduce((a, o) => a + o.loads.length, 0), table: c.table };
  }
  if (params === null) return undefined;
  return new NeighbourBlend(
    { params, x: Array.from(x), loads: train.loads, hv: train.hv, member_rows: memberRows, cv },
    E,
  ).toJSON();
}
