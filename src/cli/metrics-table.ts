/** The accuracy-and-calibration table `evaluate` and `lofo` print (one row per set of rows). */
import type { CalibrationMetrics } from '../uq/calibration.ts';
import { formatTable } from './io.ts';

const COLUMNS: [header: string, cell: (m: CalibrationMetrics) => string | number][] = [
  ['n', (m) => m.n],
  ['R²', (m) => m.r2.toFixed(3)],
  ['MAE', (m) => m.mae.toFixed(1)],
  ['RMSE', (m) => m.rmse.toFixed(1)],
  ['mean signed err', (m) => m.mean_signed_error.toFixed(1)],
  ['±1σ cov', (m) => m.coverage_1sigma.toFixed(3)],
  ['MACE', (m) => m.mace.toFixed(3)],
  ['NLL', (m) => m.nll.toFixed(2)],
];

const TAIL: typeof COLUMNS = [
  ['±1σ cov top 10 %', (m) => m.tail.q90.coverage_1sigma.toFixed(3)],
  ['signed err top 10 %', (m) => m.tail.q90.mean_signed_error.toFixed(1)],
];

export function metricsTable(
  rows: readonly [label: string, m: CalibrationMetrics][],
  o: { labelHeader?: string; tail?: boolean } = {},
): string {
  const cols = o.tail ? [...COLUMNS, ...TAIL] : COLUMNS;
  return formatTable(
    [o.labelHeader ?? '', ...cols.map(([h]) => h)],
    rows.map(([label, m]) => [label, ...cols.map(([, cell]) => cell(m))]),
  );
}
