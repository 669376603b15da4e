/**
 * `vibann explain` — interpretability of a trained model (SPEC §11): attention per element (over
 * all rows and over the rows containing the element, overall and per latent cluster), integrated
 * gradients of the ensemble's prediction with respect to composition and load (200 trapezoid
 * steps, baseline = mean train_fit composition and mean load) with the completeness gap, and
 * permutation importance per latent cluster on its test rows.
 *
 * Writes a run directory: explain.json (`--json` prints the same document), ig_rows.csv (per
 * attributed row: formula, load, cluster, f(x), gap and the attribution of every feature),
 * manifest.json and the figures attention, attention_hardest, ig, ig_hardest, permutation.
 */
import { join } from 'node:path';
import type { Command } from 'commander';
import type { TopLevelSpec } from '../../plots/common.ts';
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
import { formatTable, info, out, printJson } from '../io.ts';
import { intOption } from '../options.ts';
import { csv } from './latent.ts';

interface ExplainOpts {
  model: string;
  data?: string;
  seed: number;
  igSet: string;
  igSteps: number;
  repeats: number;
  quick?: boolean;
  out?: string;
  plots: boolean;
  json?: boolean;
}

const SETS = ['test', 'train_fit', 'calibration', 'all'] as const;

export function register(program: Command): void {
  program
    .command('explain')
    .description(
      'interpretability: attention per element, integrated gradients, permutation importance per latent cluster',
    )
    .option('--model <dir>', 'model directory', DEFAULT_MODEL_DIR)
    .option(
      '--data <file>',
      'dataset CSV the model was trained on (default: the reference dataset)',
    )
    .option(
      '--seed <n>',
      'seed of the latent clusters and the permutations',
      intOption('--seed'),
      1,
    )
    .option(
      '--ig-set <set>',
      'rows attributed by integrated gradients: test | train_fit | calibration | all',
      'test',
    )
    .option(
      '--ig-steps <n>',
      'trapezoid intervals along the integration path',
      intOption('--ig-steps', 1),
      200,
    )
    .option(
      '--repeats <n>',
      'shuffles per feature in the permutation importance',
      intOption('--repeats', 1),
      20,
    )
    .option('--quick', 'smoke run: 50 integration steps and 5 shuffles')
    .option('--out <dir>', 'run directory (default runs/explain-<date>)')
    .option('--no-plots', 'skip the figures')
    .option('--json', 'print one JSON document on stdout')
    .action(async (o: ExplainOpts, cmd: Command) => {
      const t0 = performance.now();
      if (!(SETS as readonly string[]).includes(o.igSet))
        throw new InputError(`--ig-set expects one of ${SETS.join(', ')}; got '${o.igSet}'`);
      const given = (name: string) => cmd.getOptionValueSource(name) === 'cli';
      const igSteps = o.quick && !given('igSteps') ? 50 : o.igSteps;
      const repeats = o.quick && !given('repeats') ? 5 : o.repeats;
      const model = await openModel(o.model);
      const { ds } = await openDataset(o.data, cliHooks());
      const split = await splitForModel(model, ds);
      const runDir = o.out ?? runDirName('explain');
      const { explainModel, explainJson, DEFAULT_EXPLAIN } = await import(
        '../../explain/explain.ts'
      );
      const { Rng } = await import('../../util/rng.ts');
      const { newManifest, writeManifest, dataRecord, modelRecord } = await import(
        '../../util/manifest.ts'
      );
      const { writeJsonAtomic, writeFileAtomic } = await import('../../util/fs.ts');

      const options = {
        ...DEFAULT_EXPLAIN,
        igSet: o.igSet as (typeof SETS)[number],
        igSteps,
        repeats,
      };
      const manifest = newManifest(
        'explain',
        process.argv.slice(2),
        { ...options },
        { seed: o.seed },
      );
      manifest.model = modelRecord(o.model, model.meta);
      manifest.data = dataRecord(ds, split);
      const timings: Record<string, number> = {};
      let stage = '';
      let stageT = performance.now();
      const { result, ig } = await explainModel(model, ds, split, new Rng(o.seed), options, (s) => {
        if (stage) timings[stage] = (performance.now() - stageT) / 1000;
        stage = s;
        stageT = performance.now();
        info(`explain: ${s}…`);
      });
      if (stage) timings[stage] = (performance.now() - stageT) / 1000;

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

      const hardest = result.clusters.hardest;
      const hc = result.clusters.summary.find((c) => c.cluster === hardest);
      const hardName = `cluster ${hardest} (hardest: ${hc?.main_elements ?? ''})`;
      if (o.plots) {
        info('explain: figures…');
        const tp = performance.now();
        const rp = await import('../../plots/index.ts');
        const { permutationPlot } = await import('../../explain/plots.ts');
        // attention weights sit near 1/E ≈ 0.02: three decimals on the axis, not '.2~f'
        const fineAxis = (spec: TopLevelSpec): TopLevelSpec => {
          const enc = (spec as { encoding?: { x?: { axis?: Record<string, unknown> } } }).encoding;
          if (enc?.x?.axis) enc.x.axis.format = '.3f';
          return spec;
        };
        const att = result.attention;
        if (att) {
          await rp.writePlot(
            runDir,
            'attention',
            fineAxis(
              rp.attentionPlot({
                elements: att.elements.map((e) => ({
                  element: e.element,
                  all: e.all,
                  present: e.present ?? undefined,
                })),
                reference: `all ${result.reference.rows} rows; uniform weight 1/${ds.elements.length} = ${att.uniform_weight.toFixed(4)}`,
              }),
            ),
          );
          const hcAtt = att.by_cluster.find((c) => c.cluster === hardest);
          if (hcAtt && hcAtt.top.length > 0)
            await rp.writePlot(
              runDir,
              'attention_hardest',
              fineAxis(
                rp.attentionPlot(
                  {
                    elements: hcAtt.top.map((e) => ({
                      element: `${e.element} (${e.n_present})`,
                      all: e.all,
                      present: e.present ?? undefined,
                    })),
                    reference: `the ${hcAtt.n} rows of cluster ${hardest} (${hc?.main_elements ?? ''})`,
                  },
                  {
                    title: `Attention per element in latent cluster ${hardest} (hardest)`,
                    subtitle: "in brackets: how many of the cluster's rows contain the element",
                  },
                ),
              ),
            );
        }
        const igd = result.integrated_gradients;
        const igSub = [
          `baseline: the mean train_fit alloy at ${igd.baseline.load_N.toPrecision(3)} N (predicted ${Math.round(igd.baseline.predicted_hv)} HV); ${igd.steps} trapezoid steps`,
          'an element absent from a row is credited with (0 − its baseline fraction) × gradient',
        ];
        await rp.writePlot(
          runDir,
          'ig',
          rp.igPlot(
            {
              elements: igd.features.map((f) => ({ element: f.feature, attribution: f.mean })),
              completenessGap: igd.completeness.mean_gap,
              reference: `the ${igd.n} ${o.igSet === 'all' ? '' : `${o.igSet} `}rows`,
            },
            { subtitle: igSub },
          ),
        );
        const hIg = igd.by_cluster.find((c) => c.cluster === hardest);
        if (hIg)
          await rp.writePlot(
            runDir,
            'ig_hardest',
            rp.igPlot(
              {
                elements: hIg.top.map((f) => ({ element: f.feature, attribution: f.mean })),
                reference: `the cluster's ${hIg.n} ${o.igSet === 'all' ? '' : `${o.igSet} `}rows`,
              },
              {
                title: `Integrated gradients in latent cluster ${hardest} (hardest)`,
                subtitle: [`cluster ${hardest}: ${hc?.main_elements ?? ''}`, ...igSub],
              },
            ),
          );
        await rp.writePlot(
          runDir,
          'permutation',
          permutationPlot({
            clusters: result.permutation.clusters.map((c) => ({
              ...c,
              label: result.clusters.summary.find((s) => s.cluster === c.cluster)?.main_elements,
            })),
            repeats: result.permutation.repeats,
            hardest,
          }),
        );
        timings.figures = (performance.now() - tp) / 1000;
      }
      Object.assign(manifest.timings, timings, { total: (performance.now() - t0) / 1000 });
      // complete the manifest (finish time, backend) before the results file embeds it
      await writeManifest(runDir, manifest);
      const doc = { ...explainJson(result), files: { ig_rows: 'ig_rows.csv' }, manifest };
      await writeJsonAtomic(join(runDir, 'explain.json'), doc);
      if (o.json) {
        printJson(doc);
        return;
      }

      const igd = result.integrated_gradients;
      const c = igd.completeness;
      const f3 = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(0) : x.toFixed(1));
      out(
        `latent clusters (k = ${result.clusters.k}, design network): ${result.clusters.summary
          .map(
            (s) =>
              `${s.cluster}: ${s.n} rows, median ${Math.round(s.median_hv)} HV, ${s.main_elements}`,
          )
          .join('; ')}`,
      );
      out('');
      out(
        `integrated gradients over the ${igd.n} ${igd.set} rows (${igd.steps} steps; baseline predicted ${Math.round(igd.baseline.predicted_hv)} HV at ${igd.baseline.load_N.toPrecision(3)} N):`,
      );
      out(
        `  completeness gap mean |Σ IG − (f(x) − f(x0))| = ${c.mean_gap.toPrecision(3)} HV (max ${c.max_gap.toPrecision(3)}), ${(100 * c.mean_gap_fraction_of_hv_range).toPrecision(2)} % of the data's HV range ${Math.round(result.reference.hv_range)} HV; mean |f(x) − f(x0)| ${Math.round(c.mean_abs_delta_f)} HV`,
      );
      const igRow = (list: typeof igd.features) =>
        list
          .slice(0, 8)
          .map((f) => `${f.feature} ${f.mean >= 0 ? '+' : ''}${f3(f.mean)}`)
          .join(', ');
      out(`  mean attribution (HV): ${igRow(igd.features)}`);
      const hIg = igd.by_cluster.find((x) => x.cluster === hardest);
      if (hIg) out(`  in ${hardName}, ${hIg.n} rows: ${igRow(hIg.top)}`);
      out(
        '  (an element absent from a row is credited with (0 − its baseline fraction) × gradient)',
      );
      out('');
      if (result.attention) {
        const a = result.attention;
        out(
          `attention (mean over heads and networks; uniform 1/${ds.elements.length} = ${a.uniform_weight.toFixed(4)}); the softmax also gives weight to absent elements, so read the means over rows containing the element:`,
        );
        out(
          `  over rows containing the element: ${a.elements
            .slice(0, 8)
            .map((e) => `${e.element} ${e.present?.toFixed(4)} (${e.n_present})`)
            .join(', ')}`,
        );
        const ha = a.by_cluster.find((x) => x.cluster === hardest);
        if (ha)
          out(
            `  in ${hardName}: ${ha.top
              .slice(0, 5)
              .map((e) => `${e.element} ${e.present?.toFixed(4)} (${e.n_present})`)
              .join(', ')}`,
          );
        out('');
      }
      out(
        `permutation importance on the test rows of each cluster (${result.permutation.repeats} shuffles; increase in MAE, HV):`,
      );
      out(
        formatTable(
          ['cluster', 'test rows', 'MAE', 'most important features (MAE increase ± sd)'],
          result.permutation.clusters.map((p) => [
            `${p.cluster}${p.cluster === hardest ? ' (hardest)' : ''}`,
            p.n,
            Math.round(p.base_mae),
            p.top
              .slice(0, 5)
              .map((f) => `${f.feature} ${f.mae_increase.toFixed(0)} ± ${f.sd.toFixed(0)}`)
              .join(', '),
          ]),
        ),
      );
      out('');
      out(
        `run directory: ${runDir} (explain.json, ig_rows.csv${o.plots ? ', figures' : ''}; 'vibann report --run ${runDir}'); total ${duration((performance.now() - t0) / 1000)}`,
      );
    });
}
