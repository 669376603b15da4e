import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCliInProcess } from '../helpers/cli.ts';

const runBoCli = (args: string[]) => runCliInProcess(['bo', ...args]);

describe('vibann bo (quick model, reference dataset)', () => {
  let dir = '';
  let model = '';
  let designRun = '';
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vibann-bo-'));
    model = join(dir, 'model');
    const r = await runCliInProcess(['train', '--quick', '--out', model, '--json']);
    assert.equal(r.code, 0, r.stderr);
    // a small stand-in for a design run: its options (cheap GMM and calibration) and 2 candidates
    designRun = join(dir, 'design');
    mkdirSync(designRun);
    writeFileSync(
      join(designRun, 'design.json'),
      JSON.stringify({
        thresholds: {
          logpThreshold: -10,
          novelty: 0.05,
          sigmaRef: 100,
          sigmaCapFactor: 2.5,
          lcbTarget: 1400,
        },
        candidates: [
          {
            formula: 'B45Co29Re26',
            fractions: { B: 0.45, Co: 0.29, Re: 0.26 },
            accepted: true,
            predictions: [],
          },
          {
            formula: 'B50Fe40Nb10',
            fractions: { B: 0.5, Fe: 0.4, Nb: 0.1 },
            accepted: false,
            predictions: [],
          },
        ],
        manifest: {
          options: { load: 0.5, gmm: { kMin: 1, kMax: 2, nInit: 1 }, calibrationPasses: 10 },
          seeds: { seed: 3 },
        },
      }),
    );
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('runs a short BO and compares with the design run through the same gates (--json)', async () => {
    const out = join(dir, 'bo');
    const r = await runBoCli([
      '--model',
      model,
      '--design-run',
      designRun,
      '--iterations',
      '3',
      '--random-starts',
      '4',
      '--refine-starts',
      '2',
      '--gp-restarts',
      '0',
      '--mc',
      '5',
      '--n',
      '2',
      '--no-plot',
      '--out',
      out,
      '--json',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout);
    assert.equal(doc.trace.length, 3);
    assert.equal(doc.proposals.length, 3);
    assert.deepEqual(
      doc.comparison.summary.map((m: { method: string }) => m.method),
      ['GP-BO', 'VIBANN', 'GP-BO all'],
    );
    const vib = doc.comparison.candidates.VIBANN;
    assert.deepEqual(
      vib.map((c: { formula: string }) => c.formula),
      ['B45Co29Re26', 'B50Fe40Nb10'],
    );
    for (const c of vib) {
      assert.ok(Number.isFinite(c.vibann.lcb) && Number.isFinite(c.gp.lcb));
      assert.deepEqual(Object.keys(c.gates), ['support', 'novelty', 'uncertainty', 'performance']);
    }
    // the stand-in's thresholds are made up: the rebuilt ones differ and the user is told
    assert.equal(doc.thresholds_check.length, 4);
    assert.match(r.stderr, /differs from the design run/);
    assert.ok(existsSync(join(out, 'bo.json')) && existsSync(join(out, 'manifest.json')));
    assert.equal(doc.manifest.command, 'bo');
  });

  it('input errors exit with code 2 and name the problem', async () => {
    const missing = await runBoCli(['--model', model, '--design-run', join(dir, 'nope')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /no design\.json/);
    const load = await runBoCli(['--model', model, '--design-run', designRun, '--load', '1']);
    assert.equal(load.code, 2);
    assert.match(load.stderr, /differs from the design run's load/);
  });
});
