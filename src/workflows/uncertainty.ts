/**
 * The model's uncertainty model and domain of applicability (docs/uncertainty.md), shared by the
 * train, predict, evaluate, lofo, design and shift workflows:
 *
 * - `fitUncertainty`: after an ensemble is trained, (1) the latent density (the design network's
 *   latents of train_fit at their own loads, principal frame holding 90 % of the variance, GMM
 *   selected by BIC), (2) the domain model with thresholds from the calibration rows, (3) a grouped
 *   CV: `GROUP_FOLDS` folds of whole element families of train_fit, one network per fold trained
 *   on the other folds (the same preset and options as the model), its MC prediction of the
 *   held-out families = out-of-fold residuals under shift, (4) the four uncertainty methods
 *   compared by nested grouped CV on those residuals and the chosen one fitted on all of them.
 *   Everything goes to `domain.json` in the model directory, so `predict` never reads the dataset.
 * - `readUncertainty`: the saved bundle (null for a model directory without one, or one written
 *   for another training of the directory).
 * - `predictive`: μ, σ_MC, the default σ, the 90 % interval and the LCB of rows.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Dataset } from '../data/dataset.ts';
import type { Split } from '../data/split.ts';
import type { LatentFrame } from '../latent/frame.ts';
import type { GaussianMixture } from '../latent/gmm.ts';
import type { HardnessModel } from '../model/hardness-model.ts';
import { DOMAIN_FILE, DOMAIN_SCHEMA, type DomainFileJSON, readDomainFile } from '../runs/domain.ts';
import type { PresetName } from '../train/presets.ts';
import { type DomainModel, type DomainVerdict, domainReference } from '../uq/domain.ts';
import { LCB_Z } from '../uq/lcb.ts';
import { compareMethods, type ShiftRows, UncertaintyModel } from '../uq/shift.ts';
import { InputError } from '../util/errors.ts';
import { Rng } from '../util/rng.ts';
import { throwIfCancelled, type WorkflowHooks } from './common.ts';

export { DOMAIN_FILE, DOMAIN_SCHEMA, type DomainFileJSON } from '../runs/domain.ts';

/** Family-held-out folds of the grouped CV. */
export const GROUP_FOLDS = 5;

export interface UncertaintyBundle {
  domain: DomainModel;
  latent: { member: number; frame: LatentFrame; gmm: GaussianMixture } | null;
  model: UncertaintyModel;
  file: DomainFileJSON;
}

function rowsX(ds: Dataset, rows: readonly number[]): Float32Array {
  const E = ds.elements.length;
  const x = new Float32Array(rows.length * E);
  rows.forEach((r, i) => {
    x.set(ds.x.subarray(r * E, (r + 1) * E), i * E);
  });
  return x;
}

function trainingRows(ds: Dataset, rows: readonly number[]) {
  return {
    elements: ds.elements,
    x: rowsX(ds, rows),
    loads: rows.map((r) => ds.load[r]),
    hv: rows.map((r) => ds.hv[r]),
    formulas: rows.map((r) => ds.compositions[r].toFormula({ step: 0.1 })),
  };
}

/** Share of a grouped-CV network's remaining rows it is early-stopped on. */
export const GROUP_VAL_FRACTION = 0.2;

/** The grouped CV's folds (indices into the dataset). */
export interface GroupedFolds {
  /** Rows each fold's network predicts: the rows whose element family is assigned to the fold. */
  score: number[][];
  /**
   * Rows each fold's network never sees: every row containing all the elements of one of the
   * fold's families (the family and its supersets, as `lofo --family` and `vibann shift`).
   */
  heldOut: number[][];
  /** Early-stopping rows of each fold's network (a seeded share of the rows not held out). */
  val: number[][];
  /** Training rows of each fold's network (the rest). */
  train: number[][];
}

/**
 * Whole element families of `rows` in `k` folds (seeded; greedy: largest family first, into the
 * fold with the fewest rows to score). Fold f's network is trained without every row that contains
 * all the elements of any of its families, and early-stopped on `GROUP_VAL_FRACTION` of the rest,
 * so its prediction of the fold's rows is blind, with the shift a held-out family brings.
 */
export async function familyFolds(
  ds: Dataset,
  rows: readonly number[],
  k: number,
  rng: Rng,
): Promise<GroupedFolds> {
  const { familyKey } = await import('../data/family.ts');
  const groups = new Map<string, number[]>();
  for (const r of rows) {
    const key = familyKey(ds.compositions[r]);
    const g = groups.get(key);
    if (g) g.push(r);
    else groups.set(key, [r]);
  }
  const fams = rng
    .fork('assign')
    .shuffle([...groups.entries()])
    .sort((a, b) => b[1].length - a[1].length);
  const score: number[][] = Array.from({ length: k }, () => []);
  const famsOf: string[][] = Array.from({ length: k }, () => []);
  for (const [key, f] of fams) {
    const smallest = score.reduce((b, x, i) => (x.length < score[b].length ? i : b), 0);
    score[smallest].push(...f);
    famsOf[smallest].push(key);
  }
  const containsAll = (r: number, els: string[]) => els.every((e) => ds.compositions[r].has(e));
  const heldOut = famsOf.map((keys) => {
    const sets = keys.map((key) => key.split('-'));
    return rows.filter((r) => sets.some((els) => containsAll(r, els)));
  });
  const val: number[][] = [];
  const train: number[][] = [];
  heldOut.forEach((h, f) => {
    const out = new Set(h);
    const rest = rows.filter((r) => !out.has(r));
    const perm = rng.fork(`val-${f}`).shuffle([...rest]);
    const nVal = Math.max(1, Math.round(GROUP_VAL_FRACTION * perm.length));
    if (perm.length - nVal < 2)
      throw new InputError(
        `uncertainty: grouped-CV fold ${f + 1} leaves ${perm.length} training rows; too few to train`,
      );
    val.push(perm.slice(0, nVal).sort((a, b) => a - b));
    train.push(perm.slice(nVal).sort((a, b) => a - b));
  });
  return {
    score: score.map((f) => f.sort((a, b) => a - b)),
    heldOut,
    val,
    train,
  };
}

/** Latent log-densities of rows with the fitted frame and GMM. */
function latentLogp(
  model: HardnessModel,
  latent: NonNullable<UncertaintyBundle['latent']>,
  x: Float32Array,
  loads: ArrayLike<number>,
): Float64Array {
  const view = model.memberView(latent.member);
  try {
    const z = view.encode(x, loads);
    const d = view.latentDim;
    const Z = Array.from({ length: loads.length }, (_, i) =>
      Array.from(z.subarray(i * d, (i + 1) * d)),
    );
    return latent.gmm.logPdf(latent.frame.project(Z));
  } finally {
    view.dispose();
  }
}

export interface FitUncertaintyOptions {
  /** Seed of the grouped-CV folds, the network and the MC passes. */
  seed: number;
  /** Family-held-out folds (default GROUP_FOLDS). */
  groupFolds?: number;
  /** Worker threads the grouped-CV networks are trained on (default 1: in this thread; train/parallel.ts). */
  threads?: number;
}

/** Fit the domain model and the uncertainty model of a trained model (see the module comment). */
export async function fitUncertainty(
  model: HardnessModel,
  ds: Dataset,
  split: Split,
  o: FitUncertaintyOptions,
  hooks: WorkflowHooks = {},
): Promise<DomainFileJSON> {
  return (await fitUncertaintyDetailed(model, ds, split, o, hooks)).file;
}

/** `fitUncertainty` plus the grouped-CV out-of-fold rows and the calibration rows it fitted on. */
export async function fitUncertaintyDetailed(
  model: HardnessModel,
  ds: Dataset,
  split: Split,
  o: FitUncertaintyOptions,
  hooks: WorkflowHooks = {},
): Promise<{ file: DomainFileJSON; oof: ShiftRows; cal: ShiftRows; domain: DomainModel }> {
  const t0 = performance.now();
  const rng = new Rng(`uncertainty-${o.seed}`);
  const passes = model.meta.preset.mcPasses;
  const tf = split.trainFit;
  const cal = split.calibration;
  if (cal.length < 2)
    throw new InputError('uncertainty: the split has fewer than 2 calibration rows');
  // (1) latent density
  const { LatentFrame } = await import('../latent/frame.ts');
  const { GaussianMixture } = await import('../latent/gmm.ts');
  const member = model.meta.design_member;
  const view = model.memberView(member);
  let Z: number[][];
  try {
    const z = view.encode(
      rowsX(ds, tf),
      tf.map((r) => ds.load[r]),
    );
    const d = view.latentDim;
    Z = Array.from({ length: tf.length }, (_, i) => Array.from(z.subarray(i * d, (i + 1) * d)));
  } finally {
    view.dispose();
  }
  const frame = LatentFrame.fit(Z, 0.9);
  const gmm = GaussianMixture.selectByBic(frame.project(Z), {
    kMin: 1,
    kMax: 6,
    nInit: 3,
    rng: rng.fork('gmm'),
  }).best;
  const latent = { member, frame, gmm };
  const trainLogp = gmm.logPdf(frame.project(Z));
  const xc = rowsX(ds, cal);
  const lc = cal.map((r) => ds.load[r]);
  const calLogp = latentLogp(model, latent, xc, lc);
  // (2) domain
  const { DomainModel } = await import('../uq/domain.ts');
  const domain = DomainModel.fit(
    trainingRows(ds, tf),
    { x: xc, loads: lc, logDensity: calLogp },
    trainLogp,
  );
  throwIfCancelled(hooks, 'uncertainty');
  // (3) grouped CV
  const k = o.groupFolds ?? GROUP_FOLDS;
  const folds = await familyFolds(ds, tf, k, rng.fork('folds'));
  const { HardnessModel } = await import('../model/hardness-model.ts');
  const stage = `grouped CV: ${k} networks without whole families`;
  const { model: cv } = await HardnessModel.fit(
    ds,
    { ...split, description: `${split.description}; family-grouped CV folds` },
    {
      preset: model.meta.preset.name as PresetName,
      seed: o.seed,
      seeds: 1,
      network: model.meta.preset.network,
      training: model.meta.preset.training,
      plans: folds.train.map((train, f) => ({ train, val: folds.val[f] })),
      threads: o.threads,
      onEpoch: (e) => {
        throwIfCancelled(hooks, 'grouped CV');
        hooks.onProgress?.({
          stage,
          done: e.epoch,
          total: e.maxEpochs,
          status: `${e.members.filter((m) => m.active).length} active`,
        });
      },
    },
  );
  hooks.onStageEnd?.(stage);
  const oof: { y: number[]; mu: number[]; sigma: number[]; knn: number[]; gap: number[] } = {
    y: [],
    mu: [],
    sigma: [],
    knn: [],
    gap: [],
  };
  const foldOf: number[] = [];
  const oofRows: number[] = [];
  folds.score.forEach((rows, f) => {
    const ref = domainReference(trainingRows(ds, folds.train[f].concat(folds.val[f])));
    const x = rowsX(ds, rows);
    const loads = rows.map((r) => ds.load[r]);
    const p = cv.predictRows(x, loads, { passes, seed: o.seed, members: [f] });
    const feat = ref.features(x, loads);
    rows.forEach((r, i) => {
      oof.y.push(ds.hv[r]);
      oof.mu.push(p.mean[i]);
      oof.sigma.push(p.std[i]);
      oof.knn.push(feat.knn[i]);
      oof.gap.push(feat.gap[i]);
      foldOf.push(f);
      oofRows.push(r);
    });
  });
  const pc = model.predictRows(xc, lc, { passes, seed: o.seed });
  const fc = domain.features(xc, lc);
  const calRows: ShiftRows = {
    y: cal.map((r) => ds.hv[r]),
    mu: pc.mean,
    sigma: pc.std,
    knn: fc.knn,
    gap: fc.gap,
  };
  // (4) comparison and the chosen method
  const cmp = compareMethods(oof, foldOf, calRows);
  const uq = UncertaintyModel.fit(cmp.chosen, oof, calRows);
  hooks.onInfo?.(
    `uncertainty: grouped CV (${k} family folds, ${foldOf.length} rows) chose '${cmp.chosen}' (${cmp.table
      .map(
        (t) =>
          `${t.method}: 90 % coverage ${t.metrics.coverage_90.toFixed(2)}, interval score ${t.metrics.interval_score_90.toFixed(0)}`,
      )
      .join('; ')})`,
  );
  const file: DomainFileJSON = {
    schema: DOMAIN_SCHEMA,
    model_created: model.meta.created,
    domain: domain.toJSON(),
    latent: { member, frame: frame.toJSON(), gmm: gmm.toJSON() },
    uncertainty: uq.toJSON(),
    comparison: { chosen: cmp.chosen, table: cmp.table, folds: k, rows: foldOf.length },
    grouped_cv: {
      wall_s: (performance.now() - t0) / 1000,
      networks: k,
      held_out: folds.heldOut.map((h) => h.length),
      oof: oofRows.map((row, i) => ({ row, fold: foldOf[i], ...savedRow(oof, i) })),
      calibration: cal.map((row, i) => ({ row, ...savedRow(calRows, i) })),
    },
  };
  return { file, oof, cal: calRows, domain };
}

/** Row i of grouped-CV residual columns as domain.json saves it. */
function savedRow(
  r: {
    y: ArrayLike<number>;
    mu: ArrayLike<number>;
    sigma: ArrayLike<number>;
    knn: ArrayLike<number>;
    gap: ArrayLike<number>;
  },
  i: number,
) {
  return { y: r.y[i], mu: r.mu[i], sigma_mc: r.sigma[i], knn: r.knn[i], gap: r.gap[i] };
}

/**
 * The method comparison and the chosen method re-fitted from the grouped-CV rows a domain.json
 * saved (`grouped_cv.oof`, `grouped_cv.calibration`): seconds instead of the grouped CV's
 * networks, e.g. to try a change of uq/shift.ts on the residuals of a trained model
 * (docs/uncertainty.md). InputError for a file written before the rows were saved.
 */
export function refitFromSavedRows(file: DomainFileJSON): {
  table: ReturnType<typeof compareMethods>['table'];
  chosen: ReturnType<typeof compareMethods>['chosen'];
  model: UncertaintyModel;
} {
  const { oof, calibration } = file.grouped_cv;
  if (!oof || !calibration || oof.length === 0 || calibration.length === 0)
    throw new InputError(
      'domain.json has no grouped-CV rows (written before they were saved); run vibann train again',
    );
  const rows = (a: typeof oof): ShiftRows => ({
    y: a.map((r) => r.y),
    mu: a.map((r) => r.mu),
    sigma: a.map((r) => r.sigma_mc),
    knn: a.map((r) => r.knn),
    gap: a.map((r) => r.gap),
  });
  const o = rows(oof);
  const c = rows(calibration);
  const cmp = compareMethods(
    o,
    oof.map((r) => r.fold ?? 0),
    c,
  );
  return { ...cmp, model: UncertaintyModel.fit(cmp.chosen, o, c) };
}

/** Write domain.json into a model directory. */
export async function saveUncertainty(dir: string, doc: DomainFileJSON): Promise<void> {
  const { writeJsonAtomic } = await import('../util/fs.ts');
  await writeJsonAtomic(join(dir, DOMAIN_FILE), doc);
}

/**
 * The bundle of a model directory, or null when it has none (a model trained before domain.json
 * existed) or when it belongs to another training of the directory (`onWarn` says so).
 */
export async function readUncertainty(
  dir: string,
  model: HardnessModel,
  onWarn?: (m: string) => void,
): Promise<UncertaintyBundle | null> {
  const path = join(dir, DOMAIN_FILE);
  if (!existsSync(path)) return null;
  const file = readDomainFile(path);
  if (file.model_created !== model.meta.created) {
    onWarn?.(
      `${path} belongs to another training of this directory (model_created ${file.model_created}, model ${model.meta.created}); ignoring it — run 'vibann train' again`,
    );
    return null;
  }
  const { DomainModel } = await import('../uq/domain.ts');
  const { LatentFrame } = await import('../latent/frame.ts');
  const { GaussianMixture } = await import('../latent/gmm.ts');
  return {
    domain: DomainModel.fromJSON(file.domain),
    latent: file.latent
      ? {
          member: file.latent.member,
          frame: LatentFrame.fromJSON(file.latent.frame),
          gmm: GaussianMixture.fromJSON(file.latent.gmm),
        }
      : null,
    model: UncertaintyModel.fromJSON(file.uncertainty),
    file,
  };
}

/** μ, σ and intervals of rows under the model's default predictive distribution. */
export interface PredictiveRows {
  mean: Float64Array;
  /** MC-dropout + ensemble σ. */
  sigmaMc: Float64Array;
  /** The default σ (= sigmaMc without an uncertainty model). */
  sigma: Float64Array;
  lo90: Float64Array;
  hi90: Float64Array;
  lcb: Float64Array;
  /** Latent log-density per row (null without a bundle). */
  logp: Float64Array | null;
  members: number;
  passes: number;
}

export function predictive(
  model: HardnessModel,
  bundle: UncertaintyBundle | null,
  x: Float32Array,
  loads: ArrayLike<number>,
  o: { passes?: number; seed?: number },
): PredictiveRows {
  const p = model.predictRows(x, loads, { passes: o.passes, seed: o.seed });
  let sigma = p.std;
  let h90: ArrayLike<number> = Float64Array.from(p.std, (s) => 1.6448536269514722 * s);
  let logp: Float64Array | null = null;
  if (bundle) {
    const f = bundle.domain.features(x, loads);
    const pr = bundle.model.apply(p.std, f.knn, f.gap);
    sigma = pr.sigma;
    h90 = pr.halfWidth(0.9);
    if (bundle.latent) logp = latentLogp(model, bundle.latent, x, loads);
  }
  return {
    mean: p.mean,
    sigmaMc: p.std,
    sigma,
    lo90: p.mean.map((m, i) => m - h90[i]),
    hi90: p.mean.map((m, i) => m + h90[i]),
    lcb: p.mean.map((m, i) => m - LCB_Z * sigma[i]),
    logp,
    members: p.nMembers,
    passes: p.passes,
  };
}

/**
 * Domain verdicts of formulas at one load (design candidates): null for each when the model
 * directory has no domain.json.
 */
export async function domainVerdicts(
  dir: string,
  model: HardnessModel,
  formulas: readonly string[],
  load: number,
  onWarn?: (m: string) => void,
): Promise<(DomainVerdict | null)[]> {
  const bundle = await readUncertainty(dir, model, onWarn);
  if (!bundle || formulas.length === 0) return formulas.map(() => null);
  const { Composition } = await import('../chem/composition.ts');
  const x = model.vectors(formulas.map((f) => Composition.parse(f)));
  const loads = formulas.map(() => load);
  const logp = bundle.latent ? latentLogp(model, bundle.latent, x, loads) : null;
  const E = model.elements.length;
  return formulas.map((_, i) =>
    bundle.domain.assess(x.subarray(i * E, (i + 1) * E), load, logp?.[i]),
  );
}

/**
 * The uncertainty fit of a leave-family-out model (lofo trains in a job, below this layer): load
 * the saved model, fit and save domain.json beside it, and evaluate it under the fitted predictive
 * distribution. Null when the model directory does not exist here.
 */
export async function evaluateWithUncertainty(
  modelDir: string,
  ds: Dataset,
  split: Split,
  o: { seed: number; mc?: number; threads?: number },
  hooks: WorkflowHooks = {},
): Promise<import('../eval/evaluate.ts').EvaluationReport | null> {
  if (!existsSync(join(modelDir, 'manifest.json'))) return null;
  const { HardnessModel } = await import('../model/hardness-model.ts');
  const model = await HardnessModel.load(modelDir);
  const u = await fitUncertaintyDetailed(
    model,
    ds,
    split,
    { seed: o.seed, threads: o.threads },
    hooks,
  );
  await saveUncertainty(modelDir, u.file);
  const { evaluateModel } = await import('../eval/evaluate.ts');
  return evaluateModel(model, ds, split, {
    passes: o.mc,
    seed: o.seed,
    uq: { domain: u.domain, model: UncertaintyModel.fromJSON(u.file.uncertainty) },
  });
}
