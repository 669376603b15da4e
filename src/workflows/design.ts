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
import { DEFAULT_CONSTRAINTS, type DesignConstraints } from '../design/constraints.ts';
import type { DesignOptions } from '../design/pipeline.ts';
import type { RefineOptions } from '../design/refine.ts';
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
  trainAndSave,
  type WorkflowHooks,
} from './common.ts';
import { MERGED_DATASET_FILE } from './train.ts';

export interface DesignWorkflowOptions {
  /** Model directory (default models/default). */
  model: string;
  /**
   * Train a model into `model` first when it holds none (reference split, default preset, one
   * seed; quick with `quick`). Default: only when `model` is the default directory.
   */
  trainIfMissing?: boolean;
  /** Dataset CSV the model was trained on (default: the reference dataset's resolution order). */
  data?: string;
  /** Design load L*, N (default 0.5). */
  load: number;
  /** Target window on the LCB at L*, HV (default: LCB target .. max train HV + 250). */
  target?: [number, number];
  /** Banned elements (default none). */
  ban: string[];
  /** Only these elements may appear (default: all of the model's). */
  allow?: string[];
  /** Per-element bounds in at.% (default none; `parseBounds('Nb:10:30')` makes them). */
  bounds: Record<string, { min?: number; max?: number }>;
  /** Maximum number of elements of a candidate (default 7). */
  maxElements: number;
  /** Minimum number of elements of a candidate (default 3). */
  minElements: number;
  /** Candidates to report (default 5). */
  n: number;
  /** Seed of every random step (default 1). */
  seed: number;
  /** Smoke run: `QUICK_DESIGN` settings, and a quick model if one must be trained (default false). */
  quick: boolean;
  /** Gradient refinement of MCMC seeds (default true). */
  refine: boolean;
  /** Explicit LCB target at the design load, HV (default: from the calibration rows satisfying the constraints). */
  lcbTarget?: number;
  /**
   * Explicit novelty minimum: Euclidean distance in atomic fractions to the nearest dataset alloy
   * (default: q`noveltyQuantile` when that is given, else 0.10 — design/pipeline.ts `defaultNoveltyMin`).
   */
  noveltyMin?: number;
  /**
   * Quantile of the dataset alloys' leave-one-out nearest-neighbour distances that sets the novelty
   * minimum instead of the default 0.10 (q0.8 = 0.055 on the reference data let the default design
   * report alloys 0.06 from a known one; docs/design.md). Not together with `noveltyMin`.
   */
  noveltyQuantile?: number;
  /** Weighted quantile of the training latents' log-density that sets the support threshold (default 0.05; docs/design.md). */
  supportQuantile: number;
  /** Glass-formation gate: δ, ΔH_mix, ΔS_mix, Δχ, VEC inside the dataset alloys' ranges (default true). */
  glass: boolean;
  /** Maximum raw-material cost, USD per kg of alloy (default none; elements without a price are then excluded). */
  maxCost?: number;
  /** 'lcb' ranks accepted alloys by LCB at the design load; 'pareto' reports the Pareto set over (LCB, cost, novelty). */
  objective: 'lcb' | 'pareto';
  /** At most this many reported candidates per family (elements ≥ 10 at.%); default ⌈n/2⌉. */
  familyCap?: number;
  /** MCMC chains (default 64; 16 with quick). */
  mcmcChains?: number;
  /** MCMC steps per chain (default 700; 150 with quick). */
  mcmcSteps?: number;
  /** Gradient-refinement steps, maximum (default 1000; 200 with quick). */
  refineSteps?: number;
  /** Gradient-refinement learning rate, latent units per step (default 0.01). */
  refineLr?: number;
  /** Number of refinement seeds (default 10). */
  refineSeeds?: number;
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
  load: 0.5,
  ban: [],
  bounds: {},
  maxElements: DEFAULT_CONSTRAINTS.maxElements,
  minElements: DEFAULT_CONSTRAINTS.minElements,
  n: 5,
  seed: 1,
  quick: false,
  refine: true,
  supportQuantile: 0.05,
  glass: true,
  objective: 'lcb',
  argv: [],
});

/** What `quick` changes: a short MCMC and refinement, a cheap GMM and calibration. */
export const QUICK_DESIGN = Object.freeze({
  mcmc: { chains: 16, steps: 150, burnIn: 50 },
  calibrationPasses: 50,
  gmm: { kMin: 1, kMax: 3, nInit: 2 },
  refine: { maxSteps: 200, snapshots: [0, 100, 200] } satisfies Partial<RefineOptions>,
});

/** '2200:2500' → [2200, 2500] (HV, LO < HI); InputError naming --target otherwise. */
export function parseTargetWindow(v: string): [number, number] {
  const m = /^\s*([0-9.]+)\s*:\s*([0-9.]+)\s*$/.exec(v);
  if (!m || !(Number(m[1]) < Number(m[2])))
    throw new InputError(`--target expects LO:HI in HV with LO < HI (e.g. 2200:2500), got '${v}'`);
  return [Number(m[1]), Number(m[2])];
}

function check(o: DesignWorkflowOptions): void {
  const int = (v: number, name: string, min: number) => {
    if (!Number.isInteger(v) || v < min)
      throw new InputError(`${name} expects an integer ≥ ${min}, got ${v}`);
  };
  if (!(Number.isFinite(o.load) && o.load > 0))
    throw new InputError(`--load expects a positive number (N), got ${o.load}`);
  int(o.n, '--n', 1);
  int(o.maxElements, '--max-elements', 1);
  int(o.minElements, '--min-elements', 1);
  int(o.seed, '--seed', 0);
  const pos = (v: number | undefined, name: string, unit: string) => {
    if (v !== undefined && !(Number.isFinite(v) && v > 0))
      throw new InputError(`${name} expects a positive number (${unit}), got ${v}`);
  };
  pos(o.maxCost, '--max-cost', 'USD/kg');
  pos(o.lcbTarget, '--lcb-target', 'HV');
  pos(o.refineLr, '--refine-lr', 'latent units per step');
  if (o.noveltyMin !== undefined && !(Number.isFinite(o.noveltyMin) && o.noveltyMin >= 0))
    throw new InputError(
      `--novelty-min expects a distance ≥ 0 in atomic fractions, got ${o.noveltyMin}`,
    );
  for (const [v, name] of [
    [o.supportQuantile, '--support-quantile'],
    [o.noveltyQuantile, '--novelty-quantile'],
  ] as const)
    if (v !== undefined && !(Number.isFinite(v) && v >= 0 && v <= 1))
      throw new InputError(`${name} expects a quantile in 0..1, got ${v}`);
  if (o.noveltyMin !== undefined && o.noveltyQuantile !== undefined)
    throw new InputError('give --novelty-min or --novelty-quantile, not both');
  if (o.objective !== 'lcb' && o.objective !== 'pareto')
    throw new InputError(`--objective expects 'lcb' or 'pareto', got '${o.objective}'`);
  for (const [v, name, min] of [
    [o.familyCap, '--family-cap', 1],
    [o.mcmcChains, '--mcmc-chains', 2],
    [o.mcmcSteps, '--mcmc-steps', 1],
    [o.refineSteps, '--refine-steps', 1],
    [o.refineSeeds, '--refine-seeds', 1],
  ] as const)
    if (v !== undefined) int(v, name, min);
  if (o.target && !(o.target[0] < o.target[1]))
    throw new InputError(`--target expects LO < HI in HV, got ${o.target[0]}:${o.target[1]}`);
}

/** The pipeline's options for a workflow's options. */
export async function designOptionsFor(o: DesignWorkflowOptions): Promise<DesignOptions> {
  const { DEFAULT_DESIGN_OPTIONS } = await import('../design/pipeline.ts');
  const constraints: DesignConstraints = {
    ...DEFAULT_CONSTRAINTS,
    ban: o.ban,
    allow: o.allow,
    bounds: o.bounds,
    maxElements: o.maxElements,
    minElements: o.minElements,
  };
  const base = {
    ...DEFAULT_DESIGN_OPTIONS,
    load: o.load,
    targetWindow: o.target,
    constraints,
    n: o.n,
    ...(o.quick
      ? {
          mcmc: { ...DEFAULT_DESIGN_OPTIONS.mcmc, ...QUICK_DESIGN.mcmc },
          calibrationPasses: QUICK_DESIGN.calibrationPasses,
          gmm: { ...QUICK_DESIGN.gmm },
        }
      : {}),
  };
  const mcmc = { ...base.mcmc };
  if (o.mcmcChains !== undefined) mcmc.chains = o.mcmcChains;
  if (o.mcmcSteps !== undefined) {
    mcmc.steps = o.mcmcSteps;
    mcmc.burnIn = Math.min(mcmc.burnIn, Math.floor(o.mcmcSteps / 3));
  }
  return {
    ...base,
    mcmc,
    thresholds: {
      ...base.thresholds,
      ...(o.noveltyQuantile !== undefined ? { noveltyQuantile: o.noveltyQuantile } : {}),
    },
    supportQuantile: o.supportQuantile,
    lcbTarget: o.lcbTarget,
    noveltyMin: o.noveltyMin,
    glassGate: o.glass,
    maxCost: o.maxCost,
    objective: o.objective,
    familyCap: o.familyCap,
    refineSeeds: o.refineSeeds ?? base.refineSeeds,
  };
}

/**
 * Run a design and write its run directory. Progress (MCMC and refinement steps) and messages go
 * to the hooks; `hooks.signal` is checked between stages and steps (`CancelledError`). Returns the
 * run as `readDesignRun` reads it back. A run in which nothing passed the gates is a result, not an
 * error (`noCandidateError` says what the CLI exits with).
 */
export async function runDesignWorkflow(
  options: Partial<DesignWorkflowOptions> = {},
  hooks: WorkflowHooks = {},
): Promise<DesignRun> {
  const t0 = performance.now();
  const o: DesignWorkflowOptions = { ...DESIGN_DEFAULTS, ...options };
  check(o);
  const designOptions = await designOptionsFor(o);
  const { validateConstraints } = await import('../design/constraints.ts');
  // a model trained with `vibann train --add` keeps its merged dataset next to it (workflows/train.ts)
  const merged = join(o.model, MERGED_DATASET_FILE);
  const { ds } = await openDataset(o.data ?? (existsSync(merged) ? merged : undefined), hooks);
  if (!existsSync(join(o.model, 'manifest.json'))) {
    if (!(o.trainIfMissing ?? o.model === DEFAULT_MODEL_DIR))
      throw new InputError(
        `no trained model at '${o.model}': run 'vibann train --out ${o.model}' first`,
      );
    hooks.onInfo?.(
      `no model at ${o.model}: training the default model first${o.quick ? ' (--quick)' : ''}`,
    );
    const { selectSplit } = await import('../data/index.ts');
    await trainAndSave(
      ds,
      selectSplit(ds),
      { preset: 'default', seed: 1, seeds: 1, quick: o.quick },
      o.model,
      hooks,
    );
  }
  const model = await openModel(o.model);
  validateConstraints(designOptions.constraints, model.elements);
  const split = await splitForModel(model, ds);
  const { runDesign } = await import('../design/pipeline.ts');
  const { makeRefiner } = await import('../design/refine.ts');
  const { designData } = await import('../design/data.ts');
  const { Rng } = await import('../util/rng.ts');
  const { newManifest, writeManifest, dataRecord, modelRecord } = await import(
    '../util/manifest.ts'
  );
  const { writeJsonAtomic } = await import('../util/fs.ts');

  const refineOptions: Partial<RefineOptions> = o.quick ? { ...QUICK_DESIGN.refine } : {};
  if (o.refineSteps !== undefined) {
    refineOptions.maxSteps = o.refineSteps;
    refineOptions.snapshots = [0, Math.floor(o.refineSteps / 2), o.refineSteps];
  }
  if (o.refineLr !== undefined) refineOptions.lr = o.refineLr;
  const manifest = newManifest(
    'design',
    o.argv,
    { ...designOptions, refine: o.refine ? refineOptions : false },
    { seed: o.seed },
  );
  manifest.model = modelRecord(o.model, model.meta);
  manifest.data = dataRecord(ds, split);

  // progress: one stage at a time; a new stage ends the previous progress stage
  let open: string | null = null;
  const progress = (stage: string, done: number, total: number, status: string) => {
    throwIfCancelled(hooks, 'the design');
    if (open !== stage) end();
    open = stage;
    hooks.onProgress?.({ stage, done, total, status });
  };
  const end = () => {
    if (open !== null) hooks.onStageEnd?.(open);
    open = null;
  };
  const mcmcStage = `MCMC ${designOptions.mcmc.chains} chains`;
  const res = await runDesign(
    model,
    designData(ds, split, model.elements),
    designOptions,
    new Rng(o.seed),
    {
      onStage: (s) => {
        throwIfCancelled(hooks, 'the design');
        end();
        if (s !== 'mcmc') hooks.onInfo?.(`design: ${s.replace('_', ' ')}…`);
      },
      onMcmcStep: (t, total, acc) => progress(mcmcStage, t + 1, total, `${acc} accepted`),
      onRefineStep: (step, maxSteps, best) =>
        progress('refinement', step, maxSteps, `best objective ${best.toFixed(1)} HV`),
      refine: o.refine ? makeRefiner(model, refineOptions) : undefined,
    },
  );
  end();
  Object.assign(manifest.timings, res.timings, { total: (performance.now() - t0) / 1000 });
  const dir = o.out ?? runDirName('design');
  await claimOutputDir(dir, { force: o.force, kind: 'run' });
  // complete the manifest (finish time, backend) before the results file embeds it
  await writeManifest(dir, manifest);
  // domain of applicability of every candidate at L* (docs/uncertainty.md; null without domain.json)
  const { domainVerdicts } = await import('./uncertainty.ts');
  const verdicts = await domainVerdicts(
    o.model,
    model,
    res.candidates.map((c) => c.formula),
    o.load,
    hooks.onWarn,
  );
  const document: DesignRunDocument = {
    thresholds: res.thresholds,
    pareto: res.pareto,
    candidates: res.candidates.map((c, i) => ({ ...c, domain: verdicts[i] })),
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
  await writeJsonAtomic(join(dir, GATES_FILE), gateStateToJSON(res.gateState));
  const { designFigures } = await import('../design/figures.ts');
  const { writeFigures } = await import('../eval/figures.ts');
  await writeFigures(dir, designFigures(res), hooks.onWarn);
  await completeRun(dir, manifest);
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
