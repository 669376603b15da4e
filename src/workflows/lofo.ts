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
 */
import { join } from 'node:path';
import { LOFO_FILE, type LofoRunDocument } from '../runs/lofo.ts';
import { claimOutputDir } from '../util/fs.ts';
import { completeRun } from '../util/manifest.ts';
import {
  openDataset,
  runDirName,
  trainAndSave,
  type WorkflowHooks,
  withDefaults,
} from './common.ts';
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

export interface LofoOptions {
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

export async function runLofo(
  options: LofoOptions,
  hooks: WorkflowHooks = {},
): Promise<LofoResult> {
  const o = withDefaults(LOFO_DEFAULTS, options);
  const t0 = performance.now();
  const preset = checkPreset(o.preset);
  const { ds } = await openDataset(o.data, hooks);
  const d = await import('../data/index.ts');
  const family = o.family;
  const { Rng } = await import('../util/rng.ts');
  const split = d.lofoSplit(ds, family, { rng: new Rng(o.seed) });
  const runDir = o.out ?? runDirName(`lofo-${family.join('')}`);
  await claimOutputDir(runDir, { force: o.force, kind: 'run' });
  const { newManifest, writeManifest, dataRecord } = await import('../util/manifest.ts');
  const { writeJsonAtomic } = await import('../util/fs.ts');
  const { evaluateModel } = await import('../eval/evaluate.ts');
  const manifest = newManifest(
    'lofo',
    o.argv ?? process.argv.slice(2),
    { family, preset: o.preset, seeds: o.seeds, quick: Boolean(o.quick), mc: o.mc },
    { seed: o.seed },
  );
  manifest.data = dataRecord(ds, split);
  const heldHv = split.test.map((r) => ds.hv[r]).sort((a, b) => a - b);
  hooks.onInfo?.(
    `lofo: holding out the ${split.test.length} rows containing ${family.join(', ')} (median ${Math.round(heldHv[Math.floor(heldHv.length / 2)])} HV)`,
  );
  const modelDir = join(runDir, 'model');
  const tt = performance.now();
  const { model } = await trainAndSave(
    ds,
    split,
    { preset, seed: o.seed, seeds: o.seeds, quick: o.quick },
    modelDir,
    hooks,
  );
  manifest.timings.train = (performance.now() - tt) / 1000;
  manifest.model = { dir: modelDir, created: model.meta.created, data_sha256: ds.sha256 };
  const te = performance.now();
  const ev = evaluateModel(model, ds, split, { passes: o.mc, seed: o.seed });
  manifest.timings.evaluate = (performance.now() - te) / 1000;
  const networks = model.meta.training.members.length;
  if (o.plots) {
    const tp = performance.now();
    const rp = await import('../plots/index.ts');
    await rp.writePlot(
      runDir,
      'parity_lofo',
      rp.parityPlot(
        {
          points: ev.predictions.map((p) => ({
            measured: p.measured,
            predicted: p.mean,
            sigma: p.std,
            set: p.set === 'train_fit' ? ('train' as const) : p.set,
            label: ds.compositions[p.row].toString(),
            load: p.load,
          })),
        },
        {
          title: `Held-out family ${family.join('-')}: predicted against measured hardness`,
          subtitle: `test = the held-out rows (every row containing ${family.join(', ')}); ${networks} networks${o.quick ? ' (--quick)' : ''}`,
        },
      ),
    );
    manifest.timings.figures = (performance.now() - tp) / 1000;
  }
  manifest.timings.total = (performance.now() - t0) / 1000;
  // complete the manifest (finish time, backend) before the results file embeds it
  await writeManifest(runDir, manifest);
  const document: LofoRunDocument = {
    family,
    rule: 'every row containing all of these elements',
    held_out: { rows: split.test.length, families: d.listFamilies(ds, split.test) },
    n: ev.n,
    test: ev.test,
    calibration: ev.calibration,
    recalibrated: ev.recalibrated,
    mc: ev.mc,
    training: {
      preset: model.meta.preset.name,
      networks,
      wall_s: model.meta.training.wall_s,
      members: model.meta.training.members,
    },
    predictions: ev.predictions
      .filter((p) => p.set === 'test')
      .map((p) => ({
        row: p.row,
        formula: ds.compositions[p.row].toString(),
        load: p.load,
        measured: p.measured,
        mean: p.mean,
        std: p.std,
      })),
    model_dir: modelDir,
    manifest,
  };
  await writeJsonAtomic(join(runDir, LOFO_FILE), document);
  await completeRun(runDir, manifest);
  return { runDir, document };
}
