/**
 * `vibann worker --queue redis://HOST:PORT` — serve a job queue (src/jobs/queue.ts): take the jobs
 * that study commands started with `--queue URL` enqueue, run them on this machine's worker
 * threads, and send back the results. Runs until SIGINT/SIGTERM; running jobs then go back to the
 * queue for another worker. See docs/scaling.md.
 */
import type { Command } from 'commander';
import { DEFAULT_STALLED_INTERVAL_S, runQueueWorker } from '../../jobs/queue.ts';
import { info, printJson, warn } from '../io.ts';
import { intOption } from '../options.ts';

interface WorkerOpts {
  queue: string;
  workers?: number;
  stalledInterval: number;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command('worker')
    .description('run jobs from a Redis job queue (studies started elsewhere with --queue URL)')
    .requiredOption('--queue <url>', 'the Redis queue: redis://HOST:PORT[/DB][?queue=NAME]')
    .option(
      '--workers <n>',
      'jobs at once on this machine, one worker thread each (default: one per core)',
      intOption('--workers', 1),
    )
    .option(
      '--stalled-interval <s>',
      "seconds after which a lost worker's job goes back to the queue (lock duration)",
      intOption('--stalled-interval', 1),
      DEFAULT_STALLED_INTERVAL_S,
    )
    .option('--json', 'print a JSON summary (jobs completed and failed) when stopped')
    .action(async (o: WorkerOpts) => {
      const ac = new AbortController();
      const stop = () => ac.abort();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      try {
        const summary = await runQueueWorker(o.queue, {
          workers: o.workers,
          stalledIntervalS: o.stalledInterval,
          signal: ac.signal,
          onInfo: info,
          onWarn: warn,
        });
        if (o.json) printJson(summary);
        else info(`stopped: ${summary.completed} jobs completed, ${summary.failed} failed`);
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
      }
    });
}
