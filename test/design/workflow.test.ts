import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { designData } from '../../src/design/data.ts';
import { PROGRESS_CHUNK_ROW_PASSES, predictAtInChunks } from '../../src/design/pipeline.ts';
import { gateStateToJSON } from '../../src/design/screen.ts';
import { readDesignRun } from '../../src/runs/design.ts';
import {
  applyDesignProgress,
  DESIGN_PERCENT,
  designPercent,
  newDesignJob,
} from '../../src/serve/server.ts';
import type { ServeProgress } from '../../src/serve/worker.ts';
import { InputError } from '../../src/util/errors.ts';
import {
  CancelledError,
  openDataset,
  openModel,
  PREDICT_SEED,
  type ProgressEvent,
  splitForModel,
  type WorkflowHooks,
} from '../../src/workflows/common.ts';
import { QUICK_DESIGN, runDesignWorkflow } from '../../src/workflows/design.ts';
import { PREDICT_DEFAULTS, runPredict } from '../../src/workflows/predict.ts';
import { candidateAssessments } from '../../src/workflows/uncertainty.ts';
import { quickModel } from '../helpers/model-cache.ts';

// The design workflow on a --quick model: progress and cancellation through the hooks, the run
// directory read back by readDesignRun.
describe('runDesignWorkflow', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vibann-design-wf-'));
  let model = '';
  before(async () => {
    model = await quickModel(); // shared, read-only
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const recorder = () => {
    const events: ProgressEvent[] = [];
    const ended: string[] = [];
    const info: string[] = [];
    const hooks: WorkflowHooks = {
      onProgress: (e) => events.push(e),
      onStageEnd: (s) => ended.push(s),
      onInfo: (m) => info.push(m),
    };
    return { events, ended, info, hooks };
  };

  it('reports MCMC and refinement progress and writes a run directory that reads back', async () => {
    const out = join(dir, 'run');
    const r = recorder();
    const run = await runDesignWorkflow({ model, quick: true, seed: 2, out }, r.hooks);
    const mcmc = r.events.filter((e) => e.stage === 'MCMC 16 chains');
    assert.equal(mcmc.length, QUICK_DESIGN.mcmc.steps, 'one event per MCMC step');
    assert.deepEqual(
      mcmc.map((e) => e.done),
      Array.from({ length: QUICK_DESIGN.mcmc.steps }, (_, i) => i + 1),
    );
    assert.ok(mcmc.every((e) => e.total === QUICK_DESIGN.mcmc.steps));
    const ref = r.events.filter((e) => e.stage === 'refinement');
    assert.ok(ref.length > 1 && ref.every((e) => e.total === QUICK_DESIGN.refine.maxSteps));
    assert.deepEqual(r.ended, [
      'preparing',
      'calibration',
      'MCMC 16 chains',
      'refinement',
      // (the quick model's alloys have more than 7 elements: nothing may be left to screen)
      ...(run.document.summary.screened > 0 ? ['screening'] : []),
      'writing the run',
    ]);
    assert.ok(r.info.includes('design: screening…'), r.info.join('\n'));
    // the reader gives back what the workflow returned
    const back = readDesignRun(out);
    assert.equal(run.dir, out);
    // (the manifest is compared apart: completeRun rewrites manifest.json, with the list of files
    // and complete: true, after design.json embedded it)
    const { manifest: m1, ...d1 } = back.document;
    const { manifest: m2, ...d2 } = run.document;
    assert.deepEqual(d1, d2);
    assert.deepEqual(m1.options, JSON.parse(JSON.stringify(m2.options)));
    assert.deepEqual(m1.seeds, { seed: 2 });
    assert.ok(run.gates && back.gates);
    assert.deepEqual(gateStateToJSON(back.gates), gateStateToJSON(run.gates));
  });

  it('reports progress in every stage: start-up steps, calibration rows, screened alloys, each file and figure written', async () => {
    const out = join(dir, 'progress');
    // every hook call in order, as the server's job sees them
    const log: ServeProgress[] = [];
    const hooks: WorkflowHooks = {
      onProgress: (e) => log.push({ type: 'progress', ...e }),
      onStageEnd: (stage) => log.push({ type: 'stage-end', stage }),
      onInfo: (message) => log.push({ type: 'info', message }),
    };
    // (maxElements 40: the quick model's alloys have more than the default 7 elements, and with
    // nothing castable there is nothing to screen)
    const run = await runDesignWorkflow(
      { model, quick: true, seed: 3, maxElements: 40, out },
      hooks,
    );
    const steps = (stage: string) =>
      log.filter(
        (e): e is Extract<ServeProgress, { type: 'progress' }> =>
          e.type === 'progress' && e.stage === stage,
      );
    const counts = (stage: string) => steps(stage).map((e) => [e.done, e.total]);

    // start-up: eight steps, one event each
    assert.deepEqual(
      counts('preparing'),
      Array.from({ length: 8 }, (_, i) => [i + 1, 8]),
    );
    // calibration: one event per chunk of rows, up to every calibration row
    const cal = steps('calibration');
    const n = cal[0].total;
    const perChunk = Math.floor(PROGRESS_CHUNK_ROW_PASSES / QUICK_DESIGN.calibrationPasses);
    assert.ok(n > 0);
    assert.deepEqual(
      cal.map((e) => e.done),
      Array.from({ length: Math.ceil(n / perChunk) }, (_, i) => Math.min(n, (i + 1) * perChunk)),
    );
    // screening: up to every screened alloy
    const scr = steps('screening');
    assert.ok(scr.length >= 1 && run.document.summary.screened > 0);
    assert.equal(scr.at(-1)?.done, run.document.summary.screened);
    assert.ok(scr.every((e) => e.total === run.document.summary.screened));
    // writing the run: manifest, domain verdicts, design.json, gates.json, the plotting libraries,
    // one step per figure, done
    const figures = readdirSync(out)
      .filter((f) => f.endsWith('.svg'))
      .map((f) => f.replace(/\.svg$/, ''));
    assert.ok(figures.includes('gmm_density') && figures.includes('load_curves'), figures.join());
    const w = steps('writing the run');
    assert.deepEqual(
      w.map((e) => e.done),
      Array.from({ length: 6 + figures.length }, (_, i) => i + 1),
    );
    assert.ok(w.every((e) => e.total === 6 + figures.length));
    assert.equal(w[4].status, 'plotting libraries loaded');
    assert.deepEqual(
      w
        .filter((e) => e.status?.startsWith('figure '))
        .map((e) => e.status)
        .sort(),
      figures.map((f) => `figure ${f}`).sort(),
    );
    // the stages without steps announce themselves
    for (const m of ['latent density', 'thresholds', 'refinement', 'screening', 'report'])
      assert.ok(
        log.some((e) => e.type === 'info' && e.message === `design: ${m}…`),
        `announced: ${m}`,
      );
    // the server's percent: every stage has a range, visited in the order the workflow runs them
    const job = newDesignJob('1', {}, 'x');
    let last = 0;
    const seen = new Set<number>();
    for (const e of [
      { type: 'info', message: 'design: thread started, loading the design workflow…' } as const,
      ...log,
    ]) {
      applyDesignProgress(job, e);
      const r = designPercent(job.stage, job.step, job.steps);
      if (r === undefined) continue;
      assert.ok(r >= last, `percent ${r} after ${last} at ${JSON.stringify(e)}`);
      last = r;
      seen.add(DESIGN_PERCENT.findIndex((x) => x.stage.test(job.stage)));
    }
    assert.equal(seen.size, DESIGN_PERCENT.length, 'every range of DESIGN_PERCENT is used');
    assert.equal(job.percent, 99);
  });

  it('chunked calibration predictions give every row the bits of one whole-batch prediction', async () => {
    const m = await openModel(model);
    const { ds } = await openDataset();
    const data = designData(ds, await splitForModel(m, ds), m.elements);
    const x = [...data.calibration.x, ...data.trainFit.x.slice(0, 150)];
    const passes = 300;
    assert.ok(x.length > 2 * Math.floor(PROGRESS_CHUNK_ROW_PASSES / passes), 'several chunks');
    const chunks: number[] = [];
    const a = await predictAtInChunks(m, x, 0.5, passes, 77, (done) => chunks.push(done));
    const b = await m.predictAt(x, 0.5, passes, 77);
    assert.ok(chunks.length >= 3);
    assert.deepEqual(Buffer.from(a.mean.buffer), Buffer.from(b.mean.buffer));
    assert.deepEqual(Buffer.from(a.std.buffer), Buffer.from(b.std.buffer));
  });

  for (const [stage, at] of [
    ['MCMC 16 chains', 10],
    ['refinement', 5],
  ] as const) {
    it(`stops with CancelledError when the signal is aborted during ${stage.split(' ')[0]}`, async () => {
      const out = join(dir, `cancel-${at}`);
      const r = recorder();
      const ac = new AbortController();
      const onProgress = r.hooks.onProgress!;
      r.hooks.onProgress = (e) => {
        onProgress(e);
        if (e.stage === stage && e.done === at) ac.abort();
      };
      r.hooks.signal = ac.signal;
      await assert.rejects(
        runDesignWorkflow({ model, quick: true, seed: 2, out }, r.hooks),
        (e: unknown) => e instanceof CancelledError && /the design was cancelled/.test(e.message),
      );
      // checked before the next step: no step after the abort
      assert.equal(r.events.at(-1)?.stage, stage);
      assert.equal(r.events.at(-1)?.done, at);
      assert.equal(existsSync(join(out, 'design.json')), false);
    });
  }

  it('trains a missing model as vibann train does (with its uncertainty model), when allowed', async () => {
    const m = join(dir, 'trained-here');
    const r = recorder();
    const run = await runDesignWorkflow(
      {
        model: m,
        trainIfMissing: true,
        quick: true,
        refine: false,
        mcmcChains: 4,
        mcmcSteps: 10,
        maxElements: 40,
        out: join(dir, 'trained-here-run'),
      },
      r.hooks,
    );
    assert.ok(
      r.info.some((i) => i.startsWith(`no model at ${m}: training the default model first`)),
    );
    // what `vibann train` writes: the model, train.json and the uncertainty model / domain
    for (const f of ['manifest.json', 'weights.bin', 'train.json', 'domain.json'])
      assert.ok(existsSync(join(m, f)), `${f} written`);
    // so every candidate gets a domain verdict (not 'unknown' = null)
    // (a 5-epoch model with 4 × 10 MCMC steps may report no candidate: ask for a verdict directly)
    assert.ok(run.document.candidates.every((c) => typeof c.domain?.in_domain === 'boolean'));
    const [{ domain: v }] = await candidateAssessments(
      m,
      await openModel(m),
      ['B68Nb24Fe4W4'],
      0.5,
    );
    assert.equal(typeof v?.in_domain, 'boolean', 'a verdict, not unknown');
    // and its predictive distribution: what `vibann predict` prints for the alloy at L*
    for (const c of run.document.candidates) {
      const p = c.predictive;
      assert.ok(p && p.method !== 'mc' && p.lo90 < p.mean && p.mean < p.hi90 && p.sigma_mc > 0);
    }
  });

  it('gives each candidate the predictive distribution `vibann predict` prints', async () => {
    // regression: the design table showed only the gates' MC σ and LCB, which differ from what
    // `vibann predict` prints for the same alloy (the shift-aware σ of docs/uncertainty.md)
    const m = join(dir, 'trained-here'); // trained with its domain.json by the test above
    const formulas = ['B68Nb24Fe4W4', 'Fe72B20Nb8'];
    const got = await candidateAssessments(m, await openModel(m), formulas, 0.5);
    const want = await runPredict({ model: m, compositions: formulas, loads: [0.5] });
    assert.equal(PREDICT_SEED, PREDICT_DEFAULTS.seed);
    assert.equal(want.uncertainty, got[0].predictive.method);
    assert.notEqual(got[0].predictive.method, 'mc', 'the model has its uncertainty model');
    formulas.forEach((_, i) => {
      const g = got[i];
      const w = want.rows[i];
      // the same computation on the same rows and seed: equal to the bit
      assert.deepEqual(
        [
          g.predictive.mean,
          g.predictive.sigma,
          g.predictive.lcb,
          g.predictive.lo90,
          g.predictive.hi90,
          g.predictive.sigma_mc,
        ],
        [w.mean, w.std, w.lcb, w.lo90, w.hi90, w.sigma_mc],
      );
      assert.deepEqual(g.domain, w.domain);
      assert.equal(g.predictive.load, 0.5);
    });
  });

  it('a missing model outside the default directory is an input error', async () => {
    await assert.rejects(
      runDesignWorkflow({ model: join(dir, 'none'), quick: true }),
      (e: unknown) => e instanceof InputError && /no trained model at/.test(e.message),
    );
  });
});
