/**
 * Quick models shared by the test files of one run (issue 10: the unit suite's time went mostly into
 * every file training its own `--quick` model). `cachedModel(args)` trains `vibann train <args>
 * --out DIR` once and hands every later caller — in this process or another test file's process —
 * the same directory, which callers must treat as read-only (write runs elsewhere).
 *
 * The cache key is the SHA-256 of the train arguments, every source file under src/, the dataset
 * and package-lock.json, so a change to the code or the data trains afresh and a stale model is never
 * used. The first process to need a model takes a lock (an exclusive `mkdir`), trains into a
 * temporary directory and renames it into place; the others wait for it. A lock left by a process
 * that died is taken over. Training is seeded, so a cached model is the model the test would have
 * trained itself.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join, relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SOURCE_ENTRY } from './cli.ts';
import { REPO_ROOT, sharedData } from './paths.ts';

/** Where cached models live: inside node_modules, so git and the package never see them. */
export const CACHE_ROOT =
  process.env.VIBANN_TEST_CACHE ?? join(REPO_ROOT, 'node_modules', '.cache', 'vibann-test');

/** Every file below `dir`, sorted (the order the hash reads them in). */
function filesUnder(dir: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[])
    .map((f) => join(dir, f))
    .filter((f) => statSync(f).isFile())
    .sort();
}

let sourceHash: string | undefined;
/** SHA-256 over src/**, the dataset and the lock file (computed once per process). */
function codeAndDataHash(): string {
  if (sourceHash !== undefined) return sourceHash;
  const h = createHash('sha256');
  const files = [
    ...filesUnder(join(REPO_ROOT, 'src')),
    sharedData('H_v_dataset.csv'),
    join(REPO_ROOT, 'package-lock.json'),
  ];
  for (const f of files) {
    h.update(relative(REPO_ROOT, f));
    h.update('\0');
    h.update(readFileSync(f));
    h.update('\0');
  }
  sourceHash = h.digest('hex');
  return sourceHash;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const inProcess = new Map<string, Promise<string>>();

/**
 * The directory of a model trained by `vibann train ...args` (without `--out`), trained at most once
 * per code/data version. Training runs in a child process, so a test file's own event loop and
 * tfjs state are untouched by it.
 */
export function cachedModel(args: readonly string[]): Promise<string> {
  if (args.includes('--out'))
    throw new Error('cachedModel: pass the train arguments without --out');
  const key = createHash('sha256')
    .update(JSON.stringify(args))
    .update(codeAndDataHash())
    .digest('hex')
    .slice(0, 24);
  let p = inProcess.get(key);
  if (p === undefined) {
    p = build(key, args);
    inProcess.set(key, p);
  }
  return p;
}

async function build(key: string, args: readonly string[]): Promise<string> {
  mkdirSync(CACHE_ROOT, { recursive: true });
  const dir = join(CACHE_ROOT, key);
  const done = join(dir, '.complete');
  const lock = join(CACHE_ROOT, `${key}.lock`);
  const deadline = Date.now() + 600_000;
  for (;;) {
    if (existsSync(done)) return dir;
    try {
      mkdirSync(lock);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      // someone else is training it: wait, or take over a lock whose owner died
      let owner = Number.NaN;
      try {
        owner = Number(readFileSync(join(lock, 'pid'), 'utf8'));
      } catch {
        // the owner has not written its pid yet: give it a moment (or it died right away)
        const st = statSync(lock, { throwIfNoEntry: false });
        if (st === undefined) continue; // released meanwhile
        if (Date.now() - st.mtimeMs < 10_000) owner = -1;
      }
      if (owner !== -1 && (!Number.isFinite(owner) || !pidAlive(owner))) {
        rmSync(lock, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`cachedModel: timed out waiting for ${lock}`);
      await sleep(250);
      continue;
    }
    try {
      writeFileSync(join(lock, 'pid'), String(process.pid));
      if (existsSync(done)) return dir;
      const tmp = join(CACHE_ROOT, `${key}.${process.pid}.tmp`);
      rmSync(tmp, { recursive: true, force: true });
      rmSync(dir, { recursive: true, force: true });
      const r = spawnSync(
        process.execPath,
        ['--import', 'tsx', SOURCE_ENTRY, 'train', ...args, '--out', tmp],
        { cwd: REPO_ROOT, env: { ...process.env, NO_COLOR: '1' }, encoding: 'utf8' },
      );
      if (r.status !== 0) {
        rmSync(tmp, { recursive: true, force: true });
        throw new Error(
          `cachedModel: vibann train ${args.join(' ')} failed (${r.status}):\n${r.stderr}`,
        );
      }
      writeFileSync(join(tmp, '.complete'), '');
      renameSync(tmp, dir);
      return dir;
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  }
}

/** `train --quick` (5 epochs): enough for mechanics (progress, files, cancellation). */
export const quickModel = () => cachedModel(['--quick']);
/**
 * `train --quick --epochs 20 --patience 20`: a 5-epoch decoder is nearly uniform (every decoded
 * alloy keeps > 30 elements above 1 at.%, so no design candidate reaches the gates); at 20 epochs
 * a quick design screens a few dozen distinct alloys.
 */
export const quick20Model = () => cachedModel(['--quick', '--epochs', '20', '--patience', '20']);
