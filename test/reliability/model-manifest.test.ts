/**
 * Issue 14 item 9: the model manifest's metadata (options, tensor table, element basis, scalers —
 * everything in `extra`) is covered by a SHA-256 recorded at save time; `weights.file` must be a
 * file inside the model directory; a manifest without `weights` is an InputError (exit 2) with a
 * message, not a TypeError. Models saved before the digest existed still load.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { initBackend } from '../../src/nn/backend.ts';
import { loadModel, MANIFEST_FILE, saveModel } from '../../src/nn/io.ts';
import { InputError } from '../../src/util/errors.ts';
import { runCliInProcess } from '../helpers/cli.ts';
import { quickModel } from '../helpers/model-cache.ts';
import { tinyModel } from '../nn/helpers.ts';

const root = mkdtempSync(join(tmpdir(), 'vibann-manifest-'));
const extra = {
  elements: ['Al', 'B', 'Cu', 'Fe', 'Nb', 'Zr'],
  load_scaler: { kind: 'load', transform: 'log', mean: -1.34, std: 2.71 },
  hv_scaler: { mean: 1106.65, std: 574.41 },
};

async function saved(name: string): Promise<string> {
  const dir = join(root, name);
  await saveModel(dir, tinyModel({}, 2), extra);
  return dir;
}

/** The manifest fields these tests edit. */
interface M {
  extra: { elements: string[]; hv_scaler: { mean: number } };
  options: { dropout: number };
  weights?: { file: string };
  metadata_sha256?: string;
}

function edit(dir: string, f: (m: M) => void): void {
  const p = join(dir, MANIFEST_FILE);
  const m = JSON.parse(readFileSync(p, 'utf8'));
  f(m);
  writeFileSync(p, JSON.stringify(m, null, 2));
}

before(async () => {
  await initBackend('wasm');
});

describe('model manifest integrity (issue 14 #9)', () => {
  test('a saved model records the metadata digest and loads', async () => {
    const dir = await saved('ok');
    const m = JSON.parse(readFileSync(join(dir, MANIFEST_FILE), 'utf8'));
    assert.match(m.metadata_sha256, /^[0-9a-f]{64}$/);
    const l = await loadModel(dir);
    assert.deepEqual(l.extra, extra);
    // re-indenting the JSON (same content) is not a modification
    writeFileSync(join(dir, MANIFEST_FILE), JSON.stringify(m));
    await loadModel(dir);
  });

  test('an edited basis (Fe→Tc, reversed order) or scaler is refused', async () => {
    for (const [name, f] of [
      ['tc', (m: M) => (m.extra.elements[3] = 'Tc')],
      ['rev', (m: M) => m.extra.elements.reverse()],
      ['scaler', (m: M) => (m.extra.hv_scaler.mean = 0)],
      ['options', (m: M) => (m.options.dropout = 0.9)],
    ] as const) {
      const dir = await saved(name);
      edit(dir, f);
      await assert.rejects(
        loadModel(dir),
        (e: unknown) =>
          e instanceof InputError &&
          /manifest was modified after the model was saved/.test(e.message),
        name,
      );
    }
  });

  test('weights.file outside the model directory is refused', async () => {
    for (const file of ['../outside.bin', '/etc/passwd', 'sub/weights.bin', '..']) {
      const dir = await saved(`out-${file.replace(/\W/g, '_')}`);
      edit(dir, (m) => {
        if (m.weights) m.weights.file = file;
        delete m.metadata_sha256;
      });
      await assert.rejects(loadModel(dir), /must be a file name inside the model directory/, file);
    }
  });

  test('a manifest without weights: exit 2 with a message (old model directory)', async () => {
    const dir = join(root, 'noweights');
    cpSync(await quickModel(), dir, { recursive: true });
    edit(dir, (m) => delete m.weights);
    await assert.rejects(loadModel(dir), /no valid 'weights' entry/);
    const r = await runCliInProcess(['predict', '--model', dir, '--composition', 'Fe80B20']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /no valid 'weights' entry/);
    rmSync(dir, { recursive: true, force: true });
  });

  test('an old model directory (no digest) still loads', async () => {
    // a trained model's directory as saved before the digest existed: the same manifest without it
    const dir = join(root, 'old');
    cpSync(await quickModel(), dir, { recursive: true });
    edit(dir, (m) => delete m.metadata_sha256);
    const r = await loadModel(dir);
    assert.ok(r.model.nMembers > 0);
    rmSync(dir, { recursive: true, force: true });
  });
});
