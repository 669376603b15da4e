/**
 * Printing the training studies of `vibann evaluate --seeds-report N | --ablations |
 * --learning-curve` (SPEC §7); the work is `runStudies` (src/workflows/studies.ts).
 */
import type { Command } from 'commander';
import type { StudyMetrics } from '../../eval/studies.ts';
import { runStudies } from '../../workflows/studies.ts';
import { duration } from '../duration.ts';
import { cliHooks } from '../hooks.ts';
import { formatTable, info, out, printJson } from '../io.ts';
import { intOption } from '../options.ts';

/** Where a multi-job command runs its jobs (docs/scaling.md). */
export interface ParallelCliOptions {
  workers?: number;
  queue?: string;
  jobTimeout?: number;
}

/** Add --workers, --queue and --job-timeout to a command that runs jobs (src/jobs). */
export function parallelOptions(cmd: Command): Command {
  return cmd
    .option(
      '--workers <n>',
      'jobs: worker threads on this machine (default: one per core; 0 = in this process)',
      intOption('--workers', 0),
    )
    .option(
      '--queue <url>',
      'jobs: send them to vibann worker processes via Redis (redis://HOST:PORT)',
    )
    .option(
      '--job-timeout <s>',
      'jobs on a queue: fail a job running longer (default 21600 s)',
      intOption('--job-timeout', 1),
    );
}

export interface StudyCliOptions extends ParallelCliOptions {
  data?: string;
  split?: string;
  preset: string;
  seed: number;
  quick?: boolean;
  mc?: number;
  out?: string;
  force?: boolean;
  json?: boolean;
  seedsReport?: number;
  ablations?: boolean;
  learningCurve?: boolean;
}

const cols = (m: StudyMetrics) => [
  m.r2.toFixed(3),
  m.mae.toFixed(1),
  m.rmse.toFixed(1),
  m.coverage_1sigma.toFixed(3),
  m.mace.toFixed(3),
  m.coverage_1sigma_top10.toFixed(3),
  m.mean_signed_error_top10.toFixed(1),
];
const HEAD = ['R²', 'MAE', 'RMSE', '±1σ cov', 'MACE', 'cov top 10 %', 'signed err top 10 %'];

export async function studies(o: StudyCliOptions): Promise<void> {
  const {
    document: doc,
    runDir,
    manifest,
  } = await runStudies(
    {
      data: o.data,
      split: o.split,
      preset: o.preset,
      seed: o.seed,
      quick: o.quick,
      mc: o.mc,
      seedsReport: o.seedsReport,
      ablations: o.ablations,
      learningCurve: o.learningCurve,
      out: o.out,
      force: o.force,
      workers: o.workers,
      queue: o.queue,
      jobTimeout: o.jobTimeout,
      argv: process.argv.slice(2),
    },
    cliHooks(),
  );
  if (o.json) printJson(doc);
  else {
    const r = doc.seeds_report;
    if (r) {
      out(`Seeds report (${o.preset} preset, ${r.seeds.length} seeds, test set):`);
      const rows = r.seeds.map((x) => [
        String(x.seed),
        ...cols(x.test),
        x.cv_rmse?.toFixed(1) ?? '–',
      ]);
      for (const k of ['mean', 'sd', 'pooled'] as const) rows.push([k, ...cols(r[k]), '']);
      out(formatTable(['seed', ...HEAD, 'CV RMSE'], rows));
    }
    if (doc.ablations) {
      out(`Ablations (${o.preset} preset, seed ${o.seed}, test set):`);
      out(
        formatTable(
          ['variant', ...HEAD, 'CV RMSE', 'train'],
          doc.ablations.map((x) => [
            x.variant,
            ...cols(x.test),
            x.cv_rmse?.toFixed(1) ?? '–',
            duration(x.train_s),
          ]),
        ),
      );
    }
    if (doc.learning_curve) {
      out(`Learning curve (${o.preset} preset, seed ${o.seed}, test set):`);
      out(
        formatTable(
          ['train_fit', 'rows', ...HEAD],
          doc.learning_curve.map((x) => [
            `${Math.round(x.fraction * 100)} %`,
            String(x.train_fit_rows),
            ...cols(x.test),
          ]),
        ),
      );
    }
    const total = duration(manifest.timings.total);
    out(`(HV; ${doc.split.description}; total ${total}; run directory ${runDir})`);
  }
  info('done');
}
