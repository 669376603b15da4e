/**
 * Running the jobs of a study on an executor (executor.ts), resumably: each finished job's result
 * document is written to `<dir>/jobs/<job id>.json` as soon as it arrives, and a rerun with the same
 * directory reuses every result file whose job is identical (same id and same job) instead of
 * running it again. All jobs are submitted at once; the executor bounds how many run together.
 * A failing job does not stop the others: when all have settled, the study fails with one
 * `JobsFailedError` naming every failed job and its error (the finished ones stay on disk, so a
 * rerun does only the failed ones).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { VibannError } from '../util/errors.ts';
import type { JobExecutor } from './executor.ts';
import type { JobProgress } from './run.ts';
import {
  canonicalJson,
  type JobResultDocument,
  JobResultSchema,
  type JobSpec,
  jobId,
  jobLabel,
} from './spec.ts';

/** The subset of workflows' WorkflowHooks the runner uses (structurally compatible). */
export interface JobHooks {
  onProgress?(e: JobProgress): void;
  onInfo?(message: string): void;
  onWarn?(message: string): void;
  signal?: AbortSignal;
}

export interface RunJobsOptions {
  executor: JobExecutor;
  /** Run directory: result files in `<dir>/jobs/`; finished jobs found there are not rerun. */
  dir?: string;
  hooks?: JobHooks;
  /** Progress stage name (default 'jobs'). */
  stage?: string;
  /** Called as each job's result arrives (or is found on disk), with the job's index. */
  onResult?: (r: JobResultDocument, index: number) => void;
}

/** One or more jobs of a study failed (exit code 1 unless every failure was an input error). */
export class JobsFailedError extends VibannError {
  readonly failures: { id: string; error: Error }[];
  constructor(failures: { id: string; error: Error }[], total: number) {
    const allInput = failures.every(
      (f) => f.error instanceof VibannError && f.error.exitCode === 2,
    );
    super(
      `${failures.length} of ${total} jobs failed:\n${failures.map((f) => `  ${f.id}: ${f.error.message}`).join('\n')}`,
      allInput ? 2 : 1,
    );
    this.name = 'JobsFailedError';
    this.failures = failures;
  }
}

/**
 * Prepare a study's run directory: one that holds job results (`jobs/`, from an earlier or
 * interrupted run of a study) is kept for resuming — everything but `jobs/` (and the entries named
 * in `keep`, e.g. model directories the jobs wrote) is removed, since the study rewrites it; any other location goes through `claimOutputDir` (absent, empty or a vibann
 * run; else an InputError unless `force`).
 */
export async function prepareStudyDir(
  dir: string,
  o: { force?: boolean; keep?: readonly string[] } = {},
): Promise<void> {
  const { readdirSync, statSync } = await import('node:fs');
  const { rm } = await import('node:fs/promises');
  const jobs = join(dir, 'jobs');
  const resumable =
    existsSync(jobs) &&
    statSync(jobs).isDirectory() &&
    readdirSync(jobs).every((f) => f.endsWith('.json') || f.startsWith('.'));
  if (resumable) {
    for (const e of readdirSync(dir))
      if (e !== 'jobs' && !o.keep?.includes(e))
        await rm(join(dir, e), { recursive: true, force: true });
    return;
  }
  const { claimOutputDir } = await import('../util/fs.ts');
  await claimOutputDir(dir, { force: o.force, kind: 'run' });
}

/**
 * The backend the jobs ran on, for a run manifest (`backend`, `versions.tfjs`): the workers' one,
 * or every distinct one joined by ' + ' when they differ.
 */
export function jobsBackend(
  results: readonly JobResultDocument[],
): { backend: string; tfjs: string } | undefined {
  if (results.length === 0) return undefined;
  const label = (r: JobResultDocument) => `${r.backend.backend}${r.backend.simd ? ' (SIMD)' : ''}`;
  return {
    backend: [...new Set(results.map(label))].join(' + '),
    tfjs: [...new Set(results.map((r) => r.backend.tfjsVersion))].join(' + '),
  };
}

/** The result file of a job in a run directory. */
export function resultFile(dir: string, job: JobSpec): string {
  return join(dir, 'jobs', `${jobId(job)}.json`);
}

/** A finished result of `job` in `dir`, or null (missing, unreadable or for another job). */
export function readResult(dir: string, job: JobSpec): JobResultDocument | null {
  const file = resultFile(dir, job);
  if (!existsSync(file)) return null;
  try {
    const v = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    if (!JobResultSchema.safeParse(v).success) return null;
    const doc = v as JobResultDocument;
    if (doc.id !== jobId(job) || canonicalJson(doc.job) !== canonicalJson(job)) return null;
    return doc;
  } catch {
    return null;
  }
}

/** Run `jobs` (see the module comment); the results in the order of `jobs`. */
export async function runJobs(
  jobs: readonly JobSpec[],
  o: RunJobsOptions,
): Promise<JobResultDocument[]> {
  const hooks = o.hooks ?? {};
  const stage = o.stage ?? 'jobs';
  const out: (JobResultDocument | undefined)[] = new Array(jobs.length);
  const failures: { id: string; error: Error }[] = [];
  let done = 0;
  let running = 0;
  let last = '';
  const report = () =>
    hooks.onProgress?.({
      stage,
      done,
      total: jobs.length,
      status: `${running} running on ${o.executor.description}${failures.length ? `, ${failures.length} failed` : ''}${last ? `; ${last}` : ''}`,
    });
  const { writeJsonAtomic } = await import('../util/fs.ts');
  const todo: number[] = [];
  jobs.forEach((job, i) => {
    const found = o.dir ? readResult(o.dir, job) : null;
    if (found) {
      out[i] = found;
      done++;
      o.onResult?.(found, i);
    } else todo.push(i);
  });
  if (done > 0)
    hooks.onInfo?.(`${done} of ${jobs.length} jobs already finished in ${o.dir}/jobs (reused)`);
  report();
  await Promise.all(
    todo.map(async (i) => {
      const job = jobs[i];
      const label = jobLabel(job);
      try {
        running++;
        const r = await o.executor.submit(job, {
          signal: hooks.signal,
          onProgress: (p) => {
            last = `${label}: ${p.done}/${p.total}${p.status ? ` (${p.status})` : ''}`;
            report();
          },
        });
        if (o.dir) await writeJsonAtomic(resultFile(o.dir, job), r);
        out[i] = r;
        o.onResult?.(r, i);
      } catch (e) {
        const error = e instanceof Error ? e : new Error(String(e));
        failures.push({ id: jobId(job), error });
        hooks.onWarn?.(`job ${jobId(job)} failed: ${error.message}`);
      } finally {
        running--;
        done++;
        report();
      }
    }),
  );
  if (hooks.signal?.aborted) {
    const e = new VibannError('the study was cancelled');
    e.name = 'CancelledError';
    throw e;
  }
  if (failures.length > 0) throw new JobsFailedError(failures, jobs.length);
  return out as JobResultDocument[];
}
