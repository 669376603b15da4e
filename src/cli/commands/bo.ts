/**
 * `vibann bo` — the GP-BO design baseline (SPEC §10), compared with a VIBANN design run: the top
 * candidates of both methods through the design run's own four gates (§9.7, loaded from its
 * gates.json) with novelty, diversity, VIBANN-ensemble LCB and GP LCB. Writes bo.json,
 * manifest.json and the best-LCB trace plot (bo_trace.svg/png) to the run directory. The workflow
 * is `runBoWorkflow` (workflows/bo.ts); this file parses, calls it and prints.
 */
import type { Command } from 'commander';
import type { BoRunDocument } from '../../runs/bo.ts';
import { BO_DEFAULTS as D } from '../../workflows/bo.ts';
import { duration } from '../duration.ts';
import { cliHooks } from '../hooks.ts';
import { formatTable, out, printJson } from '../io.ts';
import { intOption, numberOption } from '../options.ts';

interface BoOpts {
  model?: string;
  data?: string;
  load?: number;
  iterations: number;
  designRun?: string;
  n: number;
  seed: number;
  randomStarts: number;
  refineStarts: number;
  gpRestarts: number;
  mc?: number;
  out?: string;
  plot: boolean;
  json?: boolean;
}

const num = (v: number | null, d = 0) => (v !== null && Number.isFinite(v) ? v.toFixed(d) : '–');

export function register(program: Command): void {
  program
    .command('bo')
    .description(
      'GP Bayesian-optimisation design baseline, compared with a VIBANN design through the same gates',
    )
    .option(
      '--model <dir>',
      "model directory (its ensemble and latent space score the gates; default: the design run's, else models/default)",
    )
    .option(
      '--data <file>',
      'dataset CSV the model was trained on (default: the reference dataset)',
    )
    .option(
      '--load <N>',
      "design load in N (default: the design run's, else 0.5)",
      numberOption('--load', { positive: true }),
    )
    .option('--iterations <n>', 'BO iterations', intOption('--iterations', 1), D.iterations)
    .option(
      '--design-run <dir>',
      'a VIBANN design run directory to compare with (its gates.json gives the gates)',
    )
    .option('--n <n>', 'top candidates per method in the comparison', intOption('--n', 1), D.n)
    .option('--seed <n>', 'seed of the BO and of the gate MC passes', intOption('--seed'), D.seed)
    .option(
      '--random-starts <n>',
      'random starts per iteration besides the anchors',
      intOption('--random-starts'),
      D.randomStarts,
    )
    .option(
      '--refine-starts <n>',
      'starts refined by L-BFGS per iteration (best acquisition first)',
      intOption('--refine-starts', 1),
      D.refineStarts,
    )
    .option(
      '--gp-restarts <n>',
      'GP marginal-likelihood restarts',
      intOption('--gp-restarts'),
      D.gpRestarts,
    )
    .option(
      '--mc <S>',
      'MC dropout passes per network for the gates (default: the design run’s, 100)',
      intOption('--mc', 2),
    )
    .option('--out <dir>', 'run directory (default runs/bo-<date>)')
    .option('--no-plot', 'do not draw the best-LCB trace')
    .option('--json', 'print one JSON document on stdout')
    .action(async ({ json, ...o }: BoOpts) => {
    .option('--force', 'replace --out even if it holds files that are not a vibann run')
      const { runBoWorkflow } = await import('../../workflows/bo.ts');
      const { dir, document } = await runBoWorkflow(
        { ...o, argv: process.argv.slice(2) },
        cliHooks(),
      );
      if (json) printJson(document);
      else printBo(document, dir, o.plot);
    });
}

function printBo(doc: BoRunDocument, dir: string, plot: boolean): void {
  const th = doc.thresholds;
  const s = doc.surrogate;
  const t = doc.timings;
  out(
    `GP-BO at ${doc.load} N: ${doc.iterations} iterations in ${duration(t.bo)} (GP fit ${duration(t.gp_fit)}: C ${s.constant.toPrecision(3)}, ℓ ${s.length_scale.toPrecision(3)}, noise ${s.noise.toPrecision(3)}); ${doc.candidates.length} distinct alloys from ${doc.proposals.length} proposals`,
  );
  const from = doc.gates.design_run ? ` of design run ${doc.gates.design_run}` : '';
  out(
    `gates${from} (seed ${doc.gates.design_seed}): LCB ≥ ${th.lcbTarget.toFixed(0)} HV, σ ≤ ${(th.sigmaCapFactor * th.sigmaRef).toFixed(0)} HV, novelty ≥ ${th.novelty.toFixed(3)}, log p ≥ ${th.logpThreshold.toFixed(1)}`,
  );
  out('');
  const mark = (p: boolean) => (p ? '✓' : '✗');
  const shown = Object.values(doc.comparison.candidates).flat();
  out(
    formatTable(
      [
        'method',
        '#',
        'alloy (at.%)',
        `VIBANN μ ± σ @${doc.load} N`,
        'VIBANN LCB',
        'GP μ ± σ',
        'GP LCB',
        'novelty',
        'gates S N U P',
      ],
      shown.map((r) => [
        r.method,
        r.rank,
        r.formula,
        `${num(r.vibann.mean)} ± ${num(r.vibann.sd)}`,
        num(r.vibann.lcb),
        `${num(r.gp.mean)} ± ${num(r.gp.sd)}`,
        num(r.gp.lcb),
        num(r.nearest.distance, 3),
        `${mark(r.gates.support.pass)} ${mark(r.gates.novelty.pass)} ${mark(r.gates.uncertainty.pass)} ${mark(r.gates.performance.pass)}${r.accepted ? '' : '  rejected'}`,
      ]),
      { align: ['left', 'right', 'left', 'right', 'right', 'right', 'right', 'right', 'left'] },
    ),
  );
  out('');
  out(
    formatTable(
      [
        'method',
        'n',
        'novelty mean (min–max)',
        'diversity',
        'VIBANN LCB mean (max)',
        'GP LCB mean (max)',
        'gates S/N/U/P',
        'all 4',
        'accepted',
      ],
      doc.comparison.summary.map((m) => [
        m.method,
        m.n,
        `${num(m.novelty.mean, 3)} (${num(m.novelty.min, 3)}–${num(m.novelty.max, 3)})`,
        num(m.diversity, 3),
        `${num(m.lcb.mean)} (${num(m.lcb.max)})`,
        `${num(m.gp_lcb.mean)} (${num(m.gp_lcb.max)})`,
        `${m.gates.support}/${m.gates.novelty}/${m.gates.uncertainty}/${m.gates.performance}`,
        m.gates.all,
        m.gates.accepted,
      ]),
      { align: ['left', 'right', 'left', 'right', 'right', 'right', 'left', 'right', 'right'] },
    ),
  );
  out(
    '(HV at the design load; novelty = distance to the nearest train_fit composition, diversity = mean pairwise distance, fractions; gates: S support, N novelty, U uncertainty, P performance; accepted = all four and LCB in the target window)',
  );
  if (!doc.gates.design_run)
    out(
      'no --design-run given: pass a VIBANN design run directory to put its candidates beside these',
    );
  out(
    `run directory: ${dir} (bo.json, manifest.json${plot ? ', bo_trace.svg/png' : ''}); total ${duration(t.total)}`,
  );
}
