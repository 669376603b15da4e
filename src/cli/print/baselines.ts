/** The text summary of `vibann baselines`: the accuracy table and the uncertainty table. */
import type { BaselinesRunDocument } from '../../runs/baselines.ts';
import type { CalibrationMetrics } from '../../uq/calibration.ts';
import { formatTable } from '../io.ts';

const fmtParams = (p: Record<string, unknown>) =>
  Object.entries(p)
    .map(([k, v]) => `${k}=${typeof v === 'number' && !Number.isInteger(v) ? v.toPrecision(3) : v}`)
    .join(', ');

/** Accuracy metrics, with the calibration ones when the model has a σ. */
type UncertainMetrics = { r2: number; mae: number; rmse: number } & Partial<
  Pick<CalibrationMetrics, 'mace' | 'coverage_1sigma' | 'tail'>
>;

const unc = (name: string, t: UncertainMetrics) => [
  name,
  t.r2.toFixed(4),
  t.mae.toFixed(1),
  t.rmse.toFixed(1),
  t.mace?.toFixed(3) ?? '–',
  t.coverage_1sigma?.toFixed(3) ?? '–',
  t.tail?.q80.coverage_1sigma.toFixed(3) ?? '–',
  t.tail?.q90.coverage_1sigma.toFixed(3) ?? '–',
  t.tail?.q90.mean_signed_error.toFixed(1) ?? '–',
];

export function baselinesLines(doc: BaselinesRunDocument, runDir: string): string[] {
  const { split } = doc;
  const lines = [
    `Baselines on the ${split.kind} split: fit on train_fit (${doc.data.train_fit} rows), test ${doc.data.test} rows; ` +
      `tuning = ${split.cv_folds}-fold CV over train_fit, seed ${doc.options.seed}; total ${doc.wall_s.toFixed(0)} s`,
    '',
  ];
  const head = ['model', 'test R²', 'MAE', 'RMSE', 'MAPE %', 'CV RMSE', 'tuning'];
  lines.push(
    formatTable(
      [...head, 'best hyperparameters', 'time (s)'],
      doc.results.map((r) => [
        r.model,
        r.test.r2.toFixed(4),
        r.test.mae.toFixed(1),
        r.test.rmse.toFixed(1),
        r.test.mape.toFixed(2),
        r.cv_rmse.toFixed(1),
        r.tuning,
        r.gp
          ? `C=${r.gp.constant.toPrecision(3)}, ℓ=${r.gp.length_scale.toPrecision(3)}, noise=${r.gp.noise.toPrecision(3)}`
          : fmtParams(r.best_params) || '–',
        (r.search_s + r.fit_s).toFixed(1),
      ]),
      { align: ['left', 'right', 'right', 'right', 'right', 'right', 'left', 'left', 'right'] },
    ),
  );
  const gp = doc.results.find((r) => r.key === 'gp');
  const v = doc.vibann;
  const rows = [
    ...(v ? [unc(`VIBANN (${v.networks} networks)`, v.test)] : []),
    ...(gp ? [unc('GP (its own σ)', gp.test)] : []),
  ];
  if (rows.length > 0) {
    const tails = ['cov top 20 %', 'cov top 10 %', 'signed err top 10 %'];
    lines.push(
      '',
      'Uncertainty on the test set (models with a predictive σ):',
      formatTable(['model', 'R²', 'MAE', 'RMSE', 'MACE', '±1σ cov', ...tails], rows),
    );
  }
  lines.push(`run directory: ${runDir} (baselines.json, figure)`);
  return lines;
}
