/**
 * The shift benchmark (docs/uncertainty.md §4, issue 12): train the default model without a block
 * of data and predict that block, for
 * - every element family with ≥ `minRows` rows (the `lofo --family` rule: the test set is every
 *   row containing all of the family's elements),
 * - leave-hardest-out: the rows above the 90th HV percentile of the reference train_fit rows,
 * - leave-load-regime-out: the rows at the lowest load (0.01 N), and the rows at ≥ 5 N.
 * Each split trains the complete default model (ensemble + domain + grouped-CV uncertainty fit, as
 * `vibann train` does) on the remaining rows and scores the held-out rows with every uncertainty
 * method (the default is the one the split's own grouped CV chose) and with the GP baseline.
 * One result file per split (`splits/<name>.json`): a rerun with the same directory skips the
 * splits already done (resumable). Pooled metrics over all splits, shift.json, a coverage figure.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Dataset } from '../data/dataset.ts';
import type { Split } from '../data/split.ts';
import {
  CURVE_LEVELS,
  type IntervalMetrics,
  intervalMetrics,
  MACE_LEVELS,
  type Predictive,
  UncertaintyModel,
  UQ_METHODS,
  type UqMethod,
} from '../uq/shift.ts';
import { InputError } from '../util/errors.ts';
import {
  openDataset,
  runDirName,
  throwIfCancelled,
  type WorkflowHooks,
  withDefaults,
} from './common.ts';
import { checkPreset } from './train.ts';

export interface ShiftOptions {
  data?: string;
  /** 'default' | 'paper' (and any preset the model code knows). */
  preset?: string;
  seed?: number;
  /** Smoke run (the preset's quick caps). */
  quick?: boolean;
  /** Cap on epochs per network (development; default the preset's). */
  epochs?: number;
  /** Only these families (each a list of elements); default every family with ≥ minRows rows. */
  families?: string[][];
  /** Families need at least this many rows (default 5, the `lofo --list` rule). */
  minRows?: number;
  /** Which special splits: 'hardest', 'load-low', 'load-high' (default all three). */
  special?: string[];
  /** Run directory (default runs/shift-<UTC date>); reusing one resumes it. */
  out?: string;
  argv?: string[];
}

export const SHIFT_DEFAULTS = {
  preset: 'default',
  seed: 1,
  minRows: 5,
  special: ['hardest', 'load-low', 'load-high'],
};

export const SPECIAL_SPLITS = ['hardest', 'load-low', 'load-high'] as const;

/** Metrics of one predictor on one set of rows. */
export interface ShiftMetrics extends IntervalMetrics {
  mae: number;
  rmse: number;
  mean_signed_error: number;
  mean_sigma: number;
}

/** One split's result file. */
export interface ShiftSplitResult {
  name: string;
  kind: 'family' | 'hardest' | 'load-low' | 'load-high';
  description: string;
  n_test: number;
  /** The method this split's grouped CV chose (the split's default). */
  default_method: UqMethod;
  /** Every uncertainty method on the held-out rows. */
  methods: Record<UqMethod, ShiftMetrics>;
  gp: ShiftMetrics;
  /** Per held-out row: measured, μ, σ_MC, knn, gap; and GP μ, σ (for pooling). */
  rows: {
    row: number;
    formula: string;
    load: number;
    y: number;
    mu: number;
    sigma_mc: number;
    knn: number;
    gap: number;
    gp_mu: number;
    gp_sigma: number;
  }[];
  /** The uncertainty model fitted in this split (so the pooled metrics can re-apply it). */
  uncertainty: Record<UqMethod, ReturnType<UncertaintyModel['toJSON']>>;
  wall_s: number;
}

export interface ShiftDocument {
  splits: { name: string; kind: string; n_test: number; default_method: string }[];
  /** Per split: the default method's metrics and the GP's. */
  table: { name: string; n: number; default: ShiftMetrics; gp: ShiftMetrics }[];
  /** Pooled over all splits' held-out rows: each split's default, every method, and the GP. */
  pooled: { default: ShiftMetrics; methods: Record<UqMethod, ShiftMetrics>; gp: ShiftMetrics };
  missing: string[];
}

export interface ShiftResult {
  runDir: string;
  document: ShiftDocument;
}

function metricsOf(y: number[], mu: number[], pred: Predictive): ShiftMetrics {
  const n = y.length;
  let ae = 0;
  let se = 0;
  let e = 0;
  let s = 0;
  for (let i = 0; i < n; i++) {
    const d = mu[i] - y[i];
    ae += Math.abs(d);
    se += d * d;
    e += d;
    s += pred.sigma[i];
  }
  return {
    ...intervalMetrics(y, mu, pred),
    mae: ae / n,
    rmse: Math.sqrt(se / n),
    mean_signed_error: e / n,
    mean_sigma: s / n,
  };
}

function gaussian(sigma: number[]): Predictive {
  const s = Float64Array.from(sigma);
  return {
    sigma: s,
    halfWidth: (p) => {
      // Φ⁻¹((1+p)/2) by the same route as uq/shift.ts (mc method)
      return new UncertaintyModel({
        method: 'mc',
        scale: 1,
        distance: { a: 1, b: 0, c: 0 },
        conformal: { levels: [], q: [], n: 0 },
      })
        .apply(s, s, s)
        .halfWidth(p);
    },
  };
}

interface SplitPlan {
  name: string;
  kind: ShiftSplitResult['kind'];
  test: number[];
  family?: string[];
}

async function plans(ds: Dataset, o: ShiftOptions & typeof SHIFT_DEFAULTS): Promise<SplitPlan[]> {
  const d = await import('../data/index.ts');
  const out: SplitPlan[] = [];
  const fams = o.families
    ? o.families
    : d
        .listFamilies(ds)
        .filter((f) => f.rows >= o.minRows)
        .map((f) => f.family.split('-'));
  for (const f of fams) {
    const unknown = f.filter((e) => !ds.elements.includes(e));
    if (unknown.length > 0)
      throw new InputError(`--families: ${unknown.join(', ')} not in the dataset's element basis`);
    out.push({
      name: `family-${f.join('-')}`,
      kind: 'family',
      test: d.rowsContainingAll(ds, f),
      family: f,
    });
  }
  for (const sp of o.special) {
    if (!(SPECIAL_SPLITS as readonly string[]).includes(sp))
      throw new InputError(`--special: '${sp}'; expected ${SPECIAL_SPLITS.join(', ')}`);
  }
  if (o.special.includes('hardest')) {
    // the 90th HV percentile of the reference train_fit rows (the model's own split on the
    // reference data; the cluster split elsewhere)
    const split = d.selectSplit(ds, { seed: o.seed });
    const { quantile } = await import('../math/quantile.ts');
    const q = quantile(
      split.trainFit.map((r) => ds.hv[r]),
      0.9,
    );
    const test = Array.from({ length: ds.nRows }, (_, i) => i).filter((r) => ds.hv[r] > q);
    out.push({ name: 'hardest', kind: 'hardest', test });
  }
  const lmin = Math.min(...ds.load);
  if (o.special.includes('load-low')) {
    const test = Array.from({ length: ds.nRows }, (_, i) => i).filter(
      (r) => ds.load[r] <= lmin * 1.05,
    );
    out.push({ name: 'load-low', kind: 'load-low', test });
  }
  if (o.special.includes('load-high')) {
    const test = Array.from({ length: ds.nRows }, (_, i) => i).filter(
      (r) => ds.load[r] >= 5 - 1e-6,
    );
    out.push({ name: 'load-high', kind: 'load-high', test });
  }
  return out;
}

async function runSplit(
  ds: Dataset,
  plan: SplitPlan,
  o: ShiftOptions & typeof SHIFT_DEFAULTS,
  hooks: WorkflowHooks,
): Promise<ShiftSplitResult> {
  const t0 = performance.now();
  const d = await import('../data/index.ts');
  const { Rng } = await import('../util/rng.ts');
  const rng = new Rng(o.seed);
  const split: Split = plan.family
    ? d.lofoSplit(ds, plan.family, { rng })
    : d.heldOutSplit(ds, plan.test, plan.name, { rng });
  const { HardnessModel } = await import('../model/hardness-model.ts');
  const preset = checkPreset(o.preset);
  const stage = `${plan.name}: train 5 networks`;
  const { model } = await HardnessModel.fit(ds, split, {
    preset,
    seed: o.seed,
    seeds: 1,
    quick: o.quick,
    training: o.epochs !== undefined ? { maxEpochs: o.epochs } : undefined,
    onEpoch: (e) => {
      throwIfCancelled(hooks, 'shift benchmark');
      hooks.onProgress?.({ stage, done: e.epoch, total: e.maxEpochs });
    },
  });
  hooks.onStageEnd?.(stage);
  const { fitUncertaintyDetailed } = await import('./uncertainty.ts');
  const u = await fitUncertaintyDetailed(model, ds, split, { seed: o.seed }, hooks);
  const test = split.test;
  const E = ds.elements.length;
  const x = new Float32Array(test.length * E);
  test.forEach((r, i) => {
    x.set(ds.x.subarray(r * E, (r + 1) * E), i * E);
  });
  const loads = test.map((r) => ds.load[r]);
  const y = test.map((r) => ds.hv[r]);
  const p = model.predictRows(x, loads, { seed: o.seed });
  const f = u.domain.features(x, loads);
  const mu = Array.from(p.mean);
  const models = Object.fromEntries(
    UQ_METHODS.map((m) => [m, UncertaintyModel.fit(m, u.oof, u.cal)]),
  ) as Record<UqMethod, UncertaintyModel>;
  const methods = Object.fromEntries(
    UQ_METHODS.map((m) => [m, metricsOf(y, mu, models[m].apply(p.std, f.knn, f.gap))]),
  ) as Record<UqMethod, ShiftMetrics>;
  // GP baseline on train_fit (E fractions + standardised ln L; its own σ incl. noise)
  const { GaussianProcessRegressor } = await import('../baselines/gp.ts');
  const { foldData } = await import('../baselines/features.ts');
  const fd = foldData(ds, split.trainFit, test, 'log');
  const gp = new GaussianProcessRegressor({ restarts: o.quick ? 1 : 5 }).fit(
    fd.xFit,
    fd.yFit,
    rng.fork('gp'),
  );
  const gpp = gp.predictWithVariance(fd.xVal);
  const gpSigma = Array.from(gpp.variance, (v) => Math.sqrt(Math.max(v, 0)));
  return {
    name: plan.name,
    kind: plan.kind,
    description: split.description,
    n_test: test.length,
    default_method: u.file.comparison.chosen,
    methods,
    gp: metricsOf(y, Array.from(gpp.mean), gaussian(gpSigma)),
    rows: test.map((r, i) => ({
      row: r,
      formula: ds.compositions[r].toFormula({ step: 0.1 }),
      load: loads[i],
      y: y[i],
      mu: mu[i],
      sigma_mc: p.std[i],
      knn: f.knn[i],
      gap: f.gap[i],
      gp_mu: gpp.mean[i],
      gp_sigma: gpSigma[i],
    })),
    uncertainty: Object.fromEntries(UQ_METHODS.map((m) => [m, models[m].toJSON()])) as Record<
      UqMethod,
      ReturnType<UncertaintyModel['toJSON']>
    >,
    wall_s: (performance.now() - t0) / 1000,
  };
}

/** Levels whose half-widths the pooled metrics need (coverage curve, 90 %, MACE). */
const POOL_LEVELS = [...new Set([...CURVE_LEVELS, ...MACE_LEVELS, 0.9])];

/** Pool results: each split's rows under that split's fitted models. */
export function poolShift(results: readonly ShiftSplitResult[]): ShiftDocument['pooled'] {
  const y: number[] = [];
  const mu: number[] = [];
  const gpMu: number[] = [];
  const gpSig: number[] = [];
  const sig: Record<string, number[]> = {};
  const hw: Record<string, Map<number, number[]>> = {};
  const add = (key: string, pr: Predictive) => {
    sig[key] ??= [];
    hw[key] ??= new Map();
    sig[key].push(...pr.sigma);
    for (const lv of POOL_LEVELS) {
      const a = hw[key].get(lv) ?? [];
      a.push(...pr.halfWidth(lv));
      hw[key].set(lv, a);
    }
  };
  for (const r of results) {
    y.push(...r.rows.map((x) => x.y));
    mu.push(...r.rows.map((x) => x.mu));
    gpMu.push(...r.rows.map((x) => x.gp_mu));
    gpSig.push(...r.rows.map((x) => x.gp_sigma));
    const s = r.rows.map((x) => x.sigma_mc);
    const k = r.rows.map((x) => x.knn);
    const g = r.rows.map((x) => x.gap);
    for (const m of UQ_METHODS) {
      const pr = UncertaintyModel.fromJSON(r.uncertainty[m]).apply(s, k, g);
      add(m, pr);
      if (m === r.default_method) add('default', pr);
    }
  }
  const pooled = (key: string): Predictive => ({
    sigma: Float64Array.from(sig[key]),
    halfWidth: (p) => Float64Array.from(hw[key].get(p) ?? []),
  });
  return {
    default: metricsOf(y, mu, pooled('default')),
    methods: Object.fromEntries(UQ_METHODS.map((m) => [m, metricsOf(y, mu, pooled(m))])) as Record<
      UqMethod,
      ShiftMetrics
    >,
    gp: metricsOf(y, gpMu, gaussian(gpSig)),
  };
}

export async function runShift(
  options: ShiftOptions = {},
  hooks: WorkflowHooks = {},
): Promise<ShiftResult> {
  const o = withDefaults(SHIFT_DEFAULTS, options);
  checkPreset(o.preset);
  const { ds } = await openDataset(o.data, hooks);
  const runDir = o.out ?? runDirName('shift');
  const all = await plans(ds, o);
  const { writeJsonAtomic } = await import('../util/fs.ts');
  const results: ShiftSplitResult[] = [];
  for (const [i, plan] of all.entries()) {
    throwIfCancelled(hooks, 'shift benchmark');
    const file = join(runDir, 'splits', `${plan.name}.json`);
    if (existsSync(file)) {
      results.push(JSON.parse(readFileSync(file, 'utf8')) as ShiftSplitResult);
      hooks.onInfo?.(`shift: ${plan.name} already done (${file}); skipped`);
      continue;
    }
    hooks.onInfo?.(
      `shift: split ${i + 1}/${all.length}: ${plan.name} (${plan.test.length} held-out rows)`,
    );
    const r = await runSplit(ds, plan, o, hooks);
    await writeJsonAtomic(file, r);
    results.push(r);
    const m = r.methods[r.default_method];
    hooks.onInfo?.(
      `shift: ${plan.name}: MAE ${m.mae.toFixed(0)} HV, ±1σ ${m.coverage_1sigma.toFixed(2)}, 90 % ${m.coverage_90.toFixed(2)} (width ${m.mean_width_90.toFixed(0)} HV, '${r.default_method}'); GP 90 % ${r.gp.coverage_90.toFixed(2)}`,
    );
  }
  const document: ShiftDocument = {
    splits: results.map((r) => ({
      name: r.name,
      kind: r.kind,
      n_test: r.n_test,
      default_method: r.default_method,
    })),
    table: results.map((r) => ({
      name: r.name,
      n: r.n_test,
      default: r.methods[r.default_method],
      gp: r.gp,
    })),
    pooled: poolShift(results),
    missing: [],
  };
  await writeJsonAtomic(join(runDir, 'shift.json'), document);
  const { writePlot } = await import('../plots/index.ts');
  await writePlot(runDir, 'coverage_shift', coverageFigure(document)).catch((e: Error) =>
    hooks.onWarn?.(`shift: figure not written (${e.message})`),
  );
  return { runDir, document };
}

/** Observed against nominal coverage, pooled over the splits: every method and the GP. */
export function coverageFigure(doc: ShiftDocument): import('../plots/common.ts').TopLevelSpec {
  const values: { nominal: number; observed: number; method: string }[] = [];
  const add = (name: string, m: ShiftMetrics) =>
    m.coverage_curve.levels.forEach((lv, i) => {
      values.push({ nominal: lv, observed: m.coverage_curve.observed[i], method: name });
    });
  for (const m of UQ_METHODS) add(m, doc.pooled.methods[m]);
  add('GP', doc.pooled.gp);
  for (const lv of CURVE_LEVELS) values.push({ nominal: lv, observed: lv, method: 'ideal' });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: 'Coverage under shift, pooled over the held-out splits',
      subtitle: `${doc.splits.length} splits, ${doc.pooled.default.n} held-out rows`,
    },
    width: 360,
    height: 320,
    data: { values },
    mark: { type: 'line', point: true },
    encoding: {
      x: {
        field: 'nominal',
        type: 'quantitative',
        title: 'nominal coverage of the central interval',
      },
      y: {
        field: 'observed',
        type: 'quantitative',
        title: 'observed coverage',
        scale: { domain: [0, 1] },
      },
      color: { field: 'method', type: 'nominal', title: 'σ' },
    },
  };
}
