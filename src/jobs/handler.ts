/** The job handler of the local pool's worker threads: `handle(job, ctx)` = `runJob` (run.ts). */
export { runJob as handle } from './run.ts';
