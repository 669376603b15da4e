import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseFamily } from '../../src/data/family.ts';
import { UQ_METHODS } from '../../src/uq/shift.ts';
import { InputError } from '../../src/util/errors.ts';
import { runCliInProcess as runCommand } from '../helpers/cli.ts';
import { sharedData } from '../helpers/paths.ts';

describe('vibann lofo', () => {
  sharedData('H_v_dataset.csv');

  it('--list --json on the reference dataset: families, row counts, median HV, rows held out', async () => {
    const r = await runCommand(['lofo', '--list', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.equal(j.rows, 673);
    assert.equal(j.families.length, 146);
    assert.equal(
      j.families.reduce((s: number, f: { rows: number }) => s + f.rows, 0),
      673,
    );
    const top = j.families[0];
    assert.equal(top.family, 'B-Fe-Nb');
    assert.equal(top.rows, 261);
    assert.ok(Math.abs(top.median_hv - 1527) < 1, `median ${top.median_hv}`);
    // every row containing B, Fe and Nb: the family itself and its supersets
    assert.equal(top.held_out_by_family_option, 335);
    for (const f of j.families) assert.ok(f.held_out_by_family_option >= f.rows);
  });

  it('--list prints a table of the families with at least --min-rows rows', async () => {
    const r = await runCommand(['lofo', '--list', '--min-rows', '10']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /146 element families in 673 rows/);
    assert.match(r.stdout, /B-Fe-Nb\s+261\s+1527\s+335/);
    assert.match(r.stdout, /B-Co-Fe-Y\s+10/);
    assert.doesNotMatch(r.stdout, /B-Co-Ta\s+9/);
  });

  it('a family no row contains, and a missing or doubled choice, are input errors (exit 2)', async () => {
    const a = await runCommand(['lofo', '--family', 'Mo,Ta,Si,W']);
    assert.equal(a.code, 2);
    assert.match(a.stderr, /no row contains all of these elements \(see 'vibann lofo --list'\)/);
    const b = await runCommand(['lofo']);
    assert.equal(b.code, 2);
    assert.match(b.stderr, /either --list or --family/);
    const c = await runCommand(['lofo', '--list', '--family', 'B,Fe']);
    assert.equal(c.code, 2);
    const d = await runCommand(['lofo', '--family', 'Xx,Fe']);
    assert.equal(d.code, 2);
  });

  it('parseFamily accepts commas, hyphens and spaces', () => {
    assert.deepEqual(parseFamily('Mo,Ta,Si,W'), ['Mo', 'Ta', 'Si', 'W']);
    assert.deepEqual(parseFamily('B-Fe-Nb'), ['B', 'Fe', 'Nb']);
    assert.deepEqual(parseFamily(' B, Co ,B'), ['B', 'Co']);
    assert.throws(() => parseFamily(','), InputError);
    assert.throws(() => parseFamily('fe'), InputError);
  });

  it('--family B,Co,Re --quick: trains on the rest and reports metrics on the 6 held-out rows', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'vibann-lofo-')), 'run');
    const r = await runCommand([
      'lofo',
      '--family',
      'B,Co,Re',
      '--quick',
      '--workers',
      '0', // in this process: one fold does not repay a worker thread's start-up
      '--no-plots',
      '--json',
      '--out',
      out,
    ]);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.deepEqual(j.family, ['B', 'Co', 'Re']);
    assert.equal(j.held_out.rows, 6);
    assert.equal(j.n.test, 6);
    assert.equal(j.n.train_fit + j.n.calibration, 667);
    for (const k of ['r2', 'mae', 'rmse', 'coverage_1sigma', 'mace', 'nll'])
      assert.equal(typeof j.test[k], 'number', k);
    assert.equal(j.predictions.length, 6);
    assert.ok(j.predictions.every((p: { formula: string }) => /B/.test(p.formula)));
    assert.ok(
      existsSync(join(out, 'lofo.json')) && existsSync(join(out, 'model', 'manifest.json')),
    );
    // the lofo-fold job fitted the uncertainty model itself: its result carries the metrics under
    // the fitted predictive distribution (90 % interval included), domain.json is in the model
    // directory it wrote, and lofo.json is made from that result, not from a second fit
    const files = readdirSync(join(out, 'jobs')).filter((f) => f.endsWith('.json'));
    assert.equal(files.length, 1);
    const res = JSON.parse(readFileSync(join(out, 'jobs', files[0]), 'utf8'));
    assert.equal(res.kind, 'lofo-fold');
    assert.equal(res.job.group_folds, 5);
    const domain = JSON.parse(readFileSync(join(out, 'model', 'domain.json'), 'utf8'));
    assert.ok((UQ_METHODS as readonly string[]).includes(res.result.uncertainty));
    assert.equal(res.result.uncertainty, domain.comparison.chosen);
    assert.equal(j.uncertainty, res.result.uncertainty);
    for (const k of ['coverage_90', 'mean_width_90', 'coverage_1sigma', 'nll', 'mace'])
      assert.equal(typeof res.result.test[k], 'number', k);
    assert.ok(res.result.test.mean_width_90 > 0);
    assert.deepEqual(j.test, res.result.test);
    assert.deepEqual(j.recalibrated, res.result.recalibrated);
    const heldOut = res.result.predictions.filter((p: { set: string }) => p.set === 'test');
    assert.deepEqual(
      j.predictions.map((p: { row: number; std: number }) => [p.row, p.std]),
      heldOut.map((p: { row: number; std: number }) => [p.row, p.std]),
    );
    // the default σ of a held-out row is the uncertainty model's, not the raw MC σ
    assert.ok(heldOut.some((p: { std: number; std_mc: number }) => p.std !== p.std_mc));
    assert.equal(typeof res.extra.uncertainty_s, 'number');
  });
});
