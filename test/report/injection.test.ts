/**
 * Issue 14 item 2: script injection through the HTML report. The exact payloads of the issue are
 * planted in a run directory (1) as files the run did not write and (2) as figures recorded in the
 * manifest with their SHA-256 (as if the attacker rewrote the manifest too), plus in file names and
 * JSON values. The report must exit 0, list unrecorded files by name only, and contain no
 * `<script>`, no `on*=` attribute and no `javascript:` URL; in headless Chromium no script runs
 * (document.title unchanged, no request reaches a local server), with and without the page's CSP.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { buildReport, inlineSvg, REPORT_CSP, writeReport } from '../../src/report/html.ts';
import { runReport } from '../../src/workflows/report.ts';
import * as F from './fixtures.ts';

const root = mkdtempSync(join(tmpdir(), 'vibann-inject-'));
let server: Server;
let hits = 0;
let beacon = '';

/** The payloads of issue 14, each trying to change document.title and to fetch the beacon. */
function payloads(url: string): Record<string, string> {
  const act = `document.title='pwned';fetch('${url}')`;
  return {
    'nested_script.svg': `<svg xmlns="http://www.w3.org/2000/svg" width="50" height="50"><scr<script>x</script>ipt>${act}</scr<script>x</script>ipt><rect width="5" height="5"/></svg>`,
    'unquoted_handlers.svg': `<svg xmlns="http://www.w3.org/2000/svg" width="50" height="50"><rect width="50" height="50" onmouseover=${act.replace(/ /g, '')} /><image href=x onerror=${act.replace(/ /g, '')} /></svg>`,
    'svg_onload.svg': `<svg/onload=${act.replace(/ /g, '')}><rect width="5" height="5"/></svg>`,
    'javascript_href.svg': `<svg xmlns="http://www.w3.org/2000/svg" width="50" height="50"><a href=javascript:${act.replace(/ /g, '')}><text y="20">click</text></a><a xlink:href="javascript:${act}"><text y="40">x</text></a></svg>`,
    'img_after_svg.svg': `<svg xmlns="http://www.w3.org/2000/svg" width="5" height="5"></svg><img src=x onerror="${act}">`,
    'style_import.svg': `<svg xmlns="http://www.w3.org/2000/svg" width="5" height="5"><style>@import url(${url}/css);</style><rect style="fill:url(${url}/f)" fill="url(${url}/g)" width="5" height="5"/></svg>`,
    'foreign.svg': `<svg xmlns="http://www.w3.org/2000/svg" width="5" height="5"><foreignObject><iframe src="javascript:${act}"></iframe><script>${act}</script></foreignObject><set attributeName="onmouseover" to="${act}"/><animate attributeName="href" to="javascript:${act}"/></svg>`,
  };
}

function writePayloadRun(dir: string, record: boolean): void {
  F.writeRunFiles(dir);
  for (const [name, svg] of Object.entries(payloads(beacon))) writeFileSync(join(dir, name), svg);
  // A PNG name with HTML content, a hostile file name and a JSON value with markup.
  writeFileSync(join(dir, 'fake.png'), `<script>${'x'}</script>`);
  writeFileSync(join(dir, `<img src=x onerror=alert(1)>.svg`), '<svg/onload=alert(1)>');
  writeFileSync(join(dir, 'javascript:alert(1).json'), JSON.stringify({ a: '<script>x</script>' }));
  writeFileSync(
    join(dir, 'notes.json'),
    JSON.stringify({ html: '<img src=x onerror=alert(1)>', url: 'javascript:alert(1)' }),
  );
  if (!record) return;
  // Pretend the run wrote them: the sanitiser alone must then keep the page inert.
  const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(m));
}

/** The static checks every report must pass. */
function assertInert(html: string): void {
  assert.ok(!/<script/i.test(html), 'no <script>');
  assert.ok(!/\son[a-z]+\s*=/i.test(html), 'no on*= attribute');
  assert.ok(!/javascript:/i.test(html), 'no javascript: URL');
  assert.ok(!/@import/i.test(html), 'no @import');
  // the payloads' text may remain as inert text; no attribute may point at the beacon
  assert.ok(!/=\s*"[^"]*127\.0\.0\.1/.test(html), 'no attribute refers to the beacon');
  assert.ok(!/<foreignObject|<iframe|<img[^>]*onerror|<set |<animate/i.test(html));
}

before(async () => {
  server = createServer((_req, res) => {
    hits += 1;
    res.end('x');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  beacon = `http://127.0.0.1:${(server.address() as AddressInfo).port}/beacon`;
});

after(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  rmSync(root, { recursive: true, force: true });
});

describe('report injection (issue 14 item 2)', () => {
  test('files the run did not write are listed by name only; report exits normally', async () => {
    const dir = join(root, 'planted');
    writePayloadRun(dir, false);
    const r = await runReport({ run: dir });
    const html = readFileSync(r.report, 'utf8');
    assertInert(html);
    assert.match(html, /not shown: .*nested_script\.svg.*records no written files/s);
    assert.ok(html.includes('<code>svg_onload.svg</code>'), 'listed by name');
    const figures = html.match(/<figure [\s\S]*?<\/figure>/g) ?? [];
    assert.ok(figures.length > 0);
    for (const f of figures)
      assert.ok(f.includes('drawn by the report from the results'), 'only derived figures');
  });

  test('recorded figures with the payloads are sanitised', async () => {
    const dir = join(root, 'recorded');
    writePayloadRun(dir, true);
    await F.recordWrittenFiles(dir);
    const out = await writeReport(dir);
    const html = readFileSync(out, 'utf8');
    assertInert(html);
    assert.ok(html.includes(`content="${REPORT_CSP}"`));
    assert.match(REPORT_CSP, /script-src 'none'/);
    assert.match(REPORT_CSP, /default-src 'none'/);
    // the harmless parts survive
    assert.match(html, /<rect width="5" height="5"/);
  });

  test('a figure changed after the run wrote it is not inlined', async () => {
    const dir = join(root, 'changed');
    F.writeRunFiles(dir);
    writeFileSync(join(dir, 'parity_test.svg'), '<svg width="5" height="5"><rect/></svg>');
    await F.recordWrittenFiles(dir);
    writeFileSync(join(dir, 'parity_test.svg'), '<svg/onload=alert(1)>');
    const html = await buildReport(dir);
    assert.match(html, /not shown: parity_test\.svg — not written by this run/);
  });

  test('inlineSvg: each payload alone', () => {
    for (const [name, svg] of Object.entries(payloads(beacon))) {
      const out = inlineSvg(svg, 'f1');
      assert.ok(
        !/<script|\son[a-z]+\s*=|href="(?!#)|@import|url\((?!#)|<style|<img|<a[\s>]|<iframe|<foreignObject|<set|<animate/i.test(
          out,
        ),
        `${name}: ${out}`,
      );
    }
  });

  test('headless Chromium runs no script of the reports (with and without the CSP)', async (t) => {
    const { chromium } = await import('playwright-core');
    const userDir = mkdtempSync(join(tmpdir(), 'vibann-chromium-'));
    const browser = await chromium.launchPersistentContext(userDir, {
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    t.after(async () => {
      await browser.close();
      rmSync(userDir, { recursive: true, force: true });
    });
    const dir = join(root, 'browser');
    mkdirSync(dir, { recursive: true });
    writePayloadRun(dir, true);
    await F.recordWrittenFiles(dir);
    const withCsp = readFileSync(await writeReport(dir), 'utf8');
    const withoutCsp = withCsp.replace(/<meta http-equiv="Content-Security-Policy"[^>]*>/, '');
    assert.notEqual(withCsp, withoutCsp);
    const planted = join(root, 'planted-browser');
    writePayloadRun(planted, false);
    const plantedHtml = readFileSync(await writeReport(planted), 'utf8');
    hits = 0;
    for (const [label, html] of [
      ['with CSP', withCsp],
      ['without CSP', withoutCsp],
      ['planted', plantedHtml],
    ] as const) {
      const file = join(root, `${label.replace(/ /g, '_')}.html`);
      writeFileSync(file, html);
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      await page.goto(`file://${file}`, { waitUntil: 'load' });
      // Hover and click every element: a surviving handler or javascript: link would fire.
      // (Browser code as strings: the project compiles without the DOM library.)
      await page.evaluate(`for (const el of document.querySelectorAll('*'))
        for (const type of ['mouseover', 'click', 'focus', 'load', 'error'])
          el.dispatchEvent(new Event(type, { bubbles: true }));`);
      await page.waitForTimeout(300);
      const title = await page.title();
      const dom = (await page.evaluate(`({
        scripts: document.querySelectorAll('script').length,
        handlers: [...document.querySelectorAll('*')].filter((el) =>
          [...el.attributes].some((a) => /^on/i.test(a.name))).length,
        jsUrls: [...document.querySelectorAll('*')].filter((el) =>
          [...el.attributes].some((a) => /javascript:/i.test(a.value))).length,
      })`)) as { scripts: number; handlers: number; jsUrls: number };
      assert.equal(title, 'vibann report: design', `${label}: document.title unchanged`);
      assert.deepEqual(dom, { scripts: 0, handlers: 0, jsUrls: 0 }, label);
      assert.deepEqual(errors, [], `${label}: no script errors`);
      await page.close();
    }
    assert.equal(hits, 0, 'no request reached the beacon server');
  });
});

describe('incomplete runs (issue 14 item 10)', () => {
  test('report warns on a run whose manifest says complete: false, and still exits normally', async () => {
    const dir = join(root, 'incomplete');
    F.writeRunFiles(dir);
    const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ ...m, complete: false }));
    const warnings: string[] = [];
    const r = await runReport({ run: dir }, { onWarn: (w) => warnings.push(w) });
    assert.match(warnings.join('\n'), /incomplete/);
    assert.match(readFileSync(r.report, 'utf8'), /class="warn">this run is incomplete/);
  });
});
