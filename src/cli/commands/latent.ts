/**
 * `vibann latent` — latent-space analysis of a trained model (SPEC §8): k-means clusters with the
 * elbow curve and per-cluster hardness and composition, PCA (explained variance, R² of predicted HV
 * on PC1/PC2), seeded t-SNE, traversal from two anchors, gradient sensitivity and correlations, and
 * the navigability of the latent space, compared with a deterministic-bottleneck model when one is
 * given (`--compare-deterministic DIR`) or trained here (`--train-deterministic`, the same preset,
 * seeds and split as the model, with `bottleneck: 'deterministic'`).
 *
 * Writes a run directory: latent.json (the summary; `--json` prints the same document),
 * latent_points.csv (per row: set, formula, load, HV, predicted HV, cluster, PC1/2, t-SNE 1/2),
 * traversal.csv (anchor, coordinate, step, value, predicted HV), manifest.json and the figures
 * latent_*, traversal_*, elbow, cluster_hv, sensitivity, navigability (SVG + PNG).
 */
import { join } from 'node:path';
import type { Command } from 'commander';
import { InputError } from '../../util/errors.ts';
import {
  DEFAULT_MODEL_DIR,
  openDataset,
  openModel,
  runDirName,
  splitForModel,
} from '../../workflows/common.ts';
import { duration } from '../duration.ts';
import { cliHooks } from '../hooks.ts';
import { formatTable, info, out, printJson, warn } from '../io.ts';
import { intOption, numberOption } from '../options.ts';

interface LatentOpts {
  model: string;
  data?: string;
  seed: number;
  load?: number;
  perplexity: number;
  compareDeterministic?: string;
  trainDeterministic?: boolean;
  quick?: boolean;
  out?: string;
  plots: boolean;
  json?: boolean;
}

function csvCell(v: unknown): string {
  const s =
    typeof v === 'number' ? (Number.isFinite(v) ? String(+v.toPrecision(7)) : '') : String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csv(header: string[], rows: unknown[][]): string {
  return `${[header, ...rows].map((r) => r.map(csvCell).join(',')).join('\n')}\n`;
}

export function register(program: Command): void {
  program
    .command('latent')
    .description(
      'latent-space analysis: clusters, PCA, t-SNE, traversal, sensitivity, navigability (VIB vs deterministic)',
    )
    .option('--model <dir>', 'model directory', DEFAULT_MODEL_DIR)
    .option(
      '--data <file>',
      'dataset CSV the model was trained on (default: the reference dataset)',
    )
    .option(
      '--seed <n>',
      'seed of k-means, t-SNE, the traversal anchor and the GMM draws',
      intOption('--seed'),
      1,
    )
    .option(
      '--load <N>',
      'encode every row at this load in N (default: each row at its own load)',
      numberOption('--load', { positive: true }),
    )
    .option(
      '--perplexity <p>',
      't-SNE perplexity (0 skips t-SNE)',
      numberOption('--perplexity'),
      30,
    )
    .option(
      '--compare-deterministic <dir>',
      'a model trained with the deterministic bottleneck (same data and split), for the navigability comparison',
    )
    .option(
      '--train-deterministic',
      "train that comparison model here: the model's preset, seeds and split with bottleneck 'deterministic' (saved in the run directory)",
    )
    .option(
      '--quick',
      'smoke run: shorter t-SNE and k-means, and a 5-epoch comparison model with --train-deterministic',
    )
    .option('--out <dir>', 'run directory (default runs/latent-<date>)')
    .option('--no-plots', 'skip the figures')
    .option('--json', 'print one JSON document on stdout')
    .action(async (o: LatentOpts) => {
      const t0 = performance.now();
      if (o.compareDeterministic && o.trainDeterministic)
        throw new InputError(
          'give either --compare-deterministic DIR or --train-deterministic, not both',
        );
      if (o.perplexity < 0) throw new InputError(`--perplexity must be ≥ 0, got ${o.perplexity}`);
      const model = await openModel(o.model);
      const { ds } = await openDataset(o.data, cliHooks());
      const split = await splitForModel(model, ds);
      const runDir = o.out ?? runDirName('latent');
      const { memberLatentModel } = await import('../../latent/analysis/access.ts');
      const { analyzeLatents, latentJson, latentRowsOf, DEFAULT_LATENT_ANALYSIS } = await import(
        '../../latent/analysis/analyze.ts'
      );
      const { Rng } = await import('../../util/rng.ts');
      const { newManifest, writeManifest, dataRecord, modelRecord } = await import(
        '../../util/manifest.ts'
      );
      const { writeJsonAtomic, writeFileAtomic } = await import('../../util/fs.ts');

      // the comparison model (navigability, SPEC §8)
      let compareDir = o.compareDeterministic;
      const timings: Record<string, number> = {};
      if (o.trainDeterministic) {
        compareDir = join(runDir, 'deterministic-model');
        const { trainAndSave } = await import('../../workflows/common.ts');
        const p = model.meta.preset;
        info(
          `training the comparison model (bottleneck 'deterministic', preset ${p.name}${o.quick ? ', --quick' : ''}) into ${compareDir}`,
        );
        const tt = performance.now();
        await trainAndSave(
          ds,
          split,
          {
            preset: p.name,
            seed: model.meta.seeds[0] ?? 1,
            seeds: model.meta.seeds.length,
            quick: o.quick,
            network: { ...p.network, bottleneck: 'deterministic' },
            training: o.quick ? undefined : p.training,
          },
          compareDir,
          cliHooks(),
        );
        timings.train_deterministic = (performance.now() - tt) / 1000;
      }
      const compareModel = compareDir ? await openModel(compareDir) : undefined;
      const comparability: string[] = [];
      if (compareModel) {
        if (compareModel.elements.join(',') !== model.elements.join(','))
          throw new InputError(
            `--compare-deterministic ${compareDir}: its element basis differs from the model's`,
          );
        if (compareModel.net.options.bottleneck !== 'deterministic')
          warn(
            `the comparison model ${compareDir} has bottleneck '${compareModel.net.options.bottleneck}', not 'deterministic'`,
          );
        const a = model.meta;
        const b = compareModel.meta;
        if (a.data.sha256 !== b.data.sha256) comparability.push('trained on a different data file');
        if (JSON.stringify(a.split.train_fit) !== JSON.stringify(b.split.train_fit))
          comparability.push('trained on a different split');
        const { bottleneck: _x, ...na } = model.net.options;
        const { bottleneck: _y, ...nb } = compareModel.net.options;
        if (JSON.stringify(na) !== JSON.stringify(nb))
          comparability.push('network options other than the bottleneck differ');
        if (JSON.stringify(a.preset.training) !== JSON.stringify(b.preset.training))
          comparability.push('training settings differ (e.g. a --quick model against a full one)');
        if (model.net.nMembers !== compareModel.net.nMembers)
          comparability.push('ensemble sizes differ');
        for (const c of comparability) warn(`navigability comparison: ${c}`);
      }

      const options = {
        ...DEFAULT_LATENT_ANALYSIS,
        perplexity: o.perplexity,
        load: o.load,
        ...(o.quick
          ? { tsneIterations: 300, kmeansInit: 3, gmm: { kMin: 1, kMax: 3, nInit: 1 } }
          : {}),
      };
      const manifest = newManifest(
        'latent',
        process.argv.slice(2),
        { ...options },
        { seed: o.seed },
      );
      manifest.model = modelRecord(o.model, model.meta);
      manifest.data = dataRecord(ds, split);

      const lm = memberLatentModel(model);
      const lc = compareModel ? memberLatentModel(compareModel) : undefined;
      const rows = latentRowsOf(ds, split);
      let stageT = performance.now();
      let stage = '';
      const ta = performance.now();
      let res: Awaited<ReturnType<typeof analyzeLatents>>;
      try {
        res = await analyzeLatents(lm, rows, new Rng(o.seed), options, lc, (s) => {
          if (stage) timings[stage] = (performance.now() - stageT) / 1000;
          stage = s;
          stageT = performance.now();
          info(`latent: ${s}…`);
        });
        if (stage) timings[stage] = (performance.now() - stageT) / 1000;
      } finally {
        lm.dispose();
        lc?.dispose();
      }
      timings.analysis = (performance.now() - ta) / 1000;
      const { analysis, points } = res;

      // files
      const nRows = rows.hv.length;
      const pointRows = Array.from({ length: nRows }, (_, i) => [
        rows.rowIds![i],
        rows.sets[i],
        rows.labels![i],
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
            'row',
            'set',
            'formula',
            'load_N',
            'hv',
            'predicted_hv',
            'cluster',
            'pc1',
            'pc2',
            'tsne1',
            'tsne2',
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
      await writeFileAtomic(
        join(runDir, 'sensitivity.csv'),
        csv(
          [
            'coordinate',
            'mean_abs_gradient',
            'mean_abs_gradient_per_sd',
            'sd',
            'pearson',
            'spearman',
          ],
          analysis.sensitivity.coordinates.map((c) => [
            c.coordinate,
            c.mean_abs_gradient,
            c.mean_abs_gradient_per_sd,
            c.sd,
            c.pearson,
            c.spearman,
          ]),
        ),
      );
      await writeFileAtomic(
        join(runDir, 'traversal.csv'),
        csv(['anchor', 'coordinate', 'step', 'value', 'predicted_hv'], travRows),
      );

      if (o.plots) {
        info('latent: figures…');
        const tp = performance.now();
        const rp = await import('../../plots/index.ts');
        const lp = await import('../../latent/analysis/plots.ts');
        const ev = analysis.pca.explained_variance_ratio;
        const pcaPts = Array.from({ length: nRows }, (_, i) => ({
          x: points.pca.data[i * 2],
          y: points.pca.data[i * 2 + 1],
          hv: rows.hv[i],
          cluster: points.cluster[i],
          label: rows.labels![i],
        }));
        const pcaSub = `R² of predicted HV on PC1 ${analysis.pca.r2_predicted_hv_pc1.toFixed(3)}, on PC2 ${analysis.pca.r2_predicted_hv_pc2.toFixed(3)} (PCA fitted on train_fit)`;
        await rp.writePlot(
          runDir,
          'latent_pca_hv',
          rp.latentMapPlot(
            { points: pcaPts, method: 'PCA', explained: [ev[0], ev[1]] },
            { subtitle: pcaSub },
          ),
        );
        await rp.writePlot(
          runDir,
          'latent_pca_cluster',
          rp.latentMapPlot(
            { points: pcaPts, method: 'PCA', explained: [ev[0], ev[1]] },
            {
              colourBy: 'cluster',
              subtitle: `cluster ${analysis.clusters.hardest} is the hardest (highest median HV)`,
            },
          ),
        );
        if (points.tsne) {
          const ts = points.tsne;
          const tsPts = pcaPts.map((p, i) => ({ ...p, x: ts.data[i * 2], y: ts.data[i * 2 + 1] }));
          const sub = `perplexity ${analysis.tsne?.perplexity}, seed ${o.seed}; distances between far-apart groups are not meaningful`;
          await rp.writePlot(
            runDir,
            'latent_tsne_hv',
            rp.latentMapPlot({ points: tsPts, method: 't-SNE' }, { subtitle: sub }),
          );
          await rp.writePlot(
            runDir,
            'latent_tsne_cluster',
            rp.latentMapPlot(
              { points: tsPts, method: 't-SNE' },
              { colourBy: 'cluster', subtitle: sub },
            ),
          );
        }
        const loadNote =
          model.net.options.loadJoin === 'before-bottleneck'
            ? o.load === undefined
              ? 'each latent carries the load it was encoded at'
              : `latents encoded at ${o.load} N`
            : 'at the median train_fit load';
        for (const t of analysis.traversal) {
          const anchor =
            t.anchor === 'centre' ? 'latent centre' : `hard anchor ${t.formula ?? `row ${t.row}`}`;
          await rp.writePlot(
            runDir,
            `traversal_${t.anchor}`,
            rp.traversalPlot(
              { hv: t.hv, anchor },
              {
                subtitle: [
                  t.anchor === 'centre'
                    ? `anchor: mean of the train_fit latents; predicted ${Math.round(t.predicted_hv)} HV`
                    : `anchor: a train_fit row with HV ≥ q0.92 (${Math.round(t.measured_hv ?? Number.NaN)} HV measured at ${t.load_N} N); predicted ${Math.round(t.predicted_hv)} HV`,
                  `hardness head of the design network (network ${model.meta.design_member}); ${loadNote}`,
                ],
              },
            ),
          );
        }
        await rp.writePlot(
          runDir,
          'elbow',
          lp.elbowPlot({
            points: analysis.clusters.elbow,
            chosen: analysis.clusters.k,
            rows: split.trainFit.length,
          }),
        );
        await rp.writePlot(
          runDir,
          'cluster_hv',
          lp.clusterHvPlot({
            clusters: analysis.clusters.summary,
            hardest: analysis.clusters.hardest,
          }),
        );
        const ss = analysis.sensitivity.samples;
        await rp.writePlot(
          runDir,
          'sensitivity',
          lp.sensitivityPlot(
            { coordinates: analysis.sensitivity.coordinates, samples: ss.train_fit + ss.gmm_draws },
            {
              subtitle: `${ss.train_fit} train_fit latents + ${ss.gmm_draws} GMM draws; correlations over ${nRows} rows`,
            },
          ),
        );
        await rp.writePlot(
          runDir,
          'navigability',
          lp.navigabilityPlot(
            { models: analysis.navigability },
            comparability.length > 0
              ? { subtitle: `caution: the comparison model was ${comparability.join('; ')}` }
              : analysis.navigability.length === 1
                ? {
                    subtitle:
                      'no comparison model: pass --compare-deterministic DIR or --train-deterministic',
                  }
                : {},
          ),
        );
        timings.figures = (performance.now() - tp) / 1000;
      }
      Object.assign(manifest.timings, timings, { total: (performance.now() - t0) / 1000 });
      // complete the manifest (finish time, backend) before the results file embeds it
      await writeManifest(runDir, manifest);
      const doc = {
        ...latentJson(analysis),
        navigability_comparison: compareModel
          ? { model: compareDir, comparable: comparability.length === 0, caveats: comparability }
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
      await writeJsonAtomic(join(runDir, 'latent.json'), doc);
      if (o.json) {
        printJson(doc);
        return;
      }
      const cl = analysis.clusters;
      out(
        `latents of ${nRows} rows (${analysis.reference.load}); design network ${model.meta.design_member}, d = ${analysis.reference.latent_dim}, bottleneck ${analysis.reference.bottleneck}`,
      );
      out('');
      out(`k-means, k = ${cl.k} (standardised latents, fitted on train_fit):`);
      out(
        formatTable(
          ['cluster', 'n', 'HV min', 'q1', 'median', 'q3', 'max', 'main elements (mean at.%)'],
          cl.summary.map((c) => [
            `${c.cluster}${c.cluster === cl.hardest ? ' (hardest)' : ''}`,
            c.n,
            Math.round(c.hv.min),
            Math.round(c.hv.q1),
            Math.round(c.hv.median),
            Math.round(c.hv.q3),
            Math.round(c.hv.max),
            c.main_elements,
          ]),
        ),
      );
      const pc = analysis.pca;
      out('');
      out(
        `PCA: PC1 ${(100 * pc.explained_variance_ratio[0]).toFixed(1)} %, PC2 ${(100 * pc.explained_variance_ratio[1]).toFixed(1)} % of the variance (${pc.components_for_90pct} directions for 90 %); R² of predicted HV on PC1 ${pc.r2_predicted_hv_pc1.toFixed(3)}, on PC2 ${pc.r2_predicted_hv_pc2.toFixed(3)} (test rows: ${pc.test.r2_predicted_hv_pc1.toFixed(3)}, ${pc.test.r2_predicted_hv_pc2.toFixed(3)})`,
      );
      if (analysis.tsne)
        out(
          `t-SNE: perplexity ${analysis.tsne.perplexity}, KL ${analysis.tsne.kl_divergence.toFixed(3)}`,
        );
      for (const t of analysis.traversal)
        out(
          `traversal from the ${t.anchor === 'centre' ? 'centre' : `hard anchor (${t.formula ?? `row ${t.row}`}, ${Math.round(t.measured_hv ?? 0)} HV)`}: predicted ${Math.round(t.predicted_hv)} HV; largest amplitudes ${t.top
            .slice(0, 5)
            .map((c) => `z${c.coordinate} ${Math.round(c.amplitude)}`)
            .join(', ')} HV`,
        );
      out(
        `sensitivity (HV per sd of the coordinate): ${analysis.sensitivity.coordinates
          .slice(0, 5)
          .map(
            (c) =>
              `z${c.coordinate} ${c.mean_abs_gradient_per_sd.toFixed(0)} (ρ ${c.spearman.toFixed(2)})`,
          )
          .join(', ')}`,
      );
      out('');
      out(
        'navigability (k-NN graph, k = 10; |ΔHV|/‖Δz‖ with ‖Δz‖ in units of the latent RMS radius):',
      );
      out(
        formatTable(
          ['model', 'bottleneck', 'components', 'largest', 'median', 'q90', 'median |ΔHV|'],
          analysis.navigability.map((m) => [
            m.model,
            m.bottleneck,
            m.components,
            `${(100 * m.largest_component_fraction).toFixed(1)} %`,
            Math.round(m.ratio_scaled.median),
            Math.round(m.ratio_scaled.q90),
            Math.round(m.abs_dhv.median),
          ]),
        ),
      );
      if (!compareModel)
        out('(no comparison model: --compare-deterministic DIR or --train-deterministic adds one)');
      out('');
      out(
        `run directory: ${runDir} (latent.json, latent_points.csv, traversal.csv${o.plots ? ', figures' : ''}; 'vibann report --run ${runDir}'); total ${duration((performance.now() - t0) / 1000)}`,
      );
    });
}
