/**
 * The evaluate workflow (SPEC §6, §7): accuracy and calibration of a trained model on the test and
 * calibration rows of the split it was trained with (or another), raw and with σ recalibrated on
 * the calibration set, and the CV report. Writes a run directory: metrics.json (the
 * `EvaluateRunDocument`, read back by `readEvaluateRun`), history.json, predictions.csv, figures
 * and manifest.json.
 */
import { join } from 'node:path';
import type { EvaluationReport } from '../eval/evaluate.ts';
import { EVALUATE_FILE, type EvaluateRunDocument } from '../runs/evaluate.ts';
import { LCB_Z } from '../uq/lcb.ts';
import { claimOutputDir } from '../util/fs.ts';
import type { RunManifest } from '../util/manifest.ts';
import { completeRun } from '../util/manifest.ts';
import {
  DEFAULT_MODEL_DIR,
  openDataset,
  openModel,
  runDirName,
  splitForModel,
  throwIfCancelled,
  type WorkflowHooks,
  withDefaults,
} from './common.ts';

export interface EvaluateOptions {
  /** Model directory. */
  model?: string;
  /** Dataset CSV (default: resolved as usual; must be the model's training file). */
  data?: string;
  /** 'reference' | 'cluster' | FILE; default the split stored in the model. */
  split?: string;
  /** MC dropout passes per network (default: the model's preset, 100). */
  mc?: number;
  /** Seed of the MC passes. */
  seed?: number;
  /** Run directory (default runs/evaluate-<UTC date>). */
  out?: string;
  /** Replace `out` even when it holds files that are not a vibann run (default: refuse, exit 2). */
  force?: boolean;
  /** The command line recorded in the manifest (default: this process's arguments). */
  argv?: string[];
}

/** Defaults of the options left out (the MC passes default to the model's preset). */
export const EVALUATE_DEFAULTS: Required<Pick<EvaluateOptions, 'model' | 'seed'>> = {
  model: DEFAULT_MODEL_DIR,
  seed: 1,
};

export interface EvaluateResult {
  runDir: string;
  /** What metrics.json holds (and `evaluate --json` prints). */
  document: EvaluateRunDocument;
  /** The full report, with the per-row predictions. */
  report: EvaluationReport;
  manifest: RunManifest;
}

export async function runEvaluate(
  options: EvaluateOptions = {},
  hooks: WorkflowHooks = {},
): Promise<EvaluateResult> {
  const o = withDefaults(EVALUATE_DEFAULTS, options);
  const t0 = performance.now();
  const model = await openModel(o.model);
  const { ds } = await openDataset(o.data, hooks);
  const split = await splitForModel(model, ds, o.split);
  throwIfCancelled(hooks, 'evaluate');
  const { evaluateModel } = await import('../eval/evaluate.ts');
  const { readUncertainty } = await import('./uncertainty.ts');
  const bundle = await readUncertainty(o.model, model, hooks.onWarn);
  if (!bundle)
    hooks.onWarn?.(
      `${o.model} has no domain.json: the metrics use the MC-dropout σ alone; run 'vibann train' to fit the uncertainty model`,
    );
  const r = evaluateModel(model, ds, split, {
    passes: o.mc,
    seed: o.seed,
    uq: bundle ? { domain: bundle.domain, model: bundle.model } : undefined,
  });
  const runDir = o.out ?? runDirName('evaluate');
  await claimOutputDir(runDir, { force: o.force, kind: 'run' });
  const { predictions, ...document } = r;
  const { writeJsonAtomic, writeFileAtomic } = await import('../util/fs.ts');
  const { newManifest, writeManifest, dataRecord, modelRecord } = await import(
    '../util/manifest.ts'
  );
  const { evaluationFigures, trainingHistory, writeFigures } = await import('../eval/figures.ts');
  const { stringify } = await import('csv-stringify/sync');
  await writeJsonAtomic(join(runDir, EVALUATE_FILE), document);
  await writeJsonAtomic(join(runDir, 'history.json'), trainingHistory(model.meta));
  await writeFileAtomic(
    join(runDir, 'predictions.csv'),
    stringify(
      predictions.map((p) => ({
        ...p,
        composition: ds.compositions[p.row].toFormula({ step: 0.1 }),
        lcb: p.mean - LCB_Z * p.std,
      })),
      {
        header: true,
        columns: ['set', 'row', 'composition', 'load', 'measured', 'mean', 'std', 'lcb'],
      },
    ),
  );
  await writeFigures(runDir, evaluationFigures(r, model.meta), hooks.onWarn);
  const manifest = newManifest(
    'evaluate',
    o.argv ?? process.argv.slice(2),
    { mc: r.mc, split: o.split ?? 'model' },
    { seed: o.seed },
  );
  manifest.model = modelRecord(o.model, model.meta);
  manifest.data = dataRecord(ds, split);
  manifest.timings.total = (performance.now() - t0) / 1000;
  await writeManifest(runDir, manifest);
  await completeRun(runDir, manifest);
  return { runDir, document, report: r, manifest };
}
