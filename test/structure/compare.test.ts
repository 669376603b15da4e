/**
 * `vibann structure compare` on the five A1–A5 glasses and `structure analyze --out` with a measured
 * curve (issue 17): exit 0 without --hardness, the descriptor table, figures and a run directory
 * that `vibann report` renders; with --hardness the correlations equal a Pearson r computed here.
 * S(Q) is limited to 6 Å⁻¹ and 100 vectors per shell to keep the test short (the default run is
 * timed in docs/structure.md).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { readStructureAnalyzeRun, readStructureCompareRun } from '../../src/runs/structure.ts';
import { runCliInProcess } from '../helpers/cli.ts';
import { GLASSES, md } from './_fixtures.ts';

const tmp = mkdtempSync(join(tmpdir(), 'vibann-structure-compare-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const FAST = ['--qmax', '6', '--sq-vectors', '100'];

describe('vibann structure compare', () => {
  it('A1–A5 without --hardness: table, figures, run directory, report', {
    timeout: 300_000,
  }, async () => {
    const out = join(tmp, 'cmp');
    const files = GLASSES.map((g) => md(`${g}.extxyz`));
    const r = await runCliInProcess(['structure', 'compare', ...files, ...FAST, '--out', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /descriptor\s+A1\s+A2\s+A3\s+A4\s+A5/);
    assert.match(
      r.stdout,
      /cn_frac_12_13_B\s+0\.2584\s+0\.1935\s+0\.1132\s+0\.2663\s+0\.1177/,
      'oracle values',
    );
    const doc = readStructureCompareRun(out);
    assert.equal(doc.alloys.length, 5);
    assert.equal(doc.correlations, null);
    for (const f of [
      'structure_rdf',
      'structure_sq',
      'structure_cn',
      'structure_voronoi',
      'structure_angles',
      'structure_bonds',
      'structure_descriptors',
    ])
      assert.ok(existsSync(join(out, `${f}.svg`)) && existsSync(join(out, `${f}.png`)), f);
    const rep = await runCliInProcess(['report', '--run', out]);
    assert.equal(rep.code, 0, rep.stderr);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    assert.match(html, /<section id="structure"><h2>Atomic structure<\/h2>/);
    assert.equal((html.match(/id="fig-structure_/g) ?? []).length, 7);

    // with hardness (three alloys, the fewest a correlation is given for): Pearson r as computed here
    const hv = [1500, 1400, 1300];
    const csv = join(tmp, 'hv.csv');
    writeFileSync(
      csv,
      `alloy,hv\n${GLASSES.slice(0, 3)
        .map((g, k) => `${g},${hv[k]}`)
        .join('\n')}\n`,
    );
    const out2 = join(tmp, 'cmp-hv');
    const r2 = await runCliInProcess([
      'structure',
      'compare',
      ...files.slice(0, 3),
      '--no-sq',
      '--hardness',
      csv,
      '--out',
      out2,
      '--json',
    ]);
    assert.equal(r2.code, 0, r2.stderr);
    const d2 = JSON.parse(r2.stdout);
    const x = d2.alloys.map(
      (a: { descriptors: Record<string, { mean: number }> }) => a.descriptors.cn_mean.mean,
    );
    const mx = x.reduce((a: number, b: number) => a + b, 0) / 3;
    const my = hv.reduce((a, b) => a + b, 0) / 3;
    let sxy = 0;
    let sxx = 0;
    let syy = 0;
    for (let i = 0; i < 3; i++) {
      sxy += (x[i] - mx) * (hv[i] - my);
      sxx += (x[i] - mx) ** 2;
      syy += (hv[i] - my) ** 2;
    }
    assert.ok(Math.abs(d2.correlations.cn_mean.pearson - sxy / Math.sqrt(sxx * syy)) < 1e-12);
    assert.deepEqual(
      d2.alloys.map((a: { hardness: number }) => a.hardness),
      hv,
    );
  });

  it('analyze --out with --experiment: R-factor 0 against its own X-ray S(Q); report renders', {
    timeout: 120_000,
  }, async () => {
    const first = await runCliInProcess([
      'structure',
      'analyze',
      md('cuzr_quench.extxyz'),
      '--json',
    ]);
    assert.equal(first.code, 0, first.stderr);
    const rep = JSON.parse(first.stdout);
    assert.deepEqual(Object.keys(rep.sq.first_peak), ['q', 'height']);
    assert.equal(rep.sq.first_peak.height, Math.max(...rep.sq.s_total));
    assert.ok(
      rep.sq.ft.first_peak.q > 2 && Array.isArray(rep.sq.s_xray) && Array.isArray(rep.sq.s_neutron),
    );
    const meas = join(tmp, 'measured.txt');
    writeFileSync(
      meas,
      `# Q S(Q)\n${rep.sq.q.map((q: number, k: number) => `${q} ${rep.sq.s_xray[k]}`).join('\n')}\n`,
    );
    const out = join(tmp, 'one');
    const r = await runCliInProcess([
      'structure',
      'analyze',
      md('cuzr_quench.extxyz'),
      '--experiment',
      meas,
      '--out',
      out,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /R-factor 0\.0000 against s_xray/);
    const doc = readStructureAnalyzeRun(out);
    assert.equal(doc.report.experiment?.r_factor, 0);
    assert.ok(existsSync(join(out, 'structure_experiment.svg')));
    assert.equal((await runCliInProcess(['report', '--run', out])).code, 0);
  });
});
