/** The text summary of `vibann design-seeds --seeds N`: per seed, and the union of the accepted alloys. */
import type { DesignSeedsResult } from '../../workflows/design-seeds.ts';
import { duration } from '../duration.ts';
import { formatTable } from '../io.ts';

/** Reported candidates shown per seed. */
const SHOWN = 3;

export function designSeedsLines(r: DesignSeedsResult, totalS: number): string[] {
  const d = r.document;
  const lcb = (v: number) => (Number.isFinite(v) ? v.toFixed(0) : '–');
  return [
    formatTable(
      ['seed', 'screened', 'accepted', 'families', `top candidates (LCB at ${d.load} N, HV)`],
      d.per_seed.map((s) => [
        s.seed,
        s.screened,
        s.accepted,
        Object.keys(s.accepted_families).length,
        s.candidates
          .slice(0, SHOWN)
          .map((c) => `${c.formula} ${lcb(c.lcb)}${c.accepted ? '' : ' (rejected)'}`)
          .join(', ') || '–',
      ]),
    ),
    '',
    d.union.length === 0
      ? `no alloy passed all the gates in any of the ${d.seeds.length} seeds`
      : `${d.union.length} distinct accepted alloys over ${d.seeds.length} seeds (best LCB first):`,
    ...(d.union.length === 0
      ? []
      : [
          formatTable(
            ['alloy', 'family', `LCB at ${d.load} N (HV)`, 'novelty', 'cost (USD/kg)', 'seeds'],
            d.union.map((u) => [
              u.formula,
              u.family.join('-'),
              Math.round(u.lcb),
              u.novelty.toFixed(3),
              u.cost === null ? '–' : u.cost.toFixed(0),
              u.seeds.join(','),
            ]),
          ),
        ]),
    `run directory: ${r.dir} (design-seeds.json, one result per seed in jobs/); total ${duration(totalS)}`,
  ];
}
