/**
 * The entry of a training thread of `trainEnsembleParallel` (parallel.ts): it initialises the
 * tfjs backend the parent uses, trains its group of members with `trainEnsemble` and posts the
 * epochs, the steps (when asked) and the trained values back.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { initBackend } from '../nn/backend.ts';
import { VibannModel } from '../nn/params.ts';
import type { TrainThreadInput, TrainThreadMessage } from './parallel.ts';
import { trainEnsemble } from './trainer.ts';

const port = parentPort;
if (!port) throw new Error('src/train/parallel-worker.ts runs only as a worker thread');
const w = workerData as TrainThreadInput;
const post = (m: TrainThreadMessage, transfer?: ArrayBuffer[]) => port.postMessage(m, transfer);
try {
  await initBackend(w.backend);
  const res = await trainEnsemble(
    new VibannModel(w.options, w.members, w.values),
    w.data,
    w.plans,
    {
      ...w.opts,
      onEpoch: (event) => post({ type: 'epoch', event }),
      onStep: w.steps ? (ms) => post({ type: 'step', ms }) : undefined,
    },
  );
  post(
    { type: 'done', values: res.model.values, members: res.members, backend: res.backend },
    [...res.model.values.values()].map((v) => v.buffer as ArrayBuffer),
  );
} catch (e) {
  const err = e instanceof Error ? e : new Error(String(e));
  post({ type: 'error', message: err.message, stack: err.stack, name: err.name });
}
