/**
 * The model's uncertainty model and domain of applicability (docs/uncertainty.md), shared by the
 * train, predict, evaluate, lofo, design and shift workflows. The fit itself (latent density,
 * domain, grouped CV, method comparison) is computed in src/jobs/uncertainty.ts, where a study's
 * job can run it in its worker; this module is the workflows' side:
 *
 * - `fitUncertainty`: that fit with a workflow's hooks (`vibann train`).
 * - `readUncertainty`: the saved bundle (null for a model directory without one, or one written
 *   for another training of the directory).
 * - `predictive`: μ, σ_MC, the default σ, the 90 % interval and the LCB of rows.
 * - `refitFromSavedRows`, `domainVerdicts`.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Dataset } from '../data/dataset.ts';
import type { Split } from '../data/split.ts';
import {
  type FitHooks,
  type FitUncertaintyOptions,
  fitUncertaintyDetailed,
  type LatentDensity,
  latentLogp,
} from '../jobs/uncertainty.ts';
import type { HardnessModel } from '../model/hardness-model.ts';
import type { CandidatePredictive } from '../runs/design.ts';
import { DOMAIN_FILE, type DomainFileJSON, readDomainFile } from '../runs/domain.ts';
import type { DomainModel, DomainVerdict } from '../uq/domain.ts';
import { LCB_Z } from '../uq/lcb.ts';
import { compareMethods, type ShiftRows, UncertaintyModel } from '../uq/shift.ts';
import { InputError } from '../util/errors.ts';
import { PREDICT_SEED, throwIfCancelled, type WorkflowHooks } from './common.ts';

export {
  type FitUncertaintyOptions,
  familyFolds,
  fitUncertaintyDetailed,
  GROUP_FOLDS,
  GROUP_VAL_FRACTION,
  type GroupedFolds,
  saveUncertainty,
} from '../jobs/uncertainty.ts';
export { DOMAIN_FILE, DOMAIN_SCHEMA, type DomainFileJSON } from '../runs/domain.ts';

/** A model directory's saved uncertainty model, domain and latent density (`readUncertainty`). */
export interface UncertaintyBundle {
  domain: DomainModel;
  latent: LatentDensity | null;
  model: UncertaintyModel;
  file: DomainFileJSON;
}

/**
 * Fit the domain model and the uncertainty model of a trained model (jobs/uncertainty.ts
 * `fitUncertaintyDetailed`; see the module comment there) with a workflow's hooks.
 */
export async function fitUncertainty(
  model: HardnessModel,
  ds: Dataset,
  split: Split,
  o: FitUncertaintyOptions,
  hooks: WorkflowHooks = {},
): Promise<DomainFileJSON> {
  return (await fitUncertaintyDetailed(model, ds, split, o, fitHooks(hooks))).file;
}

/** A workflow's hooks as the fit takes them (cancellation throws the workflows' CancelledError). */
export function fitHooks(hooks: WorkflowHooks): FitHooks {
  return {
    onProgress: (e) => hooks.onProgress?.(e),
    onStageEnd: (s) => hooks.onStageEnd?.(s),
    onInfo: (m) => hooks.onInfo?.(m),
    checkCancelled: (what) => throwIfCancelled(hooks, what),
  };
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
    ext: a.map((r) => r.ext ?? 0),
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
    const pr = bundle.model.apply(p.std, bundle.domain.features(x, loads));
    sigma = pr.sigma;
    h90 = pr.halfWidth(0.9);
    if (bundle.latent) logp = latentLogp(model, bundle.latent, x, loads);
  }
  return {
    mean: p.mean,
    sigmaMc: p.std,
    sigma,
    // hardness is positive: the part of the interval below 0 HV covers no possible value
    lo90: p.mean.map((m, i) => Math.max(0, m - h90[i])),
    hi90: p.mean.map((m, i) => m + h90[i]),
    lcb: p.mean.map((m, i) => m - LCB_Z * sigma[i]),
    logp,
    members: p.nMembers,
    passes: p.passes,
  };
}

/** One row of `PredictiveRows` as `predict --json` prints it (σ as `std`), with its domain verdict. */
export interface PredictiveRowStats {
  /** μ, HV. */
  mean: number;
  /** σ of the predictive distribution, HV. */
  std: number;
  /** μ − 1.645σ, HV. */
  lcb: number;
  /**
   * Central 90 % interval of the predictive distribution, HV (docs/uncertainty.md); the lower
   * bound is truncated at 0 HV (far from the data the interval can reach below it).
   */
  lo90: number;
  hi90: number;
  /** The MC-dropout + ensemble σ alone, HV (`std` adds the shift term). */
  sigma_mc: number;
  /** Domain of applicability (null: the model directory has no domain.json; run 'vibann train'). */
  domain: DomainVerdict | null;
}

/** Row i of `p` (rows x at `loads`, E fractions each), with its domain verdict. */
export function predictiveRow(
  bundle: UncertaintyBundle | null,
  p: PredictiveRows,
  x: Float32Array,
  loads: ArrayLike<number>,
  i: number,
): PredictiveRowStats {
  const E = x.length / p.mean.length;
  return {
    mean: p.mean[i],
    std: p.sigma[i],
    lcb: p.lcb[i],
    lo90: p.lo90[i],
    hi90: p.hi90[i],
    sigma_mc: p.sigmaMc[i],
    domain: bundle
      ? bundle.domain.assess(x.subarray(i * E, (i + 1) * E), loads[i], p.logp?.[i])
      : null,
  };
}

/**
 * Domain verdicts (null for each when the model directory has no domain.json) and predictive
 * distributions of formulas at one load (design candidates).
 */
export async function candidateAssessments(
  dir: string,
  model: HardnessModel,
  formulas: readonly string[],
  load: number,
  onWarn?: (m: string) => void,
): Promise<{ domain: DomainVerdict | null; predictive: CandidatePredictive }[]> {
  if (formulas.length === 0) return [];
  const bundle = await readUncertainty(dir, model, onWarn);
  const { Composition } = await import('../chem/composition.ts');
  const x = model.vectors(formulas.map((f) => Composition.parse(f)));
  const loads = formulas.map(() => load);
  const p = predictive(model, bundle, x, loads, { seed: PREDICT_SEED });
  const method = bundle ? bundle.model.method : 'mc';
  return formulas.map((_, i) => {
    const { domain, mean, std, ...r } = predictiveRow(bundle, p, x, loads, i);
    return { domain, predictive: { load, method, mean, sigma: std, ...r } };
  });
}
