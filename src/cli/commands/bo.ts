/**
 * `vibann bo` — the GP-BO design baseline (SPEC §10), compared with a VIBANN design run: the top
 * candidates of both methods through the design run's own four gates (§9.7, loaded from its
 * gates.json) with novelty, diversity, VIBANN-ensemble LCB and GP LCB. Writes bo.json,
 * manifest.json and the best-LCB trace plot (bo_trace.svg/png) to the run directory. The workflow
 * is `runBoWorkflow` (workflows/bo.ts); this file parses, calls it and prints.
 */
import type { Command } from 'commander';
import type { MethodSummary } from '../../bo/compare.ts';
import type { BoRunDocument, ComparedRow } from '../../runs/bo.ts';
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
    .option('--force', 'replace --out even if it holds files that are not a vibann run')
    .action(async ({ json, ...o }: BoOpts) => {
      const { runBoWorkflow } = await import('../../workflows/bo.ts');
      const { dir, document } = await runBoWorkflow(
        { ...o, argv: process.argv.slice(2) },
        cliHooks(),
      );
      if (json) printJson(document);
      else printBo(document, dir, o.plot);
    });
}

type Col<T> = [header: string, align: 'left' | 'right', cell: (r: T) => string | number];
const table = <T>(cols: Col<T>[], rows: readonly T[]) =>
  formatTable(
    cols.map((c) => c[0]),
    rows.map((r) => cols.map((c) => c[2](r))),
    { align: cols.map((c) => c[1]) },
  );
const mark = (p: boolean) => (p ? '✓' : '✗');

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
  const g = (r: ComparedRow) => r.gates;
  const rows: Col<ComparedRow>[] = [
    ['method', 'left', (r) => r.method],
    ['#', 'right', (r) => r.rank],
    ['alloy (at.%)', 'left', (r) => r.formula],
    [`VIBANN μ ± σ @${doc.load} N`, 'right', (r) => `${num(r.vibann.mean)} ± ${num(r.vibann.sd)}`],
    ['VIBANN LCB', 'right', (r) => num(r.vibann.lcb)],
    ['GP μ ± σ', 'right', (r) => `${num(r.gp.mean)} ± ${num(r.gp.sd)}`],
    ['GP LCB', 'right', (r) => num(r.gp.lcb)],
    ['novelty', 'right', (r) => num(r.nearest.distance, 3)],
    [
      'gates S N U P',
      'left',
      (r) =>
        `${mark(g(r).support.pass)} ${mark(g(r).novelty.pass)} ${mark(g(r).uncertainty.pass)} ${mark(g(r).performance.pass)}${r.accepted ? '' : '  rejected'}`,
    ],
  ];
  out(table(rows, Object.values(doc.comparison.candidates).flat()));
  out('');
  const summary: Col<MethodSummary>[] = [
    ['method', 'left', (m) => m.method],
    ['n', 'right', (m) => m.n],
    [
      'novelty mean (min–max)',
      'left',
      (m) => `${num(m.novelty.mean, 3)} (${num(m.novelty.min, 3)}–${num(m.novelty.max, 3)})`,
    ],
    ['diversity', 'right', (m) => num(m.diversity, 3)],
    ['VIBANN LCB mean (max)', 'right', (m) => `${num(m.lcb.mean)} (${num(m.lcb.max)})`],
    ['GP LCB mean (max)', 'right', (m) => `${num(m.gp_lcb.mean)} (${num(m.gp_lcb.max)})`],
    [
      'gates S/N/U/P',
      'left',
      ({ gates: x }) => `${x.support}/${x.novelty}/${x.uncertainty}/${x.performance}`,
    ],
    ['all 4', 'right', (m) => m.gates.all],
    ['accepted', 'right', (m) => m.gates.accepted],
  ];
  out(table(summary, doc.comparison.summary));
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
