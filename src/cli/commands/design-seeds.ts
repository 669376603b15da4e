/**
 * `vibann design-seeds` — several design seeds of one model as a study (issue 16): the design of
 * `vibann design` (the same options) with seeds --seed … --seed+N−1, each a `design` job on worker
 * threads (--workers), in this process (--workers 0) or on `vibann worker` processes through Redis
 * (--queue); a rerun on the same --out reuses finished seeds. Prints per seed the screened and
 * accepted counts and the reported candidates, then the accepted alloys of every seed
 * de-duplicated by formula (design-seeds.json). Exit code 3 when no seed accepted anything. The
 * workflow is `runDesignSeeds` (workflows/design-seeds.ts).
 */
import type { Command } from 'commander';
import { EXIT, VibannError } from '../../util/errors.ts';
import { cliHooks } from '../hooks.ts';
import { out, printJson } from '../io.ts';
import { intOption, type ParallelCliOptions, parallelOptions } from '../options.ts';
import { addDesignOptions, type DesignCliOptions, designOptionsFromCli } from './design.ts';

export function register(program: Command): void {
  const c = addDesignOptions(
    program
      .command('design-seeds')
      .description(
        'a design study: the design of `vibann design` with N seeds as jobs (threads or a queue), per seed and the union of the accepted alloys',
      ),
  );
  c.option('--seeds <n>', 'number of seeds: --seed … --seed+n−1', intOption('--seeds', 1), 2);
  parallelOptions(c);
  c.action(async (o: DesignCliOptions & ParallelCliOptions & { seeds: number }, cmd: Command) => {
    const t0 = performance.now();
    const { seeds, workers, queue, jobTimeout, ...design } = o;
    const options = await designOptionsFromCli(design, cmd);
    const { runDesignSeeds } = await import('../../workflows/design-seeds.ts');
    const { designSeedsLines } = await import('../print/design-seeds.ts');
    const r = await runDesignSeeds({ ...options, seeds, workers, queue, jobTimeout }, cliHooks());
    if (o.json) printJson(r.document);
    else out(...designSeedsLines(r, (performance.now() - t0) / 1000));
    if (r.document.union.length === 0)
      throw new VibannError(
        `no candidate passed all the gates in any of the ${seeds} seeds`,
        EXIT.noCandidate,
      );
  });
}
