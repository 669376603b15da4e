/**
 * The latent workflow (SPEC §8): latent-space analysis of a trained model — k-means clusters with
 * the elbow curve and per-cluster hardness and composition, PCA (explained variance, R² of
 * predicted HV on PC1/PC2), seeded t-SNE, traversal from two anchors, gradient sensitivity and
 * correlations, and the navigability of the latent space, compared with a deterministic-bottleneck
 * model when one is given (`compareDeterministic`) or trained here (`trainDeterministic`: the
 * model's preset, seeds and split with `bottleneck: 'deterministic'`, saved in the run directory).
 *
 * Writes a run directory: latent.json (the `LatentRunDocument`, read back by `readLatentRun`),
 * latent_points.csv (per row: set, formula, load, HV, predicted HV, cluster, PC1/2, t-SNE 1/2),
 * traversal.csv (anchor, coordinate, step, value, predicted HV), sensitivity.csv (every latent
 * coordinate), manifest.json and the figures latent_*, traversal_*, elbow, cluster_hv,
 * sensitivity, navigability (SVG + PNG).
 */
import { join } from 'node:path';
import type { LatentAnalysis, LatentAnalysisOptions } from '../latent/analysis/analyze.ts';
import type { HardnessModel } from '../model/hardness-model.ts';
import { LATENT_FILE, type LatentRunDocument } from '../runs/latent.ts';
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
  trainAndSave,
  type WorkflowHooks,
} from './common.ts';

export interface LatentRunOptions {
  /** Model directory (default models/default). */
  model?: string;
  /** Dataset CSV the model was trained on (default: the reference dataset). */
  data?: string;
  /** Seed of k-means, t-SNE, the traversal anchor and the GMM draws (default 1). */
  seed?: number;
  /** Encode every row at this load, N (default: each row at its own load). */
  load?: number;
  /** t-SNE perplexity (default 30; 0 skips t-SNE). */
  perplexity?: number;
  /** A model trained with the deterministic bottleneck (same data and split), for navigability. */
  compareDeterministic?: string;
  /** Train that comparison model here, into <run directory>/deterministic-model. */
  trainDeterministic?: boolean;
  /** Smoke run: 300 t-SNE iterations, 3 k-means restarts, a small GMM and a 5-epoch comparison model. */
  quick?: boolean;
  /** Run directory (default runs/latent-<UTC date and time>). */
  out?: string;
  /** Replace `out` even when it holds files that are not a vibann run (default: refuse, exit 2). */
  force?: boolean;
  /** Write the figures (default true). */
  plots?: boolean;
  /** The command line recorded in the manifest (default: this process's arguments). */
  argv?: string[];
}

/** Defaults of the options left out (the analysis settings: DEFAULT_LATENT_ANALYSIS, SPEC §8). */
export const LATENT_DEFAULTS = {
  model: DEFAULT_MODEL_DIR,
  seed: 1,
  perplexity: 30,
  plots: true,
  /** What `quick` changes in the analysis settings. */
  quick: {
    tsneIterations: 300,
    kmeansInit: 3,
    gmm: { kMin: 1, kMax: 3, nInit: 1 },
  } satisfies Partial<LatentAnalysisOptions>,
} as const;

export interface LatentRunResult {
  runDir: string;
  /** What latent.json holds (and `latent --json` prints). */
  document: LatentRunDocument;
  /** The analysis with the traversals' full sweeps (the document keeps their summaries). */
  analysis: LatentAnalysis;
  /** The design network whose latent space was analysed. */
  designMember: number;
}

/**
 * Why the comparison model is not a like-for-like deterministic twin of `model` (empty: it is);
 * InputError when its element basis differs, a warning when its bottleneck is not deterministic.
 */
function comparability(
  model: HardnessModel,
  other: HardnessModel,
  dir: string,
  hooks: WorkflowHooks,
): string[] {
  if (other.elements.join(',') !== model.elements.join(','))
    throw new InputError(
      `--compare-deterministic ${dir}: its element basis differs from the model's`,
    );
  if (other.networkOptions.bottleneck !== 'deterministic')
    hooks.onWarn?.(
      `the comparison model ${dir} has bottleneck '${other.networkOptions.bottleneck}', not 'deterministic'`,
    );
  const out: string[] = [];
  const a = model.meta;
  const b = other.meta;
  if (a.data.sha256 !== b.data.sha256) out.push('trained on a different data file');
  if (JSON.stringify(a.split.train_fit) !== JSON.stringify(b.split.train_fit))
    out.push('trained on a different split');
  const { bottleneck: _x, ...na } = model.networkOptions;
  const { bottleneck: _y, ...nb } = other.networkOptions;
  if (JSON.stringify(na) !== JSON.stringify(nb))
    out.push('network options other than the bottleneck differ');
  if (JSON.stringify(a.preset.training) !== JSON.stringify(b.preset.training))
    out.push('training settings differ (e.g. a --quick model against a full one)');
  if (model.nMembers !== other.nMembers) out.push('ensemble sizes differ');
  for (const c of out) hooks.onWarn?.(`navigability comparison: ${c}`);
  return out;
}

export async function runLatent(
  options: LatentRunOptions = {},
  hooks: WorkflowHooks = {},
): Promise<LatentRunResult> {
  const t0 = performance.now();
  const D = LATENT_DEFAULTS;
  if (options.compareDeterministic && options.trainDeterministic)
    throw new InputError(
      'give either --compare-deterministic DIR or --train-deterministic, not both',
    );
  const perplexity = options.perplexity ?? D.perplexity;
  if (perplexity < 0) throw new InputError(`--perplexity must be ≥ 0, got ${perplexity}`);
  const seed = options.seed ?? D.seed;
  const quick = options.quick ?? false;
  const modelDir = options.model ?? D.model;
  const model = await openModel(modelDir);
  const { ds } = await openDataset(options.data, hooks);
  const split = await splitForModel(model, ds);
  const runDir = options.out ?? runDirName('latent');
  await claimOutputDir(runDir, { force: options.force, kind: 'run' });
  const { memberLatentModel } = await import('../latent/analysis/access.ts');
  const { analyzeLatents, latentJson, latentRowsOf, DEFAULT_LATENT_ANALYSIS } = await import(
    '../latent/analysis/analyze.ts'
  );
  const { csv } = await import('../latent/analysis/csv.ts');
  const { Rng } = await import('../util/rng.ts');
  const { newManifest, writeManifest, dataRecord, modelRecord } = await import(
    '../util/manifest.ts'
  );
  const { writeJsonAtomic, writeFileAtomic } = await import('../util/fs.ts');

  // the comparison model (navigability, SPEC §8)
  let compareDir = options.compareDeterministic;
  const timings: Record<string, number> = {};
  if (options.trainDeterministic) {
    compareDir = join(runDir, 'deterministic-model');
    const p = model.meta.preset;
    hooks.onInfo?.(
      `training the comparison model (bottleneck 'deterministic', preset ${p.name}${quick ? ', --quick' : ''}) into ${compareDir}`,
    );
    const tt = performance.now();
    await trainAndSave(
      ds,
      split,
      {
        preset: p.name,
        seed: model.meta.seeds[0] ?? 1,
        seeds: model.meta.seeds.length,
        quick,
        network: { ...p.network, bottleneck: 'deterministic' },
        training: quick ? undefined : p.training,
      },
      compareDir,
      hooks,
    );
    timings.train_deterministic = (performance.now() - tt) / 1000;
  }
  const compareModel = compareDir ? await openModel(compareDir) : undefined;
  const caveats =
    compareModel && compareDir ? comparability(model, compareModel, compareDir, hooks) : [];
  throwIfCancelled(hooks, 'latent');

  const analysisOptions = {
    ...DEFAULT_LATENT_ANALYSIS,
    perplexity,
    load: options.load,
    ...(quick ? D.quick : {}),
  };
  const manifest = newManifest(
    'latent',
    options.argv ?? process.argv.slice(2),
    { ...analysisOptions },
    { seed },
  );
  manifest.model = modelRecord(modelDir, model.meta);
  manifest.data = dataRecord(ds, split);

  const lm = memberLatentModel(model);
  const lc = compareModel ? memberLatentModel(compareModel) : undefined;
  const rows = latentRowsOf(ds, split);
  const tracker = stageTracker(hooks, 'latent', timings);
  const ta = performance.now();
  let res: Awaited<ReturnType<typeof analyzeLatents>>;
  try {
    res = await analyzeLatents(lm, rows, new Rng(seed), analysisOptions, lc, tracker);
    tracker.finish();
  } finally {
    lm.dispose();
    lc?.dispose();
  }
  timings.analysis = (performance.now() - ta) / 1000;
  const { analysis, points } = res;

  // files
  const nRows = rows.hv.length;
  const rowIds = rows.rowIds ?? [];
  const labels = rows.labels ?? [];
  const pointRows = Array.from({ length: nRows }, (_, i) => [
    rowIds[i],
    rows.sets[i],
    labels[i],
    rows.load[i],
    rows.hv[i],
    points.predicted[i],
    points.cluster[i],
    points.pca.data[i * 2],
    points.pca.data[i * 2 + 1],
    points.tsne ? points.tsne.data[i * 2] : '',
    points.tsne ? points.tsne.data[i * 2 + 1] : '',
  ]);
  await writeFileAtomic(
    join(runDir, 'latent_points.csv'),
    csv(
      [
        ...['row', 'set', 'formula', 'load_N', 'hv', 'predicted_hv', 'cluster'],
        ...['pc1', 'pc2', 'tsne1', 'tsne2'],
      ],
      pointRows,
    ),
  );
  const travRows: unknown[][] = [];
  for (const t of analysis.traversal)
    t.values.forEach((vals, j) => {
      vals.forEach((v, s) => {
        travRows.push([t.anchor, j, s + 1, v, t.hv[j][s]]);
      });
    });
  const sens = [
    'mean_abs_gradient',
    'mean_abs_gradient_per_sd',
    'sd',
    'pearson',
    'spearman',
  ] as const;
  await writeFileAtomic(
    join(runDir, 'sensitivity.csv'),
    csv(
      ['coordinate', ...sens],
      analysis.sensitivity.coordinates.map((c) => [c.coordinate, ...sens.map((k) => c[k])]),
    ),
  );
  await writeFileAtomic(
    join(runDir, 'traversal.csv'),
    csv(['anchor', 'coordinate', 'step', 'value', 'predicted_hv'], travRows),
  );

  if (options.plots ?? D.plots) {
    throwIfCancelled(hooks, 'latent');
    hooks.onInfo?.('latent: figures…');
    const tp = performance.now();
    const { writePlot } = await import('../plots/render.ts');
    const { latentFigures } = await import('../latent/analysis/plots.ts');
    const figures = latentFigures(analysis, points, rows, {
      seed,
      load: options.load,
      loadJoin: model.networkOptions.loadJoin,
      designMember: model.meta.design_member,
      comparability: compareModel ? caveats : undefined,
    });
    for (const f of figures) await writePlot(runDir, f.name, f.spec);
    timings.figures = (performance.now() - tp) / 1000;
  }
  Object.assign(manifest.timings, timings, { total: (performance.now() - t0) / 1000 });
  // complete the manifest (finish time, backend) before the results file embeds it
  await writeManifest(runDir, manifest);
  const document: LatentRunDocument = {
    ...latentJson(analysis),
    navigability_comparison:
      compareModel && compareDir
        ? { model: compareDir, comparable: caveats.length === 0, caveats }
        : {
            model: null,
            note: "no deterministic-bottleneck model given: pass --compare-deterministic DIR (a model trained with network.bottleneck = 'deterministic' on the same split) or --train-deterministic",
          },
    files: {
      points: 'latent_points.csv',
      traversal: 'traversal.csv',
      sensitivity: 'sensitivity.csv',
    },
    manifest,
  };
  await writeJsonAtomic(join(runDir, LATENT_FILE), document);
  await completeRun(runDir, manifest);
  return { runDir, document, analysis, designMember: model.meta.design_member };
}
