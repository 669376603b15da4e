import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readDesignRun } from '../../src/runs/design.ts';
import { serve } from '../../src/serve/server.ts';
import { runCli, runCliInProcess } from '../helpers/cli.ts';
import { quick20Model } from '../helpers/model-cache.ts';

// The local web page on 127.0.0.1 (an ephemeral port), with a --quick model trained for the test.
describe('vibann serve', () => {
  let server: Server;
  let url = '';
  const dir = mkdtempSync(join(tmpdir(), 'vibann-serve-'));
  let model = '';
  const runs = join(dir, 'runs');

  before(async () => {
    // 20 epochs instead of --quick's 5: a 5-epoch decoder is nearly uniform (every decoded alloy
    // keeps > 30 elements above 1 at.%, so no design candidate reaches the gates); at 20 epochs a
    // quick design screens a few dozen distinct alloys (measured: 26 with seed 3)
    model = await quick20Model(); // shared, read-only
    mkdirSync(join(runs, 'design-1'), { recursive: true });
    writeFileSync(
      join(runs, 'design-1', 'manifest.json'),
      JSON.stringify({
        schema: 'vibann-run/1',
        command: 'design',
        argv: [],
        options: {},
        seeds: { seed: 1 },
        versions: { vibann: '0', node: 'v20', platform: 'linux' },
        timings: {},
        started: '2026-11-22T00:00:00Z',
      }),
    );
    ({ server, url } = await serve({ modelDir: model, runsDir: runs, port: 0, log: () => {} }));
    // The client (fetch) and the server share this process's event loop. A design job, or a CLI
    // call in the test, blocks it for seconds at a time; when that exceeds the server's keep-alive
    // timeout (5 s), both sides' timers fire late and fetch can reuse a socket the server is just
    // closing ('fetch failed'). A browser in its own process does not meet this: here the server
    // keeps idle sockets open and lets the client close them.
    server.keepAliveTimeout = 0;
  });
  after(() => server?.close());
  after(() => server?.closeAllConnections());

  const post = (path: string, body: unknown) =>
    fetch(new URL(path, url), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('listens on the loopback address only and serves a self-contained page', async () => {
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    const r = await fetch(url);
    assert.equal(r.status, 200);
    const html = await r.text();
    assert.ok(html.includes('id="pf"') && html.includes('id="df"') && html.includes('id="runs"'));
    assert.doesNotMatch(html, /(src|href)="https?:/, 'no external resources');
  });

  it('predicts across loads with the same numbers as `vibann predict`', async () => {
    const r = await post('/api/predict', { compositions: ['B68Nb24Fe4W4'], loads: [0.5, 2] });
    assert.equal(r.status, 200);
    const rows = (await r.json()) as {
      composition: string;
      load: number;
      mean: number;
      std: number;
      lcb: number;
    }[];
    assert.deepEqual(
      rows.map((x) => x.load),
      [0.5, 2],
    );
    for (const x of rows) assert.ok(Math.abs(x.lcb - (x.mean - 1.645 * x.std)) < 1e-9);
    const cli = runCli([
      'predict',
      '--model',
      model,
      '--composition',
      'B68Nb24Fe4W4',
      '--load',
      '0.5,2',
      '--json',
    ]);
    const c = JSON.parse(cli.stdout) as { mean: number; std: number }[];
    assert.deepEqual(
      rows.map((x) => [x.mean, x.std]),
      c.map((x) => [x.mean, x.std]),
    );
  });

  it('answers bad input with 400 and a message naming the problem', async () => {
    const a = await post('/api/predict', { compositions: ['B68Nb24Xx4'] });
    assert.equal(a.status, 400);
    assert.match(
      ((await a.json()) as { error: string }).error,
      /Unknown element 'Xx' in formula 'B68Nb24Xx4'/,
    );
    const b = await post('/api/predict', { compositions: ['Cu50Zr50'], loads: [0] });
    assert.equal(b.status, 400);
    assert.match(
      ((await b.json()) as { error: string }).error,
      /'loads\.0': Too small: expected number to be >0/,
    );
    const c = await fetch(new URL('/nope', url));
    assert.equal(c.status, 404);
  });

  interface Job {
    state: string;
    stage: string;
    step: number;
    steps: number;
    runDir: string;
    error?: string;
    result?: {
      candidates: { formula: string; gates: object }[];
      thresholds: { lcbTarget: number };
    };
  }
  const wait = async (id: string): Promise<Job> => {
    let job = { state: 'running' } as Job;
    const t0 = Date.now();
    while (job.state === 'running' && Date.now() - t0 < 120_000) {
      await new Promise((ok) => setTimeout(ok, 300));
      job = (await (await fetch(new URL(`/api/design/${id}`, url))).json()) as Job;
    }
    return job;
  };
  let serverRun = '';

  it('runs a design job with progress, writes the run directory, and gives the CLI’s candidates for the same options and seed', async () => {
    const r = await post('/api/design', { quick: true, seed: 3, n: 3, maxElements: 20 });
    assert.equal(r.status, 202);
    const { id } = (await r.json()) as { id: string };
    const job = await wait(id);
    assert.equal(job.state, 'done', JSON.stringify(job).slice(0, 300));
    assert.ok(job.steps > 0 && job.step === job.steps, `${job.step}/${job.steps}`);
    assert.ok(
      Array.isArray(job.result?.candidates) && 'lcbTarget' in (job.result?.thresholds ?? {}),
    );
    // the server writes the same run directory as `vibann design`
    serverRun = job.runDir;
    const sdir = join(runs, job.runDir);
    for (const f of ['design.json', 'gates.json', 'manifest.json'])
      assert.ok(existsSync(join(sdir, f)), `${f} in the server's run directory`);
    const fromServer = readDesignRun(sdir);
    assert.deepEqual(fromServer.document.candidates, job.result?.candidates);

    // the CLI with the same options (exit 3: none accepted, the best rejected ones are shown)
    const cliRun = join(dir, 'cli-design');
    const c = await runCliInProcess([
      'design',
      '--model',
      model,
      '--quick',
      '--seed',
      '3',
      '--n',
      '3',
      '--max-elements',
      '20',
      '--out',
      cliRun,
      '--json',
    ]);
    assert.ok(c.code === 0 || c.code === 3, `exit ${c.code}: ${c.stderr}`);
    const fromCli = readDesignRun(cliRun);
    // n = 3: the accepted ones (at most 3), or the 3 best rejected ones when none passed
    const k = fromCli.document.candidates.length;
    assert.ok(fromCli.document.summary.accepted > 0 ? k >= 1 && k <= 3 : k === 3, `${k}`);
    // same settings (MCMC, refinement, GMM, calibration passes) and seed: the same design
    assert.deepEqual(fromServer.document.manifest.options, fromCli.document.manifest.options);
    assert.deepEqual(
      fromServer.document.candidates.map((x) => x.formula),
      fromCli.document.candidates.map((x) => x.formula),
    );
    assert.deepEqual(fromServer.document.candidates, fromCli.document.candidates);
    assert.deepEqual(fromServer.document.thresholds, fromCli.document.thresholds);
    assert.equal(
      readFileSync(join(sdir, 'gates.json'), 'utf8'),
      readFileSync(join(cliRun, 'gates.json'), 'utf8'),
    );
    assert.deepEqual(JSON.parse(c.stdout).candidates, fromCli.document.candidates);
  });

  it('cancels a running design job', async () => {
    const r = await post('/api/design', { quick: true, seed: 4 });
    assert.equal(r.status, 202);
    const { id } = (await r.json()) as { id: string };
    const c = await post(`/api/design/${id}/cancel`, {});
    assert.equal(c.status, 202);
    const job = await wait(id);
    assert.equal(job.state, 'cancelled', JSON.stringify(job).slice(0, 300));
    assert.match(job.error ?? '', /the design was cancelled/);
    assert.equal(existsSync(join(runs, job.runDir)), false, 'no run directory for a cancelled run');
    assert.equal((await post('/api/design/999/cancel', {})).status, 404);
  });

  it('answers a bad design request with 400 naming the field', async () => {
    const a = await post('/api/design', { n: 'five' });
    assert.equal(a.status, 400);
    assert.match(
      ((await a.json()) as { error: string }).error,
      /'n': Invalid input: expected number, received string/,
    );
    const b = await post('/api/design', { ban: ['Xx'] });
    assert.equal(b.status, 400);
    assert.match(((await b.json()) as { error: string }).error, /Xx/);
    const t = await post('/api/design', { target: '2500:2200' });
    assert.equal(t.status, 400);
    assert.match(((await t.json()) as { error: string }).error, /--target expects LO:HI/);
  });

  it('lists run directories and serves their reports', async () => {
    const list = (await (await fetch(new URL('/api/runs', url))).json()) as { name: string }[];
    assert.deepEqual(list.map((x) => x.name).sort(), ['design-1', serverRun].sort());
    const r = await fetch(new URL('/runs/design-1/report', url));
    assert.equal(r.status, 200);
    assert.match(await r.text(), /vibann report: design/);
    const d = await fetch(new URL(`/runs/${encodeURIComponent(serverRun)}/report`, url));
    assert.equal(d.status, 200);
    assert.match(await d.text(), /vibann report: design/);
    assert.equal((await fetch(new URL('/runs/..%2F..%2Fetc/report', url))).status, 404);
  });
});
