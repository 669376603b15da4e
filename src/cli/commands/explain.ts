/**
 * `vibann explain` — interpretability of a trained model (SPEC §11): parses the options, runs
 * `runExplain` (src/workflows/explain.ts: attention, integrated gradients, permutation importance
 * per latent cluster; writes the run directory) and prints the summary or, with `--json`, the
 * explain.json document.
 */
import type { Command } from 'commander';
import {
  EXPLAIN_DEFAULTS as D,
  EXPLAIN_SETS,
  type ExplainRunOptions,
  runExplain,
} from '../../workflows/explain.ts';
import { duration } from '../duration.ts';
import { cliHooks } from '../hooks.ts';
import { formatTable, out, printJson } from '../io.ts';
import { intOption, opt } from '../options.ts';

export function register(program: Command): void {
  program
    .command('explain')
    .description(
      'interpretability: attention per element, integrated gradients, permutation importance per latent cluster',
    )
    .addOption(opt.model(D.model))
    .addOption(opt.data('trained'))
    .addOption(opt.seed('seed of the latent clusters and the permutations', D.seed))
    .option(
      '--ig-set <set>',
      `rows attributed by integrated gradients: ${EXPLAIN_SETS.join(' | ')}`,
      D.igSet,
    )
    .option(
      '--ig-steps <n>',
      `trapezoid intervals along the integration path (default: ${D.igSteps}; ${D.quick.igSteps} with --quick)`,
      intOption('--ig-steps', 1),
    )
    .option(
      '--repeats <n>',
      `shuffles per feature in the permutation importance (default: ${D.repeats}; ${D.quick.repeats} with --quick)`,
      intOption('--repeats', 1),
    )
    .option(
      '--quick',
      `smoke run: ${D.quick.igSteps} integration steps and ${D.quick.repeats} shuffles`,
    )
    .addOption(opt.out('run directory (default runs/explain-<date>)'))
    .addOption(opt.noPlots())
    .addOption(opt.json())
    .addOption(opt.force())
    .action(async ({ json, ...o }: ExplainRunOptions & { json?: boolean; plots: boolean }) => {
      const t0 = performance.now();
      const { runDir, document, result, elements } = await runExplain(o, cliHooks());
      if (json) return printJson(document);
      const { explainSummary } = await import('../../explain/summary.ts');
      for (const b of explainSummary(result, elements))
        out(typeof b === 'string' ? b : formatTable(b.header, b.rows));
      out(
        `run directory: ${runDir} (explain.json, ig_rows.csv${o.plots ? ', figures' : ''}; 'vibann report --run ${runDir}'); total ${duration((performance.now() - t0) / 1000)}`,
      );
    });
}
