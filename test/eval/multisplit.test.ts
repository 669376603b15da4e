/**
 * The multi-split evaluation (`vibann evaluate --splits N`, workflows/multisplit.ts) on the job
 * model: one multisplit-split job per split, the same document in this process and on worker
 * threads, a rerun on the same run directory reuses the finished jobs, and the CLI hands its
 * --queue to the workflow. Tiny dataset, quick networks, 2 search trials per baseline.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runBaselines } from '../../src/baselines/runner.ts';
import { multiSplitLines } from '../../src/cli/print/evaluate.ts';
import { loadDataset } from '../../src/data/dataset.ts';
import { clusterSplit } from '../../src/data/split.ts';
import { JobResultSchema } from '../../src/jobs/spec.ts';
import { correctedResampledTTest } from '../../src/math/student.ts';
import { Rng } from '../../src/util/rng.ts';
import {
  MULTISPLIT_FILE,
  type MultiSplitDocument,
  runMultiSplit,
} from '../../src/workflows/multisplit.ts';
import { runCliInProcess as runCommand } from '../helpers/cli.ts';
import { tinyCsv } from '../uq/tiny-data.ts';

/** The document without its wall time (the only field that varies from run to run). */
function timeless(d: MultiSplitDocument): Omit<MultiSplitDocument, 'wall_s'> {
  const { wall_s: _w, ...rest } = d;
  return rest;
}

describe('vibann evaluate --splits (multisplit-split jobs)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vibann-multisplit-'));
  const { file } = tinyCsv(dir);
  const common = { data: file, splits: 2, quick: true, budget: 2, seed: 1 };

  it('in this process and on 2 worker threads: the same document; a rerun reuses the finished jobs', async () => {
    const outA = join(dir, 'in-process');
    const a = await runMultiSplit({ ...common, workers: 0, out: outA });
    const doc = a.document;
    // the tiny dataset is not the reference one: cluster-1, cluster-2 in that order
    assert.deepEqual(
      doc.splits.map((s) => s.split),
      ['cluster-1', 'cluster-2'],
    );
    const ds = loadDataset(file);
    for (const [i, s] of doc.splits.entries()) {
      const split = clusterSplit(ds, { rng: new Rng(i + 1) });
      assert.equal(s.n_test, split.test.length);
      assert.equal(s.n_train_fit, split.trainFit.length);
      assert.deepEqual(Object.keys(s.models), ['vibann', 'knn', 'rf', 'gb']);
      // the baselines' scores are what runBaselines gives on that split, run here directly
      const t = runBaselines(ds, split, {
        models: ['knn', 'rf', 'gb'],
        seed: 1,
        loadTransform: 'log',
        budget: 2,
      });
      for (const r of t.results) assert.equal(s.models[r.key].mae, r.test.mae, r.key);
      for (const m of Object.values(s.models)) assert.ok(m.mae > 0 && m.rmse >= m.mae);
    }
    // the summary and the corrected t-test, recomputed from the per-split scores
    const v = doc.splits.map((s) => s.models.vibann.mae);
    assert.ok(Math.abs(doc.summary.vibann.mean.mae - (v[0] + v[1]) / 2) < 1e-12);
    assert.ok(Math.abs(doc.summary.vibann.sd.mae - Math.abs(v[0] - v[1]) / Math.SQRT2) < 1e-9);
    const best = doc.best_baseline;
    assert.ok(['knn', 'rf', 'gb'].includes(best));
    for (const k of ['knn', 'rf', 'gb'])
      assert.ok(doc.summary[best].mean.mae <= doc.summary[k].mean.mae);
    const diffs = doc.splits.map((s) => s.models.vibann.mae - s.models[best].mae);
    assert.deepEqual(doc.paired_mae_difference.diffs, diffs);
    const mean = (x: number[]) => x.reduce((p, q) => p + q, 0) / x.length;
    const tt = correctedResampledTTest(
      diffs,
      mean(doc.splits.map((s) => s.n_train_fit)),
      mean(doc.splits.map((s) => s.n_test)),
    );
    assert.equal(doc.paired_mae_difference.t, tt.t);
    // the printed summary says how small a difference these splits resolve: the interval's half-width
    const printed = multiSplitLines(doc, outA).join('\n');
    const half = (tt.ci[1] - tt.ci[0]) / 2;
    assert.ok(Math.abs((doc.paired_mae_difference.resolvable?.half_width ?? 0) - half) < 1e-9);
    assert.ok(printed.includes(`within ±${half.toFixed(1)} HV cannot be told from zero`), printed);
    // on disk: multisplit.json (the document), the manifest, one result file per split's job
    assert.deepEqual(JSON.parse(readFileSync(join(outA, MULTISPLIT_FILE), 'utf8')), doc);
    assert.ok(existsSync(join(outA, 'manifest.json')));
    const jobFiles = readdirSync(join(outA, 'jobs')).filter((f) => f.endsWith('.json'));
    assert.equal(jobFiles.length, 2);
    for (const f of jobFiles) {
      const r = JSON.parse(readFileSync(join(outA, 'jobs', f), 'utf8'));
      assert.ok(JobResultSchema.safeParse(r).success, f);
      assert.equal(r.kind, 'multisplit-split');
      assert.match(f, /^multisplit-cluster-[12]-[0-9a-f]{16}\.json$/);
      const s = doc.splits.find((x) => x.split === r.result.name);
      assert.deepEqual(r.result.models, s?.models);
    }

    // (a) on 2 worker threads: the same document, timings aside
    const b = await runMultiSplit({ ...common, workers: 2, out: join(dir, 'threads') });
    assert.deepEqual(timeless(b.document), timeless(doc));

    // (b) a rerun on the first directory: both jobs reused, their files untouched
    const mtimes = jobFiles.map((f) => statSync(join(outA, 'jobs', f)).mtimeMs);
    const info: string[] = [];
    const again = await runMultiSplit(
      { ...common, workers: 0, out: outA },
      { onInfo: (m) => info.push(m) },
    );
    assert.ok(
      info.some((m) => /2 of 2 jobs already finished/.test(m)),
      info.join('\n'),
    );
    assert.deepEqual(
      jobFiles.map((f) => statSync(join(outA, 'jobs', f)).mtimeMs),
      mtimes,
    );
    assert.deepEqual(timeless(again.document), timeless(doc));
  });

  it('the CLI hands --queue to the workflow: a malformed URL is an input error (exit 2)', async () => {
    const r = await runCommand([
      'evaluate',
      '--splits',
      '1',
      '--data',
      file,
      '--quick',
      '--queue',
      'http://host:6379',
      '--out',
      join(dir, 'cli'),
    ]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(
      r.stderr,
      /--queue: expected a redis:\/\/ or rediss:\/\/ URL, got 'http:\/\/host:6379'/,
    );
  });
});
