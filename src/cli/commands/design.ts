/**
 * `vibann design` — propose new, exceptionally hard glass compositions (SPEC §9): a latent
 * density of the training alloys, MCMC towards high predicted hardness with low uncertainty,
 * gradient refinement, rounding to castable alloys, and four acceptance gates (support, novelty,
 * uncertainty, performance) with an audit record per candidate. Trains the default model first
 * when it does not exist. Exit code 3 when no candidate passes the gates.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { EXIT, InputError, VibannError } from '../../util/errors.ts';
import {
  DEFAULT_MODEL_DIR,
  openDataset,
  openModel,
  runDirName,
  splitForModel,
} from '../../workflows/common.ts';
import { duration } from '../duration.ts';
import { writeFigures } from '../figures.ts';
import { cliHooks } from '../hooks.ts';
import { formatTable, info, out, printJson } from '../io.ts';
import { intOption, listOption, numberOption } from '../options.ts';
import { createProgress } from '../progress.ts';

interface DesignOpts {
  model: string;
  data?: string;
  load: number;
  target?: string;
  ban?: string[];
  allow?: string[];
  bounds?: string;
  maxElements: number;
  minElements: number;
  n: number;
  seed: number;
  out?: string;
  quick?: boolean;
  refine: boolean;
  json?: boolean;
}

function parseWindow(v: string): [number, number] {
  const m = /^\s*([0-9.]+)\s*:\s*([0-9.]+)\s*$/.exec(v);
  if (!m || !(Number(m[1]) < Number(m[2])))
    throw new InputError(`--target expects LO:HI in HV with LO < HI (e.g. 2200:2500), got '${v}'`);
  return [Number(m[1]), Number(m[2])];
}

export function register(program: Command): void {
  program
    .command('design')
    .description(
      'propose new hard glass compositions (latent MCMC, gradient refinement, acceptance gates)',
    )
    .option(
      '--model <dir>',
      'model directory (trained first if it is the default and missing)',
      DEFAULT_MODEL_DIR,
    )
    .option(
      '--data <file>',
      'dataset CSV the model was trained on (default: the reference dataset)',
    )
    .option('--load <N>', 'design load in N', numberOption('--load', { positive: true }), 0.5)
    .option(
      '--target <LO:HI>',
      'target window on LCB at the design load, HV (default: LCB target .. max train HV + 250)',
    )
    .option('--ban <elements>', 'banned elements, e.g. B (boron-free design)', listOption)
    .option('--allow <elements>', 'only these elements may appear', listOption)
    .option('--bounds <spec>', 'per-element at.% bounds, e.g. Nb:10:30,Fe::50')
    .option('--max-elements <n>', 'maximum number of elements', intOption('--max-elements', 1), 7)
    .option('--min-elements <n>', 'minimum number of elements', intOption('--min-elements', 1), 3)
    .option('--n <n>', 'candidates to report', intOption('--n', 1), 5)
    .option('--seed <n>', 'seed of every random step', intOption('--seed'), 1)
    .option('--out <dir>', 'run directory (default runs/design-<date>)')
    .option(
      '--quick',
      'smoke run: short MCMC and refinement (and a quick model if one must be trained)',
    )
    .option('--no-refine', 'skip the gradient refinement')
    .option('--json', 'print one JSON document on stdout')
    .action(async (o: DesignOpts, cmd: Command) => {
      const t0 = performance.now();
      const window = o.target ? parseWindow(o.target) : undefined;
      const { parseBounds, validateConstraints, DEFAULT_CONSTRAINTS } = await import(
        '../../design/constraints.ts'
      );
      const constraints = {
        ...DEFAULT_CONSTRAINTS,
        ban: o.ban ?? [],
        allow: o.allow,
        bounds: o.bounds ? parseBounds(o.bounds) : {},
        maxElements: o.maxElements,
        minElements: o.minElements,
      };
      const { ds } = await openDataset(o.data, cliHooks());
      if (!existsSync(join(o.model, 'manifest.json'))) {
        if (cmd.getOptionValueSource('model') !== 'default') {
          throw new InputError(
            `no trained model at '${o.model}': run 'vibann train --out ${o.model}' first`,
          );
        }
        info(
          `no model at ${o.model}: training the default model first${o.quick ? ' (--quick)' : ''}`,
        );
        const { selectSplit } = await import('../../data/index.ts');
        const { trainAndSave } = await import('../../workflows/common.ts');
        await trainAndSave(
          ds,
          selectSplit(ds),
          { preset: 'default', seed: 1, seeds: 1, quick: o.quick },
          o.model,
          cliHooks(),
        );
      }
      const model = await openModel(o.model);
      validateConstraints(constraints, model.elements);
      const split = await splitForModel(model, ds);
      const { runDesign, DEFAULT_DESIGN_OPTIONS } = await import('../../design/pipeline.ts');
      const { makeRefiner } = await import('../../design/refine.ts');
      const { Rng } = await import('../../util/rng.ts');
      const { newManifest, writeManifest, dataRecord, modelRecord } = await import(
        '../../util/manifest.ts'
      );
      const { writeJsonAtomic } = await import('../../util/fs.ts');

      const { designData } = await import('../../design/data.ts');
      const data = designData(ds, split, model.elements);
      const options = {
        ...DEFAULT_DESIGN_OPTIONS,
        load: o.load,
        targetWindow: window,
        constraints,
        n: o.n,
        ...(o.quick
          ? {
              mcmc: { ...DEFAULT_DESIGN_OPTIONS.mcmc, chains: 16, steps: 150, burnIn: 50 },
              calibrationPasses: 50,
              gmm: { kMin: 1, kMax: 3, nInit: 2 },
            }
          : {}),
      };
      const refineOptions = o.quick ? { maxSteps: 200, snapshots: [0, 100, 200] } : {};
      const manifest = newManifest(
        'design',
        process.argv.slice(2),
        { ...options, refine: o.refine ? refineOptions : false },
        { seed: o.seed },
      );
      manifest.model = modelRecord(o.model, model.meta);
      manifest.data = dataRecord(ds, split);
      const progress = createProgress();
      let mcmcStarted = false;
      const res = await runDesign(model, data, options, new Rng(o.seed), {
        onStage: (s) => {
          if (s !== 'mcmc') info(`design: ${s.replace('_', ' ')}…`);
        },
        onMcmcStep: (t, total, acc) => {
          if (!mcmcStarted) {
            progress.start(`MCMC ${options.mcmc.chains} chains`, total);
            mcmcStarted = true;
          }
          progress.update(t + 1, `${acc} accepted`);
          if (t + 1 === total) progress.stop();
        },
        refine: o.refine ? makeRefiner(model, refineOptions) : undefined,
      });
      Object.assign(manifest.timings, res.timings, { total: (performance.now() - t0) / 1000 });
      const runDir = o.out ?? runDirName('design');
      // complete the manifest (finish time, backend) before the results file embeds it
      await writeManifest(runDir, manifest);
      const doc = {
        thresholds: res.thresholds,
        candidates: res.candidates,
        rejected: res.rejected,
        summary: {
          screened: res.screened,
          accepted: res.accepted,
          gmm: res.gmm,
          frame: res.frame,
          mcmc: res.mcmc,
          refinement: res.refinement,
        },
        manifest,
      };
      await writeJsonAtomic(join(runDir, 'design.json'), doc);
      const { designFigures } = await import('../../design/figures.ts');
      await writeFigures(runDir, designFigures(res));

      if (o.json) printJson(doc);
      else {
        const th = res.thresholds;
        out(
          `thresholds at ${o.load} N: LCB target ${th.lcbTarget.toFixed(0)} HV, σ cap ${(th.sigmaCapFactor * th.sigmaRef).toFixed(0)} HV, novelty ≥ ${th.novelty.toFixed(3)}, log p ≥ ${th.logpThreshold.toFixed(1)} (GMM K = ${res.gmm.k} in ${res.frame.dim} of ${res.frame.latent_dim} latent dimensions)`,
        );
        out(`screened ${res.screened} distinct alloys; ${res.accepted} passed all four gates`);
        out('');
        const mark = (p: boolean) => (p ? '✓' : '✗');
        out(
          formatTable(
            [
              '#',
              'alloy (at.%)',
              `HV μ ± σ @${o.load} N`,
              'LCB',
              'gates S N U P',
              'nearest known alloy (distance, HV @ load)',
            ],
            res.candidates.map((c, i) => {
              const p = c.predictions.find((q) => q.load === o.load) ?? c.predictions[0];
              const g = c.gates;
              return [
                i + 1,
                c.formula,
                `${p.mean.toFixed(0)} ± ${p.std.toFixed(0)}`,
                p.lcb.toFixed(0),
                `${mark(g.support.pass)} ${mark(g.novelty.pass)} ${mark(g.uncertainty.pass)} ${mark(g.performance.pass)}${c.accepted ? '' : '  rejected'}`,
                `${c.nearest.formula} (${c.nearest.distance.toFixed(3)}, ${c.nearest.hv.toFixed(0)} HV @ ${+c.nearest.load.toPrecision(3)} N)`,
              ];
            }),
            { align: ['right', 'left', 'right', 'right', 'left', 'left'] },
          ),
        );
        out(
          '(gates: S support in the latent density, N novelty, U uncertainty σ ≤ cap, P performance LCB ≥ target)',
        );
        out(
          `run directory: ${runDir} (design.json, figures; 'vibann report --run ${runDir}' for the HTML page); total ${duration((performance.now() - t0) / 1000)}`,
        );
      }
      if (res.accepted === 0) {
        const counts = Object.entries(res.rejected)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ');
        throw new VibannError(
          `no candidate passed all four gates (rejections: ${counts}); the best rejected candidates are shown above`,
          EXIT.noCandidate,
        );
      }
    });
}
