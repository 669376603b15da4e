/**
 * The design workflow (SPEC §9): everything `vibann design` and the web page's design do — find
 * the dataset, train the default model if it is missing, open the model, check the constraints,
 * run the design pipeline (latent density, thresholds, MCMC, gradient refinement, rounding, gates,
 * ranking) and write the run directory: manifest.json, design.json (runs/design.ts), gates.json
 * (the gate state `vibann bo --design-run` loads) and the figures.
 *
 * `DESIGN_DEFAULTS` holds every default; the CLI and the web server both start from it.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Dataset } from '../data/dataset.ts';
import {
  checkDesignSettings,
  DESIGN_SETTINGS_DEFAULTS,
  type DesignSettings,
  designOptionsFor,
  refineOptionsFor,
} from '../design/options.ts';
import { gateStateToJSON } from '../design/screen.ts';
import { DESIGN_FILE, type DesignRun, type DesignRunDocument, GATES_FILE } from '../runs/design.ts';
import { EXIT, InputError, VibannError } from '../util/errors.ts';
import { claimOutputDir } from '../util/fs.ts';
import { completeRun } from '../util/manifest.ts';
import {
  DEFAULT_MODEL_DIR,
  openDataset,
  openModel,
  runDirName,
  splitForModel,
  throwIfCancelled,
  type WorkflowHooks,
} from './common.ts';
import { MERGED_DATASET_FILE } from './train.ts';

// the settings' building moved down to design/options.ts (a design job runs them too); kept here
// for the workflow's callers
export { designOptionsFor, QUICK_DESIGN } from '../design/options.ts';

/** A design's settings (design/options.ts) and where its model, data and run directory are. */
export interface DesignWorkflowOptions extends DesignSettings {
  /** Model directory (default models/default). */
  model: string;
  /**
   * Train a model into `model` first when it holds none (reference split, default preset, one
   * seed; quick with `quick`). Default: only when `model` is the default directory.
   */
  trainIfMissing?: boolean;
  /** Dataset CSV the model was trained on (default: the reference dataset's resolution order). */
  data?: string;
  /** Run directory (default runs/design-<UTC date and time>). */
  out?: string;
  /** Replace `out` even when it holds files that are not a vibann run (default: refuse, exit 2). */
  force?: boolean;
  /** The command line recorded in the manifest (default []). */
  argv: string[];
}

/** The defaults of a design, shared by the CLI and the web server. */
export const DESIGN_DEFAULTS: Readonly<DesignWorkflowOptions> = Object.freeze({
  model: DEFAULT_MODEL_DIR,
  ...DESIGN_SETTINGS_DEFAULTS,
  argv: [],
});

/** '2200:2500' → [2200, 2500] (HV, LO < HI); InputError naming --target otherwise. */
export function parseTargetWindow(v: string): [number, number] {
  const m = /^\s*([0-9.]+)\s*:\s*([0-9.]+)\s*$/.exec(v);
  if (!m || !(Number(m[1]) < Number(m[2])))
    throw new InputError(`--target expects LO:HI in HV with LO < HI (e.g. 2200:2500), got '${v}'`);
  return [Number(m[1]), Number(m[2])];
}

/** The progress stage of a design's start-up (modules, dataset, model, split). */
export const DESIGN_PREPARING_STAGE = 'preparing';
/** The progress stage of the calibration predictions (thresholds). */
export const DESIGN_CALIBRATION_STAGE = 'calibration';
/** The progress stage of the screening of the pool. */
export const DESIGN_SCREENING_STAGE = 'screening';
/** The progress stage that writes the run directory (verdicts, design.json, gates, figures). */
export const DESIGN_WRITING_STAGE = 'writing the run';
/** Steps of `DESIGN_PREPARING_STAGE` (when no model has to be trained first). */
const PREPARING_STEPS = 8;

/**
 * The dataset a design of `o.model` reads: `o.data`, else the merged dataset a model trained with
 * `vibann train --add` keeps next to it (workflows/train.ts), else the default resolution.
 */
export async function openDesignDataset(
  o: Pick<DesignWorkflowOptions, 'model' | 'data'>,
  hooks: WorkflowHooks,
): Promise<Dataset> {
  const merged = join(o.model, MERGED_DATASET_FILE);
  const { ds } = await openDataset(o.data ?? (existsSync(merged) ? merged : undefined), hooks);
  return ds;
}

/**
 * When `o.model` holds no model: train the default model into it if allowed (`trainIfMissing`,
 * default: only for the default model directory), else an InputError saying how to train one.
 * The model is what `vibann train --out <dir>` builds (runTrain: the ensemble and its uncertainty
 * model and domain of applicability, domain.json), so the designs of `npm start` on a fresh clone
 * carry domain verdicts. `beforeTraining` runs first (e.g. to end a progress stage).
 */
export async function trainModelIfMissing(
  o: Pick<DesignWorkflowOptions, 'model' | 'data' | 'trainIfMissing' | 'quick'>,
  hooks: WorkflowHooks,
  beforeTraining?: () => void,
): Promise<void> {
  if (existsSync(join(o.model, 'manifest.json'))) return;
  if (!(o.trainIfMissing ?? o.model === DEFAULT_MODEL_DIR))
    throw new InputError(
      `no trained model at '${o.model}': run 'vibann train --out ${o.model}' first`,
    );
  beforeTraining?.();
  hooks.onInfo?.(
    `no model at ${o.model}: training the default model first${o.quick ? ' (--quick)' : ''} (= vibann train --out ${o.model})`,
  );
  const { runTrain } = await import('./train.ts');
  await runTrain({ data: o.data, out: o.model, quick: o.quick }, hooks);
}

/**
 * Run a design and write its run directory. Progress goes to the hooks stage by stage — start-up
 * steps ('preparing'), calibration rows, MCMC and refinement steps, screened alloys, and the
 * writing of the run directory one file or figure at a time — so no stage of a full default design
 * stands still for more than a fraction of a second (issue 15); messages name the pipeline's
 * stages. `hooks.signal` is checked at every step (`CancelledError`). Returns the run as
 * `readDesignRun` reads it back. A run in which nothing passed the gates is a result, not an
 * error (`noCandidateError` says what the CLI exits with).
 */
export async function runDesignWorkflow(
  options: Partial<DesignWorkflowOptions> = {},
  hooks: WorkflowHooks = {},
): Promise<DesignRun> {
  const t0 = performance.now();
  const o: DesignWorkflowOptions = { ...DESIGN_DEFAULTS, ...options };
  checkDesignSettings(o);

  // progress: one stage at a time; a new stage ends the previous progress stage
  let open: string | null = null;
  // (`cancellable` false: the run directory is being written, the design is done)
  const progress = (
    stage: string,
    done: number,
    total: number,
    status: string,
    cancellable = true,
  ) => {
    if (cancellable) throwIfCancelled(hooks, 'the design');
    if (open !== stage) end();
    open = stage;
    hooks.onProgress?.({ stage, done, total, status });
  };
  const end = () => {
    if (open !== null) hooks.onStageEnd?.(open);
    open = null;
  };
  let prepared = 0;
  const prepare = (status: string) =>
    progress(DESIGN_PREPARING_STAGE, ++prepared, PREPARING_STEPS, status);

  prepare('design workflow loaded');
  const designOptions = await designOptionsFor(o);
  const { validateConstraints } = await import('../design/constraints.ts');
  prepare('design pipeline loaded');
  const ds = await openDesignDataset(o, hooks);
  prepare(`dataset read (${ds.nRows} rows)`);
  await trainModelIfMissing(o, hooks, end);
  // the model in three steps: its code, the tensor backend (what HardnessModel.load starts), weights
  await import('../model/hardness-model.ts');
  prepare('model code loaded');
  const { initBackend } = await import('../nn/backend.ts');
  const backend = await initBackend();
  prepare(`tensor backend ready (${backend.backend})`);
  const model = await openModel(o.model);
  prepare('model opened');
  validateConstraints(designOptions.constraints, model.elements);
  const split = await splitForModel(model, ds);
  prepare('split read');
  const { runDesign } = await import('../design/pipeline.ts');
  const { makeRefiner } = await import('../design/refine.ts');
  const { designData } = await import('../design/data.ts');
  const { Rng } = await import('../util/rng.ts');
  const { newManifest, writeManifest, dataRecord, modelRecord } = await import(
    '../util/manifest.ts'
  );
  const { writeJsonAtomic } = await import('../util/fs.ts');
  const { candidateAssessments } = await import('./uncertainty.ts');
  const { designFigures } = await import('../design/figures.ts');
  const { writeFigures } = await import('../eval/figures.ts');
  const data = designData(ds, split, model.elements);
  prepare('design data ready');

  const refineOptions = refineOptionsFor(o);
  const manifest = newManifest(
    'design',
    o.argv,
    { ...designOptions, refine: o.refine ? refineOptions : false },
    { seed: o.seed },
  );
  manifest.model = modelRecord(o.model, model.meta);
  manifest.data = dataRecord(ds, split);

  const mcmcStage = `MCMC ${designOptions.mcmc.chains} chains`;
  const res = await runDesign(model, data, designOptions, new Rng(o.seed), {
    onStage: (s) => {
      throwIfCancelled(hooks, 'the design');
      end();
      if (s !== 'mcmc') hooks.onInfo?.(`design: ${s.replace('_', ' ')}…`);
    },
    onCalibrationRows: (done, total) =>
      progress(DESIGN_CALIBRATION_STAGE, done, total, 'calibration rows predicted'),
    onMcmcStep: (t, total, acc) => progress(mcmcStage, t + 1, total, `${acc} accepted`),
    onRefineStep: (step, maxSteps, best) =>
      progress('refinement', step, maxSteps, `best objective ${best.toFixed(1)} HV`),
    onScreenRows: (done, total) => progress(DESIGN_SCREENING_STAGE, done, total, 'alloys screened'),
    refine: o.refine ? makeRefiner(model, refineOptions) : undefined,
  });
  end();
  Object.assign(manifest.timings, res.timings, { total: (performance.now() - t0) / 1000 });

  // the run directory, one step per file written, the plotting libraries loaded, each figure
  const figures = designFigures(res);
  const nFigures = Object.keys(figures).length;
  const writeSteps = 6 + nFigures;
  let written = 0;
  const wrote = (status: string) =>
    progress(DESIGN_WRITING_STAGE, ++written, writeSteps, status, false);
  const dir = o.out ?? runDirName('design');
  await claimOutputDir(dir, { force: o.force, kind: 'run' });
  // complete the manifest (finish time, backend) before the results file embeds it
  await writeManifest(dir, manifest);
  wrote('manifest.json');
  // domain of applicability of every candidate at L* (docs/uncertainty.md; null without
  // domain.json) and its predictive distribution as `vibann predict` prints it
  const assessed = await candidateAssessments(
    o.model,
    model,
    res.candidates.map((c) => c.formula),
    o.load,
    hooks.onWarn,
  );
  wrote('domain verdicts');
  const document: DesignRunDocument = {
    thresholds: res.thresholds,
    pareto: res.pareto,
    candidates: res.candidates.map((c, i) => ({ ...c, ...assessed[i] })),
    rejected: res.rejected,
    summary: {
      screened: res.screened,
      accepted: res.accepted,
      accepted_families: res.acceptedFamilies,
      gmm: res.gmm,
      frame: res.frame,
      mcmc: res.mcmc,
      refinement: res.refinement,
    },
    manifest,
  };
  await writeJsonAtomic(join(dir, DESIGN_FILE), document);
  wrote(DESIGN_FILE);
  await writeJsonAtomic(join(dir, GATES_FILE), gateStateToJSON(res.gateState));
  wrote(GATES_FILE);
  await writeFigures(dir, figures, hooks.onWarn, (_done, _total, what) => wrote(what));
  await completeRun(dir, manifest);
  wrote('run complete');
  end();
  return { dir, document, gates: res.gateState };
}

/** The error (exit code 3) a design in which no candidate passed the gates ends with, if so. */
export function noCandidateError(doc: DesignRunDocument): VibannError | undefined {
  if (doc.summary.accepted > 0) return undefined;
  const counts = Object.entries(doc.rejected)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  return new VibannError(
    `no candidate passed all the gates (rejections: ${counts}); the best rejected candidates are shown above`,
    EXIT.noCandidate,
  );
}
