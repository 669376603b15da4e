/**
 * The training studies of `vibann evaluate --seeds-report N | --ablations | --learning-curve`
 * (SPEC §7): `runStudies` (src/workflows/studies.ts), printed by print/studies.ts.
 */
import { runStudies, type StudiesOptions } from '../../workflows/studies.ts';
import { cliHooks } from '../hooks.ts';
import { info, out, printJson } from '../io.ts';
import type { ParallelCliOptions } from '../options.ts';
import { studiesLines } from '../print/studies.ts';

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

export async function studies(o: StudyCliOptions): Promise<void> {
  const { data, split, preset, seed, quick, mc, seedsReport, ablations, learningCurve } = o;
  const options: StudiesOptions = {
    ...{ data, split, preset, seed, quick, mc, seedsReport, ablations, learningCurve },
    ...{ out: o.out, force: o.force, workers: o.workers, queue: o.queue, jobTimeout: o.jobTimeout },
    argv: process.argv.slice(2),
  };
  const { document: doc, runDir, manifest } = await runStudies(options, cliHooks());
  if (o.json) printJson(doc);
  else out(...studiesLines(doc, { preset, seed, runDir, totalS: manifest.timings.total }));
  info('done');
}
