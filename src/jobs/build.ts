/**
 * Building jobs (spec.ts) from what a workflow holds: the loaded dataset (named by its absolute path
 * and SHA-256), the split (shipped as row indices) and the fit settings. `job(...)` validates the
 * result, so a study fails before anything is queued if a field is wrong.
 */
import { resolve } from 'node:path';
import type { Dataset } from '../data/dataset.ts';
import type { Split } from '../data/split.ts';
import { VibannError } from '../util/errors.ts';
import {
  type DataRef,
  type FitSpec,
  JOB_SCHEMA,
  type JobKind,
  type JobOf,
  JobSpecSchema,
  type JobSplit,
} from './spec.ts';

/** The dataset as jobs name it: absolute path and SHA-256 of its bytes. */
export function dataRef(ds: Dataset): DataRef {
  return { path: resolve(ds.source), sha256: ds.sha256 };
}

/** A split as jobs carry it (row indices). */
export function splitRef(split: Split): JobSplit {
  return {
    kind: split.kind,
    description: split.description,
    train_fit: [...split.trainFit],
    calibration: [...split.calibration],
    test: [...split.test],
    cv_folds: split.cvFolds.map((f) => [...f]),
  };
}

/** Fit settings with the defaults of a study (one seed, no overrides). */
export function fitSpec(o: {
  preset: FitSpec['preset'];
  seed: number;
  seeds?: number;
  quick?: boolean;
  network?: FitSpec['network'];
  training?: FitSpec['training'];
}): FitSpec {
  const f: FitSpec = {
    preset: o.preset,
    seed: o.seed,
    seeds: o.seeds ?? 1,
    quick: Boolean(o.quick),
  };
  if (o.network && Object.keys(o.network).length > 0) f.network = { ...o.network };
  if (o.training && Object.keys(o.training).length > 0) f.training = { ...o.training };
  return f;
}

/** A validated job of `kind` on `ds` and `split` (a malformed job is a VibannError: a bug). */
export function job<K extends JobKind>(
  kind: K,
  ds: Dataset,
  split: Split,
  fields: Omit<JobOf<K>, 'kind' | 'schema' | 'data' | 'split'>,
): JobOf<K> {
  const j = { kind, schema: JOB_SCHEMA, data: dataRef(ds), split: splitRef(split), ...fields };
  for (const [k, v] of Object.entries(j))
    if (v === undefined) delete (j as Record<string, unknown>)[k];
  const r = JobSpecSchema.safeParse(j);
  if (!r.success)
    throw new VibannError(
      `internal: malformed ${kind} job: ${r.error.issues[0]?.message} at ${r.error.issues[0]?.path.join('.')}`,
    );
  return j as unknown as JobOf<K>;
}

/**
 * The order in which to submit a study's jobs so the longest start first (LPT scheduling: the last
 * job to start is a short one, not one that then runs alone at the end): the indices of `costs`
 * by decreasing cost (a cheap estimate, e.g. the rows a job trains on), ties in their given order.
 * Results are put back in the study's own order by the caller (`inOrder`).
 */
export function longestFirst(costs: readonly number[]): number[] {
  return costs
    .map((c, i) => ({ c, i }))
    .sort((a, b) => b.c - a.c || a.i - b.i)
    .map((x) => x.i);
}

/** `results[k]` belongs to item `order[k]`: the results in the items' own order. */
export function inOrder<T>(order: readonly number[], results: readonly T[]): T[] {
  const out = new Array<T>(order.length);
  order.forEach((i, k) => {
    out[i] = results[k];
  });
  return out;
}

/**
 * The cost estimate of a job that trains on `split`: its train_fit rows (the networks' epochs, the
 * grouped CV and the GP baseline all grow with them).
 */
export function trainingCost(split: Split): number {
  return split.trainFit.length;
}
