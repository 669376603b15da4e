import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { readExplainRun } from '../../src/runs/explain.ts';
import { readLatentRun } from '../../src/runs/latent.ts';
import { CancelledError, type ProgressEvent } from '../../src/workflows/common.ts';
import { runExplain } from '../../src/workflows/explain.ts';
import { runLatent } from '../../src/workflows/latent.ts';
import { runCliInProcess as runCommand } from '../helpers/cli.ts';
import { quickModel } from '../helpers/model-cache.ts';

// Smoke test of `vibann latent` and `vibann explain` on a --quick model of the reference dataset.
describe('latent and explain commands on a quick model', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vibann-latent-'));
  let model = '';

  before(async () => {
    model = await quickModel(); // shared, read-only
  });

  it('latent --quick --json: clusters, PCA, t-SNE, traversal, sensitivity, navigability, files', async () => {
    const out = join(dir, 'latent-run');
    const r = await runCommand([
      'latent',
      '--model',
      model,
      '--quick',
      '--train-deterministic',
      '--json',
      '--out',
      out,
    ]);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.equal(j.reference.rows, 673);
    assert.equal(j.clusters.k, 3);
    assert.deepEqual(
      j.clusters.elbow.map((p: { k: number }) => p.k),
      [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
    );
    assert.equal(j.clusters.summary.length, 3);
    // clusters are numbered by ascending median measured HV
    const med = j.clusters.summary.map((c: { hv_median: number }) => c.hv_median);
    assert.ok(med[0] <= med[1] && med[1] <= med[2], `medians ${med}`);
    assert.equal(j.clusters.hardest, 2);
    assert.ok(j.pca.r2_predicted_hv_pc1 >= 0 && j.pca.r2_predicted_hv_pc1 <= 1);
    assert.equal(j.tsne.perplexity, 30);
    assert.deepEqual(Object.keys(j.traversal), ['centre', 'high']);
    assert.equal(j.traversal.centre.amplitude.length, 64);
    assert.ok(j.traversal.high.measured_hv >= j.traversal.high.hv_threshold);
    assert.ok(j.sensitivity.samples.train_fit + j.sensitivity.samples.gmm_draws >= 1000);
    assert.equal(j.sensitivity.top.length, 16);
    // VIB (this model) against the deterministic bottleneck trained with the same settings
    assert.deepEqual(
      j.navigability.map((m: { bottleneck: string }) => m.bottleneck),
      ['vib', 'deterministic'],
    );
    assert.equal(j.navigability[0].k, 10);
    assert.ok(j.navigability[1].components >= 1);
    assert.equal(j.navigability_comparison.comparable, true);
    assert.ok(existsSync(join(out, 'deterministic-model', 'manifest.json')));
    assert.equal(j.manifest.command, 'latent');
    for (const f of [
      'latent.json',
      'manifest.json',
      'latent_points.csv',
      'traversal.csv',
      'sensitivity.csv',
      'latent_pca_hv.svg',
      'latent_tsne_cluster.png',
      'traversal_centre.svg',
      'traversal_high.svg',
      'elbow.svg',
      'cluster_hv.svg',
      'sensitivity.svg',
      'navigability.svg',
    ])
      assert.ok(existsSync(join(out, f)), `${f} written`);
    const csvLines = readFileSync(join(out, 'latent_points.csv'), 'utf8').trim().split('\n');
    assert.equal(csvLines.length, 674);
    assert.equal(csvLines[0], 'row,set,formula,load_N,hv,predicted_hv,cluster,pc1,pc2,tsne1,tsne2');
    const trav = readFileSync(join(out, 'traversal.csv'), 'utf8').trim().split('\n');
    assert.equal(trav.length, 1 + 2 * 64 * 25);
    // the one reader gives back what --json printed
    assert.deepEqual(readLatentRun(out), j);
  });

  it('explain --quick --json: attention, IG with a small completeness gap, permutation per cluster', async () => {
    const out = join(dir, 'explain-run');
    const r = await runCommand([
      'explain',
      '--model',
      model,
      '--quick',
      '--no-plots',
      '--json',
      '--out',
      out,
    ]);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.equal(j.attention.elements.length, 56);
    assert.match(j.attention.note, /absent elements receive attention mass/);
    const ig = j.integrated_gradients;
    assert.equal(ig.set, 'test');
    assert.equal(ig.n, 135);
    assert.equal(ig.steps, 50);
    assert.equal(ig.features.length, 57);
    // 50 trapezoid steps through a ReLU network: the gap is far below 1 % of the HV range
    assert.ok(
      ig.completeness.mean_gap_fraction_of_hv_range < 0.01,
      `gap ${ig.completeness.mean_gap} HV`,
    );
    assert.equal(j.permutation.repeats, 5);
    const perm = Object.values(j.permutation.clusters) as { top: unknown[]; base_mae: number }[];
    assert.ok(perm.length >= 2);
    for (const c of perm) assert.ok(c.top.length > 0 && c.base_mae > 0);
    assert.ok(j.integrated_gradients.by_cluster[`cluster_${j.clusters.hardest}`].n > 0);
    const rows = readFileSync(join(out, 'ig_rows.csv'), 'utf8').trim().split('\n');
    assert.equal(rows.length, 136);
    assert.ok(existsSync(join(out, 'explain.json')) && existsSync(join(out, 'manifest.json')));
    assert.deepEqual(readExplainRun(out), j);
  });

  it('runExplain reports its stages and progress (IG rows, permutation features) through the hooks', async () => {
    const out = join(dir, 'explain-lib');
    const info: string[] = [];
    const progress: ProgressEvent[] = [];
    const ended: string[] = [];
    const r = await runExplain(
      // an option given explicitly wins over the quick value (repeats 3, not 5)
      { model, quick: true, repeats: 3, plots: false, out, argv: [] },
      {
        onInfo: (m) => info.push(m),
        onProgress: (e) => progress.push(e),
        onStageEnd: (s) => ended.push(s),
      },
    );
    assert.deepEqual(
      info.filter((m) => m.startsWith('explain:')),
      [
        'explain: latent clusters…',
        'explain: attention…',
        'explain: integrated gradients…',
        'explain: permutation importance…',
      ],
    );
    const ig = progress.filter((e) => e.stage === 'integrated gradients');
    assert.equal(ig.at(-1)?.done, 135);
    assert.equal(ig.at(-1)?.total, 135);
    // one event per feature (56 elements + load) of every cluster with ≥ 2 test rows
    const perm = progress.filter((e) => e.stage === 'permutation importance');
    const clusters = r.result.permutation.clusters.length;
    assert.equal(perm.length, clusters * 57);
    assert.deepEqual(
      perm.map((e) => e.done),
      Array.from({ length: clusters * 57 }, (_, i) => i + 1),
    );
    assert.deepEqual(ended, ['integrated gradients', 'permutation importance']);
    assert.equal(r.runDir, out);
    assert.equal(r.elements, 56);
    assert.equal(r.document.permutation.repeats, 3);
    assert.equal(r.document.integrated_gradients.steps, 50);
    assert.equal(r.document.manifest.options.repeats, 3);
    assert.deepEqual(readExplainRun(out), JSON.parse(JSON.stringify(r.document)));
  });

  it('runLatent reports t-SNE iterations and stops with CancelledError when its signal aborts', async () => {
    const out = join(dir, 'latent-cancelled');
    const ac = new AbortController();
    const tsne: ProgressEvent[] = [];
    await assert.rejects(
      runLatent(
        { model, quick: true, plots: false, out, argv: [] },
        {
          signal: ac.signal,
          onProgress: (e) => {
            if (e.stage !== 't-SNE') return;
            tsne.push(e);
            if (e.done >= 50) ac.abort();
          },
        },
      ),
      CancelledError,
    );
    // every 10 iterations of the 300 of --quick, stopped at the first report after the abort
    assert.deepEqual(
      tsne.map((e) => [e.done, e.total]),
      [10, 20, 30, 40, 50].map((d) => [d, 300]),
    );
    assert.ok(!existsSync(join(out, 'latent.json')), 'no results file for a cancelled run');
  });

  it('input errors exit with code 2', async () => {
    const a = await runCommand(['explain', '--model', model, '--ig-set', 'nope']);
    assert.equal(a.code, 2);
    assert.match(a.stderr, /--ig-set expects one of test, train_fit, calibration, all/);
    const b = await runCommand(['latent', '--model', join(dir, 'missing')]);
    assert.equal(b.code, 2);
    assert.match(b.stderr, /no trained model/);
  });
});
