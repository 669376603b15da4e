import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { igPlot, parityPlot } from '../../src/plots/index.ts';
import { writePlot } from '../../src/plots/render.ts';
import { buildReport, escapeHtml, inlineSvg, writeReport } from '../../src/report/html.ts';
import { InputError } from '../../src/util/errors.ts';
import * as F from './fixtures.ts';

const root = mkdtempSync(join(tmpdir(), 'vibann-report-'));

/** Every value of an attribute in the page. */
function attrs(html: string, name: string): string[] {
  return [...html.matchAll(new RegExp(`\\s${name}="([^"]*)"`, 'g'))].map((m) => m[1]);
}

describe('buildReport on a full synthetic run directory', () => {
  const dir = join(root, 'full');
  let html = '';
  before(async () => {
    F.writeRunFiles(dir);
    // Two figures written by "commands"; the rest are derived from the JSON by the report.
    await writePlot(
      dir,
      'parity_test',
      parityPlot(F.parityData({ train: 20, calibration: 5, test: 8 })),
    );
    await writePlot(
      dir,
      'unregistered',
      igPlot(F.igData(), { title: 'A figure of its own', top: 5 }),
    );
    // A PNG without an SVG is embedded as base64.
    writeFileSync(join(dir, 'photo.png'), readFileSync(join(dir, 'unregistered.png')));
    // The files the "run" wrote are recorded in its manifest (completeRun); only those are inlined.
    await F.recordWrittenFiles(dir);
    html = await buildReport(dir);
  });

  it('has the manifest header: command, dates, seeds, data checksum, versions, backend, timings', () => {
    assert.match(html, /<section id="run">/);
    assert.ok(html.includes('vibann design --load 0.5 --n 5 --seed 7'));
    assert.ok(html.includes('2025-01-02 03:05:05 UTC'));
    assert.ok(html.includes('design = 7, mc = 1'));
    assert.ok(html.includes('ab12cd34'.repeat(8)));
    assert.ok(html.includes('train_fit 470, calibration 68, test 135'));
    assert.ok(html.includes('tfjs 4.22.0'));
    assert.match(html, /<th>backend<\/th><td>wasm<\/td>/);
    assert.match(html, /<td>mcmc<\/td><td class="n">42.5<\/td>/);
    assert.match(html, /<td>total \(sum\)<\/td><td class="n">55.8<\/td>/); // 3 significant digits; no recorded total: the sum
  });

  it('has a section for every kind of result present, in order', () => {
    const ids = attrs(html, 'id').filter((i) => !i.includes('-'));
    assert.deepEqual(
      ids.filter((i) => !/^f\d/.test(i)),
      [
        'run',
        'accuracy',
        'training',
        'baselines',
        'latent',
        'explain',
        'design',
        'figures',
        'files',
      ],
    );
    for (const f of [
      'metrics.json',
      'history.json',
      'baselines.json',
      'latent.json',
      'explain.json',
      'design.json',
      'lofo.json',
    ])
      assert.ok(html.includes(`<h3>${f}</h3>`), f);
    assert.ok(html.includes('candidates.csv'), 'listed among the files');
  });

  it('tabulates the metrics: one column per set and tail, readable metric names', () => {
    assert.match(html, /<th>metric<\/th><th>test<\/th><th>test · top 20 % \(y ≥ q0.80\)<\/th>/);
    assert.ok(html.includes('<th>calibration</th>'));
    assert.ok(html.includes('<th>MAE (HV)</th>'));
    assert.ok(html.includes('<th>±1σ coverage</th>'));
  });

  it('tabulates the design: thresholds, candidates with gates, loads, rejections', () => {
    assert.ok(html.includes('<b>B68Nb24Fe4W4</b>'));
    assert.ok(html.includes('performance: LCB (HV) ≥ 1890'));
    assert.match(html, /<td class="fail">✗ 1960<\/td>/);
    assert.ok(html.includes('<th>10 N</th>'));
    assert.ok(html.includes('Rejected candidates by reason'));
    assert.ok(html.includes('LCB target (HV)'));
  });

  it('embeds every figure: written SVGs, the PNG-only one, and those derived from the results', () => {
    const figs = html.match(/<figure /g) ?? [];
    // parity_test, unregistered, photo (PNG) + derived: training, reliability, pit, baselines, load_curves
    assert.equal(figs.length, 8);
    for (const id of [
      'parity_test',
      'unregistered',
      'photo',
      'training',
      'reliability',
      'pit',
      'baselines',
      'load_curves',
    ])
      assert.ok(html.includes(`id="fig-${id}"`), id);
    assert.match(html, /<img alt="[^"]*" src="data:image\/png;base64,iVBORw0KGgo/);
    assert.ok(
      html.includes('Figure 2. A figure of its own.') || html.includes('A figure of its own.'),
    );
    assert.equal((html.match(/<svg /g) ?? []).length, 7);
  });

  it('is self-contained: no network reference, no script, unique ids', () => {
    assert.ok(!/https?:\/\//i.test(html), 'no http(s):// anywhere');
    assert.ok(!/<script/i.test(html));
    assert.ok(!/<link /i.test(html));
    for (const v of [...attrs(html, 'src'), ...attrs(html, 'href'), ...attrs(html, 'xlink:href')])
      assert.ok(v.startsWith('#') || v.startsWith('data:'), v);
    const ids = attrs(html, 'id');
    assert.equal(new Set(ids).size, ids.length, 'ids unique across inlined SVGs');
    // Every clip path used is defined in the same page.
    for (const m of html.matchAll(/url\(#([^)]+)\)/g)) assert.ok(ids.includes(m[1]), m[1]);
  });

  it('escapes text from the results', () => {
    assert.ok(html.includes('&lt;b&gt;not bold&lt;/b&gt; &amp; &quot;quoted&quot;'));
    assert.ok(!html.includes('<b>not bold</b>'));
  });

  it('writeReport writes <dir>/report.html by default and to --out otherwise', async () => {
    const p = await writeReport(dir);
    assert.equal(p, join(dir, 'report.html'));
    assert.match(readFileSync(p, 'utf8'), /^<!DOCTYPE html>/);
    const q = await writeReport(dir, join(root, 'elsewhere', 'r.html'), { deriveFigures: false });
    const text = readFileSync(q, 'utf8');
    assert.equal((text.match(/<figure /g) ?? []).length, 3);
  });
});

describe('buildReport: sections only when their data is there, and input errors', () => {
  it('a run directory with only a manifest gives just the header and the file list', async () => {
    const dir = join(root, 'bare');
    mkdirSync(dir);
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(F.manifest()));
    const html = await buildReport(dir);
    const ids = attrs(html, 'id');
    assert.deepEqual(ids, ['run', 'files']);
    assert.ok(!html.includes('<figure'));
  });

  it('a recorded total wall time is the total row, not added to the stages again', async () => {
    const dir = join(root, 'total');
    mkdirSync(dir);
    writeFileSync(
      join(dir, 'manifest.json'),
      JSON.stringify({ ...F.manifest(), timings: { mcmc: 11.7, refinement: 22.5, total: 36.7 } }),
    );
    const html = await buildReport(dir);
    assert.match(html, /<td>total \(wall\)<\/td><td class="n">36.7<\/td>/);
    assert.ok(
      !html.includes('>73.4<') && !html.includes('>70.9<'),
      'the total must not be summed with the stages',
    );
  });

  it('a results file that is not JSON is reported in its section, not fatal', async () => {
    const dir = join(root, 'badjson');
    mkdirSync(dir);
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(F.manifest()));
    writeFileSync(join(dir, 'metrics.json'), '{ not json');
    const html = await buildReport(dir);
    assert.match(html, /<section id="accuracy">.*metrics\.json is not valid JSON/s);
  });

  it('missing directory, missing or broken manifest → InputError (exit 2) naming the path', async () => {
    const missing = join(root, 'nope');
    await assert.rejects(buildReport(missing), (e: unknown) => {
      assert.ok(e instanceof InputError);
      assert.equal(e.exitCode, 2);
      assert.match(e.message, /run directory '.*nope' does not exist/);
      return true;
    });
    const empty = join(root, 'empty');
    mkdirSync(empty);
    await assert.rejects(buildReport(empty), /manifest\.json' not found/);
    writeFileSync(join(empty, 'manifest.json'), '{');
    await assert.rejects(
      buildReport(empty),
      (e: unknown) => e instanceof InputError && /not valid JSON/.test(e.message),
    );
    writeFileSync(join(empty, 'manifest.json'), '[1, 2]');
    await assert.rejects(buildReport(empty), /expected a run manifest/);
    const file = join(root, 'afile');
    writeFileSync(file, 'x');
    await assert.rejects(buildReport(file), /is not a directory/);
  });
});

describe('helpers', () => {
  it('escapeHtml escapes the five HTML specials', () => {
    assert.equal(
      escapeHtml(`<a href="x">'&'</a>`),
      '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;',
    );
  });

  it('inlineSvg drops scripts, handlers, external links and namespaces, and prefixes ids', () => {
    const svg =
      '<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="10">' +
      '<script>alert(1)</script><defs><clipPath id="clip1"><rect/></clipPath></defs>' +
      '<g clip-path="url(#clip1)" onload="evil()"><image xlink:href="https://example.org/x.png"/>' +
      '<use href="#clip1"/></g></svg>';
    const out = inlineSvg(svg, 'f3');
    assert.ok(!/script|onload|https?:|xmlns|<\?xml/.test(out), out);
    assert.ok(out.includes('id="f3-clip1"'));
    assert.ok(out.includes('url(#f3-clip1)'));
    assert.ok(out.includes('href="#f3-clip1"'));
    assert.ok(existsSync(root));
  });
});
