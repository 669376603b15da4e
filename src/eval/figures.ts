/**
 * Figures of an evaluation run (SPEC §14): parity with ±1σ bars, reliability diagram, PIT
 * histogram, training curves. Pure: data in, Vega-Lite specs out (render with plots/render.ts).
 */
import type { TopLevelSpec } from 'vega-lite';
import type { HardnessModelMeta } from '../model/hardness-model.ts';
import {
  parityPlot,
  pitHistogramPlot,
  reliabilityPlot,
  trainingCurvesPlot,
} from '../plots/index.ts';
import type { EvaluationReport } from './evaluate.ts';

/** The model's per-epoch records in the report's TrainingHistory shape. */
export function trainingHistory(meta: HardnessModelMeta) {
  const folds = meta.split.cv_folds.length || 1;
  return {
    networks: meta.history.map((h, k) => ({
      name: `seed ${meta.seeds[Math.floor(k / folds)]} · fold ${(k % folds) + 1}`,
      best_epoch: meta.training.members[k]?.bestEpoch,
      epochs: h.map((e) => ({
        epoch: e.epoch,
        loss_hardness: e.hard,
        loss_reconstruction: e.recon,
        kl_per_dim: e.klPerDim,
        beta: e.beta,
        val_mse: e.valMse,
        seconds: e.wallMs / 1000,
      })),
    })),
    kl_target:
      meta.preset.training.beta.mode === 'controller'
        ? meta.preset.training.beta.target
        : undefined,
  };
}

export function evaluationFigures(
  r: EvaluationReport,
  meta: HardnessModelMeta,
): Record<string, TopLevelSpec> {
  const figs: Record<string, TopLevelSpec> = {};
  figs.parity = parityPlot(
    {
      points: r.predictions.map((p) => ({
        measured: p.measured,
        predicted: p.mean,
        sigma: p.std,
        set: p.set === 'train_fit' ? 'train' : p.set,
        load: p.load,
      })),
    },
    { title: 'Predicted vs measured hardness (MC mean ± 1σ)' },
  );
  const curve = (label: string, m: EvaluationReport['test']) => ({
    label,
    expected: m.coverage_curve.levels,
    observed: m.coverage_curve.observed,
    mace: m.mace,
  });
  figs.reliability = reliabilityPlot(
    {
      curves: [
        curve('test, raw σ', r.test),
        curve(`test, σ × ${r.recalibrated.sigma_scale.toFixed(2)}`, r.recalibrated.test),
        curve('calibration, raw σ', r.calibration),
      ],
    },
    { title: 'Reliability of the MC-dropout intervals' },
  );
  figs.pit = pitHistogramPlot({
    series: [
      { label: 'test', fractions: r.test.pit_histogram, n: r.n.test },
      { label: 'calibration', fractions: r.calibration.pit_histogram, n: r.n.calibration },
    ],
  });
  if (meta.history.length > 0) figs.training = trainingCurvesPlot(trainingHistory(meta));
  return figs;
}

/**
 * Write figures (SVG + PNG) into `dir`; a figure that cannot be drawn is reported through `onWarn`
 * and skipped (the run's results stand without it). `onStep(done, total, what)` reports progress
 * (it may throw to stop): first the plotting libraries loaded (about a second to import,
 * plots/render.ts), then each figure, drawn or skipped; `total` is the number of figures + 1.
 * Returns the names written.
 */
export async function writeFigures(
  dir: string,
  figs: Record<string, TopLevelSpec>,
  onWarn?: (message: string) => void,
  onStep?: (done: number, total: number, what: string) => void,
): Promise<string[]> {
  const { writePlot, loadPlotting } = await import('../plots/render.ts');
  const written: string[] = [];
  const entries = Object.entries(figs);
  const total = entries.length + 1;
  if (entries.length > 0) await loadPlotting();
  onStep?.(1, total, 'plotting libraries loaded');
  for (const [k, [name, spec]] of entries.entries()) {
    try {
      await writePlot(dir, name, spec);
      written.push(name);
    } catch (e) {
      onWarn?.(`figure '${name}' could not be drawn: ${(e as Error).message}`);
    }
    onStep?.(k + 2, total, `figure ${name}`);
  }
  return written;
}
