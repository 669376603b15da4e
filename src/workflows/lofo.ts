/**
 * Leave-family-out validation (SPEC §12).
 *
 * `runLofoList`: the element families of the dataset (a family = the set of elements present, e.g.
 * B-Fe-Nb) with their row counts and median HV, and how many rows `runLofo` with those elements
 * would hold out (every row containing all of them, so supersets such as B-Fe-Nb-W count too).
 *
 * `runLofo`: every row containing all of `family` is the test set; the rest is split into
 * train_fit / calibration / CV folds as the cluster-aware split does (`lofoSplit`), the standard
 * ensemble is trained on it and the metrics of SPEC §6 are reported on the held-out family (raw
 * and with σ recalibrated on the calibration rows). Writes a run directory with lofo.json
 * (`LofoRunDocument`, read back by `readLofoRun`), the trained model (model/), parity_lofo
 * (SVG + PNG) and manifest.json. Cancellation is checked after every training epoch.
 *
 * `runLofoMany`: the same for several families at once, one job per family (src/jobs: worker
 * threads by default, or a Redis queue; submitted longest first, i.e. most training rows first),
 * each family in its own run directory under `out`, with the summary lofo-families.json. All the
 * heavy work of a family is its lofo-fold job in both: training the ensemble, fitting the
 * uncertainty model (grouped CV, domain.json into the model directory) and evaluating the held-out
 * rows under it; this process only writes the documents and figures from the results.
 */
import { join, resolve } from 'node:path';
import type { Dataset } from '../data/dataset.ts';
import type { Split } from '../data/split.ts';
import type { FitSpec, JobResultDocument } from '../jobs/spec.ts';
import { LOFO_FILE, type LofoRunDocument } from '../runs/lofo.ts';
import { InputError } from '../util/errors.ts';
import { openDataset, runDirName, type WorkflowHooks, withDefaults } from './common.ts';
import { type ParallelOptions, runStudyJobs, writeStudyManifest } from './studies.ts';
import { checkPreset } from './train.ts';

export interface LofoListOptions {
  /** Dataset CSV (default: the reference dataset). */
  data?: string;
}

/** One family of `lofo --list --json`. */
export interface LofoFamily {
  /** Element-set key, e.g. 'B-Fe-Nb'. */
  family: string;
  rows: number;
  /** Median measured HV of the family's rows. */
  median_hv: number;
  /** Rows `runLofo` with these elements holds out (the family and its supersets). */
  held_out_by_family_option: number;
}

export interface LofoListResult {
  dataset: string;
  rows: number;
  families: LofoFamily[];
}

export async function runLofoList(
  o: LofoListOptions = {},
  hooks: WorkflowHooks = {},
): Promise<LofoListResult> {
  const { ds } = await openDataset(o.data, hooks);
  const d = await import('../data/index.ts');
  const families = d.listFamilies(ds).map((f) => ({
    family: f.family,
    rows: f.rows,
    median_hv: f.medianHv,
    held_out_by_family_option: d.rowsContainingAll(ds, f.family.split('-')).length,
  }));
  return { dataset: ds.source, rows: ds.nRows, families };
}

export interface LofoOptions extends ParallelOptions {
  /** Overrides of the preset's training settings (e.g. `{ maxEpochs: 2 }` for tiny test runs). */
  training?: FitSpec['training'];
  /** The held-out elements, e.g. ['Mo', 'Ta', 'Si', 'W'] (see `parseFamily`). */
  family: string[];
  /** Dataset CSV (default: the reference dataset). */
  data?: string;
  /** 'default' | 'paper'. */
  preset?: string;
  /** Seed of the split, the training and the MC passes. */
  seed?: number;
  /** Seeds per CV fold (ensemble = seeds × 5 networks). */
  seeds?: number;
  /** Smoke run: 5 epochs per network, 20 MC passes. */
  quick?: boolean;
  /** MC dropout passes per network (default: the preset's). */
  mc?: number;
  /** Run directory (default runs/lofo-<elements>-<UTC date>). */
  out?: string;
  /** Replace `out` even when it holds files that are not a vibann run (default: refuse, exit 2). */
  force?: boolean;
  /** Draw the parity figure. */
  plots?: boolean;
  /** The command line recorded in the manifest (default: this process's arguments). */
  argv?: string[];
}

export const LOFO_DEFAULTS: Required<Pick<LofoOptions, 'preset' | 'seed' | 'seeds' | 'plots'>> = {
  preset: 'default',
  seed: 1,
  seeds: 1,
  plots: true,
};

export interface LofoResult {
  runDir: string;
  document: LofoRunDocument;
}

/** What a lofo-fold job gives back (jobs/run.ts). */
interface LofoFoldResult {
  family: string[];
  held_out: LofoRunDocument['held_out'];
  n: LofoRunDocument['n'];
  test: LofoRunDocument['test'];
  calibration: LofoRunDocument['calibration'];
  recalibrated: LofoRunDocument['recalibrated'];
  /** The method of the fitted uncertainty model ('mc' without one). */
  uncertainty: LofoRunDocument['uncertainty'];
  mc: LofoRunDocument['mc'];
  preset: string;
  networks: number;
  members: Omit<LofoRunDocument['training']['members'][number], 'wallS'>[];
  predictions: (LofoRunDocument['predictions'][number] & {
    set: 'train_fit' | 'calibration' | 'test';
  })[];
  model_dir: string | null;
}

type Resolved = ReturnType<typeof withDefaults<typeof LOFO_DEFAULTS, LofoOptions>>;

/** The lofo-fold job of one family (its split is computed here and shipped with the job). */
async function foldJob(ds: Dataset, family: string[], o: Resolved, modelDir: string) {
  const d = await import('../data/index.ts');
  const { Rng } = await import('../util/rng.ts');
  const { job, fitSpec } = await import('../jobs/build.ts');
  const { GROUP_FOLDS, REGIME_FOLDS } = await import('../jobs/uncertainty.ts');
  const split = d.lofoSplit(ds, family, { rng: new Rng(o.seed) });
  return {
    split,
    job: job('lofo-fold', ds, split, {
      fit: fitSpec({
        preset: checkPreset(o.preset),
        seed: o.seed,
        seeds: o.seeds,
        quick: o.quick,
        training: o.training,
      }),
      family,
      seed: o.seed,
      group_folds: GROUP_FOLDS,
      regime_folds: [...REGIME_FOLDS],
      mc: o.mc,
      model_out: resolve(modelDir),
    }),
  };
}

/**
 * Write one family's run directory from its job result: lofo.json, the parity figure and the
 * manifest (the model directory was written by the job, where its worker runs).
 */
async function writeFamilyRun(
  runDir: string,
  ds: Dataset,
  split: Split,
  r: JobResultDocument<LofoFoldResult>,
  o: Resolved,
  hooks: WorkflowHooks,
): Promise<LofoRunDocument> {
  const t0 = performance.now();
  const res = r.result;
  const family = res.family;
  const { newManifest, writeManifest, dataRecord } = await import('../util/manifest.ts');
  const { writeJsonAtomic } = await import('../util/fs.ts');
  const { jobsBackend } = await import('../jobs/runner.ts');
  const manifest = newManifest(
    'lofo',
    o.argv ?? process.argv.slice(2),
    { family, preset: o.preset, seeds: o.seeds, quick: Boolean(o.quick), mc: o.mc },
    { seed: o.seed },
  );
  manifest.data = dataRecord(ds, split);
  const b = jobsBackend([r]);
  if (b) {
    manifest.backend = b.backend;
    manifest.versions.tfjs = b.tfjs;
  }
  const extra = r.extra as { wall_s: number; member_wall_s: number[]; uncertainty_s: number };
  manifest.timings.train = extra.wall_s;
  manifest.timings.uncertainty = extra.uncertainty_s;
  manifest.timings.job = r.wall_s;
  const modelDir = res.model_dir ?? join(runDir, 'model');
  manifest.model = { dir: modelDir, created: r.finished, data_sha256: ds.sha256 };
  if (o.plots) {
    const tp = performance.now();
    const rp = await import('../plots/index.ts');
    await rp.writePlot(
      runDir,
      'parity_lofo',
      rp.parityPlot(
        {
          points: res.predictions.map((p) => ({
            measured: p.measured,
            predicted: p.mean,
            sigma: p.std,
            set: p.set === 'train_fit' ? ('train' as const) : p.set,
            label: p.formula,
            load: p.load,
          })),
        },
        {
          title: `Held-out family ${family.join('-')}: predicted against measured hardness`,
          subtitle: `test = the held-out rows (every row containing ${family.join(', ')}); ${res.networks} networks${o.quick ? ' (--quick)' : ''}`,
        },
      ),
    );
    manifest.timings.figures = (performance.now() - tp) / 1000;
  }
  manifest.timings.total = (performance.now() - t0) / 1000 + r.wall_s;
  await writeManifest(runDir, manifest);
  const document: LofoRunDocument = {
    family,
    rule: 'every row containing all of these elements',
    held_out: res.held_out,
    n: res.n,
    test: res.test,
    calibration: res.calibration,
    recalibrated: res.recalibrated,
    uncertainty: res.uncertainty,
    mc: res.mc,
    training: {
      preset: res.preset,
      networks: res.networks,
      wall_s: extra.wall_s,
      members: res.members.map((m, k) => ({ ...m, wallS: extra.member_wall_s[k] })),
    },
    predictions: res.predictions
      .filter((p) => p.set === 'test')
      .map((p) => ({
        row: p.row,
        formula: p.formula,
        load: p.load,
        measured: p.measured,
        mean: p.mean,
        std: p.std,
      })),
    model_dir: modelDir,
    manifest,
  };
  await writeJsonAtomic(join(runDir, LOFO_FILE), document);
  const { completeRun } = await import('../util/manifest.ts');
  await completeRun(runDir, manifest);
  hooks.onInfo?.(`${family.join('-')}: run directory ${runDir}`);
  return document;
}

export async function runLofo(
  options: LofoOptions,
  hooks: WorkflowHooks = {},
): Promise<LofoResult> {
  const o = withDefaults(LOFO_DEFAULTS, options);
  checkPreset(o.preset);
  const { ds } = await openDataset(o.data, hooks);
  const family = o.family;
  const runDir = o.out ?? runDirName(`lofo-${family.join('')}`);
  const { prepareStudyDir } = await import('../jobs/runner.ts');
  const f = await foldJob(ds, family, o, join(runDir, 'model'));
  const heldHv = f.split.test.map((r) => ds.hv[r]).sort((a, b) => a - b);
  hooks.onInfo?.(
    `lofo: holding out the ${f.split.test.length} rows containing ${family.join(', ')} (median ${Math.round(heldHv[Math.floor(heldHv.length / 2)])} HV)`,
  );
  await prepareStudyDir(runDir, { force: o.force, keep: ['model'] });
  const [r] = await runStudyJobs([f.job], runDir, o, hooks, `train ${family.join('-')}`);
  const document = await writeFamilyRun(
    runDir,
    ds,
    f.split,
    r as JobResultDocument<LofoFoldResult>,
    o,
    hooks,
  );
  return { runDir, document };
}

/** One family's row of `lofo-families.json`. */
export interface LofoFamilyRow {
  family: string[];
  /** The family's run directory (lofo.json, parity_lofo, model/). */
  dir: string;
  held_out_rows: number;
  rmse: number;
  mae: number;
  r2: number;
  coverage_1sigma: number;
  /** ±1σ coverage with σ recalibrated on the calibration rows. */
  coverage_1sigma_recalibrated: number;
  sigma_scale: number;
}

/** `lofo-families.json`: the summary of a multi-family run. */
export interface LofoFamiliesDocument {
  kind: 'vibann-lofo-families';
  preset: string;
  seed: number;
  quick: boolean;
  families: LofoFamilyRow[];
}

export const LOFO_FAMILIES_FILE = 'lofo-families.json';

export interface LofoManyOptions extends Omit<LofoOptions, 'family'> {
  /** The families to hold out, one after another, each e.g. ['B', 'Fe', 'Nb']. */
  families: string[][];
}

/**
 * Leave-family-out for several families: one lofo-fold job per family (in parallel on the
 * executor), each family's run directory `<out>/<elements>/` as `runLofo` writes it, and the
 * summary `lofo-families.json`. Resumable like the studies (jobs/ in the run directory).
 */
export async function runLofoMany(
  options: LofoManyOptions,
  hooks: WorkflowHooks = {},
): Promise<{ runDir: string; document: LofoFamiliesDocument; runs: LofoRunDocument[] }> {
  const o = withDefaults(LOFO_DEFAULTS, { ...options, family: [] as string[] });
  checkPreset(o.preset);
  if (options.families.length === 0) throw new InputError('lofo: no family to hold out');
  const t0 = performance.now();
  const { ds } = await openDataset(o.data, hooks);
  const runDir = o.out ?? runDirName('lofo-families');
  const key = (f: string[]) => f.join('-');
  const folds: Awaited<ReturnType<typeof foldJob>>[] = [];
  for (const f of options.families)
    folds.push(await foldJob(ds, f, o, join(runDir, key(f), 'model')));
  const { prepareStudyDir } = await import('../jobs/runner.ts');
  await prepareStudyDir(runDir, { force: o.force, keep: options.families.map(key) });
  // longest first (the most training rows); the results come back in the families' order
  const { trainingCost } = await import('../jobs/build.ts');
  const results = await runStudyJobs(
    folds.map((f) => f.job),
    runDir,
    o,
    hooks,
    `${folds.length} leave-family-out folds`,
    folds.map((f) => trainingCost(f.split)),
  );
  const runs: LofoRunDocument[] = [];
  for (const [i, f] of folds.entries()) {
    const dir = join(runDir, key(f.job.family));
    runs.push(
      await writeFamilyRun(
        dir,
        ds,
        f.split,
        results[i] as JobResultDocument<LofoFoldResult>,
        o,
        hooks,
      ),
    );
  }
  const document: LofoFamiliesDocument = {
    kind: 'vibann-lofo-families',
    preset: o.preset,
    seed: o.seed,
    quick: Boolean(o.quick),
    families: runs.map((r) => ({
      family: r.family,
      dir: join(runDir, key(r.family)),
      held_out_rows: r.held_out.rows,
      rmse: r.test.rmse,
      mae: r.test.mae,
      r2: r.test.r2,
      coverage_1sigma: r.test.coverage_1sigma,
      coverage_1sigma_recalibrated: r.recalibrated.test.coverage_1sigma,
      sigma_scale: r.recalibrated.sigma_scale,
    })),
  };
  const { writeJsonAtomic } = await import('../util/fs.ts');
  await writeJsonAtomic(join(runDir, LOFO_FAMILIES_FILE), document);
  await writeStudyManifest(runDir, 'lofo', o, results, t0);
  return { runDir, document, runs };
}
