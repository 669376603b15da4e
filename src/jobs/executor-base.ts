/** The executor interface (executor.ts, queue.ts) and what its implementations share. */
import { VibannError } from '../util/errors.ts';
import type { TaskOptions } from './pool.ts';
import type { JobProgress } from './run.ts';
import { type JobResultDocument, JobResultSchema, type JobSpec, jobId } from './spec.ts';

export interface JobExecutor {
  /** What it is, for messages: 'this process', '2 worker threads', 'queue redis://…'. */
  readonly description: string;
  /** Jobs that run at once (the tune search keeps this many trials in flight). */
  readonly concurrency: number;
  submit(job: JobSpec, o?: TaskOptions<JobProgress>): Promise<JobResultDocument>;
  /** Release threads or connections. */
  close(): Promise<void>;
}

/** Check a result document that came back from a thread or the queue, and that it is `job`'s. */
export function checkResult(job: JobSpec, value: unknown, where: string): JobResultDocument {
  const r = JobResultSchema.safeParse(value);
  if (!r.success)
    throw new VibannError(`${where}: the worker sent back something that is not a job result`);
  const doc = value as JobResultDocument;
  if (doc.id !== jobId(job))
    throw new VibannError(`${where}: result of job ${doc.id} received for job ${jobId(job)}`);
  return doc;
}

/** The job handler module of the local pool (handler.ts, or handler.js in dist/). */
export function jobHandlerUrl(): URL {
  return new URL(`./handler.${import.meta.url.endsWith('.ts') ? 'ts' : 'js'}`, import.meta.url);
}
