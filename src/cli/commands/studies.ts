/**
 * The training studies behind `vibann evaluate --seeds-report N | --ablations | --learning-curve`
 * (SPEC §7). Each trains its own ensembles on the chosen split and writes a run directory.
 */
import { join } from 'node:path';
import type { StudyMetrics } from '../../eval/studies.ts';
import { openDataset, runDirName } from '../../workflows/common.ts';
import { duration } from '../duration.ts';
import { cliHooks } from '../hooks.ts';
import { formatTable, info, out, printJson } from '../io.ts';
import { createProgress } from '../progress.ts';

export interface StudyCliOptions {
  data?: string;
  split?: string;
  preset: string;
  seed: number;
  quick?: boolean;
  mc?: number;
  out?: string;
  json?: boolean;
  seedsReport?: number;
  ablations?: boolean;
  learningCurve?: boolean;
}

const cols = (m: StudyMetrics) => [
  m.r2.toFixed(3),
  m.mae.toFixed(1),
  m.rmse.toFixed(1),
  m.coverage_1sigma.toFixed(3),
  m.mace.toFixed(3),
  m.coverage_1sigma_top10.toFixed(3),
  m.mean_signed_error_top10.toFixed(1),
];
const HEAD = ['R²', 'MAE', 'RMSE', '±1σ cov', 'MACE', 'cov top 10 %', 'signed err top 10 %'];

export async function runStudies(o: StudyCliOptions): Promise<void> {
  const t0 = performance.now();
  const { ds } = await openDataset(o.data, cliHooks());
  const { selectSplit } = await import('../../data/index.ts');
  const split = selectSplit(ds, { spec: o.split, seed: o.seed });
  const s = await import('../../eval/studies.ts');
  const progress = createProgress();
  let label = '';
  let started = false;
  const base = {
    preset: o.preset as 'default' | 'paper',
    seed: o.seed,
    quick: o.quick,
    passes: o.mc,
    onEpoch: (e: { epoch: number; maxEpochs: number; members: { active: boolean }[] }) => {
      if (!started) {
        progress.start(label, e.maxEpochs);
        started = true;
      }
      progress.update(
        e.epoch,
        `${e.members.filter((m) => m.active).length} of ${e.members.length} networks active`,
      );
    },
  };
  const next = (l: string) => {
    if (started) progress.stop();
    started = false;
    label = l;
  };
  const doc: Record<string, unknown> = {
    split: { kind: split.kind, description: split.description },
    preset: o.preset,
    seed: o.seed,
  };
  const lines: string[] = [];
  if (o.seedsReport) {
    next(`seeds report: ${o.seedsReport} seeds × ${split.cvFolds.length} networks`);
    const r = await s.seedsReport(ds, split, o.seedsReport, base);
    if (started) progress.stop();
    doc.seeds_report = r;
    lines.push(`Seeds report (${o.preset} preset, ${r.seeds.length} seeds, test set):`);
    lines.push(
      formatTable(
        ['seed', ...HEAD, 'CV RMSE'],
        [
          ...r.seeds.map((x) => [String(x.seed), ...cols(x.test), x.cv_rmse?.toFixed(1) ?? '–']),
          ['mean', ...cols(r.mean), ''],
          ['sd', ...cols(r.sd), ''],
          ['pooled', ...cols(r.pooled), ''],
        ],
      ),
    );
  }
  if (o.ablations) {
    const rows = await s.ablationStudy(ds, split, {
      ...base,
      onVariant: (v) => next(`ablation: ${v}`),
    });
    if (started) progress.stop();
    doc.ablations = rows;
    lines.push(`Ablations (${o.preset} preset, seed ${o.seed}, test set):`);
    lines.push(
      formatTable(
        ['variant', ...HEAD, 'CV RMSE', 'train'],
        rows.map((r) => [
          r.variant,
          ...cols(r.test),
          r.cv_rmse?.toFixed(1) ?? '–',
          duration(r.train_s),
        ]),
      ),
    );
  }
  if (o.learningCurve) {
    const rows = await s.learningCurve(ds, split, [0.2, 0.4, 0.6, 0.8, 1], {
      ...base,
      onFraction: (f) => next(`learning curve: ${Math.round(f * 100)} % of train_fit`),
    });
    if (started) progress.stop();
    doc.learning_curve = rows;
    lines.push(`Learning curve (${o.preset} preset, seed ${o.seed}, test set):`);
    lines.push(
      formatTable(
        ['train_fit', 'rows', ...HEAD],
        rows.map((r) => [
          `${Math.round(r.fraction * 100)} %`,
          String(r.train_fit_rows),
          ...cols(r.test),
        ]),
      ),
    );
  }
  const runDir = o.out ?? runDirName('studies');
  const { writeJsonAtomic } = await import('../../util/fs.ts');
  const { newManifest, writeManifest, dataRecord } = await import('../../util/manifest.ts');
  await writeJsonAtomic(join(runDir, 'studies.json'), doc);
  const manifest = newManifest('evaluate', process.argv.slice(2), { ...o }, { seed: o.seed });
  manifest.data = dataRecord(ds, split);
  manifest.timings.total = (performance.now() - t0) / 1000;
  await writeManifest(runDir, manifest);
  if (o.json) printJson(doc);
  else {
    for (const l of lines) out(l);
    out(
      `(HV; ${split.description}; total ${duration(manifest.timings.total)}; run directory ${runDir})`,
    );
  }
  info('done');
}
