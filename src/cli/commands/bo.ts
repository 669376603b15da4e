/**
 * `vibann bo` — the GP-BO design baseline (SPEC §10): a Gaussian-process surrogate on train_fit,
 * Bayesian optimisation of its LCB at the design load over softmax-parametrised compositions
 * (trust region around the best training alloys near L*, repulsion from earlier proposals,
 * multi-start L-BFGS, fantasy updates), rounding to castable alloys, and the comparison with a
 * VIBANN design run: the top candidates of both methods through the same four gates (§9.7) with
 * novelty, diversity, VIBANN-ensemble LCB and GP LCB. Writes bo.json, manifest.json and the
 * best-LCB trace plot (bo_trace.svg/png) to the run directory.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { DesignOptions } from '../../design/pipeline.ts';
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
import { createProgress } from '../progress.ts';

interface BoOpts {
  model: string;
  data?: string;
  load: number;
  iterations: number;
  designRun?: string;
  n: number;
  seed: number;
  randomStarts: number;
  refineStarts: number;
  gpRestarts: number;
  mc?: number;
  out?: string;
  plot: boolean;
  json?: boolean;
}

/** The parts of a design run's design.json that the comparison reads. */
interface DesignRunDoc {
  thresholds: {
    logpThreshold: number;
    novelty: number;
    sigmaRef: number;
    sigmaCapFactor: number;
    lcbTarget: number;
  };
  candidates: {
    formula: string;
    fractions: Record<string, number>;
    accepted: boolean;
    predictions: { load: number; mean: number; std: number; lcb: number }[];
  }[];
  manifest: {
    options: Partial<DesignOptions>;
    seeds: { seed?: number | string };
    model?: { dir?: string; created?: string; data_sha256?: string };
  };
}

function readDesignRun(dir: string): DesignRunDoc {
  const file = join(dir, 'design.json');
  if (!existsSync(file))
    throw new InputError(
      `--design-run ${dir}: no design.json there; run 'vibann design --out ${dir}' first`,
    );
  let doc: DesignRunDoc;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8')) as DesignRunDoc;
  } catch (e) {
    throw new InputError(`${file}: not valid JSON (${(e as Error).message})`);
  }
  const th = doc?.thresholds;
  if (
    !th ||
    !Array.isArray(doc.candidates) ||
    !doc.manifest?.options ||
    ![th.logpThreshold, th.novelty, th.sigmaRef, th.lcbTarget].every(Number.isFinite)
  )
    throw new InputError(
      `${file}: expected a vibann design result with 'thresholds' (logpThreshold, novelty, sigmaRef, lcbTarget), 'candidates' and 'manifest.options'`,
    );
  doc.candidates.forEach((c, i) => {
    if (typeof c?.formula !== 'string' || typeof c.fractions !== 'object' || !c.fractions)
      throw new InputError(`${file}: candidates[${i}] lacks 'formula' or 'fractions'`);
  });
  return doc;
}

const num = (v: number, d = 0) => (Number.isFinite(v) ? v.toFixed(d) : '–');

export function register(program: Command): void {
  program
    .command('bo')
    .description(
      'GP Bayesian-optimisation design baseline, compared with a VIBANN design through the same gates',
    )
    .option(
      '--model <dir>',
      'model directory (its ensemble and latent space score the gates)',
      DEFAULT_MODEL_DIR,
    )
    .option(
      '--data <file>',
      'dataset CSV the model was trained on (default: the reference dataset)',
    )
    .option('--load <N>', 'design load in N', numberOption('--load', { positive: true }), 0.5)
    .option('--iterations <n>', 'BO iterations', intOption('--iterations', 1), 200)
    .option(
      '--design-run <dir>',
      'a VIBANN design run directory (design.json) to compare with; its seed and options rebuild the same gates',
    )
    .option('--n <n>', 'top candidates per method in the comparison', intOption('--n', 1), 5)
    .option(
      '--seed <n>',
      'seed of the BO (GP restarts, random starts) and of the gate MC passes',
      intOption('--seed'),
      1,
    )
    .option(
      '--random-starts <n>',
      'random starts per iteration besides the anchors',
      intOption('--random-starts'),
      85,
    )
    .option(
      '--refine-starts <n>',
      'starts refined by L-BFGS per iteration (best acquisition first)',
      intOption('--refine-starts', 1),
      10,
    )
    .option('--gp-restarts <n>', 'GP marginal-likelihood restarts', intOption('--gp-restarts'), 2)
    .option(
      '--mc <S>',
      'MC dropout passes per network for the gates (default: the design run’s, 100)',
      intOption('--mc', 2),
    )
    .option('--out <dir>', 'run directory (default runs/bo-<date>)')
    .option('--no-plot', 'do not draw the best-LCB trace')
    .option('--json', 'print one JSON document on stdout')
    .action(async (o: BoOpts, cmd: Command) => {
      const t0 = performance.now();
      const design = o.designRun ? readDesignRun(o.designRun) : undefined;
      const { DEFAULT_DESIGN_OPTIONS } = await import('../../design/pipeline.ts');
      const designOptions: DesignOptions = {
        ...DEFAULT_DESIGN_OPTIONS,
        ...(design?.manifest.options ?? {}),
      };
      if (design) {
        if (designOptions.load !== o.load) {
          if (cmd.getOptionValueSource('load') !== 'default')
            throw new InputError(
              `--load ${o.load} N differs from the design run's load ${designOptions.load} N; the comparison needs one design load`,
            );
          info(`bo: using the design run's load ${designOptions.load} N`);
        }
      } else designOptions.load = o.load;
      const load = designOptions.load;
      const designSeed = design?.manifest.seeds?.seed ?? o.seed;

      const { ds } = await openDataset(o.data, cliHooks());
      const model = await openModel(o.model);
      if (design?.manifest.model?.created && design.manifest.model.created !== model.meta.created)
        warn(
          `the design run used the model created ${design.manifest.model.created} (${design.manifest.model.dir}); --model ${o.model} was created ${model.meta.created}: the gates are rebuilt with --model`,
        );
      const split = await splitForModel(model, ds);
      const { designGateContext, compareMethods, finiteOrNull } = await import(
        '../../bo/compare.ts'
      );
      const { runBo, fitSurrogate, surrogateAt, DEFAULT_BO_OPTIONS } = await import(
        '../../bo/run.ts'
      );
      const { Rng } = await import('../../util/rng.ts');
      const { Composition } = await import('../../chem/composition.ts');
      const { newManifest, writeManifest, dataRecord, modelRecord } = await import(
        '../../util/manifest.ts'
      );
      const { writeJsonAtomic } = await import('../../util/fs.ts');

      const { designData } = await import('../../design/data.ts');
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
        process.argv.slice(2),
        { ...boOptions, n: o.n, design_run: o.designRun ?? null, mc: o.mc ?? null },
        { seed: o.seed, design_seed: designSeed },
      );
      manifest.model = modelRecord(o.model, model.meta);
      manifest.data = dataRecord(ds, split);
      const timings = manifest.timings;

      // the gates of the design run (or of a design with this seed), rebuilt step for step
      info(`bo: rebuilding the design gates (latent density, thresholds) with seed ${designSeed}…`);
      let t = performance.now();
      const ctx = await designGateContext(model, data, designOptions, designSeed);
      timings.gates = (performance.now() - t) / 1000;
      const check = design
        ? (['logpThreshold', 'novelty', 'sigmaRef', 'lcbTarget'] as const).map((k) => {
            const rec = design.thresholds[k];
            const got = ctx.thresholds[k];
            return {
              name: k,
              recorded: rec,
              rebuilt: got,
              match: Math.abs(got - rec) <= 1e-6 * Math.max(1, Math.abs(rec)),
            };
          })
        : [];
      for (const c of check)
        if (!c.match)
          warn(
            `rebuilt ${c.name} ${c.rebuilt} differs from the design run's ${c.recorded} (a different model, data or code version?); the comparison uses the rebuilt gates for both methods`,
          );

      // GP-BO
      const rng = new Rng(o.seed);
      info(`bo: fitting the GP surrogate on ${split.trainFit.length} train_fit rows…`);
      const surrogate = await fitSurrogate(data, boOptions, rng.fork('gp'));
      timings.gp_fit = surrogate.fitSeconds;
      const progress = createProgress();
      progress.start(`GP-BO ${o.iterations} iterations`, o.iterations);
      t = performance.now();
      const res = await runBo(data, boOptions, rng, {
        surrogate,
        onIteration: (i, _total, best) =>
          progress.update(i + 1, `best LCB ${best.toFixed(0)} HV (GP)`),
      });
      progress.stop();
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
      const methods = [
        {
          method: 'GP-BO',
          candidates: res.candidates
            .slice(0, o.n)
            .map((c) => ({ formula: c.formula, vector: c.vector })),
        },
        ...(design
          ? [
              {
                method: 'VIBANN',
                candidates: design.candidates
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
        ctx,
        (v) => surrogateAt(surrogate, load, v, { includeNoise: boOptions.includeNoise }),
        methods,
        {
          passes: o.mc ?? designOptions.reportPasses,
          seed: rng.fork('gates').nextSeed(),
        },
      );
      timings.comparison = (performance.now() - t) / 1000;
      timings.total = (performance.now() - t0) / 1000;
      const runDir = o.out ?? runDirName('bo');
      const sparse = (x: readonly number[]) => {
        const r: Record<string, number> = {};
        x.forEach((v, k) => {
          if (v >= 1e-4) r[model.elements[k]] = v;
        });
        return r;
      };
      const strip = <T extends { vector: number[] }>(c: T) => {
        const { vector: _v, ...rest } = c;
        return rest;
      };
      const nanSafe = <T>(v: T): T =>
        JSON.parse(
          JSON.stringify(v, (_k, x) => (typeof x === 'number' ? finiteOrNull(x) : x)),
        ) as T;
      // complete the manifest (finish time, backend) before the results file embeds it
      await writeManifest(runDir, manifest);
      const doc = nanSafe({
        load,
        iterations: o.iterations,
        thresholds: { ...ctx.thresholds, window: ctx.window, nearPeakRows: ctx.nearPeakRows },
        thresholds_check: check,
        gmm: { k: ctx.gmm.nComponents, frame_dim: ctx.frame.dim },
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
      await writeJsonAtomic(join(runDir, 'bo.json'), doc);
      if (o.plot) {
        const { writePlot } = await import('../../plots/render.ts');
        const { boTracePlot } = await import('../../bo/plot.ts');
        const vib = design ? cmp.rows[1] : [];
        const refs =
          vib.length > 0
            ? [
                {
                  label: 'best VIBANN candidate, GP LCB',
                  value: Math.max(...vib.map((r) => r.gp.lcb)),
                },
              ]
            : [];
        await writePlot(runDir, 'bo_trace', boTracePlot({ trace: res.trace, references: refs }));
      }

      if (o.json) {
        printJson(doc);
        return;
      }
      const th = ctx.thresholds;
      const s = res.surrogate;
      out(
        `GP-BO at ${load} N: ${o.iterations} iterations in ${duration(timings.bo)} (GP fit ${duration(timings.gp_fit)}: C ${s.constant.toPrecision(3)}, ℓ ${s.length_scale.toPrecision(3)}, noise ${s.noise.toPrecision(3)}); ${res.candidates.length} distinct alloys from ${res.proposals.length} proposals`,
      );
      out(
        `gates${o.designRun ? ` of design run ${o.designRun}` : ''} (seed ${designSeed}): LCB ≥ ${th.lcbTarget.toFixed(0)} HV, σ ≤ ${(th.sigmaCapFactor * th.sigmaRef).toFixed(0)} HV, novelty ≥ ${th.novelty.toFixed(3)}, log p ≥ ${th.logpThreshold.toFixed(1)}${check.length > 0 ? (check.every((c) => c.match) ? ' (rebuilt = recorded)' : ' (REBUILT ≠ RECORDED, see warnings)') : ''}`,
      );
      out('');
      const mark = (p: boolean) => (p ? '✓' : '✗');
      const shown = cmp.rows.slice(0, -1).flat();
      out(
        formatTable(
          [
            'method',
            '#',
            'alloy (at.%)',
            `VIBANN μ ± σ @${load} N`,
            'VIBANN LCB',
            'GP μ ± σ',
            'GP LCB',
            'novelty',
            'gates S N U P',
          ],
          shown.map((r) => [
            r.method,
            r.rank,
            r.formula,
            `${num(r.vibann.mean)} ± ${num(r.vibann.sd)}`,
            num(r.vibann.lcb),
            `${num(r.gp.mean)} ± ${num(r.gp.sd)}`,
            num(r.gp.lcb),
            num(r.nearest.distance, 3),
            `${mark(r.gates.support.pass)} ${mark(r.gates.novelty.pass)} ${mark(r.gates.uncertainty.pass)} ${mark(r.gates.performance.pass)}${r.accepted ? '' : '  rejected'}`,
          ]),
          {
            align: ['left', 'right', 'left', 'right', 'right', 'right', 'right', 'right', 'left'],
          },
        ),
      );
      out('');
      out(
        formatTable(
          [
            'method',
            'n',
            'novelty mean (min–max)',
            'diversity',
            'VIBANN LCB mean (max)',
            'GP LCB mean (max)',
            'gates S/N/U/P',
            'all 4',
            'accepted',
          ],
          cmp.summary.map((m) => [
            m.method,
            m.n,
            `${num(m.novelty.mean, 3)} (${num(m.novelty.min, 3)}–${num(m.novelty.max, 3)})`,
            num(m.diversity, 3),
            `${num(m.lcb.mean)} (${num(m.lcb.max)})`,
            `${num(m.gp_lcb.mean)} (${num(m.gp_lcb.max)})`,
            `${m.gates.support}/${m.gates.novelty}/${m.gates.uncertainty}/${m.gates.performance}`,
            m.gates.all,
            m.gates.accepted,
          ]),
          {
            align: ['left', 'right', 'left', 'right', 'right', 'right', 'left', 'right', 'right'],
          },
        ),
      );
      out(
        '(HV at the design load; novelty = distance to the nearest train_fit composition, diversity = mean pairwise distance, fractions; gates: S support, N novelty, U uncertainty, P performance; accepted = all four and LCB in the target window)',
      );
      if (!design)
        out(
          'no --design-run given: pass a VIBANN design run directory to put its candidates beside these',
        );
      out(
        `run directory: ${runDir} (bo.json, manifest.json${o.plot ? ', bo_trace.svg/png' : ''}); total ${duration(timings.total)}`,
      );
    });
}
