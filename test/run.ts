/**
 * The test runner behind `npm test` and `npm run test:unit`.
 *
 *   node --import tsx test/run.ts [--unit] [--shards N] [--record] [files…]
 *
 * The files (default: every test/**\/*.test.ts; `--unit` leaves out the end-to-end files listed in
 * E2E below) are dealt into N shards (default: one per core), heaviest first onto the shard with
 * the least work so far (longest-processing-time scheduling), by the per-file wall times recorded
 * in test/durations.json (a file not listed there counts as 1 s). Each shard is one Node process
 * running test/helpers/shard-entry.ts, which imports its files one after another: the files share
 * the process's start-up, TypeScript loading and tfjs initialisation instead of paying them once
 * per file as `node --test` does (one process per file).
 *
 * Live output is node:test's `dot` reporter of every shard; when all shards have ended, the `spec`
 * report of each shard follows (failures with their stack at its end), then one summary line per
 * shard and the slowest files. Exit status 1 if any test failed or any shard did not end normally
 * (crash, signal, or still running after --timeout seconds). One file may run at most
 * FILE_TIMEOUT_MS (test/helpers/shard-entry.ts; then it fails as timed out and the shard goes on). `--record` rewrites
 * test/durations.json from this run's per-file times (do it on a quiet machine).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT } from './helpers/paths.ts';

/** End-to-end files that `--unit` leaves out: packed tarball, LAMMPS/MPI, browser, Redis. */
const E2E = [
  'test/package/installed',
  'test/structure/lammps-e2e',
  'test/structure/md-parallel',
  'test/structure/compare',
  'test/browser/',
  'test/jobs/queue',
  'test/report/injection',
];

const DURATIONS = join(REPO_ROOT, 'test', 'durations.json');

interface Shard {
  files: string[];
  weight: number;
}

export interface ShardOutcome {
  index: number;
  files: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  tests: number;
  pass: number;
  fail: number;
  wallS: number;
  spec: string;
  /** Per-file wall time (s) from the spec report's top-level suites. */
  perFile: Map<string, number>;
  unfinished: string[];
}

/** Every test file under test/, as repository-relative paths with '/' separators, sorted. */
export function listTestFiles(): string[] {
  return (readdirSync(join(REPO_ROOT, 'test'), { recursive: true }) as string[])
    .map((f) => `test/${f.split('\\').join('/')}`)
    .filter((f) => f.endsWith('.test.ts'))
    .sort();
}

/** Longest-processing-time assignment of files to `n` shards by weight (s). */
export function assignShards(files: string[], weights: Record<string, number>, n: number): Shard[] {
  const shards: Shard[] = Array.from({ length: n }, () => ({ files: [], weight: 0 }));
  const w = (f: string) => weights[f] ?? 1;
  const order = [...files].sort((a, b) => w(b) - w(a) || (a < b ? -1 : 1));
  for (const f of order) {
    let best = shards[0];
    for (const s of shards) if (s.weight < best.weight) best = s;
    best.files.push(f);
    best.weight += w(f);
  }
  for (const s of shards) s.files.sort();
  return shards.filter((s) => s.files.length > 0);
}

/** The summary counts and the per-file durations of a node:test `spec` report. */
export function parseSpec(spec: string): {
  tests: number;
  pass: number;
  fail: number;
  perFile: Map<string, number>;
  /** Files whose suite started but did not end (where a killed shard was). */
  unfinished: string[];
} {
  const count = (k: string) => {
    const m = new RegExp(`^ℹ ${k} (\\d+)$`, 'm').exec(spec);
    return m ? Number(m[1]) : 0;
  };
  const perFile = new Map<string, number>();
  for (const m of spec.matchAll(/^[✔✖] (test\/\S+\.test\.ts) \(([\d.]+)ms\)$/gmu))
    perFile.set(m[1], Number(m[2]) / 1000);
  const started = [...spec.matchAll(/^▶ (test\/\S+\.test\.ts)$/gmu)].map((m) => m[1]);
  const unfinished = started.filter((f) => !perFile.has(f));
  return { tests: count('tests'), pass: count('pass'), fail: count('fail'), perFile, unfinished };
}

function runShard(
  index: number,
  files: string[],
  dir: string,
  timeoutS: number,
): Promise<ShardOutcome> {
  const specFile = join(dir, `shard-${index}.spec.txt`);
  const args = [
    '--conditions=vibann-source',
    '--import',
    'tsx',
    '--import',
    './test/setup.ts',
    '--test-reporter=dot',
    '--test-reporter-destination=stdout',
    '--test-reporter=spec',
    `--test-reporter-destination=${specFile}`,
    'test/helpers/shard-entry.ts',
    ...files,
  ];
  const t0 = performance.now();
  return new Promise((done) => {
    const child = spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: 'inherit' });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutS * 1000);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      let spec = '';
      try {
        spec = readFileSync(specFile, 'utf8');
      } catch {
        spec = '(no spec report: the shard ended before writing one)\n';
      }
      const p = parseSpec(spec);
      done({
        index,
        files: files.length,
        code,
        signal,
        timedOut,
        ...p,
        wallS: (performance.now() - t0) / 1000,
        spec,
      });
    });
  });
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    options: {
      unit: { type: 'boolean', default: false },
      shards: { type: 'string' },
      record: { type: 'boolean', default: false },
      timeout: { type: 'string', default: '1200' },
    },
    allowPositionals: true,
  });
  const n = values.shards === undefined ? availableParallelism() : Number(values.shards);
  const timeoutS = Number(values.timeout);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--shards: expected a positive integer`);
  if (!(timeoutS > 0)) throw new Error(`--timeout: expected seconds > 0`);
  let files =
    positionals.length > 0
      ? positionals.map((f) => relative(REPO_ROOT, resolve(f)).split('\\').join('/'))
      : listTestFiles();
  if (values.unit) files = files.filter((f) => !E2E.some((p) => f.startsWith(p)));
  let weights: Record<string, number> = {};
  try {
    weights = JSON.parse(readFileSync(DURATIONS, 'utf8')) as Record<string, number>;
  } catch {
    // no recorded durations: every file weighs 1 s
  }
  const shards = assignShards(files, weights, n);
  const dir = mkdtempSync(join(tmpdir(), 'vibann-test-'));
  process.stdout.write(
    `${files.length} test files in ${shards.length} shard(s): ${shards
      .map((s) => `${s.files.length} files ≈ ${s.weight.toFixed(0)} s`)
      .join(', ')}\n`,
  );
  const t0 = performance.now();
  const outcomes = await Promise.all(shards.map((s, i) => runShard(i, s.files, dir, timeoutS)));
  const wall = (performance.now() - t0) / 1000;
  rmSync(dir, { recursive: true, force: true });

  let ok = true;
  process.stdout.write('\n');
  for (const o of outcomes) process.stdout.write(`\n── shard ${o.index} ──\n${o.spec}`);
  process.stdout.write('\n');
  for (const o of outcomes) {
    const bad = o.code !== 0 || o.fail > 0 || o.tests === 0;
    if (bad) ok = false;
    const why = o.timedOut
      ? `killed after ${timeoutS} s, still in ${o.unfinished.at(-1) ?? 'an unknown file'}`
      : o.signal
        ? `ended by ${o.signal}`
        : o.code !== 0
          ? `exit ${o.code}`
          : 'ok';
    process.stdout.write(
      `shard ${o.index}: ${o.files} files, ${o.tests} tests, ${o.pass} pass, ${o.fail} fail, ${o.wallS.toFixed(1)} s (${why})\n`,
    );
  }
  const perFile = new Map<string, number>();
  for (const o of outcomes) for (const [f, s] of o.perFile) perFile.set(f, s);
  const slow = [...perFile].sort((a, b) => b[1] - a[1]).slice(0, 8);
  process.stdout.write(
    `slowest files: ${slow.map(([f, s]) => `${f.slice(5)} ${s.toFixed(1)} s`).join(', ')}\n`,
  );
  const total = outcomes.reduce((a, o) => a + o.tests, 0);
  const failed = outcomes.reduce((a, o) => a + o.fail, 0);
  process.stdout.write(
    `${ok ? 'PASS' : 'FAIL'}: ${total} tests, ${failed} failed, ${wall.toFixed(1)} s wall\n`,
  );
  if (values.record) {
    const merged: Record<string, number> = { ...weights };
    for (const [f, s] of perFile) merged[f] = Math.round(s * 10) / 10;
    const sorted = Object.fromEntries(Object.entries(merged).sort(([a], [b]) => (a < b ? -1 : 1)));
    writeFileSync(DURATIONS, `${JSON.stringify(sorted, null, 2)}\n`);
    process.stdout.write(`recorded ${perFile.size} file durations in test/durations.json\n`);
  }
  return ok ? 0 : 1;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  process.exitCode = await main();
}
