/** The text tables of the training studies (`vibann evaluate --seeds-report | --ablations | --learning-curve`). */
import type { StudyMetrics } from '../../eval/studies.ts';
import type { StudiesRunDocument } from '../../runs/studies.ts';
import { duration } from '../duration.ts';
import { formatTable } from '../io.ts';

const cols = (m: StudyMetrics) => [
  m.r2.toFixed(3),
  m.mae.toFixed(1),
  m.rmse.toFixed(1),
  m.coverage_1sigma.toFixed(3),
  m.mace.toFixed(3),
  m.coverage_1sigma_top10.toFixed(3),
  m.mean_signed_error_top10.toFixed(1),
];
const HEAD = ['R²', 'MAE', 'RMSE', '±1σ cov', 'MACE', 'cov top 10 %', 'signed err top 10 %'];

export function studiesLines(
  doc: StudiesRunDocument,
  o: { preset: string; seed: number; runDir: string; totalS: number },
): string[] {
  const lines: string[] = [];
  const r = doc.seeds_report;
  if (r) {
    const rows = r.seeds.map((x) => [
      String(x.seed),
      ...cols(x.test),
      x.cv_rmse?.toFixed(1) ?? '–',
    ]);
    for (const k of ['mean', 'sd', 'pooled'] as const) rows.push([k, ...cols(r[k]), '']);
    lines.push(
      `Seeds report (${o.preset} preset, ${r.seeds.length} seeds, test set):`,
      formatTable(['seed', ...HEAD, 'CV RMSE'], rows),
    );
  }
  if (doc.ablations)
    lines.push(
      `Ablations (${o.preset} preset, seed ${o.seed}, test set):`,
      formatTable(
        ['variant', ...HEAD, 'CV RMSE', 'train'],
        doc.ablations.map((x) => [
          x.variant,
          ...cols(x.test),
          x.cv_rmse?.toFixed(1) ?? '–',
          duration(x.train_s),
        ]),
      ),
    );
  if (doc.learning_curve)
    lines.push(
      `Learning curve (${o.preset} preset, seed ${o.seed}, test set):`,
      formatTable(
        ['train_fit', 'rows', ...HEAD],
        doc.learning_curve.map((x) => [
          `${Math.round(x.fraction * 100)} %`,
          String(x.train_fit_rows),
          ...cols(x.test),
        ]),
      ),
    );
  const total = duration(o.totalS);
  lines.push(`(HV; ${doc.split.description}; total ${total}; run directory ${o.runDir})`);
  return lines;
}
