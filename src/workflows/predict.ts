/**
 * The predict workflow (SPEC §5): hardness with uncertainty (μ, σ, LCB = μ − 1.645σ, in HV) for
 * formulas, a CSV of compositions, or points along the straight line between two compositions,
 * at one or several loads. Formulas are parsed and checked before the model is opened, so a typo
 * is reported at once. No run directory: the result is returned (and printed by the CLI).
 *
 * `streamPredict` handles any number of rows in bounded memory: a CSV is read in chunks
 * (data/queries.ts `streamQueries`), each chunk is predicted and handed to a sink (the CLI writes
 * CSV/NDJSON/JSON as it goes) with progress in bytes read; MC masks are keyed by composition
 * (uq/predict.ts), so chunking does not change any number. `runPredict` collects all rows.
 */
import type { Composition } from '../chem/composition.ts';
import { InputError } from '../util/errors.ts';
import {
  DEFAULT_MODEL_DIR,
  openModel,
  PREDICT_SEED,
  throwIfCancelled,
  type WorkflowHooks,
  withDefaults,
} from './common.ts';
import type { PredictiveRowStats } from './uncertainty.ts';

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
  /** Rows of the input predicted at once (default 2048; memory is proportional to it). */
  chunkRows?: number;
}

/** Defaults of the options left out (the MC passes default to the model's preset). */
export const PREDICT_DEFAULTS: Required<
  Pick<PredictOptions, 'model' | 'steps' | 'loads' | 'seed'>
> = { model: DEFAULT_MODEL_DIR, steps: 11, loads: [0.5], seed: PREDICT_SEED };

/** One prediction (an element of `predict --json`): the row's statistics and domain verdict. */
export interface PredictionRow extends PredictiveRowStats {
  composition: string;
  fractions: Record<string, number>;
  /** Load, N. */
  load: number;
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

/** What `streamPredict` reports besides the rows it hands to the sink. */
export type PredictSummary = Omit<PredictResult, 'rows'> & {
  /** Predictions made (rows × loads). */
  count: number;
};

type Query = { c: Composition; load: number; t?: number; row?: number };

/** Hardness with uncertainty for every query, collected (see `streamPredict` for large inputs). */
export async function runPredict(
  options: PredictOptions,
  hooks: WorkflowHooks = {},
): Promise<PredictResult> {
  const rows: PredictionRow[] = [];
  const s = await streamPredict(
    options,
    (chunk) => {
      for (const r of chunk) rows.push(r);
    },
    hooks,
  );
  const { count: _n, ...rest } = s;
  return { rows, ...rest };
}

/**
 * Predict in chunks, handing each chunk's rows to `sink` in input order (awaited: a slow writer
 * slows the reading, so memory stays bounded whatever the number of rows).
 */
export async function streamPredict(
  options: PredictOptions,
  sink: (rows: PredictionRow[]) => void | Promise<void>,
  hooks: WorkflowHooks = {},
): Promise<PredictSummary> {
  const o = withDefaults(PREDICT_DEFAULTS, options);
  const { Composition } = await import('../chem/index.ts');
  const given = [o.compositions, o.input, o.path].filter((x) => x !== undefined).length;
  if (given !== 1)
    throw new InputError('predict: give exactly one of --composition, --input or --path');
  const chunkRows = o.chunkRows ?? 2048;
  // Parse first: an unknown element is reported before any model is looked for.
  let chunks: AsyncIterator<Query[]>;
  let first: IteratorResult<Query[]>;
  if (o.input === undefined) {
    const queries: Query[] = [];
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
    }
    if (queries.length === 0) throw new InputError('predict: no compositions to predict');
    chunks = (async function* () {
      for (let i = 0; i < queries.length; i += chunkRows) yield queries.slice(i, i + chunkRows);
    })();
  } else {
    const { streamQueries } = await import('../data/queries.ts');
    const input = o.input;
    let fileLoads = 0;
    const loadsGiven = options.loads !== undefined;
    chunks = (async function* () {
      for await (const qs of streamQueries(input, {
        chunkRows,
        onBytes: (done, total) => hooks.onProgress?.({ stage: `predict ${input}`, done, total }),
      })) {
        const out: Query[] = [];
        for (const q of qs) {
          if (q.load !== undefined) {
            fileLoads++;
            out.push({ c: q.composition, load: q.load, row: q.row });
          } else for (const L of o.loads) out.push({ c: q.composition, load: L, row: q.row });
        }
        yield out;
      }
      // --load given and the file has its own loads: say which load was used where.
      if (loadsGiven && fileLoads > 0)
        hooks.onWarn?.(
          `${input}: ${fileLoads} row(s) have their own Load, which is used instead of --load ${o.loads.join(',')} (--load applies only to rows with an empty Load cell)`,
        );
    })();
  }
  first = await chunks.next();
  const where = (q: Query) =>
    q.row !== undefined ? `${o.input}, row ${q.row}, column Load` : '--load';
  const model = await openModel(o.model);
  const { readUncertainty, predictive, predictiveRow } = await import('./uncertainty.ts');
  const bundle = await readUncertainty(o.model, model, hooks.onWarn);
  if (!bundle)
    hooks.onWarn?.(
      `${o.model} has no domain.json (trained before it existed): the domain of applicability is unknown and σ is the MC-dropout σ alone; run 'vibann train' to fit them`,
    );
  // the load rule (data/loads.ts): refused loads are input errors, accepted ones outside the
  // training range are warned about once per load (and marked load_extrapolation below)
  const { checkLoad, modelLoadRange } = await import('../data/loads.ts');
  const range = modelLoadRange(model.meta);
  const basis = new Set(model.elements);
  const warned = new Set<number>();
  let count = 0;
  let offDomain = 0;
  const offReasons = new Set<string>();
  let members = 0;
  let passes = 0;
  while (!first.done) {
    throwIfCancelled(hooks, 'predict');
    const queries = first.value;
    for (const q of queries) {
      const v = checkLoad(q.load, range, where(q));
      if (v.warning && !warned.has(q.load)) {
        warned.add(q.load);
        hooks.onWarn?.(v.warning);
      }
      if (q.row !== undefined)
        for (const el of q.c.elements)
          if (!basis.has(el))
            throw new InputError(
              `${o.input}: row ${q.row}: element '${el}' is not in the model's element basis (${model.elements.length} elements: ${model.elements.join(', ')})`,
            );
    }
    if (queries.length > 0) {
      const x = model.vectors(queries.map((q) => q.c));
      const loads = queries.map((q) => q.load);
      const p = predictive(model, bundle, x, loads, { passes: o.mc, seed: o.seed });
      members = p.members;
      passes = p.passes;
      const rows: PredictionRow[] = queries.map((q, i) => ({
        composition: q.c.toFormula(o.path !== undefined ? { as: 'fraction' } : { step: 0.1 }),
        fractions: q.c.toFractions(),
        load: q.load,
        ...predictiveRow(bundle, p, x, loads, i),
        ...(q.t !== undefined ? { t: q.t } : {}),
        ...(q.row !== undefined ? { row: q.row } : {}),
      }));
      for (const r of rows)
        if (r.domain && !r.domain.in_domain) {
          offDomain++;
          for (const why of r.domain.reasons) offReasons.add(why);
        }
      count += rows.length;
      await sink(rows);
    }
    first = await chunks.next();
  }
  if (offDomain > 0)
    hooks.onWarn?.(
      `${offDomain} of ${count} predictions are outside the model's domain of applicability (${[...offReasons].join(', ')}); treat them with caution`,
    );
  return {
    count,
    members,
    passes,
    model: o.model,
    uncertainty: bundle ? bundle.model.method : 'mc',
  };
}
