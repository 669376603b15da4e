/**
 * The predict workflow (SPEC §5): hardness with uncertainty (μ, σ, LCB = μ − 1.645σ, in HV) for
 * formulas, a CSV of compositions, or points along the straight line between two compositions,
 * at one or several loads. Formulas are parsed and checked before the model is opened, so a typo
 * is reported at once. No run directory: the result is returned (and printed by the CLI).
 */
import type { Composition } from '../chem/composition.ts';
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
}

export async function runPredict(
  options: PredictOptions,
  _hooks: WorkflowHooks = {},
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
  const model = await openModel(o.model);
  const p = model.predictWithUncertainty(
    { compositions: queries.map((q) => q.c), loads: queries.map((q) => q.load) },
    { passes: o.mc, seed: o.seed },
  );
  const rows: PredictionRow[] = queries.map((q, i) => ({
    composition: q.c.toFormula(o.path !== undefined ? { as: 'fraction' } : { step: 0.1 }),
    fractions: q.c.toFractions(),
    load: q.load,
    mean: p.mean[i],
    std: p.std[i],
    lcb: p.lcb[i],
    ...(q.t !== undefined ? { t: q.t } : {}),
    ...(q.row !== undefined ? { row: q.row } : {}),
  }));
  return { rows, members: p.members, passes: p.passes, model: o.model };
}
