import { join } from 'node:path';
import { Composition } from '../chem/composition.ts';
import { familyOf } from '../design/assess.ts';
import type { DesignSettings } from '../design/options.ts';
import type { CandidateReport } from '../design/pipeline.ts';
import { DesignSettingsSchema, type JobResultDocument } from '../jobs/spec.ts';
import { InputError } from '../util/errors.ts';
import type { RunManifest } from '../util/manifest.ts';
import { openModel, runDirName, splitForModel, type WorkflowHooks } from './common.ts';
import {
  DESIGN_DEFAULTS,
  type DesignWorkflowOptions,
  openDesignDataset,
  trainModelIfMissing,
} from './design.ts';
import type { ParallelOptions } from './studies.ts';

export const DESIGN_SEEDS_FILE = 'design-seeds.json';

export interface DesignSeedsOptions extends Partial<DesignWorkflowOptions>, ParallelOptions {
  /** Number of design seeds: `seed` … `seed` + `seeds` − 1 (≥ 1). */
  seeds: number;
}

/** What a design job gives back (jobs/run.ts `designSeed`), as far as the summary reads it. */
interface DesignJobResult {
  seed: number;
  screened: number;
  accepted: number;
  accepted_families: Record<string, number>;
  rejected: Record<string, number>;
  candidates: CandidateReport[];
  accepted_pool: { formula: string; lcb: number; cost: number | null; novelty: number }[];
}

/** One reported candidate of one seed, in short. */
export interface SeedCandidate {
  formula: string;
  /** Major elements (≥ 10 at.%). */
  family: string[];
  /** LCB at the design load, HV. */
  lcb: number;
  accepted: boolean;
}

/** design-seeds.json. */
export interface DesignSeedsDocument {
  model: { dir: string; weights_sha256: string };
  data: { file: string; sha256: string };
  /** Design load, N. */
  load: number;
  seeds: number[];
  /** Per seed: counts, families and the reported candidates (accepted first, as `vibann design`). */
  per_seed: {
    seed: number;
    job: string;
    screened: number;
    accepted: number;
    accepted_families: Record<string, number>;
    rejected: Record<string, number>;
    candidates: SeedCandidate[];
    /** Wall time of the job on its worker, s. */
    wall_s: number;
  }[];
  /**
   * Every seed's accepted alloys, one row per formula, best LCB first: the seeds that accepted it,
   * its LCB at the design load (HV, the same model: equal in every seed), novelty (distance in
   * atomic fractions to the nearest dataset alloy) and raw-material cost (USD/kg, null if unknown).
   */
  union: {
    formula: string;
    family: string[];
    seeds: number[];
    lcb: number;
    novelty: number;
    cost: number | null;
  }[];
  manifest: RunManifest;
}

export interface DesignSeedsResult {
  dir: string;
  document: DesignSeedsDocument;
}

/** Run `seeds` design seeds as jobs and write the study's run directory. */
export async function runDesignSeeds(
  options: DesignSeedsOptions,
  hooks: WorkflowHooks = {},
): Promise<DesignSeedsResult> {
  const t0 = performance.now();
  const { seeds: nSeeds, workers, queue, jobTimeout, executor, ...rest } = options;
  const o: DesignWorkflowOptions = { ...DESIGN_DEFAULTS, ...rest };
  if (!(Number.isInteger(nSeeds) && nSeeds >= 1))
    throw new InputError(`--seeds expects an integer ≥ 1, got ${nSeeds}`);
  const { checkDesignSettings, designOptionsFor } = await import('../design/options.ts');
  checkDesignSettings(o);
  const seeds = Array.from({ length: nSeeds }, (_, i) => o.seed + i);
  const { checkSeed } = await import('../util/rng.ts');
  checkSeed(seeds[seeds.length - 1], 'seed');
  const ds = await openDesignDataset(o, hooks);
  await trainModelIfMissing(o, hooks);
  const model = await openModel(o.model);
  const { validateConstraints } = await import('../design/constraints.ts');
  validateConstraints((await designOptionsFor(o)).constraints, model.elements);
  const split = await splitForModel(model, ds);
  const { job } = await import('../jobs/build.ts');
  const { modelRef } = await import('../jobs/run.ts');
  const ref = modelRef(o.model);
  const settings = designSettings(o);
  const jobs = seeds.map((seed) => job('design', ds, split, { model: ref, seed, settings }));
  const dir = o.out ?? runDirName('design-seeds');
  const { prepareStudyDir } = await import('../jobs/runner.ts');
  await prepareStudyDir(dir, { force: o.force });
  const { newManifest, writeManifest, dataRecord, modelRecord, completeRun } = await import(
    '../util/manifest.ts'
  );
  const manifest = newManifest(
    'design-seeds',
    o.argv,
    { ...settings, seeds: nSeeds },
    { seed: o.seed },
  );
  manifest.model = modelRecord(o.model, model.meta);
  manifest.data = dataRecord(ds, split);
  const { runStudyJobs } = await import('./studies.ts');
  const results = (await runStudyJobs(
    jobs,
    dir,
    { workers, queue, jobTimeout, executor },
    hooks,
    `${jobs.length} design seeds`,
  )) as JobResultDocument<DesignJobResult>[];
  manifest.timings.total = (performance.now() - t0) / 1000;
  await writeManifest(dir, manifest);
  const document: DesignSeedsDocument = {
    model: { dir: o.model, weights_sha256: ref.sha256 },
    data: { file: ds.source, sha256: ds.sha256 },
    load: o.load,
    seeds,
    ...summarise(results, o.load),
    manifest,
  };
  const { writeJsonAtomic } = await import('../util/fs.ts');
  await writeJsonAtomic(join(dir, DESIGN_SEEDS_FILE), document);
  await completeRun(dir, manifest);
  return { dir, document };
}

/**
 * The job's settings: every design setting of `o` but the seed and those left at their default
 * (the names are those of the job schema, jobs/spec.ts `DesignSettingsSchema`).
 */
function designSettings(o: DesignWorkflowOptions): Partial<Omit<DesignSettings, 'seed'>> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(DesignSettingsSchema.shape) as (keyof DesignWorkflowOptions)[])
    if (o[k] !== undefined) out[k] = o[k];
  return out as Partial<Omit<DesignSettings, 'seed'>>;
}

/** Per-seed rows and the union of the accepted alloys (de-duplicated by formula). */
export function summarise(
  results: readonly JobResultDocument<DesignJobResult>[],
  load: number,
): Pick<DesignSeedsDocument, 'per_seed' | 'union'> {
  const lcbAt = (c: CandidateReport) =>
    c.predictions.find((p) => Math.abs(p.load - load) < 1e-12)?.lcb ?? Number.NaN;
  const union = new Map<string, DesignSeedsDocument['union'][number]>();
  const per_seed = results.map((r) => {
    const x = r.result;
    const families = new Map(x.candidates.map((c) => [c.formula, c.family]));
    for (const a of x.accepted_pool) {
      const u = union.get(a.formula);
      if (u) u.seeds.push(x.seed);
      else
        union.set(a.formula, {
          formula: a.formula,
          family: families.get(a.formula) ?? familyOfFormula(a.formula),
          seeds: [x.seed],
          lcb: a.lcb,
          novelty: a.novelty,
          cost: a.cost,
        });
    }
    return {
      seed: x.seed,
      job: r.id,
      screened: x.screened,
      accepted: x.accepted,
      accepted_families: x.accepted_families,
      rejected: x.rejected,
      candidates: x.candidates.map((c) => ({
        formula: c.formula,
        family: c.family,
        lcb: lcbAt(c),
        accepted: c.accepted,
      })),
      wall_s: r.wall_s,
    };
  });
  return {
    per_seed,
    union: [...union.values()].sort((a, b) => b.lcb - a.lcb || a.formula.localeCompare(b.formula)),
  };
}

/** Major elements (≥ 10 at.%) of a formula (design/assess.ts `familyOf`). */
function familyOfFormula(formula: string): string[] {
  return familyOf(Composition.parse(formula).toFractions());
}
