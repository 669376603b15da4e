/**
 * The CLI's workflow hooks: progress as a bar on a terminal (plain lines otherwise), messages and
 * warnings on stderr, Ctrl-C cancels through the signal.
 */
import type { WorkflowHooks } from '../workflows/common.ts';
import { info, warn } from './io.ts';
import { createProgress, type ProgressOptions } from './progress.ts';

export function cliHooks(o: ProgressOptions & { signal?: AbortSignal } = {}): WorkflowHooks {
  const progress = createProgress(o);
  let current: string | null = null;
  return {
    signal: o.signal,
    onProgress(e) {
      if (e.stage !== current) {
        if (current !== null) progress.stop();
        progress.start(e.stage, e.total);
        current = e.stage;
      }
      progress.update(e.done, e.status);
    },
    onStageEnd(stage, summary) {
      if (current === stage) {
        progress.stop(summary);
        current = null;
      }
    },
    onInfo: (m) => {
      if (!o.silent) info(m);
    },
    onWarn: (m) => warn(m),
  };
}
