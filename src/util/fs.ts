/**
 * File writes that never leave a half-written file behind: write to a temporary sibling,
 * fsync, then rename over the target (rename is atomic on POSIX file systems).
 */
import { createHash, randomBytes } from 'node:crypto';
import { promises as fsp, readFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { InputError } from './errors.ts';

function tempSibling(path: string): string {
  return join(
    dirname(path),
    `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`,
  );
}

/** `.NAME.PID.HEX.tmp` or `.NAME.PID.HEX.tmp.old`: a temporary of ours; `name` and `pid` of it. */
const TEMP_NAME = /^\.(.+)\.(\d+)\.[0-9a-f]{8}\.tmp(\.old)?$/;

function parseTemp(name: string): { target: string; pid: number } | undefined {
  const m = TEMP_NAME.exec(name);
  return m ? { target: m[1], pid: Number(m[2]) } : undefined;
}

/** Is process `pid` alive (on this machine)? EPERM means it exists but is not ours. */
export function pidAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Remove the temporaries an interrupted save of `path` left beside it (`.NAME.PID.HEX.tmp` and
 * `….tmp.old`, files or directories) whose process is no longer alive. A temporary of a running
 * process (another save in progress) is left alone.
 */
export async function cleanStaleTemps(path: string): Promise<string[]> {
  const dir = dirname(path);
  const name = basename(path);
  let entries: string[];
  try {
    entries = await fsp.readdir(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const e of entries) {
    const t = parseTemp(e);
    if (!t || t.target !== name || pidAlive(t.pid)) continue;
    await fsp.rm(join(dir, e), { recursive: true, force: true });
    removed.push(e);
  }
  return removed;
}

/** What an output location holds now. */
export type OutputDirState = 'absent' | 'empty' | 'model' | 'run' | 'file' | 'foreign';

/** The `manifest.json` of a directory says it is one of ours: a model or a run. */
function ourManifest(dir: string): 'model' | 'run' | undefined {
  try {
    const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    if (m?.format === 'vibann-model') return 'model';
    if (typeof m?.schema === 'string' && m.schema.startsWith('vibann-run/')) return 'run';
  } catch {
    // no manifest, or not JSON: not ours
  }
  return undefined;
}

/** Inspect `path` as an output directory (our own temporaries inside do not count). */
export async function inspectOutputDir(path: string): Promise<OutputDirState> {
  let st: Awaited<ReturnType<typeof fsp.lstat>>;
  try {
    st = await fsp.lstat(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 'absent';
    throw e;
  }
  if (!st.isDirectory()) return 'file';
  const entries = (await fsp.readdir(path)).filter((e) => !parseTemp(e));
  if (entries.length === 0) return 'empty';
  return ourManifest(path) ?? 'foreign';
}

/** Directories this process may replace although they are not ours (claimed with `force`). */
const forced = new Set<string>();

/** Refuse an output directory that is, or contains, the working directory. */
function checkNotCwd(abs: string, given: string): void {
  const rel = relative(abs, process.cwd());
  if (rel === '' || (rel.split(sep)[0] !== '..' && !isAbsolute(rel)))
    throw new InputError(
      `'${given}' is the working directory (or contains it) and cannot be replaced; give a new or empty directory such as '${join(given, 'out')}'`,
    );
}

export interface ClaimOptions {
  /** Replace whatever the location holds (files of other programs too). */
  force?: boolean;
  /**
   * 'run': the directory is filled file by file, so what a previous run (or, with `force`, anyone)
   * left there is removed now; 'model': it is replaced as a whole later by `replaceDirAtomic`.
   */
  kind: 'run' | 'model';
  /** Entries of the directory to keep when it is cleared (names relative to it, or absolute paths). */
  keep?: readonly string[];
}

/**
 * Check that a command may write its results to `dir` before any work is done: the location must
 * be absent, an empty directory, or a model/run directory of ours (recognised by its
 * manifest.json); anything else (a regular file, a folder with other files, the working
 * directory) is an `InputError` (exit 2) naming the path, unless `force`. The one rule for every
 * command that writes a model or run directory.
 */
export async function claimOutputDir(dir: string, o: ClaimOptions): Promise<OutputDirState> {
  const abs = resolve(dir);
  checkNotCwd(abs, dir);
  const state = await inspectOutputDir(abs);
  if ((state === 'file' || state === 'foreign') && !o.force) {
    const what =
      state === 'file'
        ? 'is a file, not a directory'
        : 'holds files that are not a vibann model or run (no vibann manifest.json)';
    throw new InputError(
      `--out '${dir}' ${what}; refusing to replace it. Give a new or empty directory, or add --force to replace it`,
    );
  }
  if (state === 'file' || state === 'foreign') forced.add(abs);
  await cleanStaleTemps(abs);
  if (o.kind === 'run') {
    if (state === 'file') await fsp.rm(abs, { force: true });
    else if (state !== 'absent' && state !== 'empty') {
      const keep = new Set((o.keep ?? []).map((k) => resolve(abs, k)));
      for (const e of await fsp.readdir(abs)) {
        if (keep.has(join(abs, e))) continue;
        await fsp.rm(join(abs, e), { recursive: true, force: true });
      }
    }
    await fsp.mkdir(abs, { recursive: true });
  }
  return state;
}

/** Atomically replace `path` with `data` (creating parent folders). */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  await fsp.mkdir(dirname(path), { recursive: true });
  await cleanStaleTemps(path);
  const tmp = tempSibling(path);
  const fh = await fsp.open(tmp, 'w');
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await fsp.rename(tmp, path);
  } catch (e) {
    await fsp.rm(tmp, { force: true });
    throw e;
  }
}

/** Atomically write pretty-printed JSON. */
export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
}

/**
 * Atomically replace a whole directory: `fill` writes into a fresh temporary sibling directory;
 * only when it succeeds is the old directory swapped out and removed. A failure inside `fill`
 * leaves the previous directory untouched.
 */
export async function replaceDirAtomic(
  target: string,
  fill: (tmpDir: string) => Promise<void>,
): Promise<void> {
  const dir = resolve(target);
  checkNotCwd(dir, target);
  const state = await inspectOutputDir(dir);
  if ((state === 'file' || state === 'foreign') && !forced.has(dir))
    throw new InputError(
      `'${target}' ${state === 'file' ? 'is a file' : 'holds files that are not a vibann model or run'}; refusing to replace it (claim it with --force)`,
    );
  await cleanStaleTemps(dir);
  const parent = dirname(dir);
  await fsp.mkdir(parent, { recursive: true });
  const tmp = tempSibling(dir);
  await fsp.mkdir(tmp);
  try {
    await fill(tmp);
  } catch (e) {
    await fsp.rm(tmp, { recursive: true, force: true });
    throw e;
  }
  const old = `${tmp}.old`;
  let hadOld = false;
  try {
    await fsp.rename(dir, old);
    hadOld = true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  try {
    await fsp.rename(tmp, dir);
  } catch (e) {
    if (hadOld) await fsp.rename(old, dir);
    throw e;
  }
  if (hadOld) await fsp.rm(old, { recursive: true, force: true });
}

/** SHA-256 of a file's bytes, hex. */
export function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** SHA-256 of bytes or a string, hex. */
export function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** A file written piece by piece that appears at its path only when complete (`commit`). */
export interface AtomicWriteStream {
  /** Append; resolves when the data is accepted (waits for the disk when the buffer is full). */
  write(chunk: string): Promise<void>;
  /** Flush, fsync and rename over the target. */
  commit(): Promise<void>;
  /** Discard the temporary file (the target is untouched). */
  abort(): Promise<void>;
}

/** Stream into a temporary sibling of `path`; `commit` renames it over `path` (see writeFileAtomic). */
export async function createAtomicWriteStream(path: string): Promise<AtomicWriteStream> {
  await fsp.mkdir(dirname(path), { recursive: true });
  await cleanStaleTemps(path);
  const tmp = tempSibling(path);
  const fh = await fsp.open(tmp, 'w');
  let closed = false;
  const close = async () => {
    if (!closed) {
      closed = true;
      await fh.close();
    }
  };
  return {
    async write(chunk: string) {
      await fh.write(chunk);
    },
    async commit() {
      await fh.sync();
      await close();
      await fsp.rename(tmp, path);
    },
    async abort() {
      await close();
      await fsp.rm(tmp, { force: true });
    },
  };
}
