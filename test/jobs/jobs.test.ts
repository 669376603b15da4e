/**
 * The job model without training (src/jobs): job ids and validation, the dataset checksum check,
 * the worker-thread pool (echo handler: bounded concurrency, progress, errors with their type,
 * cancellation), the resumable runner (result files reused; a failing job reported without
 * hanging the others) and the parallel TPE search (same trials whatever order they finish in).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadDataset } from '../../src/data/dataset.ts';
import { selectSplit } from '../../src/data/select.ts';
import { fitSpec, inOrder, job, longestFirst } from '../../src/jobs/build.ts';
import type { JobExecutor } from '../../src/jobs/executor.ts';
import { WorkerPool } from '../../src/jobs/pool.ts';
import { parseQueueUrl, queueExecutor } from '../../src/jobs/queue.ts';
import { runJob } from '../../src/jobs/run.ts';
import { JobsFailedError, prepareStudyDir, resultFile, runJobs } from '../../src/jobs/runner.ts';
import {
  canonicalJson,
  JOB_RESULT_SCHEMA,
  type JobResultDocument,
  type JobSpec,
  JobSpecSchema,
  jobId,
} from '../../src/jobs/spec.ts';
import { Study, TpeSampler } from '../../src/tune/tpe.ts';
import { InputError, VibannError } from '../../src/util/errors.ts';
import { sharedData } from '../helpers/paths.ts';
import type { EchoTask } from './fixtures/echo-handler.ts';

const HANDLER = new URL('./fixtures/echo-handler.ts', import.meta.url);

describe('job specs', () => {
  const ds = loadDataset(sharedData('H_v_dataset.csv'));
  const split = selectSplit(ds, { seed: 1 });
  const seedJob = (seed: number) =>
    job('seeds-report-seed', ds, split, { fit: fitSpec({ preset: 'default', seed, quick: true }) });

  it('the id is a function of the job: key order does not matter, any field does', () => {
    const a = seedJob(1);
    const reordered = JSON.parse(canonicalJson(a)) as JobSpec;
    assert.equal(jobId(reordered), jobId(a));
    assert.match(jobId(a), /^seed1-[0-9a-f]{16}$/);
    assert.notEqual(jobId(seedJob(2)), jobId(a));
    const other = { ...a, fit: { ...a.fit, quick: false } };
    assert.notEqual(jobId(other), jobId(a));
    assert.equal(a.data.sha256, ds.sha256);
    assert.deepEqual(a.split.test, split.test);
  });

  it('a shift-split job is validated, labelled by its split and identified by every field', async () => {
    const s = (name: string, gp_restarts = 1) =>
      job('shift-split', ds, split, {
        fit: fitSpec({ preset: 'default', seed: 1, quick: true }),
        name,
        split_kind: 'hardest',
        seed: 1,
        group_folds: 5,
        gp_restarts,
      });
    assert.match(jobId(s('hardest')), /^shift-hardest-[0-9a-f]{16}$/);
    assert.notEqual(jobId(s('hardest', 5)), jobId(s('hardest')));
    assert.throws(() => s('a/b'), /malformed shift-split job/);
    await assert.rejects(
      runJob({ ...s('hardest'), group_folds: 1 }),
      (e: unknown) => e instanceof InputError && /group_folds/.test(e.message),
    );
  });

  it('a multisplit-split job round-trips through the schema, is labelled by its split and identified by every field', async () => {
    const m = (name: string, budget?: number, baselines: string[] = ['knn', 'rf', 'gb']) =>
      job('multisplit-split', ds, split, {
        fit: fitSpec({ preset: 'default', seed: 1, quick: true }),
        name,
        seed: 1,
        mc: 20,
        baselines: baselines as ('knn' | 'rf' | 'gb')[],
        budget,
      });
    const a = m('cluster-3', 4);
    // through JSON (a queue, a result file) and the schema: the same job, the same id
    const back = JobSpecSchema.parse(JSON.parse(JSON.stringify(a)));
    assert.deepEqual(back, a);
    assert.equal(jobId(back), jobId(a));
    assert.match(jobId(a), /^multisplit-cluster-3-[0-9a-f]{16}$/);
    assert.deepEqual(a.split.train_fit, split.trainFit);
    // no budget: the field is left out (the baselines' own budgets), and the id differs
    assert.equal('budget' in m('cluster-3'), false);
    assert.notEqual(jobId(m('cluster-3')), jobId(a));
    assert.notEqual(jobId(m('cluster-3', 4, ['knn'])), jobId(a));
    assert.throws(() => m('a/b'), /malformed multisplit-split job/);
    assert.throws(() => m('x', 4, ['svm']), /malformed multisplit-split job.*baselines/);
    assert.throws(() => m('x', 4, []), /malformed multisplit-split job/);
    await assert.rejects(
      runJob({ ...a, budget: 0 }),
      (e: unknown) => e instanceof InputError && /budget/.test(e.message),
    );
  });

  it('longestFirst: indices by decreasing cost, ties in order; inOrder puts results back', () => {
    const costs = [300, 667, 300, 668, 10];
    const order = longestFirst(costs);
    assert.deepEqual(order, [3, 1, 0, 2, 4]);
    const results = order.map((i) => `r${i}`); // what a runner returns for the jobs in that order
    assert.deepEqual(inOrder(order, results), ['r0', 'r1', 'r2', 'r3', 'r4']);
    assert.deepEqual(longestFirst([]), []);
  });

  it('a malformed job is an InputError naming the field', async () => {
    const bad = { ...seedJob(1), fit: { preset: 'default', seed: 'x', seeds: 1, quick: true } };
    await assert.rejects(
      runJob(bad),
      (e: unknown) => e instanceof InputError && /fit\.seed/.test(e.message),
    );
  });

  it('the worker checks the dataset: another file or a missing one is an InputError naming both checksums or the path', async () => {
    const wrong = { ...seedJob(1), data: { path: ds.source, sha256: 'a'.repeat(64) } };
    await assert.rejects(
      runJob(wrong),
      (e: unknown) =>
        e instanceof InputError &&
        e.message.includes(ds.sha256) &&
        e.message.includes('a'.repeat(64)),
    );
    const missing = { ...seedJob(1), data: { path: '/nonexistent/data.csv', sha256: ds.sha256 } };
    await assert.rejects(
      runJob(missing),
      (e: unknown) =>
        e instanceof InputError && /\/nonexistent\/data\.csv does not exist/.test(e.message),
    );
  });
});

describe('worker pool (worker_threads)', () => {
  it('runs tasks on at most `size` threads and returns their outputs in order of submission', async () => {
    const pool = new WorkerPool<
      EchoTask,
      { value: number; thread: number; start: number; end: number }
    >({ handler: HANDLER, size: 2 });
    try {
      const out = await Promise.all(
        [0, 1, 2, 3].map((value) => pool.submit({ op: 'echo', value, ms: 300 })),
      );
      assert.deepEqual(
        out.map((o) => o.value),
        [0, 1, 2, 3],
      );
      assert.equal(new Set(out.map((o) => o.thread)).size, 2, 'two threads served four tasks');
      // at no time were more than two tasks running (count the tasks running at each start)
      for (const o of out) {
        const running = out.filter((p) => p.start <= o.start && p.end > o.start).length;
        assert.ok(running <= 2, `${running} tasks running when task ${o.value} started`);
      }
    } finally {
      await pool.close();
    }
  });

  it('prestart: the threads start before any task, and tasks run on them', async () => {
    const pool = new WorkerPool<EchoTask, { value: number; thread: number }>({
      handler: HANDLER,
      size: 2,
    });
    try {
      assert.deepEqual(pool.load, { running: 0, waiting: 0, threads: 0 });
      await pool.prestart();
      assert.deepEqual(pool.load, { running: 0, waiting: 0, threads: 2 });
      await pool.prestart(); // idempotent: still two threads
      const out = await Promise.all([5, 6].map((value) => pool.submit({ op: 'echo', value })));
      assert.deepEqual(
        out.map((o) => o.value),
        [5, 6],
      );
      assert.equal(pool.load.threads, 2, 'no thread started for the tasks');
    } finally {
      await pool.close();
    }
  });

  it('forwards progress, rebuilds an InputError (exit 2), and cancels a running task', async () => {
    const pool = new WorkerPool<EchoTask, unknown>({
      handler: HANDLER,
      size: 1,
      cancelGraceMs: 5000,
    });
    try {
      const seen: number[] = [];
      await pool.submit(
        { op: 'progress', steps: 3 },
        { onProgress: (p) => seen.push((p as { done: number }).done) },
      );
      assert.deepEqual(seen, [1, 2, 3]);
      await assert.rejects(
        pool.submit({ op: 'fail', message: 'row 3: bad value' }),
        (e: unknown) =>
          e instanceof InputError && e.exitCode === 2 && /row 3: bad value/.test(e.message),
      );
      const ac = new AbortController();
      const waiting = pool.submit({ op: 'wait' }, { signal: ac.signal });
      setTimeout(() => ac.abort(), 200);
      await assert.rejects(
        waiting,
        (e: unknown) => e instanceof VibannError && e.name === 'CancelledError',
      );
      // the thread is free again afterwards
      assert.equal(((await pool.submit({ op: 'echo', value: 7 })) as { value: number }).value, 7);
    } finally {
      await pool.close();
    }
  });

  it('a task that computes without yielding sees the cancel within a few progress reports, long before the grace period', async () => {
    // regression (issue 15): a page-started design cancelled during MCMC ran on until the pool
    // terminated its thread after the grace period, because the cancel message waited behind the
    // synchronous loop
    const pool = new WorkerPool<EchoTask, unknown>({
      handler: HANDLER,
      size: 1,
      cancelGraceMs: 20_000,
    });
    try {
      const ac = new AbortController();
      let steps = 0;
      const t0 = Date.now();
      const busy = pool.submit(
        { op: 'busy', stepMs: 50, steps: 400 }, // 20 s if never cancelled
        {
          signal: ac.signal,
          onProgress: () => {
            steps++;
            if (steps === 3) ac.abort();
          },
        },
      );
      await assert.rejects(
        busy,
        (e: unknown) => e instanceof VibannError && e.name === 'CancelledError',
      );
      // the abort reaches the thread within a few steps (progress messages already posted arrive
      // late on this side), far below the 20 s grace period and the 20 s task
      const elapsed = Date.now() - t0;
      assert.ok(elapsed < 5000, `cancelled after ${elapsed} ms`);
      // the thread is free again afterwards
      const next = (await pool.submit({ op: 'echo', value: 8 })) as { value: number };
      assert.equal(next.value, 8);
    } finally {
      await pool.close();
    }
  });
});

/** A stand-in executor: results made up from the job, jobs whose seed is in `failing` fail. */
function fakeExecutor(failing: number[] = []): JobExecutor & { submitted: string[] } {
  const submitted: string[] = [];
  return {
    description: 'fake',
    concurrency: 2,
    submitted,
    async submit(j) {
      submitted.push(jobId(j));
      await new Promise((r) => setTimeout(r, 10));
      const seed = 'fit' in j ? j.fit.seed : j.seed;
      if (failing.includes(seed)) throw new VibannError(`seed ${seed} diverged`);
      const doc: JobResultDocument = {
        schema: JOB_RESULT_SCHEMA,
        id: jobId(j),
        kind: j.kind,
        job: j,
        result: { seed, square: seed * seed },
        seed,
        data_sha256: j.data.sha256,
        vibann_version: 'test',
        backend: { backend: 'none', tfjsVersion: '0' },
        wall_s: 0.01,
        worker: { host: 'here', pid: process.pid, thread: 0 },
        finished: new Date().toISOString(),
      };
      return doc;
    },
    close: async () => {},
  };
}

describe('runJobs: resumable, failures reported', () => {
  const ds = loadDataset(sharedData('H_v_dataset.csv'));
  const split = selectSplit(ds, { seed: 1 });
  const jobs = [1, 2, 3].map((seed) =>
    job('seeds-report-seed', ds, split, { fit: fitSpec({ preset: 'default', seed, quick: true }) }),
  );

  it('writes one result file per job; a rerun reuses them and runs nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vibann-jobs-'));
    const a = fakeExecutor();
    const first = await runJobs(jobs, { executor: a, dir });
    assert.equal(a.submitted.length, 3);
    assert.deepEqual(
      readdirSync(join(dir, 'jobs')).sort(),
      jobs.map((j) => `${jobId(j)}.json`).sort(),
    );
    const b = fakeExecutor();
    const infos: string[] = [];
    const again = await runJobs(jobs, {
      executor: b,
      dir,
      hooks: { onInfo: (m) => infos.push(m) },
    });
    assert.equal(b.submitted.length, 0, 'nothing rerun');
    assert.deepEqual(
      again.map((r) => r.result),
      first.map((r) => r.result),
    );
    assert.match(infos.join('\n'), /3 of 3 jobs already finished/);
    // a damaged result file is not trusted: that job runs again
    writeFileSync(resultFile(dir, jobs[1]), '{"schema": "vibann-job-result/1"');
    const c = fakeExecutor();
    await runJobs(jobs, { executor: c, dir });
    assert.deepEqual(c.submitted, [jobId(jobs[1])]);
    // preparing the directory again keeps jobs/ (resume) and removes the rest
    writeFileSync(join(dir, 'studies.json'), '{}');
    await prepareStudyDir(dir);
    assert.deepEqual(readdirSync(dir), ['jobs']);
  });

  it('a failing job is reported with its id and error after the others finished (no hang)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vibann-jobs-'));
    const ex = fakeExecutor([2]);
    const warnings: string[] = [];
    await assert.rejects(
      runJobs(jobs, { executor: ex, dir, hooks: { onWarn: (m) => warnings.push(m) } }),
      (e: unknown) =>
        e instanceof JobsFailedError &&
        e.failures.length === 1 &&
        e.failures[0].id === jobId(jobs[1]) &&
        /1 of 3 jobs failed/.test(e.message) &&
        /seed 2 diverged/.test(e.message),
    );
    assert.match(warnings.join('\n'), /seed 2 diverged/);
    // the two good jobs are on disk: a rerun submits only the failed one
    const again = fakeExecutor();
    await runJobs(jobs, { executor: again, dir });
    assert.deepEqual(again.submitted, [jobId(jobs[1])]);
  });
});

describe('queue options', () => {
  it('a malformed --queue URL is an InputError; an unreachable Redis a clear error, not a hang', async () => {
    assert.throws(() => parseQueueUrl('http://host:6379'), InputError);
    assert.throws(() => parseQueueUrl('redis://host:6379?queue=a b'), InputError);
    assert.deepEqual(parseQueueUrl('redis://:pw@host:6380/2?queue=group-a'), {
      redis: 'redis://:pw@host:6380/2',
      name: 'group-a',
    });
    // port 1 on the loopback: nothing listens there
    await assert.rejects(
      queueExecutor('redis://127.0.0.1:1'),
      (e: unknown) =>
        e instanceof VibannError &&
        /cannot reach Redis at redis:\/\/127\.0\.0\.1:1/.test(e.message),
    );
  });
});

describe('parallel TPE (constant liar)', () => {
  // A smooth objective with its minimum at x = 0.3, y = 'b'.
  const f = (x: number, y: string) => (x - 0.3) ** 2 + (y === 'b' ? 0 : 0.1);
  const run = async (parallel: number, delay: (k: number) => number) => {
    const s = new Study({
      sampler: new TpeSampler({ seed: 7, nStartupTrials: 4, constantLiar: true }),
    });
    await s.optimizeParallel(
      async (t) => {
        const x = t.suggestFloat('x', 0, 1);
        const y = t.suggestCategorical('y', ['a', 'b', 'c']);
        await new Promise((r) => setTimeout(r, delay(t.number)));
        return f(x, y);
      },
      14,
      { parallel },
    );
    return s.trials.map((t) => [t.params.x, t.params.y, t.value]);
  };

  it('the trials do not depend on the order in which parallel trials finish', async () => {
    const inOrder = await run(3, () => 1);
    const shuffled = await run(3, (k) => [9, 1, 5, 2, 7][k % 5]);
    assert.deepEqual(shuffled, inOrder);
  });

  it('parallel = 1 is the sequential search (optimizeAsync)', async () => {
    const s = new Study({
      sampler: new TpeSampler({ seed: 7, nStartupTrials: 4, constantLiar: true }),
    });
    await s.optimizeAsync(
      async (t) => f(t.suggestFloat('x', 0, 1), t.suggestCategorical('y', ['a', 'b', 'c'])),
      14,
    );
    assert.deepEqual(
      await run(1, () => 0),
      s.trials.map((t) => [t.params.x, t.params.y, t.value]),
    );
  });

  it('a running trial counts as bad: with the liar, the next trial keeps away from its point', () => {
    // 10 complete trials of (x − 0.3)², then trial 10 running at its own draw and trial 11 sampled
    // while it runs. Over 40 seeds, trial 11 lands farther from the running point with the liar
    // (it joins g, lowering l/g there) than without (then it is ignored).
    const distance = (liar: boolean, seed: number) => {
      const s = new Study({
        sampler: new TpeSampler({ seed, nStartupTrials: 10, constantLiar: liar }),
      });
      for (let i = 0; i < 10; i++) {
        const t = s.ask();
        s.tell(t, (t.suggestFloat('x', 0, 1) - 0.3) ** 2);
      }
      const xr = s.ask({ lag: 2 }).suggestFloat('x', 0, 1);
      return Math.abs(s.ask({ lag: 2 }).suggestFloat('x', 0, 1) - xr);
    };
    const seeds = Array.from({ length: 40 }, (_, i) => i + 1);
    const mean = (liar: boolean) => seeds.reduce((a, k) => a + distance(liar, k), 0) / seeds.length;
    const [withLiar, without] = [mean(true), mean(false)];
    assert.ok(withLiar > without, `mean distance ${withLiar} with the liar, ${without} without`);
  });
});
