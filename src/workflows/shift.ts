/**
 * The shift benchmark (docs/uncertainty.md §4, issue 12): train the default model without a block
 * of data and predict that block, for
 * - every element family with ≥ `minRows` rows (the `lofo --family` rule: the test set is every
 *   row containing all of the family's elements),
 * - leave-hardest-out: the rows above the 90th HV percentile of the reference train_fit rows,
 * - leave-load-regime-out: the rows at the lowest load (0.01 N), and the rows at ≥ 5 N.
 * Each split is one shift-split job (src/jobs; worker threads by default, `workers`, or a Redis
 * `queue`, submitted longest first = most training rows first): it trains the complete default
 * model (ensemble + domain + grouped-CV uncertainty fit, as `vibann train` does) on the remaining
 * rows and scores the held-out rows with every uncertainty method (the default is the one the
 * split's own grouped CV chose) and with the GP baseline (eval/shift.ts). Resumable: one result
 * file per job in <run>/jobs/, a rerun with the same directory skips the finished splits. This
 * process writes splits/<name>.json, the pooled metrics (shift.json) and a coverage figure.
 */
import { join } from 'node:path';
import type { Dataset } from '../data/dataset.ts';
import type { Split } from '../data/split.ts';
import {
  poolShift,
  type ShiftMetrics,
  type ShiftSplitKind,
  type ShiftSplitResult,
} from '../eval/shift.ts';
import type { JobResultDocument } from '../jobs/spec.ts';
import { CURVE_LEVELS, UQ_METHODS } from '../uq/shift.ts';
import { InputError } from '../util/errors.ts';
import {
  openDataset,
  runDirName,
  throwIfCancelled,
  type WorkflowHooks,
  withDefaults,
} from './common.ts';
import { type ParallelOptions, runStudyJobs, writeStudyManifest } from './studies.ts';
import { checkPreset } from './train.ts';

export {
  type PooledShift,
  poolShift,
  type ShiftMetrics,
  type ShiftSplitResult,
} from '../eval/shift.ts';

export interface ShiftOptions extends ParallelOptions {
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
  /** Replace `out` even when it holds files that are not a vibann run (default: refuse, exit 2). */
  force?: boolean;
  argv?: string[];
}

export const SHIFT_DEFAULTS = {
  preset: 'default',
  seed: 1,
  minRows: 5,
  special: ['hardest', 'load-low', 'load-high'],
};

export const SPECIAL_SPLITS = ['hardest', 'load-low', 'load-high'] as const;

export interface ShiftDocument {
  splits: { name: string; kind: string; n_test: number; default_method: string }[];
  /** Per split: the default method's metrics and the GP's. */
  table: { name: string; n: number; default: ShiftMetrics; gp: ShiftMetrics }[];
  /** Pooled over all splits' held-out rows: each split's default, every method, and the GP. */
  pooled: import('../eval/shift.ts').PooledShift;
  missing: string[];
}

export interface ShiftResult {
  runDir: string;
  document: ShiftDocument;
}

interface SplitPlan {
  name: string;
  kind: ShiftSplitKind;
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

/** A split's split (the `lofo --family` split for a family, else the held-out rows), seeded. */
async function planSplit(ds: Dataset, plan: SplitPlan, seed: number): Promise<Split> {
  const d = await import('../data/index.ts');
  const { Rng } = await import('../util/rng.ts');
  const rng = new Rng(seed);
  return plan.family
    ? d.lofoSplit(ds, plan.family, { rng })
    : d.heldOutSplit(ds, plan.test, plan.name, { rng });
}

export async function runShift(
  options: ShiftOptions = {},
  hooks: WorkflowHooks = {},
): Promise<ShiftResult> {
  const o = withDefaults(SHIFT_DEFAULTS, options);
  const preset = checkPreset(o.preset);
  const t0 = performance.now();
  const { ds } = await openDataset(o.data, hooks);
  const runDir = o.out ?? runDirName('shift');
  const all = await plans(ds, o);
  const { job, fitSpec, trainingCost } = await import('../jobs/build.ts');
  const { GROUP_FOLDS, REGIME_FOLDS } = await import('../jobs/uncertainty.ts');
  const fit = fitSpec({
    preset,
    seed: o.seed,
    quick: o.quick,
    training: o.epochs !== undefined ? { maxEpochs: o.epochs } : undefined,
  });
  const splits: Split[] = [];
  for (const plan of all) splits.push(await planSplit(ds, plan, o.seed));
  const jobs = all.map((plan, i) =>
    job('shift-split', ds, splits[i], {
      fit,
      name: plan.name,
      split_kind: plan.kind,
      seed: o.seed,
      group_folds: GROUP_FOLDS,
      regime_folds: [...REGIME_FOLDS],
      gp_restarts: o.quick ? 1 : 5,
    }),
  );
  const { prepareStudyDir } = await import('../jobs/runner.ts');
  await prepareStudyDir(runDir, { force: o.force });
  hooks.onInfo?.(
    `shift: ${all.length} splits (${all.map((p) => `${p.name}: ${p.test.length} held out`).join(', ')})`,
  );
  // longest first (most training rows); the results come back in the splits' order
  const docs = (await runStudyJobs(
    jobs,
    runDir,
    o,
    hooks,
    `shift benchmark: ${all.length} splits`,
    splits.map(trainingCost),
  )) as JobResultDocument<Omit<ShiftSplitResult, 'wall_s'>>[];
  throwIfCancelled(hooks, 'shift benchmark');
  const { writeJsonAtomic } = await import('../util/fs.ts');
  const results: ShiftSplitResult[] = [];
  for (const d of docs) {
    const r: ShiftSplitResult = { ...d.result, wall_s: d.wall_s };
    await writeJsonAtomic(join(runDir, 'splits', `${r.name}.json`), r);
    results.push(r);
    const m = r.methods[r.default_method];
    hooks.onInfo?.(
      `shift: ${r.name}: MAE ${m.mae.toFixed(0)} HV, ±1σ ${m.coverage_1sigma.toFixed(2)}, 90 % ${m.coverage_90.toFixed(2)} (width ${m.mean_width_90.toFixed(0)} HV, '${r.default_method}'); GP 90 % ${r.gp.coverage_90.toFixed(2)}`,
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
  await writeStudyManifest(runDir, 'shift', o, docs, t0);
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
