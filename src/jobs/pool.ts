/**
 * A pool of worker threads (Node `worker_threads`) running tasks of one handler module with bounded
 * concurrency: `submit(input, { signal, onProgress })` → Promise of the output. Generic on purpose:
 * the studies run jobs through it (handler.ts → runJob), and any other heavy work (the web
 * server's) can use the same pool with its own handler module (a module exporting
 * `handle(input, { signal, onProgress })`).
 *
 * - Threads start on demand, up to `size` (default: the number of cores), one task each at a time;
 *   further tasks wait in submission order. Idle threads do not keep the process alive.
 * - Each thread initialises its own tfjs backend (wasm): measured bit-identical results to the main
 *   thread for the same seed (docs/scaling.md), the wasm backend being single-threaded in Node.
 * - Cancellation: an aborted signal removes a waiting task, or asks the thread to stop the running
 *   one (the handler sees its own signal aborted); a thread that has not stopped after
 *   `cancelGraceMs` is terminated and replaced. The request travels twice: as a message, and as a
 *   flag in memory shared with the thread, which the thread reads whenever the handler reports
 *   progress — so a handler that computes synchronously between its progress reports (an MCMC
 *   loop never yields to the thread's event loop, where the message waits) still sees its signal
 *   aborted at its next step instead of being terminated after the grace period.
 * - A thread that dies (uncaught error, out of memory) fails its task with a VibannError and is
 *   replaced by the next task's demand.
 * - Runs from the TypeScript sources (tests, `npm run dev`: the thread registers tsx first) and from
 *   the compiled dist/ (the installed package) alike.
 */
import { cpus } from 'node:os';
import { Worker } from 'node:worker_threads';
import { VibannError } from '../util/errors.ts';
import { deserializeError, type SerializedError } from './errors.ts';

/** Messages from the pool to a thread. */
export type ThreadRequest =
  | { type: 'run'; id: number; input: unknown; cancel: Int32Array }
  | { type: 'cancel'; id: number };

/** Messages from a thread to the pool. */
export type ThreadMessage =
  | { type: 'ready' }
  | { type: 'progress'; id: number; progress: unknown }
  | { type: 'done'; id: number; output: unknown }
  | { type: 'error'; id: number; error: SerializedError };

export interface TaskOptions<P = unknown> {
  /** Abort to cancel the task (waiting or running). */
  signal?: AbortSignal;
  /** Progress messages posted by the handler. */
  onProgress?: (p: P) => void;
}

export interface WorkerPoolOptions {
  /** The handler module (URL): exports `handle(input, { signal, onProgress })`. */
  handler: URL;
  /** Threads at most (default: the number of cores). */
  size?: number;
  /** How long a running task may take to honour a cancel before its thread is terminated, ms. */
  cancelGraceMs?: number;
}

interface Task {
  id: number;
  input: unknown;
  /** Shared with the thread: element 0 becomes 1 when the task is cancelled. */
  cancelFlag: Int32Array;
  o: TaskOptions;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
  slot?: Slot;
  cleanup?: () => void;
}

interface Slot {
  worker: Worker;
  ready: boolean;
  task?: Task;
  dead?: boolean;
  /** Resolved when the thread is ready or dead. */
  started: Promise<void>;
  markStarted: () => void;
}

const FROM_SOURCE = import.meta.url.endsWith('.ts');

/** The number of cores (the default pool size). */
export function defaultPoolSize(): number {
  return Math.max(1, cpus().length);
}

/** A cancelled task (name CancelledError, exit code 1). */
function cancelled(): VibannError {
  const e = new VibannError('the task was cancelled');
  e.name = 'CancelledError';
  return e;
}

export class WorkerPool<I = unknown, O = unknown, P = unknown> {
  readonly size: number;
  private readonly handler: URL;
  private readonly grace: number;
  private readonly slots: Slot[] = [];
  private readonly waiting: Task[] = [];
  private nextId = 1;
  private closed = false;

  constructor(o: WorkerPoolOptions) {
    this.size = Math.max(1, Math.floor(o.size ?? defaultPoolSize()));
    this.handler = o.handler;
    this.grace = o.cancelGraceMs ?? 30_000;
  }

  /** Tasks running and waiting. */
  get load(): { running: number; waiting: number; threads: number } {
    return {
      running: this.slots.filter((s) => s.task).length,
      waiting: this.waiting.length,
      threads: this.slots.length,
    };
  }

  /** Run `input` on a thread; resolves with the handler's output, rejects with its error. */
  submit(input: I, o: TaskOptions<P> = {}): Promise<O> {
    if (this.closed) return Promise.reject(new VibannError('the worker pool is closed'));
    if (o.signal?.aborted) return Promise.reject(cancelled());
    return new Promise<O>((resolve, reject) => {
      const task: Task = {
        id: this.nextId++,
        input,
        cancelFlag: new Int32Array(new SharedArrayBuffer(4)),
        o: o as TaskOptions,
        resolve: resolve as (v: unknown) => void,
        reject,
      };
      if (o.signal) {
        const onAbort = () => this.cancel(task);
        o.signal.addEventListener('abort', onAbort, { once: true });
        task.cleanup = () => o.signal?.removeEventListener('abort', onAbort);
      }
      this.waiting.push(task);
      this.dispatch();
    });
  }

  /**
   * Start the threads now, up to `size`, instead of when tasks arrive: a first task then does not
   * wait for a thread's start-up (module loading in the thread, ~0.4–1.7 s on 2 cores; the web
   * server does this so a design shows progress at once). Idle threads do not keep the process
   * alive. Resolves when every thread is ready.
   */
  async prestart(): Promise<void> {
    if (this.closed) return;
    for (let i = this.slots.filter((s) => !s.dead).length; i < this.size; i++) this.spawn();
    await Promise.all(this.slots.map((s) => s.started));
  }

  /** Terminate every thread; waiting and running tasks are rejected. */
  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.waiting.splice(0))
      this.settle(t, new VibannError('the worker pool was closed'));
    await Promise.all(
      this.slots.splice(0).map((s) => {
        s.dead = true;
        s.markStarted();
        if (s.task) this.settle(s.task, new VibannError('the worker pool was closed'));
        return s.worker.terminate();
      }),
    );
  }

  private settle(t: Task, error: unknown, value?: unknown): void {
    t.cleanup?.();
    if (t.slot) t.slot.task = undefined;
    t.slot = undefined;
    if (error !== undefined) t.reject(error);
    else t.resolve(value);
  }

  private cancel(t: Task): void {
    const i = this.waiting.indexOf(t);
    if (i >= 0) {
      this.waiting.splice(i, 1);
      this.settle(t, cancelled());
      return;
    }
    const slot = t.slot;
    if (!slot) return;
    Atomics.store(t.cancelFlag, 0, 1);
    slot.worker.postMessage({ type: 'cancel', id: t.id } satisfies ThreadRequest);
    const timer = setTimeout(() => {
      if (slot.task !== t) return;
      this.kill(slot, cancelled());
    }, this.grace);
    timer.unref();
  }

  private kill(slot: Slot, error: unknown): void {
    if (slot.dead) return;
    slot.dead = true;
    slot.markStarted();
    const i = this.slots.indexOf(slot);
    if (i >= 0) this.slots.splice(i, 1);
    if (slot.task) this.settle(slot.task, error);
    void slot.worker.terminate();
    this.dispatch();
  }

  private spawn(): Slot {
    const workerData = { handler: this.handler.href };
    const entry = new URL(`./thread.${FROM_SOURCE ? 'ts' : 'js'}`, import.meta.url);
    // Keep only module-resolution flags: the parent's --test, --import … are not the thread's.
    const execArgv = process.execArgv.filter((a) => a.startsWith('--conditions'));
    let worker: Worker;
    if (FROM_SOURCE) {
      // From the sources the thread must load TypeScript: register tsx, then import the entry.
      const tsx = import.meta.resolve('tsx/esm/api');
      const boot = `import(${JSON.stringify(tsx)}).then(async (a) => { a.register(); await import(${JSON.stringify(entry.href)}); })`;
      worker = new Worker(boot, { eval: true, workerData, execArgv });
    } else {
      worker = new Worker(entry, { workerData, execArgv });
    }
    let markStarted = () => {};
    const started = new Promise<void>((ok) => {
      markStarted = ok;
    });
    const slot: Slot = { worker, ready: false, started, markStarted };
    worker.unref();
    worker.on('message', (m: ThreadMessage) => this.onMessage(slot, m));
    worker.on('error', (e) =>
      this.kill(slot, new VibannError(`a worker thread failed: ${e.message}`, 1, { cause: e })),
    );
    worker.on('exit', (code) =>
      this.kill(slot, new VibannError(`a worker thread exited (code ${code}) during its task`)),
    );
    this.slots.push(slot);
    return slot;
  }

  private onMessage(slot: Slot, m: ThreadMessage): void {
    if (m.type === 'ready') {
      slot.ready = true;
      slot.markStarted();
      this.dispatch();
      return;
    }
    const t = slot.task;
    if (!t || t.id !== m.id) return;
    if (m.type === 'progress') t.o.onProgress?.(m.progress);
    else if (m.type === 'done') {
      this.settle(t, undefined, m.output);
      slot.worker.unref();
      this.dispatch();
    } else {
      this.settle(t, deserializeError(m.error));
      slot.worker.unref();
      this.dispatch();
    }
  }

  private dispatch(): void {
    while (this.waiting.length > 0) {
      const slot = this.slots.find((s) => s.ready && !s.task && !s.dead);
      if (!slot) {
        // start threads for the waiting tasks that no starting thread will take, up to `size`
        const starting = this.slots.filter((s) => !s.ready && !s.dead).length;
        const need = Math.min(this.waiting.length - starting, this.size - this.slots.length);
        for (let i = 0; i < need; i++) this.spawn();
        return;
      }
      const t = this.waiting.shift() as Task;
      t.slot = slot;
      slot.task = t;
      slot.worker.ref();
      slot.worker.postMessage({
        type: 'run',
        id: t.id,
        input: t.input,
        cancel: t.cancelFlag,
      } satisfies ThreadRequest);
    }
  }
}
