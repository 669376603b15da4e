/**
 * The `design` job kind (issue 16, item 1: "one design seed") and `vibann design-seeds --seeds N`: a
 * design job on a `--quick --epochs 20` model gives the same result in this thread and on a pool
 * of two worker threads (two seeds side by side), its candidates are those `vibann design`
 * computes for the same model, settings and seed, the study's summary is the jobs' (union
 * de-duplicated by formula), a rerun reuses the finished seeds, and the job refuses another model
 * than it was made for, a split that is not the model's, and malformed settings — each an
 * InputError naming what is wrong.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { threadId } from 'node:worker_threads';
import { type Dataset, loadDataset } from '../../src/data/dataset.ts';
import { type Split, splitFromJSON } from '../../src/data/split.ts';
import { DESIGN_SETTINGS_DEFAULTS } from '../../src/design/options.ts';
import { job } from '../../src/jobs/build.ts';
import { modelRef, runJob } from '../../src/jobs/run.ts';
import { readResult } from '../../src/jobs/runner.ts';
import { JOB_RESULT_SCHEMA, type JobOf, JobResultSchema, jobId } from '../../src/jobs/spec.ts';
import { HardnessModel } from '../../src/model/hardness-model.ts';
import { InputError } from '../../src/util/errors.ts';
import { runDesignWorkflow } from '../../src/workflows/design.ts';
import { DESIGN_SEEDS_FILE, runDesignSeeds } from '../../src/workflows/design-seeds.ts';
import { runCliInProcess } from '../helpers/cli.ts';
import { quick20Model } from '../helpers/model-cache.ts';
import { sharedData } from '../helpers/paths.ts';

interface DesignJobResult {
  seed: number;
  screened: number;
  accepted: number;
  accepted_families: Record<string, number>;
  candidates: { formula: string; accepted: boolean; gates: Record<string, unknown> }[];
  accepted_pool: { formula: string }[];
  thresholds: Record<string, unknown>;
}

describe('design job', () => {
  const runs = mkdtempSync(join(tmpdir(), 'vibann-design-job-'));
  let modelDir = '';
  let ds: Dataset;
  let split: Split;
  // every setting explicit, as `vibann design-seeds` builds its jobs (the defaults and these)
  const { seed: _seed, ...defaults } = DESIGN_SETTINGS_DEFAULTS;
  const designJob = (seed: number, settings: JobOf<'design'>['settings'] = {}) =>
    job('design', ds, split, {
      model: modelRef(modelDir),
      seed,
      settings: { ...defaults, quick: true, n: 3, ...settings },
    });

  before(async () => {
    // a 5-epoch model's decoder reaches no alloy the gates screen; at 20 epochs a quick design does
    modelDir = await quick20Model(); // shared, read-only
    ds = loadDataset(sharedData('H_v_dataset.csv'));
    const m = await HardnessModel.load(modelDir);
    split = splitFromJSON(ds, m.meta.split, {
      kind: m.meta.split.kind as Split['kind'],
      label: 'model split',
      description: m.meta.split.description,
    });
  });
  after(() => rmSync(runs, { recursive: true, force: true }));

  it('gives the same result in this thread and on two worker threads (vibann design-seeds), and the candidates of vibann design', async () => {
    // two seeds on a pool of two worker threads, through the study workflow
    const out = join(runs, 'seeds');
    const progress: string[] = [];
    const study = await runDesignSeeds(
      {
        model: modelDir,
        data: sharedData('H_v_dataset.csv'),
        quick: true,
        n: 3,
        seed: 3,
        seeds: 2,
        workers: 2,
        out,
      },
      { onProgress: (p) => progress.push(p.stage) },
    );
    const a = designJob(3);
    const b = designJob(4);
    assert.match(jobId(a), /^design-seed3-[0-9a-f]{16}$/);
    assert.notEqual(jobId(a), jobId(b));
    const pa = readResult(out, a);
    const pb = readResult(out, b);
    assert.ok(pa && pb, 'the study ran exactly the jobs built here (same ids)');
    assert.notEqual(pa.worker.thread, pb.worker.thread, 'two jobs on two threads');
    assert.notEqual(pa.worker.thread, threadId, 'not in this thread');
    assert.ok(progress.some((s) => s === '2 design seeds'));

    // the result document as the worker thread wrote it (the job went there as plain data); that
    // it equals the same design run in this thread is checked against vibann design below
    assert.equal(JobResultSchema.safeParse(pa).success, true);
    assert.equal(pa.schema, JOB_RESULT_SCHEMA);
    assert.equal(pa.id, jobId(a));
    assert.equal(pa.kind, 'design');
    assert.equal(pa.seed, 3);
    assert.equal(pa.data_sha256, ds.sha256);
    assert.deepEqual(JSON.parse(JSON.stringify(a)), pa.job, 'the job survives a trip through JSON');
    const r = pa.result as DesignJobResult;
    assert.equal(r.seed, 3);
    assert.ok(r.screened >= r.accepted);
    assert.equal(r.accepted, r.accepted_pool.length);
    assert.equal(
      Object.values(r.accepted_families).reduce((x, y) => x + y, 0),
      r.accepted,
    );
    assert.ok(r.candidates.length > 0 && r.candidates.length <= 3, `${r.candidates.length}`);
    for (const c of r.candidates) assert.ok(c.gates && typeof c.formula === 'string');

    // the study's summary: per seed as the jobs say, the union de-duplicated by formula
    const doc = study.document;
    assert.deepEqual(doc.seeds, [3, 4]);
    const results = [r, pb.result as DesignJobResult];
    assert.deepEqual(
      doc.per_seed.map((s) => [s.seed, s.screened, s.accepted]),
      results.map((x) => [x.seed, x.screened, x.accepted]),
    );
    const formulas = new Set(results.flatMap((x) => x.accepted_pool.map((p) => p.formula)));
    assert.deepEqual(new Set(doc.union.map((u) => u.formula)), formulas);
    assert.equal(doc.union.length, formulas.size);
    for (const u of doc.union)
      assert.deepEqual(
        u.seeds,
        results
          .filter((x) => x.accepted_pool.some((p) => p.formula === u.formula))
          .map((x) => x.seed),
      );
    assert.ok(existsSync(join(out, DESIGN_SEEDS_FILE)));

    // vibann design with the same model, settings and seed reports the same candidates
    const run = await runDesignWorkflow({
      model: modelDir,
      data: sharedData('H_v_dataset.csv'),
      quick: true,
      n: 3,
      seed: 3,
      out: join(runs, 'design-seed3'),
    });
    // (the domain verdicts and the predictive distributions are the report's, written where the
    // model's domain.json is; a design job's result has neither)
    const strip = (c: object) => {
      const {
        domain: _d,
        predictive: _p,
        ...rest
      } = c as { domain?: unknown; predictive?: unknown };
      return rest;
    };
    assert.deepEqual(
      JSON.parse(JSON.stringify(run.document.candidates.map(strip))),
      r.candidates,
      'same job, same result on a worker thread as in this thread',
    );
    assert.equal(run.document.summary.accepted, r.accepted);
    assert.equal(run.document.summary.screened, r.screened);

    // the command, rerun on the same run directory, reuses both seeds' results
    const cli = await runCliInProcess([
      'design-seeds',
      '--model',
      modelDir,
      '--data',
      sharedData('H_v_dataset.csv'),
      '--quick',
      '--n',
      '3',
      '--seed',
      '3',
      '--seeds',
      '2',
      '--out',
      out,
    ]);
    assert.equal(cli.code, doc.union.length > 0 ? 0 : 3, cli.stderr);
    assert.match(cli.stdout, /distinct accepted alloys over 2 seeds|in any of the 2 seeds/);
    assert.deepEqual(readResult(out, a)?.finished, pa.finished, 'seed 3 was not run again');
  });

  it('refuses another model, a split that is not the model’s, and malformed settings', async () => {
    const good = designJob(3);
    const other = { ...good, model: { ...good.model, sha256: 'b'.repeat(64) } };
    await assert.rejects(
      runJob(other),
      (e: unknown) =>
        e instanceof InputError &&
        e.message.includes('b'.repeat(64)) &&
        e.message.includes(good.model.sha256),
    );
    await assert.rejects(
      runJob({ ...good, model: { ...good.model, path: join(runs, 'nowhere') } }),
      (e: unknown) => e instanceof InputError && /does not exist/.test(e.message),
    );
    const shifted = {
      ...good,
      split: { ...good.split, calibration: good.split.calibration.slice(1) },
    };
    await assert.rejects(
      runJob(shifted),
      (e: unknown) => e instanceof InputError && /calibration rows/.test(e.message),
    );
    await assert.rejects(
      runJob({ ...good, settings: { ...good.settings, chains: 4 } }),
      (e: unknown) => e instanceof InputError && /settings/.test(e.message),
    );
    await assert.rejects(
      runJob({ ...good, settings: { ...good.settings, noveltyMin: 0.05, noveltyQuantile: 0.8 } }),
      (e: unknown) => e instanceof InputError && /not both/.test(e.message),
    );
    assert.throws(() => modelRef(join(runs, 'nowhere')), InputError);
  });
});
