import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runCliInProcess } from '../helpers/cli.ts';
import { sharedData } from '../helpers/paths.ts';

// `--workers 0` runs the jobs in this process: a worker thread's start-up (tfjs, the module graph)
// costs more than a quick job here; the pool itself is tested in test/jobs.
describe('training studies and tuning (--quick)', () => {
  sharedData('H_v_dataset.csv');
  const dir = mkdtempSync(join(tmpdir(), 'vibann-studies-'));

  it('evaluate --seeds-report 2 gives per-seed metrics, their mean ± sd and the pooled ensemble', async () => {
    const r = await runCliInProcess([
      'evaluate',
      '--seeds-report',
      '2',
      '--quick',
      '--workers',
      '0',
      '--out',
      join(dir, 'seeds'),
      '--json',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout).seeds_report;
    assert.deepEqual(
      j.seeds.map((s: { seed: number }) => s.seed),
      [1, 2],
    );
    const maes = j.seeds.map((s: { test: { mae: number } }) => s.test.mae);
    assert.ok(Math.abs(j.mean.mae - (maes[0] + maes[1]) / 2) < 1e-9);
    assert.ok(
      Math.abs(j.sd.mae - Math.abs(maes[0] - maes[1]) / Math.SQRT2) < 1e-9,
      'sample sd of two values',
    );
    assert.ok(Number.isFinite(j.pooled.rmse));
  });

  it('tune writes a resumable trial log and tuned.json that train --tuned applies', async () => {
    const run = join(dir, 'tune');
    const a = await runCliInProcess([
      'tune',
      '--quick',
      '--workers',
      '0',
      '--trials',
      '2',
      '--out',
      run,
      '--json',
    ]);
    assert.equal(a.code, 0, a.stderr);
    const first = JSON.parse(a.stdout);
    assert.equal(first.trials, 2);
    assert.ok(first.reference.network.latentDim === 16 && first.reference.network.dropout === 0.33);
    const log = join(run, 'study.json');
    const before = JSON.parse(readFileSync(log, 'utf8')).trials;
    const b = await runCliInProcess([
      'tune',
      '--quick',
      '--workers',
      '0',
      '--trials',
      '1',
      '--resume',
      log,
      '--out',
      run,
      '--json',
    ]);
    assert.equal(b.code, 0, b.stderr);
    const study = JSON.parse(readFileSync(log, 'utf8'));
    assert.equal(study.trials.length, 3);
    // the first two trials are unchanged by resuming
    assert.deepEqual(study.trials.slice(0, 2), before);
    const tuned = JSON.parse(readFileSync(join(run, 'tuned.json'), 'utf8'));
    const model = join(dir, 'm');
    const t = await runCliInProcess([
      'train',
      '--quick',
      '--tuned',
      join(run, 'tuned.json'),
      '--out',
      model,
    ]);
    assert.equal(t.code, 0, t.stderr);
    const options = JSON.parse(readFileSync(join(model, 'manifest.json'), 'utf8')).options;
    assert.equal(options.latentDim, tuned.network.latentDim);
    assert.ok(Math.abs(options.dropout - tuned.network.dropout) < 1e-12);
  });
});
