import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  type ExplainRunDocument,
  parseExplainRun,
  readExplainRun,
} from '../../src/runs/explain.ts';
import { InputError } from '../../src/util/errors.ts';

/** A small explain.json of the shape `runExplain` writes (two clusters, two elements). */
function explainDoc(): ExplainRunDocument {
  const feat = (feature: string, mean: number) => ({
    feature,
    mean,
    mean_abs: Math.abs(mean),
    mean_present: feature === 'Nb' ? null : mean,
    n_present: feature === 'Nb' ? 0 : 3,
  });
  const att = (element: string, all: number) => ({
    element,
    all,
    present: element === 'Nb' ? null : all,
    n_present: element === 'Nb' ? 0 : 3,
  });
  return {
    model: { members: 5, design_member: 0, latent_dim: 64 },
    reference: { rows: 6, hv_range: 1500 },
    clusters: {
      k: 2,
      hardest: 1,
      summary: [
        { cluster: 0, n: 3, median_hv: 500, main_elements: 'B 60 %, Fe 40 %' },
        { cluster: 1, n: 3, median_hv: 1800, main_elements: 'B 70 %, Fe 30 %' },
      ],
    },
    attention: {
      note: 'absent elements receive attention mass',
      uniform_weight: 1 / 3,
      elements: [att('B', 0.4), att('Fe', 0.35), att('Nb', 0.25)],
      by_cluster: { cluster_0: { n: 3, top: [att('B', 0.4)] } },
    },
    integrated_gradients: {
      set: 'test',
      n: 2,
      steps: 50,
      baseline: { composition: { B: 0.65, Fe: 0.35 }, load_N: 1.2, predicted_hv: 900 },
      completeness: {
        mean_gap: 0.5,
        max_gap: 0.9,
        mean_gap_fraction_of_hv_range: 0.5 / 1500,
        mean_abs_delta_f: 300,
      },
      features: [feat('B', 120), feat('load', -40), feat('Fe', 10), feat('Nb', 0)],
      by_cluster: { cluster_1: { n: 1, top: [feat('B', 200)] } },
    },
    permutation: {
      set: 'test',
      repeats: 5,
      clusters: {
        cluster_0: {
          n: 2,
          base_mae: 80,
          top: [{ feature: 'B', mae_increase: 30, sd: 4, constant: false }],
          constant_features: 1,
        },
      },
      note: 'increase in MAE',
    },
    files: { ig_rows: 'ig_rows.csv' },
    manifest: {
      schema: 'vibann-run/1',
      command: 'explain',
      argv: ['explain', '--quick'],
      options: { igSteps: 50 },
      seeds: { seed: 1 },
      versions: { vibann: '0.1.0', node: 'v20', platform: 'linux' },
      timings: { total: 1.5 },
      started: '2026-01-01T00:00:00.000Z',
    },
  };
}

function writeRun(doc: unknown, text?: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'vibann-explain-run-'));
  writeFileSync(join(dir, 'explain.json'), text ?? JSON.stringify(doc));
  return dir;
}

/** The InputError of reading `dir`, asserting that it is one. */
function inputError(fn: () => unknown): InputError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof InputError, `expected an InputError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected an InputError');
}

describe('readExplainRun', () => {
  it('reads back what was written, unknown fields included', () => {
    const doc = { ...explainDoc(), extra: { added_later: 1 } };
    const dir = writeRun(doc);
    assert.deepEqual(readExplainRun(dir), doc);
  });

  it('accepts a model without attention (attention: null)', () => {
    const doc = { ...explainDoc(), attention: null };
    assert.equal(readExplainRun(writeRun(doc)).attention, null);
  });

  it('names the file and the field of a malformed document', () => {
    const doc = explainDoc() as unknown as {
      integrated_gradients: { completeness: Record<string, unknown> };
    };
    doc.integrated_gradients.completeness.mean_gap = 'small';
    const dir = writeRun(doc);
    const e = inputError(() => readExplainRun(dir));
    assert.ok(e.message.startsWith(join(dir, 'explain.json')), e.message);
    assert.match(e.message, /field 'integrated_gradients\.completeness\.mean_gap'/);
  });

  it('names array positions and rejects keys that are not cluster_<n>', () => {
    const a = explainDoc();
    (a.clusters.summary[1] as { n: unknown }).n = -3;
    assert.match(
      inputError(() => parseExplainRun(a, 'x/explain.json')).message,
      /^x\/explain\.json: .*field 'clusters\.summary\[1\]\.n'/,
    );
    const b = explainDoc() as unknown as { permutation: { clusters: Record<string, unknown> } };
    b.permutation.clusters = { hardest: b.permutation.clusters.cluster_0 };
    assert.match(inputError(() => parseExplainRun(b)).message, /permutation\.clusters/);
    const c = { ...explainDoc(), integrated_gradients: { ...explainDoc().integrated_gradients } };
    (c.integrated_gradients as { set: string }).set = 'everything';
    assert.match(inputError(() => parseExplainRun(c)).message, /integrated_gradients\.set/);
  });

  it('a missing manifest command, a missing file, a non-directory and bad JSON are input errors', () => {
    const doc = explainDoc() as unknown as { manifest: Record<string, unknown> };
    delete doc.manifest.command;
    assert.match(inputError(() => readExplainRun(writeRun(doc))).message, /manifest\.command/);
    const empty = mkdtempSync(join(tmpdir(), 'vibann-explain-run-'));
    assert.match(inputError(() => readExplainRun(empty)).message, /explain\.json: no such file/);
    assert.match(inputError(() => readExplainRun(join(empty, 'nope'))).message, /does not exist/);
    const file = join(empty, 'plain');
    writeFileSync(file, '{}');
    assert.match(inputError(() => readExplainRun(file)).message, /not a directory/);
    assert.match(
      inputError(() => readExplainRun(writeRun(null, '{"model": '))).message,
      /explain\.json: not valid JSON/,
    );
  });
});
