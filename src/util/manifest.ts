/**
 * The run manifest (SPEC §14): every results directory has a `manifest.json` recording what was
 * run and how to reproduce it — command, options, seeds, data checksum, versions, backend, timings.
 */
import { platform, release } from 'node:os';
import { join } from 'node:path';
import { VERSION } from '../version.ts';
import { writeJsonAtomic } from './fs.ts';
import { recordedBackend } from './runtime.ts';

export interface DataRecord {
  /** Dataset file. */
  path: string;
  sha256: string;
  rows: number;
  /** The split used (kind and description). */
  split?: {
    kind: string;
    description: string;
    sizes: { train_fit: number; calibration: number; test: number };
  };
}

export interface RunManifest {
  schema: 'vibann-run/1';
  command: string;
  /** The full argument list as typed. */
  argv: string[];
  options: Record<string, unknown>;
  seeds: Record<string, number | string>;
  data?: DataRecord;
  /** The model directory a run used, with its own recorded checksum. */
  model?: { dir: string; created?: string; data_sha256?: string };
  versions: { vibann: string; node: string; tfjs?: string; platform: string };
  /** Numerical backend ('wasm' or 'cpu'); results are reproducible within a backend. */
  backend?: string;
  /** Wall-clock seconds per stage. */
  timings: Record<string, number>;
  started: string;
  finished?: string;
}

/** What a run records about its dataset and split. */
export function dataRecord(
  ds: { source: string; sha256: string; nRows: number },
  split?: {
    kind: string;
    description: string;
    trainFit: readonly unknown[];
    calibration: readonly unknown[];
    test: readonly unknown[];
  },
): DataRecord {
  return {
    path: ds.source,
    sha256: ds.sha256,
    rows: ds.nRows,
    split: split
      ? {
          kind: split.kind,
          description: split.description,
          sizes: {
            train_fit: split.trainFit.length,
            calibration: split.calibration.length,
            test: split.test.length,
          },
        }
      : undefined,
  };
}

/** What a run records about the model it used. */
export function modelRecord(
  dir: string,
  meta: { created: string; data: { sha256: string } },
): NonNullable<RunManifest['model']> {
  return { dir, created: meta.created, data_sha256: meta.data.sha256 };
}

export function newManifest(
  command: string,
  argv: string[],
  options: Record<string, unknown>,
  seeds: Record<string, number | string>,
): RunManifest {
  return {
    schema: 'vibann-run/1',
    command,
    argv,
    options,
    seeds,
    versions: { vibann: VERSION, node: process.version, platform: `${platform()} ${release()}` },
    timings: {},
    started: new Date().toISOString(),
  };
}

/** Time a stage and record it in the manifest's timings (seconds). */
export async function timed<T>(
  m: RunManifest,
  stage: string,
  fn: () => Promise<T> | T,
): Promise<T> {
  const t0 = performance.now();
  try {
    return await fn();
  } finally {
    m.timings[stage] = (m.timings[stage] ?? 0) + (performance.now() - t0) / 1000;
  }
}

/** Write the manifest, with the finish time and the backend the run used (if it used the network). */
export async function writeManifest(dir: string, m: RunManifest): Promise<void> {
  m.finished = new Date().toISOString();
  const b = recordedBackend();
  if (b && m.backend === undefined) {
    m.backend = `${b.backend}${b.simd ? ' (SIMD)' : ''}`;
    m.versions.tfjs = b.tfjsVersion;
  }
  await writeJsonAtomic(join(dir, 'manifest.json'), m);
}
