/**
 * The computational part of the model's uncertainty fit (docs/uncertainty.md), in the jobs layer so
 * that a study's job (a lofo-fold, a shift-split) fits it in its own worker right after training
 * the ensemble; src/workflows/uncertainty.ts wraps it for `vibann train` and reads it back for
 * predict, evaluate and design (one implementation):
 *
 * - `fitUncertaintyDetailed`: after an ensemble is trained, (1) the latent density (the design
 *   network's latents of train_fit at their own loads, principal frame holding 90 % of the
 *   variance, GMM selected by BIC), (2) the domain model with thresholds from the calibration rows,
 *   (3) a grouped CV: `GROUP_FOLDS` folds of whole element families of train_fit, one network per
 *   fold trained on the other folds (the same preset and options as the model), its MC prediction
 *   of the held-out families = out-of-fold residuals under shift, (4) the four uncertainty methods
 *   compared by nested grouped CV on those residuals and the chosen one fitted on all of them.
 *   Everything goes into the `domain.json` document (`saveUncertainty`), so `predict` never reads
 *   the dataset.
 * - `evaluateWithUncertaintyFit`: fit, save beside the model and evaluate the model under the
 *   fitted predictive distribution (what a leave-family-out fold reports).
 */
import { join } from 'node:path';
import { type Dataset, rowsX } from '../data/dataset.ts';
import type { Split } from '../data/split.ts';
import type { EvaluationReport } from '../eval/evaluate.ts';
import type { LatentFrame } from '../latent/frame.ts';
import type { GaussianMixture } from '../latent/gmm.ts';
import { quantile } from '../math/quantile.ts';
import type { HardnessModel } from '../model/hardness-model.ts';
import { DOMAIN_FILE, DOMAIN_SCHEMA, type DomainFileJSON } from '../runs/domain.ts';
import type { PresetName } from '../train/presets.ts';
import { type DomainModel, domainReference } from '../uq/domain.ts';
import { compareMethods, type ShiftRows, UncertaintyModel } from '../uq/shift.ts';
import { InputError } from '../util/errors.ts';
import { Rng } from '../util/rng.ts';

/** Family-held-out folds of the grouped CV. */
export const GROUP_FOLDS = 5;

/**
 * The regime folds of the grouped CV, beside the family folds: the shifts other than a new family
 * that a user meets and the shift benchmark measures (docs/uncertainty.md §2), simulated inside
 * train_fit —
 * - 'hardest': the rows above the 90th HV percentile of train_fit (a harder alloy than any seen);
 * - 'load-low': the rows within a factor 4 of the lowest load of train_fit (a lower-load regime);
 * - 'load-high': the rows within a factor 4 of the highest load of train_fit (a higher-load regime).
 * (On the reference data: the 0.01 N rows, and the rows at ≥ 4.9 N; without the 0.01 N rows, as in
 * the shift benchmark's load-low split, the low regime is the rows at 0.1–0.29 N.)
 * A regime is skipped when it has fewer than `REGIME_MIN_ROWS` rows or leaves fewer than half of
 * train_fit to train on.
 */
export const REGIME_FOLDS = ['hardest', 'load-low', 'load-high'] as const;
export type RegimeFold = (typeof REGIME_FOLDS)[number];
/** Fewest rows a regime fold scores. */
export const REGIME_MIN_ROWS = 5;
/** A load regime fold: the rows within this factor of the lowest (highest) training load. */
export const REGIME_LOAD_FACTOR = 4;
/** Quantile of train_fit HV above which a row is in the 'hardest' regime fold. */
export const HARDEST_QUANTILE = 0.9;

/** The latent density of a model's uncertainty bundle (its design member's latents). */
export interface LatentDensity {
  member: number;
  frame: LatentFrame;
  gmm: GaussianMixture;
}

/**
 * How the fit reports to its caller (a workflow's hooks, or a job's context): progress of the
 * grouped-CV training, the end of that stage, a summary line, and a cancellation check that throws
 * the caller's cancellation error.
 */
export interface FitHooks {
  onProgress?(e: { stage: string; done: number; total: number; status?: string }): void;
  onStageEnd?(stage: string): void;
  onInfo?(message: string): void;
  /** Throw when the caller has been cancelled (called after every grouped-CV epoch). */
  checkCancelled?(what: string): void;
}

export function trainingRows(ds: Dataset, rows: readonly number[]) {
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
  /** What each fold holds out: 'family' or a regime (`REGIME_FOLDS`). */
  kinds: ('family' | RegimeFold)[];
}

/** A seeded early-stopping share of the rows not held out, and the rest to train on. */
function valTrain(rows: readonly number[], heldOut: readonly number[], rng: Rng, label: string) {
  const out = new Set(heldOut);
  const rest = rows.filter((r) => !out.has(r));
  const perm = rng.shuffle([...rest]);
  const nVal = Math.max(1, Math.round(GROUP_VAL_FRACTION * perm.length));
  if (perm.length - nVal < 2)
    throw new InputError(
      `uncertainty: grouped-CV fold ${label} leaves ${perm.length} training rows; too few to train`,
    );
  return {
    val: perm.slice(0, nVal).sort((a, b) => a - b),
    train: perm.slice(nVal).sort((a, b) => a - b),
  };
}

/** The rows of `rows` in one regime (`REGIME_FOLDS`; empty when the regime is skipped). */
export function regimeRows(ds: Dataset, rows: readonly number[], kind: RegimeFold): number[] {
  let sel: number[];
  if (kind === 'hardest') {
    const q = quantile(
      rows.map((r) => ds.hv[r]),
      HARDEST_QUANTILE,
    );
    sel = rows.filter((r) => ds.hv[r] > q);
  } else {
    const loads = rows.map((r) => ds.load[r]);
    const lmin = Math.min(...loads);
    const lmax = Math.max(...loads);
    sel =
      kind === 'load-low'
        ? rows.filter((r) => ds.load[r] <= lmin * REGIME_LOAD_FACTOR)
        : rows.filter((r) => ds.load[r] >= lmax / REGIME_LOAD_FACTOR);
  }
  return sel.length >= REGIME_MIN_ROWS && sel.length <= rows.length / 2
    ? [...sel].sort((a, b) => a - b)
    : [];
}

/**
 * The regime folds (`REGIME_FOLDS`) of `rows`, appended to family folds: each scores and holds out
 * its regime's rows and is early-stopped on a seeded share of the rest. Skipped regimes are left out.
 */
export function withRegimeFolds(
  ds: Dataset,
  rows: readonly number[],
  folds: GroupedFolds,
  kinds: readonly RegimeFold[],
  rng: Rng,
): GroupedFolds {
  const out: GroupedFolds = {
    score: [...folds.score],
    heldOut: [...folds.heldOut],
    val: [...folds.val],
    train: [...folds.train],
    kinds: [...folds.kinds],
  };
  for (const kind of kinds) {
    const held = regimeRows(ds, rows, kind);
    if (held.length === 0) continue;
    const vt = valTrain(rows, held, rng.fork(`regime-${kind}`), kind);
    out.score.push(held);
    out.heldOut.push(held);
    out.val.push(vt.val);
    out.train.push(vt.train);
    out.kinds.push(kind);
  }
  return out;
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
    const vt = valTrain(rows, h, rng.fork(`val-${f}`), String(f + 1));
    val.push(vt.val);
    train.push(vt.train);
  });
  return {
    score: score.map((f) => f.sort((a, b) => a - b)),
    heldOut,
    val,
    train,
    kinds: score.map(() => 'family' as const),
  };
}

/** Latent log-densities of rows with the fitted frame and GMM. */
export function latentLogp(
  model: HardnessModel,
  latent: LatentDensity,
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
  /** Regime folds beside the family folds (default all of `REGIME_FOLDS`; [] for none). */
  regimeFolds?: readonly RegimeFold[];
  /** Worker threads the grouped-CV networks are trained on (default 1: in this thread; train/parallel.ts). */
  threads?: number;
}

/** `fitUncertainty` plus the grouped-CV out-of-fold rows and the calibration rows it fitted on. */
export async function fitUncertaintyDetailed(
  model: HardnessModel,
  ds: Dataset,
  split: Split,
  o: FitUncertaintyOptions,
  hooks: FitHooks = {},
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
  hooks.checkCancelled?.('uncertainty');
  // (3) grouped CV
  const k = o.groupFolds ?? GROUP_FOLDS;
  const folds = withRegimeFolds(
    ds,
    tf,
    await familyFolds(ds, tf, k, rng.fork('folds')),
    o.regimeFolds ?? REGIME_FOLDS,
    rng.fork('regimes'),
  );
  const nNets = folds.score.length;
  const { HardnessModel } = await import('../model/hardness-model.ts');
  const regimes = folds.kinds.filter((x) => x !== 'family');
  const stage = `grouped CV: ${nNets} networks without whole families${regimes.length > 0 ? ` or regimes (${regimes.join(', ')})` : ''}`;
  const { model: cv } = await HardnessModel.fit(
    ds,
    { ...split, description: `${split.description}; family-grouped CV folds` },
    {
      preset: model.meta.preset.name as PresetName,
      seed: o.seed,
      seeds: 1,
      network: model.meta.preset.network,
      training: model.meta.preset.training,
      sampleWeights: model.meta.preset.sampleWeights,
      plans: folds.train.map((train, f) => ({ train, val: folds.val[f] })),
      // the model's own neighbour term (each fold network's neighbours: its training rows)
      neighbour: model.neighbour?.params ?? null,
      threads: o.threads,
      onEpoch: (e) => {
        hooks.checkCancelled?.('grouped CV');
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
  const oof: { [K in keyof ShiftRows]: number[] } = {
    y: [],
    mu: [],
    sigma: [],
    knn: [],
    gap: [],
    ext: [],
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
      oof.ext.push(feat.ext[i]);
      foldOf.push(f);
      oofRows.push(r);
    });
  });
  const pc = model.predictRows(xc, lc, { passes, seed: o.seed });
  const calRows: ShiftRows = {
    y: cal.map((r) => ds.hv[r]),
    mu: pc.mean,
    sigma: pc.std,
    ...domain.features(xc, lc),
  };
  // (4) comparison and the chosen method
  const cmp = compareMethods(oof, foldOf, calRows);
  const uq = UncertaintyModel.fit(cmp.chosen, oof, calRows);
  hooks.onInfo?.(
    `uncertainty: grouped CV (${k} family folds${regimes.length > 0 ? ` + ${regimes.join(', ')}` : ''}, ${foldOf.length} rows) chose '${cmp.chosen}' (${cmp.table
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
    comparison: { chosen: cmp.chosen, table: cmp.table, folds: nNets, rows: foldOf.length },
    grouped_cv: {
      wall_s: (performance.now() - t0) / 1000,
      networks: nNets,
      fold_kinds: folds.kinds,
      held_out: folds.heldOut.map((h) => h.length),
      oof: oofRows.map((row, i) => ({ row, fold: foldOf[i], ...savedRow(oof, i) })),
      calibration: cal.map((row, i) => ({ row, ...savedRow(calRows, i) })),
    },
  };
  return { file, oof, cal: calRows, domain };
}

/** Row i of grouped-CV residual columns as domain.json saves it. */
function savedRow(r: ShiftRows, i: number) {
  return {
    y: r.y[i],
    mu: r.mu[i],
    sigma_mc: r.sigma[i],
    knn: r.knn[i],
    gap: r.gap[i],
    ext: r.ext[i],
  };
}

/** Write domain.json into a model directory. */
export async function saveUncertainty(dir: string, doc: DomainFileJSON): Promise<void> {
  const { writeJsonAtomic } = await import('../util/fs.ts');
  await writeJsonAtomic(join(dir, DOMAIN_FILE), doc);
}

/**
 * Fit the uncertainty model of a trained `model` (`fitUncertaintyDetailed`), save domain.json into
 * `modelDir` (when given) and evaluate the model on the split under the fitted predictive
 * distribution (every metric from it: eval/evaluate.ts with `uq`). MC masks and the fit are seeded
 * by `o.seed`.
 */
export async function evaluateWithUncertaintyFit(
  model: HardnessModel,
  ds: Dataset,
  split: Split,
  o: FitUncertaintyOptions & { mc?: number; modelDir?: string },
  hooks: FitHooks = {},
): Promise<{ evaluation: EvaluationReport; file: DomainFileJSON }> {
  const u = await fitUncertaintyDetailed(
    model,
    ds,
    split,
    { seed: o.seed, threads: o.threads, groupFolds: o.groupFolds, regimeFolds: o.regimeFolds },
    hooks,
  );
  if (o.modelDir) await saveUncertainty(o.modelDir, u.file);
  const { evaluateModel } = await import('../eval/evaluate.ts');
  const evaluation = evaluateModel(model, ds, split, {
    passes: o.mc,
    seed: o.seed,
    uq: { domain: u.domain, model: UncertaintyModel.fromJSON(u.file.uncertainty) },
  });
  return { evaluation, file: u.file };
}
