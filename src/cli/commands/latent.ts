/**
 * `vibann latent` — latent-space analysis of a trained model (SPEC §8): parses the options, runs
 * `runLatent` (src/workflows/latent.ts: clusters, PCA, t-SNE, traversal, sensitivity, navigability
 * against a deterministic-bottleneck model; writes the run directory) and prints the summary or,
 * with `--json`, the latent.json document.
 */
import type { Command } from 'commander';
import { LATENT_DEFAULTS as D, runLatent } from '../../workflows/latent.ts';
import { duration } from '../duration.ts';
import { cliHooks } from '../hooks.ts';
import { formatTable, out, printJson } from '../io.ts';
import { numberOption, opt } from '../options.ts';

interface LatentOpts {
  model: string;
  data?: string;
  seed: number;
  load?: number;
  perplexity: number;
  compareDeterministic?: string;
  trainDeterministic?: boolean;
  quick?: boolean;
  out?: string;
  plots: boolean;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command('latent')
    .description(
      'latent-space analysis: clusters, PCA, t-SNE, traversal, sensitivity, navigability (VIB vs deterministic)',
    )
    .addOption(opt.model(D.model))
    .addOption(opt.data('trained'))
    .addOption(opt.seed('seed of k-means, t-SNE, the traversal anchor and the GMM draws', D.seed))
    .addOption(opt.load('encode every row at this load in N (default: each row at its own load)'))
    .option(
      '--perplexity <p>',
      't-SNE perplexity (0 skips t-SNE)',
      numberOption('--perplexity'),
      D.perplexity,
    )
    .option(
      '--compare-deterministic <dir>',
      'a model trained with the deterministic bottleneck (same data and split), for the navigability comparison',
    )
    .option(
      '--train-deterministic',
      "train that comparison model here: the model's preset, seeds and split with bottleneck 'deterministic' (saved in the run directory)",
    )
    .option(
      '--quick',
      'smoke run: shorter t-SNE and k-means, and a 5-epoch comparison model with --train-deterministic',
    )
    .addOption(opt.out('run directory (default runs/latent-<date>)'))
    .addOption(opt.noPlots())
    .addOption(opt.json())
    .addOption(opt.force())
    .action(async (o: LatentOpts) => {
      const t0 = performance.now();
      const { runDir, document, analysis, designMember } = await runLatent(o, cliHooks());
      if (o.json) return printJson(document);
      const { latentSummary } = await import('../../latent/analysis/summary.ts');
      for (const b of latentSummary(
        analysis,
        designMember,
        document.navigability_comparison.model !== null,
      ))
        out(typeof b === 'string' ? b : formatTable(b.header, b.rows));
      out(
        `run directory: ${runDir} (latent.json, latent_points.csv, traversal.csv${o.plots ? ', figures' : ''}; 'vibann report --run ${runDir}'); total ${duration((performance.now() - t0) / 1000)}`,
      );
    });
}
