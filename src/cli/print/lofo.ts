/** The text summaries of `vibann lofo`: the family list, one held-out family, several families. */
import type { LofoRunDocument } from '../../runs/lofo.ts';
import type { LofoListResult, runLofoMany } from '../../workflows/lofo.ts';
import { formatTable } from '../io.ts';
import { metricsTable } from '../metrics-table.ts';

export function lofoListLines(r: LofoListResult, minRows: number): string[] {
  const shown = r.families.filter((f) => f.rows >= minRows);
  return [
    `${r.families.length} element families in ${r.rows} rows of ${r.dataset}; ${shown.length} with at least ${minRows} rows:`,
    formatTable(
      ['family', 'rows', 'median HV', 'rows held out by --family'],
      shown.map((f) => [f.family, f.rows, Math.round(f.median_hv), f.held_out_by_family_option]),
    ),
    "('--family B,Fe,Nb' holds out every row containing B, Fe and Nb, so also their supersets; --min-rows changes the cut)",
  ];
}

export function lofoLines(doc: LofoRunDocument, family: string[]): string[] {
  return [
    `held-out family ${family.join('-')}: ${doc.held_out.rows} rows (${doc.held_out.families.length} element sets); trained on ${doc.n.train_fit} rows, calibration ${doc.n.calibration}; ${doc.training.networks} networks × ${doc.mc.passes} MC passes`,
    metricsTable([
      ['held out', doc.test],
      [`held out, σ × ${doc.recalibrated.sigma_scale.toFixed(3)}`, doc.recalibrated.test],
    ]),
    '(HV; R² is over the held-out rows only, so it is low when the family spans a narrow hardness range)',
  ];
}

type ManyResult = Awaited<ReturnType<typeof runLofoMany>>;

export function lofoManyLines(r: ManyResult): string[] {
  return [
    formatTable(
      ['held-out family', 'rows', 'RMSE', 'MAE', 'R²', '±1σ cov', '±1σ cov recal.'],
      r.document.families.map((f) => [
        f.family.join('-'),
        f.held_out_rows,
        f.rmse.toFixed(1),
        f.mae.toFixed(1),
        f.r2.toFixed(3),
        f.coverage_1sigma.toFixed(3),
        f.coverage_1sigma_recalibrated.toFixed(3),
      ]),
    ),
    `(HV; each family's run in ${r.runDir}/<family>/; summary lofo-families.json)`,
  ];
}
