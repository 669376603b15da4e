/** The text summaries of `vibann evaluate` (one model) and `vibann evaluate --splits N`. */

import type { EvaluateRunDocument } from '../../runs/evaluate.ts';
import type { MultiSplitDocument } from '../../workflows/multisplit.ts';
import { metricsTable } from '../metrics-table.ts';

export function evaluateLines(r: EvaluateRunDocument, runDir: string): string[] {
  const lines = [
    `${r.split.description}; ${r.mc.members} networks × ${r.mc.passes} MC passes`,
    metricsTable(
      [
        ['test', r.test],
        ['calibration', r.calibration],
        [`test, σ × ${r.recalibrated.sigma_scale.toFixed(3)}`, r.recalibrated.test],
      ],
      { labelHeader: 'set', tail: true },
    ),
    '(HV; σ scale fitted on the calibration set by Gaussian NLL; MACE from the MC-sample quantile intervals)',
    `run directory: ${runDir} (metrics.json, predictions.csv, figures; 'vibann report --run ${runDir}' for the HTML page)`,
  ];
  if (r.cv) {
    const { mean: m, sd } = r.cv;
    lines.push(
      '',
      `CV (each network on its own fold): RMSE ${m.rmse.toFixed(1)} ± ${sd.rmse.toFixed(1)}, MAE ${m.mae.toFixed(1)} ± ${sd.mae.toFixed(1)}, R² ${m.r2.toFixed(3)} ± ${sd.r2.toFixed(3)}`,
    );
    const nb = r.cv.neighbour;
    if (nb) {
      const n = nb.networks;
      lines.push(
        `  with the neighbour term, whose settings were chosen on these rows (slightly optimistic); the networks alone: RMSE ${n.mean.rmse.toFixed(1)} ± ${n.sd.rmse.toFixed(1)}, MAE ${n.mean.mae.toFixed(1)} ± ${n.sd.mae.toFixed(1)}, R² ${n.mean.r2.toFixed(3)} ± ${n.sd.r2.toFixed(3)}`,
      );
    }
  }
  return lines;
}

export function multiSplitLines(r: MultiSplitDocument, runDir: string): string[] {
  const d = r.paired_mae_difference;
  return [
    ...Object.entries(r.summary).map(
      ([k, s]) =>
        `${k.padEnd(8)} MAE ${s.mean.mae.toFixed(1)} ± ${s.sd.mae.toFixed(1)}  RMSE ${s.mean.rmse.toFixed(1)} ± ${s.sd.rmse.toFixed(1)}  R² ${s.mean.r2.toFixed(3)} ± ${s.sd.r2.toFixed(3)}`,
    ),
    `vibann − ${r.best_baseline} MAE over ${d.n} splits: ${d.mean.toFixed(1)} HV, 95 % corrected interval [${d.ci[0].toFixed(1)}, ${d.ci[1].toFixed(1)}] (Nadeau–Bengio)`,
    ...(d.resolvable
      ? [
          `  a mean difference within ±${d.resolvable.half_width.toFixed(1)} HV cannot be told from zero by these ${d.n} splits, nor one within ±${d.resolvable.limit.toFixed(1)} HV by any number of splits of this size (sd of the differences ${d.sd.toFixed(1)} HV)`,
        ]
      : []),
    `run directory: ${runDir}`,
  ];
}
