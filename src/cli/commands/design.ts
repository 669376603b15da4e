/**
 * `vibann design` — propose new, exceptionally hard glass compositions (SPEC §9, issue 13): a
 * latent density of the training alloys, MCMC towards high predicted hardness with low uncertainty,
 * gradient refinement, rounding to castable alloys, and the acceptance gates (support, novelty,
 * uncertainty, performance, glass formation; cost with --max-cost) with an audit record per
 * candidate, a diverse set across alloy families. Trains the default model first when it does not
 * exist. Exit code 3 when no candidate passes the gates. The workflow is `runDesignWorkflow`
 * (workflows/design.ts, options `DESIGN_DEFAULTS`); this file parses, calls it and prints.
 */
import type { Command } from 'commander';
import { DESIGN_DEFAULTS as D, type DesignWorkflowOptions } from '../../workflows/design.ts';
import { duration } from '../duration.ts';
import { cliHooks } from '../hooks.ts';
import { formatTable, out, printJson } from '../io.ts';
import { intOption, listOption, numberOption } from '../options.ts';

/** What commander gives the design options (before `designOptionsFromCli`). */
export type DesignCliOptions = Partial<DesignWorkflowOptions> & {
  target?: string;
  bounds?: string;
  json?: boolean;
  glass: boolean;
  refine: boolean;
};

const num = (flag: string) => numberOption(flag, { positive: true });
const nonNeg = (flag: string) => numberOption(flag);

type Parse = (v: string, prev: unknown) => unknown;
/** Every option: flags, help, parser, default (DESIGN_DEFAULTS); `vibann design-seeds` shares them. */
// biome-ignore format: one option per line
export const DESIGN_CLI_OPTIONS: [string, string, Parse?, unknown?][] = [
  ['--model <dir>', 'model directory (trained first if it is the default and missing)', undefined, D.model],
  ['--data <file>', "dataset CSV the model was trained on (default: the reference dataset, or the model's dataset.csv after train --add)"],
  ['--load <N>', 'design load in N', num('--load'), D.load],
  ['--target <LO:HI>', 'target window on LCB at the design load, HV (default: LCB target .. max train HV + 250)'],
  ['--ban <elements>', 'banned elements, e.g. B (boron-free design)', listOption],
  ['--allow <elements>', 'only these elements may appear', listOption],
  ['--bounds <spec>', 'per-element at.% bounds, e.g. Nb:10:30,Fe::50'],
  ['--max-elements <n>', 'maximum number of elements', intOption('--max-elements', 1), D.maxElements],
  ['--min-elements <n>', 'minimum number of elements', intOption('--min-elements', 1), D.minElements],
  ['--n <n>', 'candidates to report (one casting campaign)', intOption('--n', 1), D.n],
  ['--lcb-target <HV>', 'explicit LCB target at the design load, HV', num('--lcb-target')],
  ['--novelty-min <d>', 'novelty minimum: distance in atomic fractions to the nearest dataset alloy (default 0.10)', nonNeg('--novelty-min')],
  ['--novelty-quantile <q>', "quantile of the dataset alloys' nearest-neighbour distances setting the novelty minimum (default: a minimum of 0.10)", nonNeg('--novelty-quantile')],
  ['--support-quantile <q>', "weighted quantile of the training latents' log-density setting the support threshold", nonNeg('--support-quantile'), D.supportQuantile],
  ['--max-cost <USD/kg>', 'maximum raw-material cost, USD per kg of alloy', num('--max-cost')],
  ['--objective <lcb|pareto>', 'lcb: rank by LCB; pareto: the Pareto set over (LCB, cost, novelty)', undefined, D.objective],
  ['--family-cap <n>', 'at most n candidates per family (elements ≥ 10 at.%; default ⌈n/2⌉)', intOption('--family-cap', 1)],
  ['--no-glass', 'switch off the glass-formation gate'],
  ['--mcmc-chains <n>', 'MCMC chains (default 64; 16 with --quick)', intOption('--mcmc-chains', 2)],
  ['--mcmc-steps <n>', 'MCMC steps per chain (default 700; 150 with --quick)', intOption('--mcmc-steps', 1)],
  ['--refine-steps <n>', 'gradient-refinement steps (default 1000; 200 with --quick)', intOption('--refine-steps', 1)],
  ['--refine-lr <lr>', 'gradient-refinement learning rate (default 0.01)', num('--refine-lr')],
  ['--refine-seeds <n>', 'refinement seeds (default 10)', intOption('--refine-seeds', 1)],
  ['--seed <n>', 'seed of every random step', intOption('--seed'), D.seed],
  ['--out <dir>', 'run directory (default runs/design-<date>)'],
  ['--quick', 'smoke run: short MCMC and refinement (and a quick model if one must be trained)'],
  ['--no-refine', 'skip the gradient refinement'],
  ['--json', 'print one JSON document on stdout'],
  ['--force', 'replace --out even if it holds files that are not a vibann run'],
];

/** Add the design options to a command. */
export function addDesignOptions(c: Command): Command {
  for (const [flags, text, parse, def] of DESIGN_CLI_OPTIONS)
    if (parse) c.option(flags, text, parse, def);
    else c.option(flags, text, def as string | undefined);
  return c;
}

/** The workflow options of parsed design options (target window and bounds parsed, argv kept). */
export async function designOptionsFromCli(
  o: DesignCliOptions,
  cmd: Command,
): Promise<Partial<DesignWorkflowOptions>> {
  const { parseTargetWindow } = await import('../../workflows/design.ts');
  const { parseBounds } = await import('../../design/constraints.ts');
  const { json: _json, target, bounds, ...rest } = o;
  return {
    ...rest,
    trainIfMissing: cmd.getOptionValueSource('model') === 'default',
    target: target ? parseTargetWindow(target) : undefined,
    ban: o.ban ?? [],
    bounds: bounds ? parseBounds(bounds) : {},
    quick: o.quick === true,
    argv: process.argv.slice(2),
  };
}

export function register(program: Command): void {
  const c = addDesignOptions(
    program
      .command('design')
      .description(
        'propose new hard glass compositions (latent MCMC, gradient refinement, acceptance gates, diverse families, cost)',
      ),
  );
  c.action(async (o: DesignCliOptions, cmd: Command) => {
    const t0 = performance.now();
    const { runDesignWorkflow, noCandidateError } = await import('../../workflows/design.ts');
    const options = await designOptionsFromCli(o, cmd);
    const json = o.json;
    const { dir, document: doc } = await runDesignWorkflow(options, cliHooks());
    if (json) printJson(doc);
    else {
      const { thresholdLines, candidateTable, GATE_LEGEND } = await import('../print/design.ts');
      const load = doc.manifest.options.load as number;
      for (const l of thresholdLines(doc, load)) out(l);
      out('');
      const t = candidateTable(doc, load);
      out(formatTable(t.header, t.rows, { align: t.align }));
      out(GATE_LEGEND);
      out(
        `run directory: ${dir} (design.json, gates.json, figures; 'vibann report --run ${dir}' for the HTML page); total ${duration((performance.now() - t0) / 1000)}`,
      );
    }
    const err = noCandidateError(doc);
    if (err) throw err;
  });
}
