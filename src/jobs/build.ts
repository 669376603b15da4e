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
