/**
 * `vibann explain` — interpretability of a trained model (SPEC §11): parses the options, runs
 * `runExplain` (src/workflows/explain.ts: attention, integrated gradients, permutation importance
 * per latent cluster; writes the run directory) and prints the summary or, with `--json`, the
 * explain.json document.
 */
import type { Command } from 'commander';
import type { ReferenceSet } from '../../explain/explain.ts';
import { EXPLAIN_DEFAULTS as D, EXPLAIN_SETS, runExplain } from '../../workflows/explain.ts';
import { duration } from '../duration.ts';
import { cliHooks } from '../hooks.ts';
import { formatTable, out, printJson } from '../io.ts';
import { intOption } from '../options.ts';

interface ExplainOpts {
  force?: boolean;
  model: string;
  data?: string;
  seed: number;
  igSet: string;
  igSteps?: number;
  repeats?: number;
  quick?: boolean;
  out?: string;
  plots: boolean;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command('explain')
    .description(
      'interpretability: attention per element, integrated gradients, permutation importance per latent cluster',
    )
    .option('--model <dir>', 'model directory', D.model)
    .option(
      '--data <file>',
      'dataset CSV the model was trained on (default: the reference dataset)',
    )
    .option(
      '--seed <n>',
      'seed of the latent clusters and the permutations',
      intOption('--seed'),
      D.seed,
    )
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
    .option('--out <dir>', 'run directory (default runs/explain-<date>)')
    .option('--no-plots', 'skip the figures')
    .option('--json', 'print one JSON document on stdout')
    .option('--force', 'replace --out even if it holds files that are not a vibann run')
    .action(async (o: ExplainOpts) => {
      const t0 = performance.now();
      const { runDir, document, result, elements } = await runExplain(
        {
          model: o.model,
          data: o.data,
          seed: o.seed,
          igSet: o.igSet as ReferenceSet,
          igSteps: o.igSteps,
          repeats: o.repeats,
          quick: o.quick,
          out: o.out,
          force: o.force,
          plots: o.plots,
        },
        cliHooks(),
      );
      if (o.json) {
        printJson(document);
        return;
      }
      const { explainSummary } = await import('../../explain/summary.ts');
      for (const b of explainSummary(result, elements))
        out(typeof b === 'string' ? b : formatTable(b.header, b.rows));
      out(
        `run directory: ${runDir} (explain.json, ig_rows.csv${o.plots ? ', figures' : ''}; 'vibann report --run ${runDir}'); total ${duration((performance.now() - t0) / 1000)}`,
      );
    });
}
