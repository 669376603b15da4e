/**
 * The predict workflow (SPEC §5): hardness with uncertainty (μ, σ, LCB = μ − 1.645σ, in HV) for
 * formulas, a CSV of compositions, or points along the straight line between two compositions,
 * at one or several loads. Formulas are parsed and checked before the model is opened, so a typo
 * is reported at once. No run directory: the result is returned (and printed by the CLI).
 */
import type { Composition } from '../chem/composition.ts';
import type { DomainVerdict } from '../uq/domain.ts';
import { InputError } from '../util/errors.ts';
import { DEFAULT_MODEL_DIR, openModel, type WorkflowHooks, withDefaults } from './common.ts';

export interface PredictOptions {
  /** Model directory. */
  model?: string;
  /** Formulas, e.g. 'B68Nb24Fe4W4' (exactly one of compositions, input, path). */
  compositions?: string[];
  /** CSV with a 'composition' column (or element columns) and optionally 'Load'. */
  input?: string;
  /** 'A:B': predictions along the straight line from composition A to B. */
  path?: string;
  /** Points along `path` (≥ 2), ends included. */
  steps?: number;
  /** Indentation loads, N (a CSV row's own load takes precedence). */
  loads?: number[];
  /** MC dropout passes per network (default: the model's preset, 100). */
  mc?: number;
  /** Seed of the MC passes. */
  seed?: number;
}

/** Defaults of the options left out (the MC passes default to the model's preset). */
export const PREDICT_DEFAULTS: Required<
  Pick<PredictOptions, 'model' | 'steps' | 'loads' | 'seed'>
> = { model: DEFAULT_MODEL_DIR, steps: 11, loads: [0.5], seed: 1 };

/** One prediction (an element of `predict --json`). */
export interface PredictionRow {
  composition: string;
  fractions: Record<string, number>;
  /** Load, N. */
  load: number;
  /** μ, HV. */
  mean: number;
  /** σ, HV. */
  std: number;
  /** μ − 1.645σ, HV. */
  lcb: number;
  /** Central 90 % interval of the predictive distribution, HV (docs/uncertainty.md). */
  lo90: number;
  hi90: number;
  /** The MC-dropout + ensemble σ alone, HV (`std` adds the shift term). */
  sigma_mc: number;
  /** Domain of applicability (null: the model directory has no domain.json; run 'vibann train'). */
  domain: DomainVerdict | null;
  /** path: position along the path (0 = A, 1 = B). */
  t?: number;
  /** input: the row of the CSV. */
  row?: number;
}

export interface PredictResult {
  rows: PredictionRow[];
  /** Networks in the ensemble. */
  members: number;
  /** MC passes per network. */
  passes: number;
  /** The model directory used. */
  model: string;
  /** The uncertainty method of the σ ('mc' when the model has no domain.json). */
  uncertainty: string;
}

export async function runPredict(
  options: PredictOptions,
  hooks: WorkflowHooks = {},
): Promise<PredictResult> {
  const o = withDefaults(PREDICT_DEFAULTS, options);
  const { Composition } = await import('../chem/index.ts');
  const given = [o.compositions, o.input, o.path].filter((x) => x !== undefined).length;
  if (given !== 1)
    throw new InputError('predict: give exactly one of --composition, --input or --path');
  // Parse first: an unknown element is reported before any model is looked for.
  const queries: { c: Composition; load: number; t?: number; row?: number }[] = [];
  if (o.compositions) {
    const comps = o.compositions.map((f) => Composition.parse(f));
    for (const c of comps) for (const L of o.loads) queries.push({ c, load: L });
  } else if (o.path !== undefined) {
    const parts = o.path.split(':');
    if (parts.length !== 2)
      throw new InputError(`--path expects 'A:B' (two formulas), got '${o.path}'`);
    const [a, b] = parts.map((f) => Composition.parse(f));
    for (let s = 0; s < o.steps; s++) {
      const t = s / (o.steps - 1);
      for (const L of o.loads) queries.push({ c: a.interpolate(b, t), load: L, t });
    }
  } else if (o.input !== undefined) {
    const { readQueries } = await import('../data/queries.ts');
    for (const q of readQueries(o.input)) {
      if (q.load !== undefined) queries.push({ c: q.composition, load: q.load, row: q.row });
      else for (const L of o.loads) queries.push({ c: q.composition, load: L, row: q.row });
    }
  }
  if (queries.length === 0) throw new InputError('predict: no compositions to predict');
  const where = (q: (typeof queries)[number]) =>
    q.row !== undefined ? `${o.input}, row ${q.row}, column Load` : '--load';
  const model = await openModel(o.model);
  const { readUncertainty, predictive } = await import('./uncertainty.ts');
  const bundle = await readUncertainty(o.model, model, hooks.onWarn);
  if (!bundle)
    hooks.onWarn?.(
      `${o.model} has no domain.json (trained before it existed): the domain of applicability is unknown and σ is the MC-dropout σ alone; run 'vibann train' to fit them`,
    );
  // the load rule (data/loads.ts): refused loads are input errors, accepted ones outside the
  // training range are warned about once per load (and marked load_extrapolation below)
  const { checkLoad, modelLoadRange } = await import('../data/loads.ts');
  const range = modelLoadRange(model.meta);
  const warned = new Set<number>();
  for (const q of queries) {
    const v = checkLoad(q.load, range, where(q));
    if (v.warning && !warned.has(q.load)) {
      warned.add(q.load);
      hooks.onWarn?.(v.warning);
    }
  }
  const x = model.vectors(queries.map((q) => q.c));
  const p = predictive(
    model,
    bundle,
    x,
    queries.map((q) => q.load),
    { passes: o.mc, seed: o.seed },
  );
  const E = model.elements.length;
  const rows: PredictionRow[] = queries.map((q, i) => ({
    composition: q.c.toFormula(o.path !== undefined ? { as: 'fraction' } : { step: 0.1 }),
    fractions: q.c.toFractions(),
    load: q.load,
    mean: p.mean[i],
    std: p.sigma[i],
    lcb: p.lcb[i],
    lo90: p.lo90[i],
    hi90: p.hi90[i],
    sigma_mc: p.sigmaMc[i],
    domain: bundle
      ? bundle.domain.assess(x.subarray(i * E, (i + 1) * E), q.load, p.logp?.[i])
      : null,
    ...(q.t !== undefined ? { t: q.t } : {}),
    ...(q.row !== undefined ? { row: q.row } : {}),
  }));
  const off = rows.filter((r) => r.domain && !r.domain.in_domain);
  if (off.length > 0)
    hooks.onWarn?.(
      `${off.length} of ${rows.length} predictions are outside the model's domain of applicability (${[
        ...new Set(off.flatMap((r) => r.domain!.reasons)),
      ].join(', ')}); treat them with caution`,
    );
  return {
    rows,
    members: p.members,
    passes: p.passes,
    model: o.model,
    uncertainty: bundle ? bundle.model.method : 'mc',
  };
}
