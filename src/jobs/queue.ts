/**
 * Jobs across machines on BullMQ (Redis): the study's process enqueues its jobs and collects the
 * results (`queueExecutor`), and `vibann worker --queue URL` on each machine takes jobs from the
 * queue and runs them on its own pool of worker threads (`runQueueWorker`).
 *
 * - URL: `redis://[user:password@]HOST:PORT[/DB][?queue=NAME]` (default queue name `vibann`).
 * - A lost worker (killed, machine down): its job's lock expires after the stall interval and
 *   BullMQ's stalled-job check (run by the other workers) puts the job back in the queue, up to
 *   `MAX_STALLED` times. The worker's main thread only talks to Redis (the training runs in its
 *   threads), so the lock is renewed on time even while a job computes.
 * - A job running longer than its timeout (`--job-timeout`, default 6 h) is cancelled on the
 *   worker and fails. An input error (bad dataset checksum, missing file) fails at once; other
 *   errors are retried once (`attempts: 2`).
 * - Progress: the worker forwards its jobs' epoch progress to the queue (at most once a second per
 *   job); the study's process receives it through BullMQ's queue events.
 * - Cancelling the study removes its jobs that no worker has taken yet; jobs already running finish
 *   on their workers and their results are dropped.
 */
import { hostname } from 'node:os';
import type { Job } from 'bullmq';
import { InputError, VibannError } from '../util/errors.ts';
import { deserializeError, type SerializedError, serializeError } from './errors.ts';
import { checkResult, type JobExecutor, jobHandlerUrl } from './executor-base.ts';
import { defaultPoolSize, WorkerPool } from './pool.ts';
import type { JobProgress } from './run.ts';
import { type JobResultDocument, type JobSpec, jobId, jobLabel } from './spec.ts';

/** Times a job may be found stalled (its worker lost) and put back before it fails. */
export const MAX_STALLED = 3;
/** Default stall interval (lock duration), s: a lost worker's job is re-queued after about this. */
export const DEFAULT_STALLED_INTERVAL_S = 30;
/** Default job timeout, s. */
export const DEFAULT_JOB_TIMEOUT_S = 6 * 3600;

/** What travels in a BullMQ job. */
interface QueuedJob {
  job: JobSpec;
  timeout_s: number;
}

export interface QueueLocation {
  /** The Redis URL without the `queue` parameter. */
  redis: string;
  /** The BullMQ queue name. */
  name: string;
}

/** Parse `redis://HOST:PORT[/DB][?queue=NAME]`; an InputError names the option otherwise. */
export function parseQueueUrl(url: string): QueueLocation {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new InputError(`--queue: expected a Redis URL such as redis://HOST:6379, got '${url}'`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:')
    throw new InputError(`--queue: expected a redis:// or rediss:// URL, got '${url}'`);
  if (!u.hostname) throw new InputError(`--queue: no host in '${url}'`);
  const name = u.searchParams.get('queue') ?? 'vibann';
  if (!/^[A-Za-z0-9_.-]+$/.test(name))
    throw new InputError(`--queue: queue name '${name}' may hold only letters, digits, _ . -`);
  u.searchParams.delete('queue');
  return { redis: u.toString().replace(/\?$/, ''), name };
}

/** The error text a worker stores for a failed job: `[exit N] Name: message`. */
function encodeFailure(e: SerializedError): string {
  return `[exit ${e.exitCode ?? 1}] ${e.name}: ${e.message}`;
}

function decodeFailure(reason: string, where: string): VibannError {
  const m = /^\[exit (\d)\] ([A-Za-z]+): ([\s\S]*)$/.exec(reason);
  if (!m) return new VibannError(`${reason} (${where})`);
  return deserializeError({ exitCode: Number(m[1]), name: m[2], message: m[3] }, where);
}

function connectionOptions(redis: string) {
  // maxRetriesPerRequest null: BullMQ's blocking connections must wait, not fail, while Redis restarts
  return { url: redis, maxRetriesPerRequest: null };
}

/**
 * Check that Redis answers at `loc` (one connection, no retries, 5 s) before BullMQ opens its own
 * connections, which would otherwise retry forever; a clear VibannError if it does not.
 */
async function probe(loc: QueueLocation): Promise<void> {
  const { Redis } = await import('ioredis');
  const c = new Redis(loc.redis, {
    lazyConnect: true,
    connectTimeout: 5000,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  let cause = '';
  c.on('error', (e: Error) => {
    cause ||= e.message;
  });
  try {
    await c.connect();
    await c.ping();
  } catch (e) {
    throw new VibannError(
      `cannot reach Redis at ${loc.redis} (${cause || (e as Error).message}): is redis-server running there and listening on that address (docs/scaling.md)?`,
    );
  } finally {
    c.disconnect();
  }
}

export interface QueueExecutorOptions {
  /** A job running longer than this fails, s (default 6 h). */
  jobTimeoutS?: number;
  /** Retries of a job that failed with a runtime error (default 1; input errors are not retried). */
  retries?: number;
}

/**
 * Send jobs to the queue at `url` and wait for their results. `concurrency` is the number of worker
 * threads connected when it opened (at least 1): it only sets how many tune trials are in flight.
 */
export async function queueExecutor(
  url: string,
  o: QueueExecutorOptions = {},
): Promise<JobExecutor> {
  const loc = parseQueueUrl(url);
  await probe(loc);
  const { Queue, QueueEvents } = await import('bullmq');
  const connection = connectionOptions(loc.redis);
  const queue = new Queue<QueuedJob, JobResultDocument>(loc.name, { connection });
  const events = new QueueEvents(loc.name, { connection });
  const errors: Error[] = [];
  queue.on('error', (e) => errors.push(e));
  events.on('error', (e) => errors.push(e));
  await Promise.all([queue.waitUntilReady(), events.waitUntilReady()]);
  const listeners = new Map<string, (p: JobProgress) => void>();
  events.on('progress', ({ jobId: id, data }) => listeners.get(id)?.(data as JobProgress));
  const workers = await queue.getWorkersCount();
  const timeout_s = o.jobTimeoutS ?? DEFAULT_JOB_TIMEOUT_S;
  return {
    description: `queue ${loc.name} at ${loc.redis} (${workers} worker${workers === 1 ? '' : 's'} connected at the start)`,
    concurrency: Math.max(1, workers),
    async submit(spec, t = {}) {
      if (t.signal?.aborted) throw new VibannError('the job was cancelled');
      const where = `queue ${loc.name}, job ${jobLabel(spec)}`;
      const job: Job<QueuedJob, JobResultDocument> = await queue.add(
        jobLabel(spec),
        { job: spec, timeout_s },
        {
          jobId: `${jobId(spec)}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`,
          attempts: 1 + (o.retries ?? 1),
          removeOnComplete: { age: 24 * 3600 },
          removeOnFail: { age: 7 * 24 * 3600 },
        },
      );
      const id = job.id as string;
      if (t.onProgress) listeners.set(id, t.onProgress);
      const onAbort = () => void job.remove().catch(() => undefined);
      t.signal?.addEventListener('abort', onAbort, { once: true });
      try {
        const cancelled = new Promise<never>((_, reject) =>
          t.signal?.addEventListener(
            'abort',
            () =>
              reject(
                Object.assign(new VibannError('the job was cancelled'), { name: 'CancelledError' }),
              ),
            { once: true },
          ),
        );
        let value: unknown;
        try {
          value = await Promise.race([job.waitUntilFinished(events), cancelled]);
        } catch (e) {
          if (e instanceof VibannError) throw e;
          throw decodeFailure((e as Error).message, where);
        }
        return checkResult(spec, value, where);
      } finally {
        listeners.delete(id);
        t.signal?.removeEventListener('abort', onAbort);
      }
    },
    async close() {
      await Promise.allSettled([events.close(), queue.close()]);
    },
  };
}

export interface QueueWorkerOptions {
  /** Worker threads = jobs run at once on this machine (default: the number of cores). */
  workers?: number;
  /** Stall interval (= job lock duration), s: a lost worker's job goes back after about this. */
  stalledIntervalS?: number;
  /** Stop taking jobs and close when aborted (the CLI aborts on SIGINT/SIGTERM). */
  signal?: AbortSignal;
  onInfo?: (message: string) => void;
  onWarn?: (message: string) => void;
}

export interface QueueWorkerSummary {
  completed: number;
  failed: number;
}

/**
 * Serve the queue at `url` until `signal` aborts: take jobs, run them on a local pool of worker
 * threads, post progress and results. Resolves with the counts after closing.
 */
export async function runQueueWorker(
  url: string,
  o: QueueWorkerOptions = {},
): Promise<QueueWorkerSummary> {
  const loc = parseQueueUrl(url);
  await probe(loc);
  const { Worker, UnrecoverableError } = await import('bullmq');
  const size = o.workers ?? defaultPoolSize();
  const pool = new WorkerPool<JobSpec, unknown, JobProgress>({ handler: jobHandlerUrl(), size });
  const lock = Math.round((o.stalledIntervalS ?? DEFAULT_STALLED_INTERVAL_S) * 1000);
  const summary: QueueWorkerSummary = { completed: 0, failed: 0 };
  const processor = async (
    job: Job<QueuedJob, unknown>,
    _token?: string,
    signal?: AbortSignal,
  ): Promise<unknown> => {
    const spec = job.data.job;
    const label = `${jobLabel(spec)} (queue job ${job.id}, attempt ${job.attemptsMade + 1})`;
    o.onInfo?.(`started ${label}`);
    const timeout = AbortSignal.timeout(Math.max(1, job.data.timeout_s) * 1000);
    const signals = [timeout, ...(signal ? [signal] : [])];
    let lastPost = 0;
    try {
      const r = await pool.submit(spec, {
        signal: AbortSignal.any(signals),
        onProgress: (p) => {
          const now = Date.now();
          if (now - lastPost < 1000 && p.done < p.total) return;
          lastPost = now;
          void job.updateProgress(p as unknown as Record<string, unknown>).catch(() => undefined);
        },
      });
      const doc = checkResult(spec, r, 'worker thread');
      summary.completed++;
      o.onInfo?.(`finished ${label} in ${doc.wall_s.toFixed(1)} s`);
      return doc;
    } catch (e) {
      summary.failed++;
      const s = serializeError(e);
      if (timeout.aborted)
        throw new UnrecoverableError(
          encodeFailure({
            ...s,
            name: 'VibannError',
            message: `timed out after ${job.data.timeout_s} s on ${hostname()}`,
          }),
        );
      o.onWarn?.(`failed ${label}: ${s.message}`);
      if (s.exitCode === 2) throw new UnrecoverableError(encodeFailure(s));
      throw new Error(encodeFailure({ ...s, message: `${s.message} (on ${hostname()})` }));
    }
  };
  const worker = new Worker<QueuedJob, unknown>(loc.name, processor, {
    connection: connectionOptions(loc.redis),
    concurrency: pool.size,
    lockDuration: lock,
    stalledInterval: lock,
    maxStalledCount: MAX_STALLED,
    name: `vibann-worker@${hostname()}:${process.pid}`,
    autorun: false,
  });
  worker.on('error', (e) => o.onWarn?.(`queue: ${e.message}`));
  await worker.waitUntilReady();
  o.onInfo?.(
    `vibann worker on ${hostname()} (pid ${process.pid}): ${pool.size} thread${pool.size === 1 ? '' : 's'}, queue ${loc.name} at ${loc.redis}; waiting for jobs`,
  );
  const stopped = new Promise<void>((resolve) => {
    if (o.signal?.aborted) resolve();
    o.signal?.addEventListener('abort', () => resolve(), { once: true });
  });
  const running = worker.run();
  await stopped;
  o.onInfo?.('closing: no new jobs are taken; running jobs are cancelled and go back to the queue');
  await worker.close(true);
  await running.catch(() => undefined);
  await pool.close();
  return summary;
}
