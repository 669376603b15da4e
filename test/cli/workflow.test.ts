import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runCli, runCliInProcess } from '../helpers/cli.ts';
import { sharedData } from '../helpers/paths.ts';

// A --quick end-to-end run on the reference dataset: train -> predict -> evaluate -> design.
describe('quick workflow on the reference dataset', () => {
  sharedData('H_v_dataset.csv');
  const dir = mkdtempSync(join(tmpdir(), 'vibann-wf-'));
  const model = join(dir, 'model');

  it('train --quick saves a model directory', async () => {
    const r = await runCliInProcess(['train', '--quick', '--out', model, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.equal(j.networks, 5);
    assert.equal(j.members.length, 5);
    assert.ok(j.members.every((m: { epochsRun: number }) => m.epochsRun >= 1 && m.epochsRun <= 5));
    assert.ok(existsSync(join(model, 'manifest.json')) && existsSync(join(model, 'weights.bin')));
  });

  it('predict --json follows the contract and is reproducible for a seed', async () => {
    const args = [
      'predict',
      '--model',
      model,
      '--composition',
      'B68Nb24Fe4W4',
      'Cu50Zr50',
      '--load',
      '0.5,2',
      '--json',
    ];
    const a = await runCliInProcess(args);
    assert.equal(a.code, 0, a.stderr);
    const rows = JSON.parse(a.stdout);
    assert.equal(rows.length, 4);
    const r0 = rows[0];
    assert.equal(r0.composition, 'B68Nb24Fe4W4');
    assert.deepEqual(Object.keys(r0.fractions), ['B', 'Nb', 'Fe', 'W']);
    assert.equal(r0.load, 0.5);
    assert.ok(r0.std > 0);
    assert.ok(Math.abs(r0.lcb - (r0.mean - 1.645 * r0.std)) < 1e-9);
    // the 90 % interval is μ ± h, its lower bound truncated at 0 HV (regression: far from the
    // data, e.g. an element the model has never seen in the lead, it printed negative hardness)
    for (const r of rows) assert.ok(Math.abs(r.lo90 - Math.max(0, 2 * r.mean - r.hi90)) < 1e-9);
    const far = await runCliInProcess([
      'predict',
      '--model',
      model,
      '--composition',
      'Pb100',
      '--json',
    ]);
    assert.equal(far.code, 0, far.stderr);
    const [pb] = JSON.parse(far.stdout);
    assert.ok(pb.hi90 - pb.mean > pb.mean, `the interval should reach below 0: ${far.stdout}`);
    assert.equal(pb.lo90, 0);
    assert.equal(pb.domain.in_domain, false);
    const b = await runCliInProcess(args);
    assert.deepEqual(JSON.parse(b.stdout), rows, 'same seed, same numbers');
    const c = await runCliInProcess([...args, '--seed', '2']);
    assert.notDeepEqual(JSON.parse(c.stdout)[0].std, r0.std);
  });

  it('predict reads a CSV and rejects an element outside the model basis', async () => {
    const csv = join(dir, 'q.csv');
    writeFileSync(csv, 'name,composition,Load\nA,B68Nb24Fe4W4,1\nB,Cu50Zr50,\n');
    const r = await runCliInProcess([
      'predict',
      '--model',
      model,
      '--input',
      csv,
      '--load',
      '3',
      '--json',
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      JSON.parse(r.stdout).map((x: { load: number; row: number }) => [x.row, x.load]),
      [
        [2, 1],
        [3, 3],
      ],
    );
    const bad = await runCliInProcess([
      'predict',
      '--model',
      model,
      '--composition',
      'Cu50Zr40Os10',
    ]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /Element 'Os' is not in the model's element basis/);
  });

  it('evaluate --json has the documented shape', async () => {
    const run = join(dir, 'evaluate');
    const r = await runCliInProcess([
      'evaluate',
      '--model',
      model,
      '--mc',
      '10',
      '--out',
      run,
      '--json',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.deepEqual(j.n, { train_fit: 430, calibration: 108, test: 135 });
    for (const set of [j.test, j.calibration]) {
      for (const k of [
        'r2',
        'mae',
        'rmse',
        'mape',
        'mean_signed_error',
        'coverage_1sigma',
        'mace',
        'imce',
        'rmsce',
        'miscal_area',
        'nll',
      ]) {
        assert.equal(typeof set[k], 'number', k);
      }
      assert.ok('q80' in set.tail && 'q90' in set.tail);
    }
    assert.ok(j.recalibrated.sigma_scale > 0);
    assert.equal(j.cv.folds.length, 5);
    const m = JSON.parse(readFileSync(join(run, 'manifest.json'), 'utf8'));
    assert.match(m.backend, /^(wasm|cpu)/, 'the manifest records the numerical backend');
    assert.equal(m.versions.tfjs, '4.22.0');
  });

  it('design exits 3 with per-gate rejection counts when nothing passes, and writes its run directory', () => {
    const run = join(dir, 'run');
    // A child process (a real exit code 3), the one end-to-end process run of this workflow.
    const r = runCli([
      'design',
      '--model',
      model,
      '--quick',
      '--no-refine',
      '--out',
      run,
      '--json',
    ]);
    assert.ok(r.code === 0 || r.code === 3, `exit ${r.code}: ${r.stderr}`);
    const j = JSON.parse(r.stdout);
    assert.ok('thresholds' in j && 'candidates' in j && 'rejected' in j && 'manifest' in j);
    const m = JSON.parse(readFileSync(join(run, 'manifest.json'), 'utf8'));
    assert.equal(m.command, 'design');
    assert.match(m.backend, /^(wasm|cpu)/);
    // design.json embeds the manifest as written with the results; manifest.json on disk then
    // gains what only it records: complete, the written files and the final finish time
    const { complete, files, finished, ...rest } = m;
    assert.equal(complete, true);
    assert.ok(
      Array.isArray(files) && files.some((f: { path: string }) => f.path === 'design.json'),
    );
    assert.ok(typeof finished === 'string');
    const { finished: _f, ...embedded } = j.manifest;
    assert.deepEqual(embedded, rest, 'design.json embeds the run manifest');
    assert.equal(m.data.sha256, '9e78a8d1aea58566e84c846a86873cf4ae3b1f9a6b23866601565d6482e2de70');
    if (r.code === 3) {
      assert.match(r.stderr, /no candidate passed all the gates \(rejections: /);
      assert.ok(Object.keys(j.rejected).length > 0);
    }
  });
});
