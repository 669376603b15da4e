/**
 * A private redis-server for the queue tests: started on 127.0.0.1 at a random free high port (no
 * persistence), stopped by the test. A missing redis-server binary fails the test with a message
 * saying what to install — the queue tests never skip.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';

export interface RedisServer {
  url: string;
  port: number;
  stop(): Promise<void>;
}

function binary(): string {
  const r = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    throw new Error(
      "redis-server is not installed or not on PATH: the job-queue tests need it (Debian/Ubuntu: 'apt-get install redis-server')",
    );
  }
  return 'redis-server';
}

function startOn(port: number): Promise<ChildProcess | null> {
  const p = spawn(
    binary(),
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return new Promise((resolve) => {
    let log = '';
    const done = (v: ChildProcess | null) => {
      clearTimeout(timer);
      p.stdout?.removeAllListeners('data');
      resolve(v);
    };
    const timer = setTimeout(() => {
      p.kill('SIGKILL');
      done(null);
    }, 10_000);
    p.stdout?.on('data', (d: Buffer) => {
      log += d.toString();
      if (/Ready to accept connections/.test(log)) done(p);
      else if (/Address already in use|Could not create server TCP/.test(log)) {
        p.kill('SIGKILL');
        done(null);
      }
    });
    p.on('exit', () => done(null));
  });
}

/** Start redis-server on a random port in 20000–59999 (retrying a port in use up to 8 times). */
export async function startRedis(): Promise<RedisServer> {
  for (let attempt = 0; attempt < 8; attempt++) {
    const port = 20000 + Math.floor(Math.random() * 40000);
    const p = await startOn(port);
    if (!p) continue;
    return {
      port,
      url: `redis://127.0.0.1:${port}`,
      stop: () =>
        new Promise<void>((resolve) => {
          if (p.exitCode !== null) return resolve();
          p.once('exit', () => resolve());
          p.kill('SIGTERM');
        }),
    };
  }
  throw new Error('could not start redis-server on a free port of 127.0.0.1 (8 attempts)');
}
