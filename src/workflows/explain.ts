/**
 * The explain workflow (SPEC §11): interpretability of a trained model — attention per element
 * (over all rows and over the rows containing the element, overall and per latent cluster),
 * integrated gradients of the ensemble's prediction with respect to composition and load
 * (trapezoid steps, baseline = mean train_fit composition at the mean train_fit load) with the
 * completeness gap, and permutation importance per latent cluster on its test rows.
 *
 * Writes a run directory: explain.json (the `ExplainRunDocument`, read back by `readExplainRun`),
 * ig_rows.csv (per attributed row: formula, load, cluster, f(x), gap and the attribution of every
 * feature), manifest.json and the figures attention, attention_hardest, ig, ig_hardest,
 * permutation (SVG + PNG).
 */
import { join } from 'node:path';
import type { ExplainResult, ReferenceSet } from '../explain/explain.ts';
import { EXPLAIN_FILE, type ExplainRunDocument } from '../runs/explain.ts';
import { InputError } from '../util/errors.ts';
import { claimOutputDir } from '../util/fs.ts';
import { completeRun } from '../util/manifest.ts';
import {
  DEFAULT_MODEL_DIR,
  openDataset,
  openModel,
  runDirName,
  splitForModel,
  stageTracker,
  throwIfCancelled,
  type WorkflowHooks,
} from './common.ts';

/** The rows integrated gradients can attribute. */
export const EXPLAIN_SETS: readonly ReferenceSet[] = ['test', 'train_fit', 'calibration', 'all'];

export interface ExplainRunOptions {
  /** Model directory (default models/default). */
  model?: string;
  /** Dataset CSV the model was trained on (default: the reference dataset). */
  data?: string;
  /** Seed of the latent clusters (k-means) and of the permutations (default 1). */
  seed?: number;
  /** Rows attributed by integrated gradients (default 'test'). */
  igSet?: ReferenceSet;
  /** Trapezoid intervals along the integration path (default 200; 50 with `quick`). */
  igSteps?: number;
  /** Shuffles per feature in the permutation importance (default 20; 5 with `quick`). */
  repeats?: number;
  /** Smoke run: the quick values of `igSteps` and `repeats` where they are not given. */
  quick?: boolean;
  /** Run directory (default runs/explain-<UTC date and time>). */
  out?: string;
  /** Replace `out` even when it holds files that are not a vibann run (default: refuse, exit 2). */
  force?: boolean;
  /** Write the figures (default true). */
  plots?: boolean;
  /** The command line recorded in the manifest (default: this process's arguments). */
  argv?: string[];
}

/** Defaults of the options left out (SPEC §11: 200 trapezoid steps, 20 shuffles). */
export const EXPLAIN_DEFAULTS = {
  model: DEFAULT_MODEL_DIR,
  seed: 1,
  igSet: 'test' as ReferenceSet,
  igSteps: 200,
  repeats: 20,
  plots: true,
  /** With `quick`: 50 trapezoid steps and 5 shuffles. */
  quick: { igSteps: 50, repeats: 5 },
} as const;

export interface ExplainRunResult {
  runDir: string;
  /** What explain.json holds (and `explain --json` prints). */
  document: ExplainRunDocument;
  /** The analysis with its per-cluster lists as arrays (the document keys them by cluster). */
  result: ExplainResult;
  /** Size of the element basis (the uniform attention weight is 1/elements). */
  elements: number;
}

export async function runExplain(
  options: ExplainRunOptions = {},
  hooks: WorkflowHooks = {},
): Promise<ExplainRunResult> {
  const t0 = performance.now();
  const D = EXPLAIN_DEFAULTS;
  const igSet = options.igSet ?? D.igSet;
  if (!EXPLAIN_SETS.includes(igSet))
    throw new InputError(`--ig-set expects one of ${EXPLAIN_SETS.join(', ')}; got '${igSet}'`);
  const igSteps = options.igSteps ?? (options.quick ? D.quick.igSteps : D.igSteps);
  const repeats = options.repeats ?? (options.quick ? D.quick.repeats : D.repeats);
  const seed = options.seed ?? D.seed;
  const modelDir = options.model ?? D.model;
  const model = await openModel(modelDir);
  const { ds } = await openDataset(options.data, hooks);
  const split = await splitForModel(model, ds);
  const runDir = options.out ?? runDirName('explain');
  await claimOutputDir(runDir, { force: options.force, kind: 'run' });
  const { explainModel, explainJson, DEFAULT_EXPLAIN } = await import('../explain/explain.ts');
  const { csv } = await import('../latent/analysis/csv.ts');
  const { Rng } = await import('../util/rng.ts');
  const { newManifest, writeManifest, dataRecord, modelRecord } = await import(
    '../util/manifest.ts'
  );
  const { writeJsonAtomic, writeFileAtomic } = await import('../util/fs.ts');

  const analysisOptions = { ...DEFAULT_EXPLAIN, igSet, igSteps, repeats };
  const manifest = newManifest(
    'explain',
    options.argv ?? process.argv.slice(2),
    { ...analysisOptions },
    { seed },
  );
  manifest.model = modelRecord(modelDir, model.meta);
  manifest.data = dataRecord(ds, split);
  const timings: Record<string, number> = {};
  const tracker = stageTracker(hooks, 'explain', timings);
  throwIfCancelled(hooks, 'explain');
  const { result, ig } = await explainModel(
    model,
    ds,
    split,
    new Rng(seed),
    analysisOptions,
    tracker,
  );
  tracker.finish();

  // per-row attributions
  const F = ig.features.length;
  await writeFileAtomic(
    join(runDir, 'ig_rows.csv'),
    csv(
      ['row', 'formula', 'load_N', 'hv', 'cluster', 'predicted_hv', 'gap', ...ig.features],
      ig.rowIds.map((r, i) => [
        r,
        ds.compositions[r].toString(),
        ds.load[r],
        ds.hv[r],
        ig.cluster[i],
        ig.fx[i],
        ig.gap[i],
        ...Array.from(ig.attributions.subarray(i * F, (i + 1) * F)),
      ]),
    ),
  );

  if (options.plots ?? D.plots) {
    throwIfCancelled(hooks, 'explain');
    hooks.onInfo?.('explain: figures…');
    const tp = performance.now();
    const { writePlot } = await import('../plots/render.ts');
    const { explainFigures } = await import('../explain/plots.ts');
    for (const f of explainFigures(result, ds.elements.length)) {
      await writePlot(runDir, f.name, f.spec);
    }
    timings.figures = (performance.now() - tp) / 1000;
  }
  Object.assign(manifest.timings, timings, { total: (performance.now() - t0) / 1000 });
  // complete the manifest (finish time, backend) before the results file embeds it
  await writeManifest(runDir, manifest);
  const document: ExplainRunDocument = {
    ...explainJson(result),
    files: { ig_rows: 'ig_rows.csv' },
    manifest,
  };
  await writeJsonAtomic(join(runDir, EXPLAIN_FILE), document);
  await completeRun(runDir, manifest);
  return { runDir, document, result, elements: ds.elements.length };
}
