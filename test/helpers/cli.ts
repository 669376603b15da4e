/**
 * Run the `vibann` CLI and capture its output and exit code: `runCli` in a child process (the
 * sources through tsx, as the command runs for a user), `runCliInProcess` by calling the CLI's
 * `main(argv)` in this process (no Node start-up, no re-import of tfjs: use it wherever a separate
 * process adds nothing). The installed binary itself is tested in test/package/installed.test.ts.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from './paths.ts';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** Working directory (default: the repository root). */
  cwd?: string;
  /** Variables added to the environment (NO_COLOR=1 is always set); `undefined` removes one. */
  env?: NodeJS.ProcessEnv;
}

/** The CLI entry that runs the sources (bin/vibann.js runs the compiled dist/). */
export const SOURCE_ENTRY = join(REPO_ROOT, 'test', 'helpers', 'vibann-src.ts');

/** Run `vibann args…` in a child process. */
export function runCli(args: string[], opts: CliOptions = {}): CliResult {
  const r = spawnSync(process.execPath, ['--import', 'tsx', SOURCE_ENTRY, ...args], {
    cwd: opts.cwd ?? REPO_ROOT,
    env: { ...process.env, NO_COLOR: '1', ...opts.env },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

interface Capture {
  stdout: string[];
  stderr: string[];
}

/**
 * Output written inside a `runCliInProcess` call goes to its capture; everything else (the test
 * runner's own reports on stdout, other tests) goes through untouched. The async context tells
 * them apart, so a progress timer started by the command is captured too.
 */
const capture = new AsyncLocalStorage<Capture>();
type Write = typeof process.stdout.write;
let patched = false;

function patchStreams(): void {
  if (patched) return;
  patched = true;
  for (const [stream, key] of [
    [process.stdout, 'stdout'],
    [process.stderr, 'stderr'],
  ] as const) {
    const original = stream.write.bind(stream) as Write;
    stream.write = ((chunk: unknown, ...rest: unknown[]): boolean => {
      const c = capture.getStore();
      if (c === undefined) return (original as (...a: unknown[]) => boolean)(chunk, ...rest);
      c[key].push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString());
      const cb = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
      if (cb) queueMicrotask(cb);
      return true;
    }) as Write;
  }
}

/** One in-process run at a time: cwd, environment and exit code are process-wide. */
let queue: Promise<unknown> = Promise.resolve();

/**
 * Run `vibann args…` by calling `main(argv)` in this process, with the working directory and
 * environment of `opts` set for the duration of the call (and restored after it). Calls are
 * serialised. The exit code is main's return value; `process.exitCode` is left as it was.
 */
export function runCliInProcess(args: string[], opts: CliOptions = {}): Promise<CliResult> {
  const run = queue.then(() => inProcess(args, opts));
  queue = run.catch(() => undefined);
  return run;
}

async function inProcess(args: string[], opts: CliOptions): Promise<CliResult> {
  patchStreams();
  const { main } = await import('../../src/cli/main.ts');
  const env: NodeJS.ProcessEnv = { NO_COLOR: '1', ...opts.env };
  const savedEnv = new Map(Object.keys(env).map((k) => [k, process.env[k]] as const));
  const savedCwd = process.cwd();
  const savedExitCode = process.exitCode;
  const c: Capture = { stdout: [], stderr: [] };
  setEnv(env);
  process.chdir(opts.cwd ?? REPO_ROOT);
  process.exitCode = undefined;
  try {
    const code = await capture.run(c, () => main(args));
    return { code, stdout: c.stdout.join(''), stderr: c.stderr.join('') };
  } finally {
    process.exitCode = savedExitCode;
    process.chdir(savedCwd);
    setEnv(Object.fromEntries(savedEnv));
  }
}

function setEnv(env: NodeJS.ProcessEnv): void {
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
}
