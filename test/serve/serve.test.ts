import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { serve } from '../../src/serve/server.ts';
import { runCli } from '../helpers/cli.ts';
import { sharedData } from '../helpers/paths.ts';

// The local web page on 127.0.0.1 (an ephemeral port), with a --quick model trained for the test.
describe('vibann serve', () => {
  let server: Server;
  let url = '';
  const dir = mkdtempSync(join(tmpdir(), 'vibann-serve-'));
  const model = join(dir, 'model');
  const runs = join(dir, 'runs');

  before(async () => {
    sharedData('H_v_dataset.csv');
    const t = runCli(['train', '--quick', '--out', model]);
    assert.equal(t.code, 0, t.stderr);
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
  });
  after(() => server?.close());

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
      /'loads' must be a non-empty list of positive numbers/,
    );
    const c = await fetch(new URL('/nope', url));
    assert.equal(c.status, 404);
  });

  it('runs a design job and reports its progress and result', async () => {
    const r = await post('/api/design', { quick: true });
    assert.equal(r.status, 202);
    const { id } = (await r.json()) as { id: string };
    let job: {
      state: string;
      step: number;
      steps: number;
      result?: { candidates: unknown[]; thresholds: object };
    } = { state: 'running', step: 0, steps: 1 };
    const t0 = Date.now();
    while (job.state === 'running' && Date.now() - t0 < 90_000) {
      await new Promise((ok) => setTimeout(ok, 300));
      job = (await (await fetch(new URL(`/api/design/${id}`, url))).json()) as typeof job;
    }
    assert.equal(job.state, 'done', JSON.stringify(job).slice(0, 300));
    assert.equal(job.step, job.steps);
    assert.ok(
      Array.isArray(job.result?.candidates) && 'lcbTarget' in (job.result?.thresholds ?? {}),
    );
  });

  it('lists run directories and serves their reports', async () => {
    const list = (await (await fetch(new URL('/api/runs', url))).json()) as { name: string }[];
    assert.deepEqual(
      list.map((x) => x.name),
      ['design-1'],
    );
    const r = await fetch(new URL('/runs/design-1/report', url));
    assert.equal(r.status, 200);
    assert.match(await r.text(), /vibann report: design/);
    assert.equal((await fetch(new URL('/runs/..%2F..%2Fetc/report', url))).status, 404);
  });
});
