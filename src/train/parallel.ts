/**
 * Training of a stacked ensemble on several threads (issue 16: "use both cores"): the members are
 * split into contiguous groups, each group is trained by `trainEnsemble` as a stacked ensemble of
 * its own in a worker thread (its own tfjs wasm backend), and the results are stacked back in
 * member order.
 *
 * Why it gives the same numbers: every member has its own rows, batches, shuffles, noise streams,
 * β controller, Adam state and early stopping (trainer.ts), and the stacked computation keeps the
 * members apart, so a member's trajectory does not depend on which other members share its stack
 * — measured bit-identical, and checked by test/train/parallel.test.ts (members of different row
 * counts that stop early at different epochs, with the dataset's 56 elements; see
 * defaultTrainThreads) — nor on the thread (the wasm backend is single-threaded in Node).
 * Progress: `onEpoch` is called once per epoch with all members, when every group still training
 * has finished that epoch; `onStep` reports every step of every group.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { backendInfo } from '../nn/backend.ts';
import type { VibannOptions } from '../nn/options.ts';
import { VibannModel } from '../nn/params.ts';
import * as tf from '../nn/tf.ts';
import { InputError, VibannError } from '../util/errors.ts';
import {
  type EpochEvent,
  type MemberPlan,
  type MemberReport,
  type TrainingArrays,
  type TrainOptions,
  type TrainResult,
  trainEnsemble,
} from './trainer.ts';

/** What a training thread gets (workerData). */
export interface TrainThreadInput {
  backend: 'wasm' | 'cpu';
  options: VibannOptions;
  members: number;
  values: Map<string, Float32Array>;
  data: TrainingArrays;
  plans: { train: number[]; val: number[]; seed: number }[];
  opts: Omit<TrainOptions, 'onEpoch' | 'onStep'>;
  steps: boolean;
}

/** Messages from a training thread. */
export type TrainThreadMessage =
  | { type: 'epoch'; event: EpochEvent }
  | { type: 'step'; ms: number }
  | {
      type: 'done';
      values: Map<string, Float32Array>;
      members: MemberReport[];
      backend: string;
    }
  | { type: 'error'; message: string; stack?: string; name?: string };

const FROM_SOURCE = import.meta.url.endsWith('.ts');

/** Contiguous groups of 0 … M−1, sizes as equal as possible (larger first). */
export function memberGroups(M: number, n: number): number[][] {
  const out: number[][] = [];
  let k = 0;
  for (let g = 0; g < n; g++) {
    const size = Math.floor(M / n) + (g < M % n ? 1 : 0);
    out.push(Array.from({ length: size }, (_, i) => k + i));
    k += size;
  }
  return out.filter((g) => g.length > 0);
}

function startThread(input: TrainThreadInput): Worker {
  const entry = new URL(`./parallel-worker.${FROM_SOURCE ? 'ts' : 'js'}`, import.meta.url);
  // only module-resolution flags: the parent's --test, --import … are not the thread's
  const execArgv = process.execArgv.filter((a) => a.startsWith('--conditions'));
  const transfer = [...input.values.values()].map((v) => v.buffer as ArrayBuffer);
  if (FROM_SOURCE) {
    // from the sources the thread must load TypeScript: register tsx, then import the entry
    const tsx = import.meta.resolve('tsx/esm/api');
    const boot = `import(${JSON.stringify(tsx)}).then(async (a) => { a.register(); await import(${JSON.stringify(entry.href)}); })`;
    return new Worker(boot, { eval: true, workerData: input, execArgv, transferList: transfer });
  }
  return new Worker(entry, { workerData: input, execArgv, transferList: transfer });
}

/**
 * The default number of training threads: the cores Node may use (`os.availableParallelism()`).
 * A member's weights do not depend on the threads (test/train/parallel.test.ts). Until issue 16 was
 * found the default was 1: a full-length leave-family-out grouped CV (Cu–Mg–Yb held out) gave one
 * of its 5 fold networks other weights on 2 threads than on 1, because the descriptor branch's
 * products (stock `tf.matMul`) took another summation order on the wasm backend for a stack of one
 * member than for several (now `groupedMatMul`, nn/descriptors.ts); the same fit now gives the same
 * networks on 1 and 2 threads (docs/scaling.md). A `--quick` training (5 epochs) uses 1: a second
 * thread made it slower (`vibann train --quick --no-uncertainty`: 3.0–3.5 s on 1 thread, 3.9–4.5 s
 * on 2, quiet 2-core machine, docs/scaling.md).
 */
export function defaultTrainThreads(o: { quick?: boolean } = {}): number {
  return o.quick ? 1 : availableParallelism();
}

/** Check a thread count (a positive integer; InputError naming `what` otherwise). */
export function checkThreads(threads: number, what = 'threads'): number {
  if (!(Number.isInteger(threads) && threads >= 1))
    throw new InputError(`${what} expects a positive integer (worker threads), got ${threads}`);
  return threads;
}

/**
 * `trainEnsemble` on `threads` worker threads (default: the number of cores), at most one per
 * member. With one thread (or one member) it is `trainEnsemble` in this thread. `threads` of the
 * result is the number of threads used (≤ members).
 */
export async function trainEnsembleParallel(
  initial: VibannModel,
  data: TrainingArrays,
  plans: MemberPlan[],
  opts: TrainOptions & { threads?: number },
): Promise<TrainResult & { threads: number }> {
  const M = plans.length;
  if (M !== initial.nMembers)
    throw new InputError(`trainEnsemble: ${M} plans for a model of ${initial.nMembers} members`);
  const threads = checkThreads(opts.threads ?? defaultTrainThreads());
  const n = Math.min(threads, M);
  if (n <= 1) {
    const { threads: _t, ...one } = opts;
    return { ...(await trainEnsemble(initial, data, plans, one)), threads: 1 };
  }
  const t0 = performance.now();
  const groups = memberGroups(M, n);
  const backend = backendInfo()?.backend ?? (tf.getBackend() === 'cpu' ? 'cpu' : 'wasm');
  const { onEpoch, onStep, threads: _threads, ...plain } = opts;
  const workers: Worker[] = [];
  // merged progress: epoch e is announced when every group still training has finished it
  const lastEvent: (EpochEvent | null)[] = groups.map(() => null);
  const pending: Map<number, (EpochEvent | null)[]> = new Map();
  const finishedAt: (number | null)[] = groups.map(() => null);
  let announced = 0;
  const announce = () => {
    for (;;) {
      const e = announced + 1;
      const evs = pending.get(e) ?? groups.map(() => null);
      const ready = groups.every(
        (_g, gi) => evs[gi] !== null || (finishedAt[gi] !== null && (finishedAt[gi] as number) < e),
      );
      if (!ready || groups.every((_g, gi) => evs[gi] === null)) return;
      pending.delete(e);
      announced = e;
      const members: EpochEvent['members'] = [];
      groups.forEach((g, gi) => {
        const ev = evs[gi] ?? lastEvent[gi];
        g.forEach((k, j) => {
          const m = ev?.members[j];
          members.push({
            member: k,
            active: evs[gi] !== null && (m?.active ?? false),
            record: evs[gi] !== null ? (m?.record ?? null) : null,
            bestEpoch: m?.bestEpoch ?? 0,
            bestValMse: m?.bestValMse ?? Number.POSITIVE_INFINITY,
          });
        });
      });
      onEpoch?.({
        epoch: e,
        maxEpochs: opts.maxEpochs,
        elapsedS: (performance.now() - t0) / 1000,
        members,
      });
    }
  };
  try {
    const results = await Promise.all(
      groups.map(
        (g, gi) =>
          new Promise<{ model: VibannModel; members: MemberReport[]; backend: string }>(
            (resolve, reject) => {
              const sub = initial.select(g);
              const input: TrainThreadInput = {
                backend,
                options: initial.options,
                members: g.length,
                values: sub.values,
                data,
                plans: g.map((k) => ({
                  train: Array.from(plans[k].train),
                  val: Array.from(plans[k].val),
                  seed: plans[k].seed,
                })),
                opts: plain,
                steps: onStep !== undefined,
              };
              const w = startThread(input);
              workers.push(w);
              let settled = false;
              w.on('message', (m: TrainThreadMessage) => {
                try {
                  if (m.type === 'step') onStep?.(m.ms);
                  else if (m.type === 'epoch') {
                    lastEvent[gi] = m.event;
                    const evs = pending.get(m.event.epoch) ?? groups.map(() => null);
                    evs[gi] = m.event;
                    pending.set(m.event.epoch, evs);
                    announce();
                  } else if (m.type === 'done') {
                    settled = true;
                    finishedAt[gi] = lastEvent[gi]?.epoch ?? 0;
                    announce();
                    resolve({
                      model: new VibannModel(initial.options, g.length, m.values),
                      members: m.members.map((r, j) => ({ ...r, member: g[j] })),
                      backend: m.backend,
                    });
                  } else {
                    settled = true;
                    const e = new VibannError(`training thread ${gi + 1}: ${m.message}`);
                    if (m.name) e.name = m.name;
                    reject(e);
                  }
                } catch (e) {
                  settled = true;
                  reject(e);
                }
              });
              w.on('error', (e) => {
                settled = true;
                reject(
                  new VibannError(`training thread ${gi + 1} failed: ${e.message}`, 1, {
                    cause: e,
                  }),
                );
              });
              w.on('exit', (code) => {
                if (!settled)
                  reject(new VibannError(`training thread ${gi + 1} exited (code ${code})`));
              });
            },
          ),
      ),
    );
    return {
      model: VibannModel.stack(results.map((r) => r.model)),
      members: results.flatMap((r) => r.members),
      wallS: (performance.now() - t0) / 1000,
      backend: results[0].backend,
      threads: groups.length,
    };
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
