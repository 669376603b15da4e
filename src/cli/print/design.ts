/**
 * The text summary of a design run (what `vibann design` prints): threshold lines with the rule
 * that set each, and the candidate table as header/rows for the CLI's table formatter.
 */
import type { DesignRunDocument } from '../../runs/design.ts';

const mark = (p: boolean | undefined) => (p === undefined ? '-' : p ? '✓' : '✗');

/** Lines above the table: the thresholds and the rule behind each. */
export function thresholdLines(doc: DesignRunDocument, load: number): string[] {
  const th = doc.thresholds;
  const s = doc.summary;
  const r = th.rules;
  const lines = [
    `thresholds at ${load} N (GMM K = ${s.gmm.k} in ${s.frame.dim} of ${s.frame.latent_dim} latent dimensions):`,
    `  LCB target ${th.lcbTarget.toFixed(0)} HV — ${r?.lcbTarget ?? 'calibration rows'}`,
    `  σ cap ${(th.sigmaCapFactor * th.sigmaRef).toFixed(0)} HV — ${r?.sigmaRef ?? 'calibration rows'}`,
    `  novelty ≥ ${th.novelty.toFixed(3)} — ${r?.novelty ?? 'train_fit'}`,
    `  log p ≥ ${th.logpThreshold.toFixed(1)} — ${r?.support ?? 'train_fit latents'}`,
  ];
  if (r?.glass) lines.push(`  glass — ${r.glass}`);
  if (r?.maxCost) lines.push(`  cost — ${r.maxCost}`);
  if (r?.familyCap) lines.push(`  selection — ${r.familyCap}`);
  const gates = r?.glass ? 'five' : 'four';
  const fam = Object.entries(s.accepted_families ?? {});
  lines.push(
    `screened ${s.screened} distinct alloys; ${s.accepted} passed all ${gates} gates${fam.length > 0 ? ` (${fam.length} ${fam.length === 1 ? 'family' : 'families'}: ${fam.map(([f, k]) => `${f} ${k}`).join(', ')})` : ''}`,
  );
  return lines;
}

/** The candidate table: header, rows, alignment. */
export function candidateTable(
  doc: DesignRunDocument,
  load: number,
): { header: string[]; rows: (string | number)[][]; align: ('left' | 'right')[] } {
  const header = [
    '#',
    'alloy (at.%)',
    'family',
    `HV μ ± σ_MC @${load} N`,
    'LCB',
    '90 % interval (predict)',
    'gates S N U P G',
    'USD/kg',
    'nearest known (composition; latent)',
    'domain',
  ];
  const rows = doc.candidates.map((c, i) => {
    const p = c.predictions.find((q) => q.load === load) ?? c.predictions[0];
    const g = c.gates;
    const cost = c.cost?.usd_per_kg;
    const nl = c.nearest_latent;
    const d = c.domain;
    return [
      i + 1,
      c.formula,
      c.family?.join('-') ?? '',
      `${p.mean.toFixed(0)} ± ${p.std.toFixed(0)}`,
      p.lcb.toFixed(0),
      c.predictive
        ? `${c.predictive.lo90.toFixed(0)}–${c.predictive.hi90.toFixed(0)} (σ ${c.predictive.sigma.toFixed(0)})`
        : '-',
      `${mark(g.support.pass)} ${mark(g.novelty.pass)} ${mark(g.uncertainty.pass)} ${mark(g.performance.pass)} ${mark(g.glass?.pass)}${c.accepted ? '' : '  rejected'}`,
      cost === null || cost === undefined
        ? 'unknown'
        : `${cost.toFixed(cost < 100 ? 1 : 0)}${c.cost?.lower_bound ? '+' : ''}`,
      `${c.nearest.formula} (${c.nearest.distance.toFixed(3)}, ${c.nearest.hv.toFixed(0)} HV @ ${+c.nearest.load.toPrecision(3)} N)${nl ? `; ${nl.formula} (${nl.distance.toFixed(2)})` : ''}`,
      !d ? 'unknown' : d.in_domain ? 'in' : `OUT: ${d.reasons.join(', ')}`,
    ];
  });
  return {
    header,
    rows,
    align: ['right', 'left', 'left', 'right', 'right', 'right', 'left', 'right', 'left', 'left'],
  };
}

export const GATE_LEGEND =
  "(μ ± σ_MC and LCB: the MC-dropout + ensemble σ the gates use; 90 % interval (predict): the model's predictive distribution, which grows off the data — what `vibann predict` prints for the alloy at this load; gates: S support in the latent density, N novelty, U uncertainty σ ≤ cap, P performance LCB ≥ target, G glass-formation descriptors in the known glasses' ranges; USD/kg raw materials, + = lower bound, chem/tables/prices.ts)";
