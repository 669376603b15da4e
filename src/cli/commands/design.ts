/**
 * `vibann design` — propose new, exceptionally hard glass compositions (SPEC §9): a latent
 * density of the training alloys, MCMC towards high predicted hardness with low uncertainty,
 * gradient refinement, rounding to castable alloys, and four acceptance gates (support, novelty,
 * uncertainty, performance) with an audit record per candidate. Trains the default model first
 * when it does not exist. Exit code 3 when no candidate passes the gates. The workflow is
 * `runDesignWorkflow` (workflows/design.ts); this file parses, calls it and prints.
 */
import type { Command } from 'commander';
import type { DesignRunDocument } from '../../runs/design.ts';
import { DESIGN_DEFAULTS as D } from '../../workflows/design.ts';
import { duration } from '../duration.ts';
import { cliHooks } from '../hooks.ts';
import { formatTable, out, printJson } from '../io.ts';
import { intOption, listOption, numberOption } from '../options.ts';

interface DesignOpts {
  force?: boolean;
  model: string;
  data?: string;
  load: number;
  target?: string;
  ban?: string[];
  allow?: string[];
  bounds?: string;
  maxElements: number;
  minElements: number;
  n: number;
  seed: number;
  out?: string;
  quick?: boolean;
  refine: boolean;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command('design')
    .description(
      'propose new hard glass compositions (latent MCMC, gradient refinement, acceptance gates)',
    )
    .option(
      '--model <dir>',
      'model directory (trained first if it is the default and missing)',
      D.model,
    )
    .option(
      '--data <file>',
      'dataset CSV the model was trained on (default: the reference dataset)',
    )
    .option('--load <N>', 'design load in N', numberOption('--load', { positive: true }), D.load)
    .option(
      '--target <LO:HI>',
      'target window on LCB at the design load, HV (default: LCB target .. max train HV + 250)',
    )
    .option('--ban <elements>', 'banned elements, e.g. B (boron-free design)', listOption)
    .option('--allow <elements>', 'only these elements may appear', listOption)
    .option('--bounds <spec>', 'per-element at.% bounds, e.g. Nb:10:30,Fe::50')
    .option(
      '--max-elements <n>',
      'maximum number of elements',
      intOption('--max-elements', 1),
      D.maxElements,
    )
    .option(
      '--min-elements <n>',
      'minimum number of elements',
      intOption('--min-elements', 1),
      D.minElements,
    )
    .option('--n <n>', 'candidates to report', intOption('--n', 1), D.n)
    .option('--seed <n>', 'seed of every random step', intOption('--seed'), D.seed)
    .option('--out <dir>', 'run directory (default runs/design-<date>)')
    .option(
      '--quick',
      'smoke run: short MCMC and refinement (and a quick model if one must be trained)',
    )
    .option('--no-refine', 'skip the gradient refinement')
    .option('--json', 'print one JSON document on stdout')
    .option('--force', 'replace --out even if it holds files that are not a vibann run')
    .action(async (o: DesignOpts, cmd: Command) => {
      const t0 = performance.now();
      const { runDesignWorkflow, parseTargetWindow, noCandidateError } = await import(
        '../../workflows/design.ts'
      );
      const { parseBounds } = await import('../../design/constraints.ts');
      const { dir, document: doc } = await runDesignWorkflow(
        {
          model: o.model,
          trainIfMissing: cmd.getOptionValueSource('model') === 'default',
          data: o.data,
          load: o.load,
          target: o.target ? parseTargetWindow(o.target) : undefined,
          ban: o.ban ?? [],
          allow: o.allow,
          bounds: o.bounds ? parseBounds(o.bounds) : {},
          maxElements: o.maxElements,
          minElements: o.minElements,
          n: o.n,
          seed: o.seed,
          quick: o.quick === true,
          refine: o.refine,
          out: o.out,
          force: o.force,
          argv: process.argv.slice(2),
        },
        cliHooks(),
      );
      if (o.json) printJson(doc);
      else printDesign(doc, o.load, dir, (performance.now() - t0) / 1000);
      const err = noCandidateError(doc);
      if (err) throw err;
    });
}

function printDesign(doc: DesignRunDocument, load: number, dir: string, seconds: number): void {
  const th = doc.thresholds;
  const s = doc.summary;
  out(
    `thresholds at ${load} N: LCB target ${th.lcbTarget.toFixed(0)} HV, σ cap ${(th.sigmaCapFactor * th.sigmaRef).toFixed(0)} HV, novelty ≥ ${th.novelty.toFixed(3)}, log p ≥ ${th.logpThreshold.toFixed(1)} (GMM K = ${s.gmm.k} in ${s.frame.dim} of ${s.frame.latent_dim} latent dimensions)`,
  );
  out(`screened ${s.screened} distinct alloys; ${s.accepted} passed all four gates`);
  out('');
  const mark = (p: boolean) => (p ? '✓' : '✗');
  out(
    formatTable(
      [
        '#',
        'alloy (at.%)',
        `HV μ ± σ @${load} N`,
        'LCB',
        'gates S N U P',
        'nearest known alloy (distance, HV @ load)',
        'domain',
      ],
      doc.candidates.map((c, i) => {
        const p = c.predictions.find((q) => q.load === load) ?? c.predictions[0];
        const g = c.gates;
        return [
          i + 1,
          c.formula,
          `${p.mean.toFixed(0)} ± ${p.std.toFixed(0)}`,
          p.lcb.toFixed(0),
          `${mark(g.support.pass)} ${mark(g.novelty.pass)} ${mark(g.uncertainty.pass)} ${mark(g.performance.pass)}${c.accepted ? '' : '  rejected'}`,
          `${c.nearest.formula} (${c.nearest.distance.toFixed(3)}, ${c.nearest.hv.toFixed(0)} HV @ ${+c.nearest.load.toPrecision(3)} N)`,
          domainCell((c as { domain?: { in_domain: boolean; reasons: string[] } | null }).domain),
        ];
      }),
      { align: ['right', 'left', 'right', 'right', 'left', 'left', 'left'] },
    ),
  );
  out(
    '(gates: S support in the latent density, N novelty, U uncertainty σ ≤ cap, P performance LCB ≥ target)',
  );
  out(
    `run directory: ${dir} (design.json, gates.json, figures; 'vibann report --run ${dir}' for the HTML page); total ${duration(seconds)}`,
  );
}

/** The domain verdict of a candidate (docs/uncertainty.md): 'in', 'OUT: reasons' or 'unknown'. */
function domainCell(d: { in_domain: boolean; reasons: string[] } | null | undefined): string {
  if (!d) return 'unknown';
  return d.in_domain ? 'in' : `OUT: ${d.reasons.join(', ')}`;
}
