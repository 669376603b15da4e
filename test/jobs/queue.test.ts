/**
 * Jobs through the BullMQ queue on a private redis-server (started and stopped here; a missing
 * binary fails with what to install): a job round-trips with the same result as in this process,
 * a failing job comes back with its error without hanging, a killed `vibann worker` process does
 * not stop the study (its job goes back to the queue after the stall interval), and the same study
 * gives the same studies.json on 1 thread, 2 threads and the queue. Tiny trainings (1–3 epochs).
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadDataset } from '../../src/data/dataset.ts';
import { selectSplit } from '../../src/data/select.ts';
import { fitSpec, job } from '../../src/jobs/build.ts';
import { queueExecutor, runQueueWorker } from '../../src/jobs/queue.ts';
import { runJob } from '../../src/jobs/run.ts';
import { runJobs } from '../../src/jobs/runner.ts';
import { InputError } from '../../src/util/errors.ts';
import { runStudies } from '../../src/workflows/studies.ts';
import { SOURCE_ENTRY } from '../helpers/cli.ts';
import { sharedData } from '../helpers/paths.ts';
import { type RedisServer, startRedis } from './redis.ts';

const DATA = sharedData('H_v_dataset.csv');
const ds = loadDataset(DATA);
const split = selectSplit(ds, { seed: 1 });
/** A tune-trial job of `epochs` epochs (5 networks): a real training, small. */
const trial = (seed: number, epochs: number) =>
  job('tune-trial', ds, split, {
    fit: fitSpec({ preset: 'default', seed, quick: true, training: { maxEpochs: epochs } }),
    trial: seed,
  });

/** Start `vibann worker` from the sources; resolves once it waits for jobs. */
function startWorker(url: string): Promise<{ p: ChildProcess; log: () => string }> {
  const p = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      SOURCE_ENTRY,
      'worker',
      '--queue',
      url,
      '--workers',
      '1',
      '--stalled-interval',
      '2',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } },
  );
  let log = '';
  p.stdout?.on('data', (d: Buffer) => {
    log += d.toString();
  });
  return new Promise((resolve, reject) => {
    p.stderr?.on('data', (d: Buffer) => {
      log += d.toString();
      if (/waiting for jobs/.test(log)) resolve({ p, log: () => log });
    });
    p.on('exit', (code) =>
      reject(new Error(`vibann worker exited (${code}) before it was ready:\n${log}`)),
    );
  });
}

const stopProcess = (p: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (p.exitCode !== null || p.signalCode !== null) return resolve();
    p.once('exit', () => resolve());
    p.kill('SIGTERM');
  });

describe('job queue (BullMQ on a private redis-server)', () => {
  let redis: RedisServer;
  before(async () => {
    redis = await startRedis();
  });
  after(async () => {
    await redis?.stop();
  });

  it('a job round-trips with the in-process result; a failing job comes back with its error', async () => {
    const url = `${redis.url}?queue=roundtrip`;
    const ac = new AbortController();
    const worker = runQueueWorker(url, { workers: 1, signal: ac.signal, stalledIntervalS: 5 });
    const ex = await queueExecutor(url);
    try {
      const j = job('train-evaluate', ds, split, {
        fit: fitSpec({ preset: 'default', seed: 1, quick: true, training: { maxEpochs: 1 } }),
        label: 'roundtrip',
        seed: 1,
      });
      const progress: unknown[] = [];
      const viaQueue = await ex.submit(j, { onProgress: (p) => progress.push(p) });
      const here = await runJob(j);
      assert.deepEqual(viaQueue.result, here.result, 'same job, same result');
      const ev = (
        viaQueue.result as { evaluation: { test: { rmse: number }; n: { test: number } } }
      ).evaluation;
      assert.ok(Number.isFinite(ev.test.rmse));
      assert.equal(ev.n.test, split.test.length);
      assert.equal(viaQueue.id, here.id);
      assert.equal(viaQueue.data_sha256, ds.sha256);
      assert.deepEqual(viaQueue.backend, here.backend);
      assert.ok(progress.length > 0, 'progress came through the queue');
      // a job for another file: an input error, not retried, reported with its message
      const bad = { ...j, data: { ...j.data, sha256: 'b'.repeat(64) } };
      await assert.rejects(
        ex.submit(bad),
        (e: unknown) => e instanceof InputError && e.message.includes('b'.repeat(64)),
      );
    } finally {
      await ex.close();
      ac.abort();
    }
    assert.deepEqual(await worker, { completed: 1, failed: 1 });
  });

  it('killing one vibann worker mid-study: its job returns to the queue and the study completes', async () => {
    const url = `${redis.url}?queue=kill`;
    const [a, b] = await Promise.all([startWorker(url), startWorker(url)]);
    const ex = await queueExecutor(url);
    const dir = mkdtempSync(join(tmpdir(), 'vibann-queue-kill-'));
    try {
      const jobs = [trial(11, 3), trial(12, 3)];
      const study = runJobs(jobs, { executor: ex, dir });
      // kill the first worker that starts a job, while it runs it
      const victim = await new Promise<typeof a>((resolve) => {
        const poll = setInterval(() => {
          const w = [a, b].find((x) => /started/.test(x.log()));
          if (w) {
            clearInterval(poll);
            resolve(w);
          }
        }, 50);
      });
      victim.p.kill('SIGKILL');
      const survivor = victim === a ? b : a;
      const results = await study;
      assert.equal(results.length, 2);
      for (const r of results) {
        assert.equal(r.worker.pid, survivor.p.pid, 'both jobs finished on the surviving worker');
        assert.ok(Number.isFinite((r.result as { cv_loss: number }).cv_loss));
      }
      assert.match(survivor.log(), /attempt|started/);
    } finally {
      await ex.close();
      await Promise.all([stopProcess(a.p), stopProcess(b.p)]);
    }
  });

  it('the same study gives the same studies.json on 1 thread, 2 threads and the queue', async () => {
    const url = `${redis.url}?queue=study`;
    const ac = new AbortController();
    const worker = runQueueWorker(url, { workers: 2, signal: ac.signal });
    const root = mkdtempSync(join(tmpdir(), 'vibann-queue-study-'));
    const study = (name: string, where: { workers?: number; queue?: string }) =>
      runStudies({
        data: DATA,
        seedsReport: 2,
        quick: true,
        training: { maxEpochs: 1 },
        out: join(root, name),
        ...where,
      });
    try {
      const docs = [];
      for (const [name, where] of [
        ['one', { workers: 1 }],
        ['two', { workers: 2 }],
        ['queue', { queue: url }],
      ] as const) {
        const { document } = await study(name, where);
        const r = document.seeds_report;
        assert.ok(r);
        docs.push({ ...r, wall_s: 0 });
      }
      assert.deepEqual(docs[1], docs[0]);
      assert.deepEqual(docs[2], docs[0]);
      assert.deepEqual(
        docs[0].seeds.map((s) => s.seed),
        [1, 2],
      );
    } finally {
      ac.abort();
      await worker;
    }
  });
});
