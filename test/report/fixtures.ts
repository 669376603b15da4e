/**
 * Deterministic synthetic data for the figure and report tests: realistic shapes and ranges
 * (HV 300–2300, loads 0.5–10 N, 56 elements), small sizes so the tests stay fast.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type {
  AttentionData,
  BaselinesData,
  GmmDensityData,
  IgData,
  IntervalWidthData,
  LatentMapData,
  LoadCurvesData,
  ParityData,
  PitData,
  ReliabilityData,
  TrainingHistory,
  TraversalData,
} from '../../src/plots/index.ts';
import { calibrationMetrics } from '../../src/uq/calibration.ts';
import type { RunManifest } from '../../src/util/manifest.ts';

/** A small LCG so fixtures do not depend on the project's Rng. */
export function lcg(seed = 1) {
  let s = seed >>> 0;
  const u = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s + 0.5) / 4294967296;
  };
  const normal = () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
  return { u, normal };
}

export const ELEMENTS = (
  'B Nb Fe W Zr Cu Al Ni Co Ta Mo Si Ti Hf Cr Mn V Y La Ce Pd Pt Au Ag Mg Ca Be C P Ge Sn In ' +
  'Ga Zn Re Ir Ru Rh Os Sc Nd Sm Gd Tb Dy Ho Er Tm Yb Lu Pr Eu Li Sr Sb Bi'
).split(' ');

export const FORMULAS = ['B68Nb24Fe4W4', 'B65Nb25Ta5W5', 'B70Nb20Mo5W5', 'Fe40B30Nb20W10'];

export function parityData(n = { train: 30, calibration: 10, test: 12 }): ParityData {
  const r = lcg(2);
  const points: ParityData['points'] = [];
  for (const set of ['train', 'calibration', 'test'] as const) {
    for (let i = 0; i < n[set]; i++) {
      const y = 300 + 1800 * r.u();
      const sigma = 30 + 0.06 * y;
      points.push({
        measured: y,
        predicted: y + sigma * r.normal(),
        sigma,
        set,
        label: FORMULAS[i % 4],
      });
    }
  }
  return { points };
}

export function trainingHistory(networks = 3, epochs = 40): TrainingHistory {
  const r = lcg(3);
  return {
    kl_target: 0.15,
    networks: Array.from({ length: networks }, (_, k) => {
      let beta = 1e-3;
      return {
        name: `fold ${k + 1}`,
        best_epoch: epochs - 10,
        epochs: Array.from({ length: epochs }, (_, e) => {
          beta *= 1.05;
          return {
            epoch: e + 1,
            loss_hardness: 0.05 + Math.exp(-e / 8) + 0.01 * r.u(),
            loss_reconstruction: 0.2 + 2 * Math.exp(-e / 10),
            kl_per_dim: 0.15 + Math.exp(-e / 12),
            beta,
            val_mse: 0.1 + Math.exp(-e / 9) + 0.02 * r.u(),
            seconds: 0.2,
          };
        }),
      };
    }),
  };
}

const LEVELS = [0.05, 0.15, 0.25, 0.35, 0.45, 0.55, 0.65, 0.75, 0.85, 0.95];

export function reliabilityData(): ReliabilityData {
  return {
    curves: [
      {
        label: 'test, raw σ',
        expected: LEVELS,
        observed: LEVELS.map((l) => 0.75 * l),
        mace: 0.125,
      },
      {
        label: 'test, recalibrated σ',
        expected: LEVELS,
        observed: LEVELS.map((l) => 0.98 * l),
        mace: 0.01,
      },
    ],
  };
}

export function pitData(series = 1): PitData {
  const u = [0.16, 0.1, 0.08, 0.07, 0.06, 0.07, 0.08, 0.1, 0.12, 0.16];
  const flat = [0.11, 0.1, 0.09, 0.1, 0.1, 0.1, 0.09, 0.1, 0.1, 0.11];
  return {
    series: [
      { label: 'test, raw σ', fractions: u, n: 135 },
      { label: 'test, recalibrated σ', fractions: flat, n: 135 },
    ].slice(0, series),
  };
}

export function intervalWidthData(): IntervalWidthData {
  return {
    curves: [
      {
        label: 'raw σ',
        levels: LEVELS,
        coverage: LEVELS.map((l) => 0.8 * l),
        width: LEVELS.map((l) => 400 * l),
      },
      {
        label: 'recalibrated σ',
        levels: LEVELS,
        coverage: LEVELS,
        width: LEVELS.map((l) => 520 * l),
      },
    ],
  };
}

export function latentMapData(n = 90): LatentMapData {
  const r = lcg(4);
  return {
    method: 'PCA',
    explained: [0.41, 0.18],
    points: Array.from({ length: n }, (_, i) => {
      const c = i % 3;
      const x = [-2, 1, 3][c] + r.normal();
      const y = [0, 2, -1][c] + 0.7 * r.normal();
      return { x, y, hv: 900 + 200 * x + 80 * y, cluster: c + 1, label: FORMULAS[c] };
    }),
  };
}

export function gmmDensityData(nx = 12, ny = 10): GmmDensityData {
  const x = Array.from({ length: nx }, (_, i) => -4 + (8 * i) / (nx - 1));
  const y = Array.from({ length: ny }, (_, i) => -3 + (6 * i) / (ny - 1));
  const logp = y.map((yy) => x.map((xx) => -0.5 * (xx * xx + yy * yy) - 1.8));
  return {
    grid: { x, y, logp },
    logpThreshold: -8,
    training: [
      { x: 0, y: 0 },
      { x: 1, y: 1 },
    ],
    samples: [
      { x: 0.5, y: 0.2 },
      { x: -0.5, y: 0.4 },
      { x: 0.1, y: -0.3 },
    ],
    candidates: FORMULAS.map((name, i) => ({
      x: i * 0.5 - 1,
      y: 0.5,
      label: String(i + 1),
      name,
      accepted: i < 3,
    })),
    method: 'PCA',
  };
}

export function traversalData(coords = 20, steps = 25): TraversalData {
  return {
    anchor: 'latent centre',
    hv: Array.from({ length: coords }, (_, j) =>
      Array.from(
        { length: steps },
        (_, s) => 900 + (j + 1) * 5 * Math.sin((s / (steps - 1)) * Math.PI),
      ),
    ),
  };
}

export function attentionData(): AttentionData {
  return {
    reference: 'train_fit',
    elements: ELEMENTS.map((element, i) => ({
      element,
      all: 0.5 / (i + 3),
      present: i < 40 ? 0.9 / (i + 2) : undefined,
    })),
  };
}

export function igData(): IgData {
  return {
    completenessGap: 2.3,
    elements: ELEMENTS.map((element, i) => ({
      element,
      attribution: (i % 3 === 0 ? -1 : 1) * (300 / (i + 1)),
    })),
  };
}

export function loadCurvesData(): LoadCurvesData {
  const loads = [0.5, 1, 2, 3, 5, 10];
  return {
    candidates: FORMULAS.slice(0, 3).map((name, i) => ({
      name,
      predictions: loads.map((load) => ({
        load,
        mean: 2300 - 80 * i - 150 * Math.log10(load),
        std: 90 + 10 * i,
      })),
    })),
    measured: [{ name: 'B72Nb25Fe3', load: 0.5, hv: 2150 }],
  };
}

export function baselinesData(): BaselinesData {
  return {
    models: [
      { model: 'VIBANN', mae: 80, rmse: 126, mae_sd: 4, rmse_sd: 7 },
      { model: 'k-NN', mae: 78, rmse: 121 },
      { model: 'gradient boosting', mae: 76, rmse: 119 },
      { model: 'Ridge', mae: 190, rmse: 250 },
      { model: 'Lasso', mae: 192, rmse: 251 },
    ],
  };
}

export function manifest(): RunManifest {
  return {
    schema: 'vibann-run/1',
    command: 'design',
    argv: ['design', '--load', '0.5', '--n', '5', '--seed', '7'],
    options: { load: 0.5, n: 5, seed: 7, ban: ['Be'], note: '<b>not bold</b> & "quoted"' },
    seeds: { design: 7, mc: 1 },
    data: {
      path: 'data/H_v_dataset.csv',
      sha256: 'ab12cd34'.repeat(8),
      rows: 673,
      split: {
        kind: 'reference',
        description: 'the paper split',
        sizes: { train_fit: 470, calibration: 68, test: 135 },
      },
    },
    model: { dir: 'models/default', created: '2025-01-02T03:04:05.000Z' },
    versions: { vibann: '0.1.0', node: 'v20.20.2', tfjs: '4.22.0', platform: 'linux 6.1' },
    backend: 'wasm',
    timings: { encode: 1.25, mcmc: 42.5, refine: 12 },
    started: '2025-01-02T03:04:05.000Z',
    finished: '2025-01-02T03:05:05.000Z',
  };
}

/** The `evaluate --json` document: real metric objects M from the project's calibration code. */
export function evaluateJson() {
  const r = lcg(5);
  const block = (n: number) => {
    const y: number[] = [];
    const mu: number[] = [];
    const sd: number[] = [];
    for (let i = 0; i < n; i++) {
      const yi = 400 + 1500 * r.u();
      const s = 60 + 0.05 * yi;
      y.push(yi);
      mu.push(yi + 1.3 * s * r.normal());
      sd.push(s);
    }
    return calibrationMetrics(y, mu, sd);
  };
  return {
    split: 'reference',
    n: { train_fit: 470, calibration: 68, test: 135 },
    test: block(135),
    calibration: block(68),
  };
}

export function designJson() {
  const loads = [0.5, 1, 2, 3, 5, 10];
  return {
    thresholds: {
      logpThreshold: -42.1,
      novelty: 0.081,
      sigmaRef: 112,
      sigmaCapFactor: 2.5,
      lcbTarget: 1890,
    },
    candidates: FORMULAS.map((formula, i) => ({
      formula,
      fractions: { B: 0.68, Nb: 0.24, Fe: 0.04, W: 0.04 },
      predictions: loads.map((load) => ({
        load,
        mean: 2300 - 60 * i - 150 * Math.log10(load),
        std: 95 + 5 * i,
        lcb: 2300 - 60 * i - 150 * Math.log10(load) - 1.645 * (95 + 5 * i),
      })),
      gates: {
        support: { value: -30.2, threshold: -42.1, pass: true },
        novelty: { value: 0.12, threshold: 0.081, pass: true },
        uncertainty: { value: 95 + 5 * i, threshold: 280, pass: true },
        performance: { value: 2140 - 60 * i, threshold: 1890, pass: i < 3 },
      },
      accepted: i < 3,
      nearest: { formula: 'B72Nb25Fe3', distance: 0.11, hv: 2150, load: 0.5 },
      logp: -30.2,
      provenance: { chain: i, step: 600 },
    })),
    rejected: { performance: 1, support: 12 },
  };
}

export const LATENT_JSON = {
  kmeans: { k: 3, elbow: [120.5, 60.2, 30.1, 25, 21, 19, 17.5, 16, 15, 14.2] },
  pca: { explained_variance: [0.41, 0.18, 0.09], r2_pc1: 0.62, r2_pc2: 0.11 },
  clusters: [
    { cluster: 1, n: 200, hv_min: 300, hv_median: 700, hv_max: 1100 },
    { cluster: 2, n: 150, hv_min: 600, hv_median: 1100, hv_max: 1600 },
    { cluster: 3, n: 120, hv_min: 1200, hv_median: 1700, hv_max: 2300 },
  ],
};

export const EXPLAIN_JSON = {
  ig: { completeness_gap: 2.3, steps: 200 },
  attention: ELEMENTS.slice(0, 5).map((element, i) => ({
    element,
    all: 0.1 / (i + 1),
    present: 0.3 / (i + 1),
  })),
};

/**
 * Write a synthetic run directory. With `figures`, the commands' SVG/PNG files are written for the
 * figures given in `figureSpecs` (name → spec); the others are left for the report to derive.
 */
export function writeRunFiles(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const w = (name: string, v: unknown) =>
    writeFileSync(join(dir, name), `${JSON.stringify(v, null, 2)}\n`);
  w('manifest.json', manifest());
  w('metrics.json', evaluateJson());
  w('history.json', trainingHistory(2, 20));
  w('baselines.json', baselinesData());
  w('design.json', designJson());
  w('latent.json', LATENT_JSON);
  w('explain.json', EXPLAIN_JSON);
  w('lofo.json', { family: 'Mo,Ta,Si,W', rows: 12, test: { mae: 150.5, rmse: 201.2 } });
  writeFileSync(join(dir, 'candidates.csv'), 'formula,mean\nB68Nb24Fe4W4,2300\n');
}

/**
 * Record every file now in `dir` in its manifest (name and SHA-256), as a run's `completeRun`
 * does: the report inlines only figures recorded there (issue 14).
 */
export async function recordWrittenFiles(dir: string): Promise<void> {
  const { listWrittenFiles } = await import('../../src/util/manifest.ts');
  const path = join(dir, 'manifest.json');
  const m = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  m.files = await listWrittenFiles(dir);
  m.complete = true;
  writeFileSync(path, `${JSON.stringify(m, null, 2)}\n`);
}
