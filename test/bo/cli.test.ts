import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readBoRun } from '../../src/runs/bo.ts';
import { readDesignRun } from '../../src/runs/design.ts';
import { runCliInProcess } from '../helpers/cli.ts';
import { quick20Model } from '../helpers/model-cache.ts';

const runBoCli = (args: string[]) => runCliInProcess(['bo', ...args]);

describe('vibann bo (small model, reference dataset)', () => {
  let dir = '';
  let model = '';
  let designRun = '';
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vibann-bo-'));
    // 20 epochs: a 5-epoch (--quick) decoder is nearly uniform and its designs have no candidate
    model = await quick20Model(); // shared, read-only
    // a real (quick) design run: its gates.json holds the gates the comparison uses
    designRun = join(dir, 'design');
    const d = await runCliInProcess([
      'design',
      '--model',
      model,
      '--quick',
      '--no-refine',
      '--max-elements',
      '20',
      '--n',
      '2',
      '--seed',
      '3',
      '--out',
      designRun,
    ]);
    assert.ok(d.code === 0 || d.code === 3, d.stderr);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("runs a short BO and compares with the design run through the design run's own gates (--json)", async () => {
    const out = join(dir, 'bo');
    const r = await runBoCli([
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
    const design = readDesignRun(designRun);
    const vib = doc.comparison.candidates.VIBANN;
    // n = 2: the accepted ones (at most 2), or the 2 best rejected ones when none passed
    const k = design.document.candidates.length;
    assert.ok(design.document.summary.accepted > 0 ? k >= 1 && k <= 2 : k === 2, `${k}`);
    assert.deepEqual(
      vib.map((c: { formula: string }) => c.formula),
      design.document.candidates.map((c) => c.formula),
    );
    for (const c of vib) {
      assert.ok(Number.isFinite(c.vibann.lcb) && Number.isFinite(c.gp.lcb));
      assert.deepEqual(Object.keys(c.gates), ['support', 'novelty', 'uncertainty', 'performance']);
    }
    // the gates are the design run's, loaded (not rebuilt): its thresholds, and for its own
    // candidates the same support (re-encoded log p) and novelty values it recorded — these do
    // not depend on the MC passes, which differ (--mc 5 here, 100 in the design)
    // (the design run also records design-only settings — family cap, glass ranges, rules —
    // which the four-gate comparison does not use)
    assert.deepEqual(Object.keys(doc.thresholds).sort(), [
      'lcbTarget',
      'logpThreshold',
      'nearPeakRows',
      'novelty',
      'sigmaCapFactor',
      'sigmaRef',
      'window',
    ]);
    const recorded: Record<string, unknown> = { ...design.document.thresholds };
    for (const [k, v] of Object.entries(doc.thresholds)) assert.deepEqual(v, recorded[k], k);
    assert.equal(doc.gates.source, 'design-run');
    assert.equal(doc.gates.design_seed, 3);
    assert.equal(doc.gmm.k, design.document.summary.gmm.k);
    vib.forEach((c: { gates: Record<string, { value: number }> }, i: number) => {
      const rec = design.document.candidates[i].gates;
      assert.equal(c.gates.support.value, rec.support.value);
      assert.equal(c.gates.novelty.value, rec.novelty.value);
    });
    assert.doesNotMatch(r.stderr, /differs from the design run|rebuil/);
    assert.ok(existsSync(join(out, 'bo.json')) && existsSync(join(out, 'manifest.json')));
    assert.equal(doc.manifest.command, 'bo');
    // the model defaults to the design run's; the reader returns what was printed
    assert.equal(doc.manifest.model.dir, model);
    assert.deepEqual(readBoRun(out).document, doc);
  });

  it('input errors exit with code 2 and name the problem', async () => {
    const missing = await runBoCli(['--model', model, '--design-run', join(dir, 'nope')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /run directory '.*nope' does not exist/);
    const load = await runBoCli(['--model', model, '--design-run', designRun, '--load', '1']);
    assert.equal(load.code, 2);
    assert.match(load.stderr, /differs from the design run's load/);
    // a design run without its gate state, and one whose gates.json is malformed
    const old = join(dir, 'old-design');
    const broken = join(dir, 'broken-design');
    for (const d of [old, broken]) {
      rmSync(d, { recursive: true, force: true });
      for (const f of ['design.json', 'manifest.json'])
        writeFileSync(join(mkdir(d), f), readFileSync(join(designRun, f)));
    }
    const g = JSON.parse(readFileSync(join(designRun, 'gates.json'), 'utf8'));
    g.gmm.weights = 'none';
    writeFileSync(join(broken, 'gates.json'), JSON.stringify(g));
    const a = await runBoCli(['--model', model, '--design-run', old]);
    assert.equal(a.code, 2);
    assert.match(a.stderr, /no gates\.json there/);
    const b = await runBoCli(['--model', model, '--design-run', broken]);
    assert.equal(b.code, 2);
    assert.match(b.stderr, /broken-design\/gates\.json: .*field 'gmm\.weights'/);
  });
});

function mkdir(d: string): string {
  if (!existsSync(d)) mkdirSync(d, { recursive: true });
  return d;
}
