import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { setDescriptorParams } from '../../src/model/descriptors.ts';
import { initBackend } from '../../src/nn/backend.ts';
import { loadModel, MANIFEST_FILE, saveModel, WEIGHTS_FILE } from '../../src/nn/io.ts';
import { VibannModel } from '../../src/nn/params.ts';
import { predictMC } from '../../src/uq/predict.ts';
import { InputError } from '../../src/util/errors.ts';
import { syntheticData, tinyModel } from './helpers.ts';

const execFileAsync = promisify(execFile);

describe('model directory save/load', () => {
  let root = '';
  before(async () => {
    await initBackend('wasm');
    root = await fsp.mkdtemp(join(tmpdir(), 'vibann-io-'));
  });
  after(async () => {
    await fsp.rm(root, { recursive: true, force: true });
  });

  const extra = {
    scalers: {
      load: { mean: 2.07, std: 3.11, transform: 'linear' },
      hv: { mean: 1106.65, std: 574.41 },
    },
    elements: ['Al', 'B', 'Cu', 'Fe', 'Nb', 'Zr'],
    dataSha256: 'abc',
    seeds: [1000, 1001],
    history: [[{ epoch: 1, valMse: 0.5 }]],
  };

  it('save → load → predict is identical, with fresh objects; extra returned as is', async () => {
    const m = tinyModel({ pairwiseBranch: true }, 2);
    const dir = join(root, 'model-a');
    await saveModel(dir, m, extra);
    const loaded = await loadModel(dir);
    assert.deepEqual(loaded.extra, extra);
    assert.equal(loaded.model.nMembers, 2);
    assert.deepEqual(loaded.model.options, m.options);
    for (const [name, v] of m.values) assert.deepEqual(loaded.model.values.get(name), v, name);
    const d = syntheticData(9, 6, 5);
    const p1 = predictMC(m, d.x, d.load, { passes: 7, seed: 42, scale: { mean: 1000, std: 500 } });
    const p2 = predictMC(loaded.model, d.x, d.load, {
      passes: 7,
      seed: 42,
      scale: { mean: 1000, std: 500 },
    });
    assert.deepEqual(p2.mean, p1.mean);
    assert.deepEqual(p2.std, p1.std);
    // and toJSON/fromJSON round-trips exactly too
    const j = VibannModel.fromJSON(JSON.parse(JSON.stringify(m.toJSON())));
    for (const [name, v] of m.values) assert.deepEqual(j.values.get(name), v, name);
  });

  it('the Meyer load head and the descriptor branch round-trip (their tensors and options); a schema-1 directory still loads', async () => {
    const m = tinyModel({ loadHead: 'meyer', hvZero: -1.7, descriptors: true, descHidden: [4] }, 2);
    setDescriptorParams(m, extra.elements, syntheticData(12, 6, 9).x);
    assert.ok(
      m.values.has('ise/kernel') && m.values.has('desc/hmix') && m.values.has('desc0/kernel'),
    );
    const dir = join(root, 'model-meyer');
    await saveModel(dir, m, extra);
    const loaded = await loadModel(dir);
    assert.deepEqual(loaded.model.options, m.options);
    for (const [name, v] of m.values) assert.deepEqual(loaded.model.values.get(name), v, name);
    const d = syntheticData(9, 6, 5);
    const p1 = predictMC(m, d.x, d.load, { passes: 7, seed: 42 });
    const p2 = predictMC(loaded.model, d.x, d.load, { passes: 7, seed: 42 });
    assert.deepEqual(p2.mean, p1.mean);
    assert.ok(p1.mean.every(Number.isFinite));
    // schema 1 (before loadHead/descriptors): the options lack the new fields; it loads with
    // their defaults (the paper's load path, no descriptors) and predicts as before
    const old = tinyModel({}, 1, 4);
    const dir1 = join(root, 'model-schema1');
    await saveModel(dir1, old, {});
    const mpath = join(dir1, MANIFEST_FILE);
    const man = JSON.parse(await fsp.readFile(mpath, 'utf8'));
    man.schemaVersion = 1;
    for (const k of ['loadHead', 'hvZero', 'descriptors', 'descHidden']) delete man.options[k];
    await fsp.writeFile(mpath, JSON.stringify(man));
    const l1 = await loadModel(dir1);
    assert.equal(l1.model.options.loadHead, 'network');
    assert.equal(l1.model.options.descriptors, false);
    assert.deepEqual(
      predictMC(l1.model, d.x, d.load, { passes: 5, seed: 1 }).mean,
      predictMC(old, d.x, d.load, { passes: 5, seed: 1 }).mean,
    );
  });

  it('a fresh process that loads the model reproduces the predictions exactly (same seed)', async () => {
    const m = tinyModel({}, 2, 3);
    const dir = join(root, 'model-proc');
    await saveModel(dir, m, {});
    const d = syntheticData(5, 6, 9);
    const here = predictMC(m, d.x, d.load, { passes: 6, seed: 11 });
    const script = [
      `import { initBackend } from ${JSON.stringify(new URL('../../src/nn/backend.ts', import.meta.url).href)};`,
      `import { loadModel } from ${JSON.stringify(new URL('../../src/nn/io.ts', import.meta.url).href)};`,
      `import { predictMC } from ${JSON.stringify(new URL('../../src/uq/predict.ts', import.meta.url).href)};`,
      "await initBackend('wasm');",
      `const { model } = await loadModel(${JSON.stringify(dir)});`,
      `const x = Float32Array.from(${JSON.stringify(Array.from(d.x))});`,
      `const l = Float32Array.from(${JSON.stringify(Array.from(d.load))});`,
      'const r = predictMC(model, x, l, { passes: 6, seed: 11 });',
      'process.stdout.write(JSON.stringify({ mean: Array.from(r.mean), std: Array.from(r.std) }));',
    ].join('\n');
    const file = join(root, 'child.mts');
    await fsp.writeFile(file, script);
    const { stdout } = await execFileAsync(process.execPath, ['--import', 'tsx', file], {
      encoding: 'utf8',
    });
    const there = JSON.parse(stdout) as { mean: number[]; std: number[] };
    assert.deepEqual(there.mean, Array.from(here.mean));
    assert.deepEqual(there.std, Array.from(here.std));
  });

  it('corrupted weights (a flipped byte, a truncated file) are clear errors', async () => {
    const dir = join(root, 'model-b');
    await saveModel(dir, tinyModel(), {});
    const w = join(dir, WEIGHTS_FILE);
    const bytes = await fsp.readFile(w);
    bytes[17] ^= 0xff;
    await fsp.writeFile(w, bytes);
    await assert.rejects(
      loadModel(dir),
      (e: unknown) => e instanceof InputError && /corrupted weights: SHA-256/.test(e.message),
    );
    await fsp.writeFile(w, bytes.subarray(0, bytes.length - 4));
    await assert.rejects(
      loadModel(dir),
      (e: unknown) => e instanceof InputError && /corrupted weights: \d+ bytes/.test(e.message),
    );
    await fsp.rm(w);
    await assert.rejects(
      loadModel(dir),
      (e: unknown) => e instanceof InputError && /missing weights file/.test(e.message),
    );
  });

  it('an unknown schema version or a missing manifest is a clear error', async () => {
    const dir = join(root, 'model-c');
    await saveModel(dir, tinyModel(), {});
    const mpath = join(dir, MANIFEST_FILE);
    const man = JSON.parse(await fsp.readFile(mpath, 'utf8'));
    man.schemaVersion = 99;
    await fsp.writeFile(mpath, JSON.stringify(man));
    await assert.rejects(
      loadModel(dir),
      (e: unknown) => e instanceof InputError && /unknown model schema version 99/.test(e.message),
    );
    await assert.rejects(
      loadModel(join(root, 'nowhere')),
      (e: unknown) => e instanceof InputError && /missing manifest/.test(e.message),
    );
  });

  it('a failed save leaves the previous model intact', async () => {
    const dir = join(root, 'model-d');
    const m1 = tinyModel({}, 1, 1);
    await saveModel(dir, m1, { v: 1 });
    const bad = { v: 2, n: 10n } as unknown as Record<string, unknown>; // BigInt is not JSON
    await assert.rejects(saveModel(dir, tinyModel({}, 1, 2), bad));
    const back = await loadModel(dir);
    assert.deepEqual(back.extra, { v: 1 });
    for (const [name, v] of m1.values) assert.deepEqual(back.model.values.get(name), v);
    const left = (await fsp.readdir(root)).filter((f) => f.startsWith('.'));
    assert.deepEqual(left, [], 'no temporary directory left behind');
  });
});
