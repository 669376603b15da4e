/** The text tables of `vibann shift`: per split (with the GP), and per σ method pooled. */
import type { ShiftDocument } from '../../workflows/shift.ts';
import { formatTable } from '../io.ts';

const f2 = (v: number) => v.toFixed(2);
const f0 = (v: number) => v.toFixed(0);

type M = ShiftDocument['table'][number]['default'];
const row = (name: string, n: number, m: M, gp: M) => [
  name,
  n,
  f0(m.mae),
  f0(m.mean_signed_error),
  f2(m.coverage_1sigma),
  f2(m.coverage_90),
  f0(m.mean_width_90),
  f2(m.nll),
  f2(gp.coverage_90),
  f0(gp.mae),
];

export function shiftLines(d: ShiftDocument, runDir: string): string[] {
  return [
    formatTable(
      ['split', 'n', 'MAE', 'MSE', '±1σ', '90 %', 'width 90', 'NLL', 'GP 90 %', 'GP MAE'],
      [
        ...d.table.map((t) => row(t.name, t.n, t.default, t.gp)),
        row('pooled', d.pooled.default.n, d.pooled.default, d.pooled.gp),
      ],
    ),
    '',
    formatTable(
      ['σ (pooled)', '±1σ', '90 %', 'width 90', 'NLL', 'interval score 90'],
      Object.entries(d.pooled.methods).map(([k, m]) => [
        k,
        f2(m.coverage_1sigma),
        f2(m.coverage_90),
        f0(m.mean_width_90),
        f2(m.nll),
        f0(m.interval_score_90),
      ]),
    ),
    `(run directory ${runDir}; MSE = mean signed error μ − y, HV)`,
  ];
}
