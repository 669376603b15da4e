/**
 * The grouped-CV out-of-fold rows a trained model saved with its uncertainty fit
 * (`domain.json` → `grouped_cv`: networks trained without whole families or regimes), scored per
 * fold kind — family, hardest, load-low, load-high — and on the calibration rows: MAE, RMSE, mean
 * MC σ, and the coverage of the model's own predictive ±1σ and 90 % intervals. What a 5-fold CV
 * inside train_fit cannot show: how a setting does on families it has not seen
 * (docs/presets.md "Huber loss").
 *
 *   npx tsx bench/grouped-oof.ts MODEL_DIR [MODEL_DIR ...] [--json out.json]
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mean } from '../src/math/stats.ts';
import { DOMAIN_FILE, type GroupedCvRow, readDomainFile } from '../src/runs/domain.ts';
import { accuracyMetrics } from '../src/uq/metrics.ts';
import { intervalMetrics, UncertaintyModel } from '../src/uq/shift.ts';
import { InputError } from '../src/util/errors.ts';

export interface KindScore {
  kind: string;
  n: number;
  mae: number;
  rmse: number;
  mean_sigma_mc: number;
  coverage_1sigma: number;
  coverage_90: number;
}

function score(kind: string, rows: readonly GroupedCvRow[], um: UncertaintyModel): KindScore {
  const y = rows.map((r) => r.y);
  const mu = rows.map((r) => r.mu);
  const p = um.apply(
    rows.map((r) => r.sigma_mc),
    { knn: rows.map((r) => r.knn), gap: rows.map((r) => r.gap), ext: rows.map((r) => r.ext ?? 0) },
  );
  const acc = accuracyMetrics(y, mu);
  const iv = intervalMetrics(y, mu, p);
  return {
    kind,
    n: rows.length,
    mae: acc.mae,
    rmse: acc.rmse,
    mean_sigma_mc: mean(rows.map((r) => r.sigma_mc)),
    coverage_1sigma: iv.coverage_1sigma,
    coverage_90: iv.coverage_90,
  };
}

function main() {
  const args = process.argv.slice(2);
  const j = args.indexOf('--json');
  const jsonOut = j >= 0 ? args[j + 1] : undefined;
  const dirs = args.filter((a, i) => !a.startsWith('--') && (j < 0 || i !== j + 1));
  if (dirs.length === 0) {
    process.stderr.write('usage: npx tsx bench/grouped-oof.ts MODEL_DIR [...] [--json out.json]\n');
    process.exit(2);
  }
  const out: Record<string, KindScore[]> = {};
  for (const dir of dirs) {
    const file = readDomainFile(join(dir, DOMAIN_FILE));
    const um = UncertaintyModel.fromJSON(file.uncertainty);
    const { oof, calibration } = file.grouped_cv;
    if (!oof || !calibration)
      throw new InputError(`${dir}: domain.json has no saved grouped-CV rows (an older model)`);
    const kinds = file.grouped_cv.fold_kinds ?? [];
    const kindOf = (r: GroupedCvRow) => kinds[r.fold ?? -1] ?? 'family';
    const scores = [...new Set(oof.map(kindOf))].map((k) =>
      score(
        k,
        oof.filter((r) => kindOf(r) === k),
        um,
      ),
    );
    scores.push(score('calibration', calibration, um));
    out[dir] = scores;
    process.stdout.write(`${dir} (uncertainty: ${um.method})\n`);
    for (const s of scores)
      process.stdout.write(
        `  ${`${s.kind} (${s.n})`.padEnd(18)} MAE ${s.mae.toFixed(1).padStart(6)}  RMSE ${s.rmse.toFixed(1).padStart(6)}  MC σ ${s.mean_sigma_mc.toFixed(0).padStart(4)}  ±1σ ${s.coverage_1sigma.toFixed(2)}  90 % ${s.coverage_90.toFixed(2)}\n`,
      );
  }
  if (jsonOut) writeFileSync(jsonOut, JSON.stringify(out, null, 1));
}

try {
  main();
} catch (e) {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(e instanceof InputError ? 2 : 1);
}
