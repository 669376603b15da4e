/**
 * Where jobs run: one interface (`JobExecutor.submit(job, { signal, onProgress })` → the result
 * document) with three implementations — in this process (`workers: 0`), a pool of worker threads
 * on this machine (the default, one per core, pool.ts), or a Redis queue served by `vibann worker`
 * processes on any number of machines (queue.ts). `openExecutor({ workers, queue })` picks one from
 * the command-line options `--workers N` / `--queue URL`.
 */
import { checkResult, type JobExecutor, jobHandlerUrl } from './executor-base.ts';
import { defaultPoolSize, WorkerPool } from './pool.ts';
import { type JobContext, type JobProgress, runJob } from './run.ts';
import type { JobSpec } from './spec.ts';

export { checkResult, type JobExecutor, jobHandlerUrl };

export interface ExecutorOptions {
  /** Worker threads on this machine (default: the number of cores; 0 = in this process). */
  workers?: number;
  /** A Redis URL (redis://HOST:PORT): send the jobs to `vibann worker` processes instead. */
  queue?: string;
  /** Queue only: a job running longer than this fails (s; default 6 h). */
  jobTimeoutS?: number;
}

/** Jobs one after another in this thread (for debugging, and where threads are unwanted). */
export function inProcessExecutor(): JobExecutor {
  let chain: Promise<unknown> = Promise.resolve();
  return {
    description: 'this process',
    concurrency: 1,
    submit(job, o = {}) {
      const run = chain.then(() => runJob(job, o as JobContext));
      chain = run.catch(() => undefined);
      return run;
    },
    close: async () => {},
  };
}

/** Jobs on a pool of `workers` worker threads (default: one per core). */
export function localExecutor(workers = defaultPoolSize()): JobExecutor {
  const pool = new WorkerPool<JobSpec, unknown, JobProgress>({
    handler: jobHandlerUrl(),
    size: workers,
  });
  return {
    description: `${pool.size} worker thread${pool.size === 1 ? '' : 's'}`,
    concurrency: pool.size,
    submit: async (job, o) => checkResult(job, await pool.submit(job, o), 'worker thread'),
    close: () => pool.close(),
  };
}

/** The executor the options ask for (see `ExecutorOptions`). */
export async function openExecutor(o: ExecutorOptions = {}): Promise<JobExecutor> {
  if (o.queue) {
    const { queueExecutor } = await import('./queue.ts');
    return queueExecutor(o.queue, { jobTimeoutS: o.jobTimeoutS });
  }
  if (o.workers === 0) return inProcessExecutor();
  return localExecutor(o.workers);
}
