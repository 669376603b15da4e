/** The text summary of `vibann bo`: run line, gates, the compared candidates and the per-method summary. */
import type { MethodSummary } from '../../bo/compare.ts';
import type { BoRunDocument, ComparedRow } from '../../runs/bo.ts';
import { duration } from '../duration.ts';
import { type Col, num, table } from './table.ts';

const mark = (p: boolean) => (p ? '✓' : '✗');

export function boLines(doc: BoRunDocument, dir: string, plot: boolean): string[] {
  const lines: string[] = [];
  const out = (l = '') => lines.push(l);
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
  return lines;
}
