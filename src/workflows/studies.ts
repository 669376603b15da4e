/**
 * The training studies (SPEC §7) behind `vibann evaluate --seeds-report N | --ablations |
 * --learning-curve`: each trains its own ensembles on the chosen split; the results go to
 * studies.json (`StudiesRunDocument`, read back by `readStudiesRun`) in a run directory.
 * Progress is reported per training stage; cancellation is checked after every epoch.
 */
import { join } from 'node:path';
import { STUDIES_FILE, type StudiesRunDocument } from '../runs/studies.ts';
import type { EpochEvent } from '../train/trainer.ts';
import { claimOutputDir } from '../util/fs.ts';
import type { RunManifest } from '../util/manifest.ts';
import { completeRun } from '../util/manifest.ts';
import {
  openDataset,
  runDirName,
  throwIfCancelled,
  type WorkflowHooks,
  withDefaults,
} from './common.ts';
import { checkPreset } from './train.ts';

export interface StudiesOptions {
  /** Dataset CSV (default: the reference dataset). */
  data?: string;
  /** 'reference' | 'cluster' | FILE (default: reference on the reference dataset). */
  split?: string;
  /** 'default' | 'paper'. */
  preset?: string;
  /** Seed of the split and the networks. */
  seed?: number;
  /** Smoke run: 5 epochs per network. */
  quick?: boolean;
  /** MC passes for scoring (default: the preset's). */
  mc?: number;
  /** Seeds report: N seeds of the CV ensemble. */
  seedsReport?: number;
  /** The SPEC §7 ablation variants. */
  ablations?: boolean;
  /** Train on `LEARNING_CURVE_FRACTIONS` of train_fit. */
  learningCurve?: boolean;
  /** Run directory (default runs/studies-<UTC date>). */
  out?: string;
  /** Replace `out` even when it holds files that are not a vibann run (default: refuse, exit 2). */
  force?: boolean;
  /** The command line recorded in the manifest (default: this process's arguments). */
  argv?: string[];
}

/** Fractions of train_fit of the learning curve. */
export const LEARNING_CURVE_FRACTIONS: readonly number[] = [0.2, 0.4, 0.6, 0.8, 1];

export const STUDIES_DEFAULTS: Required<Pick<StudiesOptions, 'preset' | 'seed'>> = {
  preset: 'default',
  seed: 1,
};

export interface StudiesResult {
  runDir: string;
  document: StudiesRunDocument;
  manifest: RunManifest;
}

export async function runStudies(
  options: StudiesOptions,
  hooks: WorkflowHooks = {},
): Promise<StudiesResult> {
  const o = withDefaults(STUDIES_DEFAULTS, options);
  const preset = checkPreset(o.preset);
  const t0 = performance.now();
  const { ds } = await openDataset(o.data, hooks);
  const { selectSplit } = await import('../data/index.ts');
  const split = selectSplit(ds, { spec: o.split, seed: o.seed });
  const s = await import('../eval/studies.ts');
  let stage = '';
  const next = (label: string) => {
    if (stage) hooks.onStageEnd?.(stage);
    stage = label;
  };
  const base = {
    preset,
    seed: o.seed,
    quick: o.quick,
    passes: o.mc,
    onEpoch: (e: EpochEvent) => {
      throwIfCancelled(hooks, 'the study');
      hooks.onProgress?.({
        stage,
        done: e.epoch,
        total: e.maxEpochs,
        status: `${e.members.filter((m) => m.active).length} of ${e.members.length} networks active`,
      });
    },
  };
  const doc: StudiesRunDocument = {
    split: { kind: split.kind, description: split.description },
    preset: o.preset,
    seed: o.seed,
  };
  if (o.seedsReport) {
    next(`seeds report: ${o.seedsReport} seeds × ${split.cvFolds.length} networks`);
    doc.seeds_report = await s.seedsReport(ds, split, o.seedsReport, base);
  }
  if (o.ablations)
    doc.ablations = await s.ablationStudy(ds, split, {
      ...base,
      onVariant: (v) => next(`ablation: ${v}`),
    });
  if (o.learningCurve)
    doc.learning_curve = await s.learningCurve(ds, split, LEARNING_CURVE_FRACTIONS, {
      ...base,
      onFraction: (f) => next(`learning curve: ${Math.round(f * 100)} % of train_fit`),
    });
  next('');
  const runDir = o.out ?? runDirName('studies');
  await claimOutputDir(runDir, { force: o.force, kind: 'run' });
  const { writeJsonAtomic } = await import('../util/fs.ts');
  const { newManifest, writeManifest, dataRecord } = await import('../util/manifest.ts');
  await writeJsonAtomic(join(runDir, STUDIES_FILE), doc);
  const { argv, ...recorded } = o;
  const manifest = newManifest('evaluate', argv ?? process.argv.slice(2), recorded, {
    seed: o.seed,
  });
  manifest.data = dataRecord(ds, split);
  manifest.timings.total = (performance.now() - t0) / 1000;
  await writeManifest(runDir, manifest);
  await completeRun(runDir, manifest);
  return { runDir, document: doc, manifest };
}
