/**
 * The evaluation protocol of a trained model (SPEC §6, §7): accuracy and calibration metrics on
 * the test and calibration sets, with the σ scale fitted on the calibration set only (the test set
 * is never used to fit it), and the CV report (each fold network scored on its own fold).
 */
import type { Dataset } from '../data/dataset.ts';
import type { Split } from '../data/split.ts';
import { meanSd } from '../math/stats.ts';
import type { HardnessModel } from '../model/hardness-model.ts';
import {
  type CalibrationMetrics,
  calibrationMetrics,
  SigmaRecalibrator,
  samplesFromFlat,
} from '../uq/calibration.ts';
import type { DomainModel } from '../uq/domain.ts';
import { accuracyMetrics } from '../uq/metrics.ts';
import type { UncertaintyModel } from '../uq/shift.ts';

export interface EvaluateOptions {
  /** MC passes per member (default: the model's preset, 100). */
  passes?: number;
  /** Seed of the MC masks (default 1). */
  seed?: number;
  /**
   * The model's uncertainty model and training domain (domain.json, docs/uncertainty.md): when
   * given, every metric uses this predictive distribution (σ and its intervals), not raw MC samples.
   */
  uq?: { domain: DomainModel; model: UncertaintyModel };
}

export interface CvReport {
  /** Per member on its own fold, as the model predicts (with the neighbour term when it has one). */
  folds: { member: number; seed: number; n: number; rmse: number; mae: number; r2: number }[];
  mean: { rmse: number; mae: number; r2: number };
  sd: { rmse: number; mae: number; r2: number };
  /**
   * Models with the neighbour term (model/neighbour.ts): its settings were chosen by CV on these
   * very rows, so `mean` is slightly optimistic; `networks` is the same report for the networks
   * alone, which nothing was chosen on. Absent without the term.
   */
  neighbour?: {
    chosen_on_these_rows: true;
    networks: {
      mean: { rmse: number; mae: number; r2: number };
      sd: { rmse: number; mae: number; r2: number };
    };
  };
}

export interface EvaluationReport {
  split: { kind: string; description: string };
  n: { train_fit: number; calibration: number; test: number };
  test: CalibrationMetrics;
  calibration: CalibrationMetrics;
  /** 'mc' without an uncertainty model, else its method (docs/uncertainty.md). */
  uncertainty?: string;
  /** σ multiplied by `sigma_scale` (fitted on calibration by Gaussian NLL, SPEC §6). */
  recalibrated: { sigma_scale: number; test: CalibrationMetrics; calibration: CalibrationMetrics };
  cv?: CvReport;
  mc: { passes: number; members: number; seed: number };
  /** Per-row predictions of every set (for parity plots and CSV export). */
  predictions: RowPrediction[];
}

export interface RowPrediction {
  set: 'train_fit' | 'calibration' | 'test';
  /** 0-based data row. */
  row: number;
  load: number;
  measured: number;
  mean: number;
  std: number;
  /** MC-dropout + ensemble σ before the uncertainty model, HV. */
  std_mc: number;
}

function rowsOf(ds: Dataset, rows: readonly number[]) {
  const E = ds.elements.length;
  const x = new Float32Array(rows.length * E);
  for (const [i, r] of rows.entries()) x.set(ds.x.subarray(r * E, (r + 1) * E), i * E);
  return { x, load: rows.map((r) => ds.load[r]), hv: Float64Array.from(rows, (r) => ds.hv[r]) };
}

export function evaluateModel(
  model: HardnessModel,
  ds: Dataset,
  split: Split,
  o: EvaluateOptions = {},
): EvaluationReport {
  const passes = o.passes ?? model.meta.preset.mcPasses;
  const seed = o.seed ?? 1;
  const setMetrics = (rows: readonly number[]) => {
    const d = rowsOf(ds, rows);
    const p = model.predictRows(d.x, d.load, { passes, seed, returnSamples: !o.uq });
    if (o.uq) {
      const pr = o.uq.model.apply(p.std, o.uq.domain.features(d.x, d.load));
      return {
        y: d.hv,
        mu: p.mean,
        sigma: pr.sigma,
        sigmaMc: p.std,
        samples: undefined,
        halfWidth: pr.halfWidth,
        load: d.load,
      };
    }
    const samples = samplesFromFlat(p.samples!, p.nMembers * p.passes, rows.length);
    return {
      y: d.hv,
      mu: p.mean,
      sigma: p.std,
      sigmaMc: p.std,
      samples,
      halfWidth: undefined,
      load: d.load,
    };
  };
  const rowsOut = (
    set: RowPrediction['set'],
    rows: readonly number[],
    r: {
      y: Float64Array;
      mu: Float64Array;
      sigma: Float64Array;
      sigmaMc: Float64Array;
      load: number[];
    },
  ) =>
    rows.map(
      (row, i): RowPrediction => ({
        set,
        row,
        load: r.load[i],
        measured: r.y[i],
        mean: r.mu[i],
        std: r.sigma[i],
        std_mc: r.sigmaMc[i],
      }),
    );
  const test = setMetrics(split.test);
  const cal = setMetrics(split.calibration);
  const train = setMetrics(split.trainFit);
  const recal = SigmaRecalibrator.fit(cal.y, cal.mu, cal.sigma);
  const m = (s: typeof test, sigma = s.sigma, samples = s.samples, halfWidth = s.halfWidth) =>
    calibrationMetrics(s.y, s.mu, sigma, { samples, halfWidth });
  const rec = (s: typeof test) => {
    const hw = s.halfWidth;
    return m(
      s,
      recal.apply(s.sigma),
      s.samples ? recal.applySamples(s.samples, s.mu) : undefined,
      hw ? (p: number) => recal.apply(hw(p)) : undefined,
    );
  };

  // CV report: member k of seed s was stopped on fold k; score it alone on that fold (dropout off
  // is not what the ensemble uses, so use the same MC mean as everywhere else).
  let cv: CvReport | undefined;
  const nf = split.cvFolds.length;
  if (nf >= 2 && model.nMembers % nf === 0) {
    const score = (network: boolean) => {
      const folds: CvReport['folds'] = [];
      for (let k = 0; k < model.nMembers; k++) {
        const rows = split.cvFolds[k % nf];
        const d = rowsOf(ds, rows);
        const p = model.predictRows(d.x, d.load, { passes, seed, members: [k], network });
        const a = accuracyMetrics(d.hv, p.mean);
        folds.push({
          member: k,
          seed: model.meta.seeds[Math.floor(k / nf)],
          n: rows.length,
          rmse: a.rmse,
          mae: a.mae,
          r2: a.r2,
        });
      }
      const r = meanSd(folds.map((f) => f.rmse));
      const a = meanSd(folds.map((f) => f.mae));
      const q = meanSd(folds.map((f) => f.r2));
      return {
        folds,
        mean: { rmse: r.m, mae: a.m, r2: q.m },
        sd: { rmse: r.sd, mae: a.sd, r2: q.sd },
      };
    };
    cv = score(false);
    if (model.neighbour) {
      const net = score(true);
      cv.neighbour = { chosen_on_these_rows: true, networks: { mean: net.mean, sd: net.sd } };
    }
  }
  return {
    split: { kind: split.kind, description: split.description },
    n: {
      train_fit: split.trainFit.length,
      calibration: split.calibration.length,
      test: split.test.length,
    },
    test: m(test),
    calibration: m(cal),
    uncertainty: o.uq ? o.uq.model.method : 'mc',
    recalibrated: { sigma_scale: recal.scale, test: rec(test), calibration: rec(cal) },
    cv,
    mc: { passes, members: model.nMembers, seed },
    predictions: [
      ...rowsOut('train_fit', split.trainFit, train),
      ...rowsOut('test', split.test, test),
      ...rowsOut('calibration', split.calibration, cal),
    ],
  };
}
