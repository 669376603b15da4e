import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { type LatentRunDocument, parseLatentRun, readLatentRun } from '../../src/runs/latent.ts';
import { InputError } from '../../src/util/errors.ts';

const nav = (model: string, bottleneck: string) => ({
  model,
  bottleneck,
  latent_dim: 4,
  k: 10,
  n: 40,
  edges: 250,
  components: 1,
  largest_component_fraction: 1,
  rms_radius: 2.5,
  ratio_scaled_q10: 10,
  ratio_scaled_q25: 20,
  ratio_scaled_median: 40,
  ratio_scaled_q75: 80,
  ratio_scaled_q90: 160,
  ratio_scaled_mean: 60,
  ratio_median: 16,
  abs_dhv_median: 50,
  abs_dhv_mean: 70,
  zero_length_edges: 0,
});

/** A small latent.json of the shape `runLatent` writes (4-dimensional latents, 2 clusters). */
function latentDoc(): LatentRunDocument {
  const cluster = (c: number, median: number) => ({
    cluster: c,
    n: 20,
    n_train_fit: 12,
    n_calibration: 3,
    n_test: 5,
    hv_min: median - 100,
    hv_q1: median - 50,
    hv_median: median,
    hv_q3: median + 50,
    hv_max: median + 100,
    predicted_hv_median: median + 5,
    main_elements: 'B 60 %, Fe 40 %',
    mean_composition: { B: 0.6, Fe: 0.4 },
  });
  return {
    reference: {
      rows: 40,
      by_set: { train_fit: 24, calibration: 6, test: 10 },
      load: 'each row at its own load',
      latent_dim: 4,
      bottleneck: 'vib',
    },
    clusters: {
      k: 2,
      hardest: 1,
      summary: [cluster(0, 500), cluster(1, 1500)],
      elbow: [
        { k: 1, inertia: 96 },
        { k: 2, inertia: 50 },
      ],
    },
    pca: {
      explained_variance_ratio: [0.5, 0.3, 0.15, 0.05],
      components_for_90pct: 3,
      r2_predicted_hv_pc1: 0.9,
      r2_predicted_hv_pc2: 0.01,
      // R² over fewer than 3 test rows is NaN, written as null
      test: { n: 2, r2_predicted_hv_pc1: null, r2_predicted_hv_pc2: null },
      r2_measured_hv_pc1: 0.8,
    },
    tsne: { perplexity: 10, iterations: 300, kl_divergence: 0.4, init: 'pca' },
    traversal: {
      centre: {
        predicted_hv: 1000,
        amplitude: [100, 50, 20, 5],
        top: [{ coordinate: 0, amplitude: 100, low: -2, high: 2 }],
        total_amplitude: 175,
        top5_share: 1,
      },
      high: {
        row: 7,
        formula: 'B40Fe60',
        measured_hv: 2000,
        load_N: 0.5,
        hv_threshold: 1900,
        predicted_hv: 1950,
        amplitude: [90, 40, 10, 0],
        top: [{ coordinate: 0, amplitude: 90, low: -2, high: 2 }],
        total_amplitude: 140,
        top5_share: 1,
      },
    },
    sensitivity: {
      samples: { train_fit: 24, gmm_draws: 976, gmm_components: 2, frame_dim: 3 },
      top: [
        {
          coordinate: 0,
          mean_abs_gradient: 30,
          mean_abs_gradient_per_sd: 45,
          sd: 1.5,
          pearson: 0.9,
          spearman: 0.88,
        },
        // a constant coordinate: correlations are NaN, written as null
        {
          coordinate: 3,
          mean_abs_gradient: 0,
          mean_abs_gradient_per_sd: 0,
          sd: 0,
          pearson: null,
          spearman: null,
        },
      ],
    },
    navigability: [nav('this model', 'vib'), nav('comparison', 'deterministic')],
    navigability_comparison: { model: 'runs/x/deterministic-model', comparable: true, caveats: [] },
    files: {
      points: 'latent_points.csv',
      traversal: 'traversal.csv',
      sensitivity: 'sensitivity.csv',
    },
    manifest: {
      schema: 'vibann-run/1',
      command: 'latent',
      argv: ['latent', '--quick'],
      options: { perplexity: 10 },
      seeds: { seed: 1 },
      versions: { vibann: '0.1.0', node: 'v20', platform: 'linux' },
      timings: { total: 2 },
      started: '2026-01-01T00:00:00.000Z',
    },
  };
}

function writeRun(doc: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'vibann-latent-run-'));
  writeFileSync(join(dir, 'latent.json'), JSON.stringify(doc));
  return dir;
}

function inputError(fn: () => unknown): InputError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof InputError, `expected an InputError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected an InputError');
}

describe('readLatentRun', () => {
  it('reads back what was written (nulls for NaN, unknown fields kept)', () => {
    const doc = { ...latentDoc(), later: 'kept' };
    assert.deepEqual(readLatentRun(writeRun(doc)), doc);
  });

  it('without t-SNE and without a comparison model', () => {
    const { tsne: _t, ...doc } = latentDoc();
    const d = {
      ...doc,
      navigability: [nav('this model', 'vib')],
      navigability_comparison: { model: null, note: 'no deterministic-bottleneck model given' },
    };
    const r = readLatentRun(writeRun(d));
    assert.equal(r.tsne, undefined);
    assert.equal(r.navigability_comparison.model, null);
  });

  it('names the file and the field of a malformed document', () => {
    const doc = latentDoc() as unknown as { navigability: Record<string, unknown>[] };
    doc.navigability[1].components = '13';
    const dir = writeRun(doc);
    const e = inputError(() => readLatentRun(dir));
    assert.ok(e.message.startsWith(join(dir, 'latent.json')), e.message);
    assert.match(e.message, /field 'navigability\[1\]\.components'/);
  });

  it('rejects what the readers rely on being absent or of the wrong kind', () => {
    const a = latentDoc() as unknown as { clusters: Record<string, unknown> };
    delete a.clusters.hardest;
    assert.match(inputError(() => parseLatentRun(a)).message, /field 'clusters\.hardest'/);
    const b = latentDoc() as unknown as { traversal: { high: { amplitude: unknown[] } } };
    b.traversal.high.amplitude[2] = 'big';
    assert.match(
      inputError(() => parseLatentRun(b, 'r/latent.json')).message,
      /^r\/latent\.json: .*field 'traversal\.high\.amplitude\[2\]'/,
    );
    // a comparison model named but no verdict on comparability
    const c = latentDoc() as unknown as { navigability_comparison: Record<string, unknown> };
    delete c.navigability_comparison.comparable;
    assert.match(inputError(() => parseLatentRun(c)).message, /navigability_comparison/);
    assert.match(inputError(() => parseLatentRun([])).message, /latent\.json/);
  });

  it('a run directory without latent.json is an input error naming the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vibann-latent-run-'));
    assert.match(inputError(() => readLatentRun(dir)).message, /latent\.json: no such file/);
  });
});
