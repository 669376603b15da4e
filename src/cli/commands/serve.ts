/**
 * `vibann serve` — a local web page (127.0.0.1 by default) to predict compositions across loads
 * with uncertainty, run a design and watch its progress, and browse the reports of run
 * directories (SPEC §14). Stops with Ctrl-C.
 */
import type { Command } from 'commander';
import { DEFAULT_MODEL_DIR, openModel } from '../../workflows/common.ts';
import { info } from '../io.ts';
import { intOption } from '../options.ts';

interface ServeOpts {
  model: string;
  data?: string;
  runs: string;
  host: string;
  port: number;
  designLease?: number;
}

export function register(program: Command): void {
  program
    .command('serve')
    .description('local web page: predictions across loads, design with progress, run reports')
    .option('--model <dir>', 'model directory', DEFAULT_MODEL_DIR)
    .option('--data <file>', 'dataset CSV the model was trained on (for designs)')
    .option('--runs <dir>', 'folder of run directories to browse', 'runs')
    .option(
      '--host <host>',
      'address to listen on (keep 127.0.0.1 unless you mean to share it)',
      '127.0.0.1',
    )
    .option('--port <n>', 'port (0: any free port)', intOption('--port', 0, 65535), 8765)
    .option(
      '--design-lease <s>',
      'cancel a design started from the page after S seconds without a progress poll (the tab was closed; default 30, 0: never)',
      intOption('--design-lease', 0),
    )
    .action(async (o: ServeOpts) => {
      // A missing or broken model is an input error now (exit 2 naming it), not at the first request.
      await openModel(o.model);
      const { serve } = await import('../../serve/server.ts');
      const { url } = await serve({
        modelDir: o.model,
        data: o.data,
        runsDir: o.runs,
        host: o.host,
        port: o.port,
        designLeaseSeconds: o.designLease,
      });
      info(`vibann serve: ${url} (model ${o.model}; Ctrl-C to stop)`);
      await new Promise<never>(() => {});
    });
}
