/**
 * The entry of a worker thread of the pool (pool.ts): it imports the handler module named in
 * `workerData.handler` (a module exporting `handle(input, { signal, onProgress })`) and runs one
 * task at a time as the pool asks, posting progress, the output or the error back. A `cancel`
 * message aborts the running task's signal; so does the task's shared cancel flag, read at every
 * progress report (the message cannot arrive while the handler computes without yielding).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { serializeError } from './errors.ts';
import type { ThreadMessage, ThreadRequest } from './pool.ts';

type Handle = (
  input: unknown,
  ctx: { signal: AbortSignal; onProgress: (p: unknown) => void },
) => Promise<unknown>;

const port = parentPort;
if (!port) throw new Error('src/jobs/thread.ts runs only as a worker thread');
const mod = (await import((workerData as { handler: string }).handler)) as { handle?: Handle };
if (typeof mod.handle !== 'function')
  throw new Error(`${(workerData as { handler: string }).handler} exports no handle() function`);
const handle = mod.handle;
const running = new Map<number, AbortController>();
const post = (m: ThreadMessage) => port.postMessage(m);

port.on('message', (m: ThreadRequest) => {
  if (m.type === 'cancel') {
    running.get(m.id)?.abort();
    return;
  }
  const ac = new AbortController();
  running.set(m.id, ac);
  const flag = m.cancel;
  handle(m.input, {
    signal: ac.signal,
    onProgress: (progress) => {
      if (!ac.signal.aborted && Atomics.load(flag, 0) === 1) ac.abort();
      post({ type: 'progress', id: m.id, progress });
    },
  })
    .then(
      (output) => post({ type: 'done', id: m.id, output }),
      (e: unknown) => post({ type: 'error', id: m.id, error: serializeError(e) }),
    )
    .finally(() => running.delete(m.id));
});
post({ type: 'ready' });
