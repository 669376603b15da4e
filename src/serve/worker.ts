/**
 * The handler module of the server's worker threads (jobs/pool.ts `WorkerPool`, the pool the
 * studies use for their local workers): the heavy work of `vibann serve` — a design, a large
 * predict — runs here, off the thread that answers requests. Progress, messages and warnings are
 * posted back as `ServeProgress`; the pool's cancel aborts the task's signal, which the workflows
 * check between steps (CancelledError).
 */
import type { DesignRunDocument } from '../runs/design.ts';
import type { DesignWorkflowOptions } from '../workflows/design.ts';
import type { PredictOptions, PredictResult } from '../workflows/predict.ts';

/** What the server sends to a thread. */
export type ServeTask =
  | { kind: 'predict'; options: PredictOptions }
  | { kind: 'design'; options: Partial<DesignWorkflowOptions> };

/** What a thread posts while it works. */
export type ServeProgress =
  | { type: 'progress'; stage: string; done: number; total: number; status?: string }
  | { type: 'stage-end'; stage: string }
  | { type: 'info'; message: string }
  | { type: 'warn'; message: string };

/** What a thread returns. */
export type ServeOutput =
  | { kind: 'predict'; result: PredictResult; warnings: string[] }
  | { kind: 'design'; dir: string; document: DesignRunDocument };

export async function handle(
  task: ServeTask,
  ctx: { signal: AbortSignal; onProgress: (p: ServeProgress) => void },
): Promise<ServeOutput> {
  const post = ctx.onProgress;
  const warnings: string[] = [];
  const hooks = {
    signal: ctx.signal,
    onProgress: (e: { stage: string; done: number; total: number; status?: string }) =>
      post({ type: 'progress', ...e }),
    onStageEnd: (stage: string) => post({ type: 'stage-end', stage }),
    onInfo: (message: string) => post({ type: 'info', message }),
    onWarn: (message: string) => {
      warnings.push(message);
      post({ type: 'warn', message });
    },
  };
  if (task.kind === 'predict') {
    const { runPredict } = await import('../workflows/predict.ts');
    return { kind: 'predict', result: await runPredict(task.options, hooks), warnings };
  }
  if (task.kind === 'design') {
    // the first step of a design: the thread is up and has the task (the page shows it at once;
    // the workflow's start-up steps follow as 'preparing' progress)
    post({ type: 'info', message: 'design: thread started, loading the design workflow…' });
    const { runDesignWorkflow } = await import('../workflows/design.ts');
    const { dir, document } = await runDesignWorkflow(task.options, hooks);
    return { kind: 'design', dir, document };
  }
  throw new Error(`unknown serve task kind '${(task as { kind: string }).kind}'`);
}
