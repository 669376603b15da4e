/**
 * The run manifest (SPEC §14): every results directory has a `manifest.json` recording what was
 * run and how to reproduce it — command, options, seeds, data checksum, versions, backend, timings.
 */
import { promises as fsp } from 'node:fs';
import { platform, release } from 'node:os';
import { join, relative, sep } from 'node:path';
import { VERSION } from '../version.ts';
import { sha256, writeJsonAtomic } from './fs.ts';
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
  /**
   * false while the run is being written; true once every result is written (the manifest is then
   * rewritten last, by `completeRun`). Absent in manifests of older versions.
   */
  complete?: boolean;
  /** Every file the run wrote (paths relative to the run directory), with size and SHA-256. */
  files?: WrittenFile[];
}

/** A file a run wrote, as recorded in its manifest. */
export interface WrittenFile {
  /** Path relative to the run directory, '/'-separated. */
  path: string;
  bytes: number;
  sha256: string;
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

/**
 * Write the manifest, with the backend the run used (if it used the network). Until `completeRun`
 * the run is marked incomplete (`complete: false`): a run interrupted after this point is
 * recognisable as such (report warns).
 */
export async function writeManifest(dir: string, m: RunManifest): Promise<void> {
  m.finished = new Date().toISOString();
  const b = recordedBackend();
  if (b && m.backend === undefined) {
    m.backend = `${b.backend}${b.simd ? ' (SIMD)' : ''}`;
    m.versions.tfjs = b.tfjsVersion;
  }
  // `complete` (and `files`) describe manifest.json on disk only: the caller's object, which
  // results documents embed and commands print, is not marked, so a results file and the JSON a
  // command printed stay identical.
  await writeJsonAtomic(join(dir, 'manifest.json'), { ...m, complete: m.complete === true });
}

/** Every regular file under `dir` except the manifest (and hidden temporaries), with its hash. */
export async function listWrittenFiles(dir: string): Promise<WrittenFile[]> {
  const out: WrittenFile[] = [];
  const walk = async (d: string): Promise<void> => {
    const entries = await fsp.readdir(d, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile()) {
        const rel = relative(dir, p).split(sep).join('/');
        if (rel === 'manifest.json') continue;
        const bytes = await fsp.readFile(p);
        out.push({ path: rel, bytes: bytes.byteLength, sha256: sha256(bytes) });
      }
    }
  };
  await walk(dir);
  return out;
}

/**
 * Mark a run complete: record every file it wrote (name, size, SHA-256; the report inlines only
 * these figures) and rewrite the manifest last, with `complete: true` and the finish time. Call it
 * after the run's last file is written.
 */
export async function completeRun(dir: string, m: RunManifest): Promise<void> {
  await writeManifest(dir, { ...m, files: await listWrittenFiles(dir), complete: true });
}
