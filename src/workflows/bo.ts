/**
 * The GP-BO workflow (SPEC §10): everything `vibann bo` does — a Gaussian-process surrogate on
 * train_fit, Bayesian optimisation of its LCB at the design load (bo/run.ts), rounding to castable
 * alloys, and the comparison with a VIBANN design run: the top candidates of both methods scored
 * by the same `screen()` through the design run's own gates, loaded from its gates.json (without a
 * design run, the gates of a fresh design context with this seed). Writes bo.json
 * (runs/bo.ts), manifest.json and the best-LCB trace plot to the run directory.
 */
import { join } from 'node:path';
import type { DesignOptions } from '../design/pipeline.ts';
import type { GateState } from '../design/screen.ts';
import type { BoRun, BoRunDocument } from '../runs/bo.ts';
import type { DesignRun } from '../runs/design.ts';
import { InputError } from '../util/errors.ts';
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

export interface BoWorkflowOptions {
  /**
   * Model directory whose ensemble and latent space score the gates. Default: the design run's
   * model (its manifest), else models/default. It must be the design run's model.
   */
  model?: string;
  /** Dataset CSV the model was trained on (default: the reference dataset's resolution order). */
  data?: string;
  /** Design load L*, N (default: the design run's, else 0.5); must equal the design run's. */
  load?: number;
  /** BO iterations (default 200). */
  iterations: number;
  /** A VIBANN design run directory to compare with (its gates.json gives the gates). */
  designRun?: string;
  /** Top candidates per method in the comparison (default 5). */
  n: number;
  /** Seed of the BO (GP restarts, random starts) and of the gates' MC passes (default 1). */
  seed: number;
  /** Random starts per iteration besides the anchors (default 85). */
  randomStarts: number;
  /** Starts refined by L-BFGS per iteration, best acquisition first (default 10). */
  refineStarts: number;
  /** GP marginal-likelihood restarts (default 2). */
  gpRestarts: number;
  /** MC-dropout passes per network for the gates (default: the design's reportPasses, 100). */
  mc?: number;
  /** Run directory (default runs/bo-<UTC date and time>). */
  out?: string;
  /** Replace `out` even when it holds files that are not a vibann run (default: refuse, exit 2). */
  force?: boolean;
  /** Draw the best-LCB trace (default true). */
  plot: boolean;
  /** The command line recorded in the manifest (default []). */
  argv: string[];
}

/** The defaults of `vibann bo`. */
export const BO_DEFAULTS: Readonly<BoWorkflowOptions> = Object.freeze({
  iterations: 200,
  n: 5,
  seed: 1,
  randomStarts: 85,
  refineStarts: 10,
  gpRestarts: 2,
  plot: true,
  argv: [],
});

const DEFAULT_LOAD = 0.5;

/** The design run, its gates and the options its candidates were made with. */
async function openDesignRun(
  dir: string,
): Promise<{ run: DesignRun; gates: GateState; options: Partial<DesignOptions> }> {
  const { readDesignRun } = await import('../runs/design.ts');
  const run = readDesignRun(dir);
  if (!run.gates)
    throw new InputError(
      `--design-run ${dir}: no gates.json there (design runs save their gate state since this version); run 'vibann design --out ${dir}' again`,
    );
  return {
    run,
    gates: run.gates,
    options: run.document.manifest.options as Partial<DesignOptions>,
  };
}

/** Run GP-BO, compare it with a design run through the same gates, and write the run directory. */
export async function runBoWorkflow(
  options: Partial<BoWorkflowOptions> = {},
  hooks: WorkflowHooks = {},
): Promise<BoRun> {
  const t0 = performance.now();
  const o: BoWorkflowOptions = { ...BO_DEFAULTS, ...options };
  const design = o.designRun ? await openDesignRun(o.designRun) : undefined;
  const { DEFAULT_DESIGN_OPTIONS } = await import('../design/pipeline.ts');
  const designOptions: DesignOptions = { ...DEFAULT_DESIGN_OPTIONS, ...(design?.options ?? {}) };
  if (design) {
    if (o.load !== undefined && o.load !== design.gates.load)
      throw new InputError(
        `--load ${o.load} N differs from the design run's load ${design.gates.load} N; the comparison needs one design load`,
      );
    if (o.load === undefined && design.gates.load !== DEFAULT_LOAD)
      hooks.onInfo?.(`bo: using the design run's load ${design.gates.load} N`);
  }
  const load = design?.gates.load ?? o.load ?? DEFAULT_LOAD;
  designOptions.load = load;
  const designSeed = design?.run.document.manifest.seeds?.seed ?? o.seed;
  const recorded = design?.run.document.manifest.model;
  const modelDir = o.model ?? recorded?.dir ?? DEFAULT_MODEL_DIR;

  const { ds } = await openDataset(o.data, hooks);
  const model = await openModel(modelDir);
  if (recorded?.created && recorded.created !== model.meta.created)
    throw new InputError(
      `--design-run ${o.designRun}: its gates belong to the model created ${recorded.created} (${recorded.dir}), but --model ${modelDir} was created ${model.meta.created}; pass --model ${recorded.dir}`,
    );
  const split = await splitForModel(model, ds);
  const { compareMethods, finiteOrNull } = await import('../bo/compare.ts');
  const { runBo, fitSurrogate, surrogateAt, DEFAULT_BO_OPTIONS } = await import('../bo/run.ts');
  const { designData } = await import('../design/data.ts');
  const { designGateState } = await import('../design/pipeline.ts');
  const { Rng } = await import('../util/rng.ts');
  const { Composition } = await import('../chem/composition.ts');
  const { newManifest, writeManifest, dataRecord, modelRecord } = await import(
    '../util/manifest.ts'
  );
  const { writeJsonAtomic } = await import('../util/fs.ts');

  const data = designData(ds, split, model.elements);
  const boOptions = {
    ...DEFAULT_BO_OPTIONS,
    load,
    iterations: o.iterations,
    randomStarts: o.randomStarts,
    refineStarts: o.refineStarts,
    gp: { restarts: o.gpRestarts },
    constraints: designOptions.constraints,
    alloy: designOptions.alloy,
  };
  const manifest = newManifest(
    'bo',
    o.argv,
    { ...boOptions, n: o.n, design_run: o.designRun ?? null, mc: o.mc ?? null },
    { seed: o.seed, design_seed: designSeed },
  );
  manifest.model = modelRecord(modelDir, model.meta);
  manifest.data = dataRecord(ds, split);
  const timings = manifest.timings;

  // the gates: the design run's own, or those of a fresh design context with this seed
  let t = performance.now();
  let gates: GateState;
  if (design) {
    hooks.onInfo?.(`bo: the gates of design run ${o.designRun} (gates.json)`);
    gates = design.gates;
  } else {
    hooks.onInfo?.(`bo: computing design gates (latent density, thresholds) with seed ${o.seed}…`);
    gates = await designGateState(model, data, designOptions, new Rng(o.seed));
  }
  timings.gates = (performance.now() - t) / 1000;
  throwIfCancelled(hooks, 'GP-BO');

  // GP-BO
  const rng = new Rng(o.seed);
  hooks.onInfo?.(`bo: fitting the GP surrogate on ${split.trainFit.length} train_fit rows…`);
  const surrogate = await fitSurrogate(data, boOptions, rng.fork('gp'));
  timings.gp_fit = surrogate.fitSeconds;
  const stage = `GP-BO ${o.iterations} iterations`;
  t = performance.now();
  const res = await runBo(data, boOptions, rng, {
    surrogate,
    onIteration: (i, total, best) => {
      throwIfCancelled(hooks, 'GP-BO');
      hooks.onProgress?.({
        stage,
        done: i + 1,
        total,
        status: `best LCB ${best.toFixed(0)} HV (GP)`,
      });
    },
  });
  hooks.onStageEnd?.(stage);
  timings.bo = (performance.now() - t) / 1000;

  // comparison through the same gates
  t = performance.now();
  const vec = (fr: Record<string, number>) => {
    for (const el of Object.keys(fr))
      if (!model.elements.includes(el))
        throw new InputError(
          `--design-run: candidate element '${el}' is not in the model's element basis`,
        );
    return Array.from(Composition.fromAmounts(fr).toVector(model.elements));
  };
  const top = res.candidates.slice(0, o.n);
  const methods = [
    { method: 'GP-BO', candidates: top.map((c) => ({ formula: c.formula, vector: c.vector })) },
    ...(design
      ? [
          {
            method: 'VIBANN',
            candidates: design.run.document.candidates
              .slice(0, o.n)
              .map((c) => ({ formula: c.formula, vector: vec(c.fractions) })),
          },
        ]
      : []),
    {
      method: 'GP-BO all',
      candidates: res.candidates.map((c) => ({ formula: c.formula, vector: c.vector })),
    },
  ];
  const cmp = await compareMethods(
    model,
    data,
    gates,
    (v) => surrogateAt(surrogate, load, v, { includeNoise: boOptions.includeNoise }),
    methods,
    { passes: o.mc ?? designOptions.reportPasses, seed: rng.fork('gates').nextSeed() },
  );
  timings.comparison = (performance.now() - t) / 1000;
  timings.total = (performance.now() - t0) / 1000;
  const dir = o.out ?? runDirName('bo');
  await claimOutputDir(dir, { force: o.force, kind: 'run' });
  const sparse = (x: readonly number[]) => {
    const r: Record<string, number> = {};
    x.forEach((v, k) => {
      if (v >= 1e-4) r[model.elements[k]] = v;
    });
    return r;
  };
  const strip = <T extends { vector: number[] }>(c: T): Omit<T, 'vector'> => {
    const { vector: _v, ...rest } = c;
    return rest;
  };
  const nanSafe = <T>(v: T): T =>
    JSON.parse(JSON.stringify(v, (_k, x) => (typeof x === 'number' ? finiteOrNull(x) : x))) as T;
  // complete the manifest (finish time, backend) before the results file embeds it
  await writeManifest(dir, manifest);
  const document: BoRunDocument = nanSafe({
    load,
    iterations: o.iterations,
    thresholds: { ...gates.thresholds, window: gates.window, nearPeakRows: gates.nearPeakRows },
    gates: {
      source: design ? 'design-run' : 'computed',
      design_run: o.designRun ?? null,
      design_seed: designSeed,
    },
    gmm: { k: gates.gmm.nComponents, frame_dim: gates.frame.dim },
    surrogate: res.surrogate,
    anchors: res.anchors.map((a) => ({
      formula: data.trainFit.composition[a.row].toFormula(),
      hv: a.hv,
      load: a.load,
    })),
    trace: res.trace,
    proposals: res.proposals.map(({ x, ...p }) => ({ ...p, composition: sparse(x) })),
    candidates: res.candidates.map((c, i) => ({
      ...strip(c),
      gates: strip(cmp.rows[methods.length - 1][i]),
    })),
    rejected: res.rejected,
    comparison: {
      summary: cmp.summary,
      candidates: Object.fromEntries(
        methods.slice(0, -1).map((m, i) => [m.method, cmp.rows[i].map(strip)]),
      ),
    },
    timings: { ...res.timings, ...timings },
    manifest,
  });
  const { BO_FILE } = await import('../runs/bo.ts');
  await writeJsonAtomic(join(dir, BO_FILE), document);
  if (o.plot) {
    const { writePlot } = await import('../plots/render.ts');
    const { boTracePlot } = await import('../bo/plot.ts');
    const vib = design ? cmp.rows[1] : [];
    const refs =
      vib.length > 0
        ? [{ label: 'best VIBANN candidate, GP LCB', value: Math.max(...vib.map((r) => r.gp.lcb)) }]
        : [];
    await writePlot(dir, 'bo_trace', boTracePlot({ trace: res.trace, references: refs }));
  }
  await completeRun(dir, manifest);
  return { dir, document };
}
