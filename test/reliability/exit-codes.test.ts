/**
 * Issue 14 items 7 and 12: usage errors are exit 2 with a clear message, found before any work.
 * `--load 0x10`, out-of-range/non-integer `--seed`, `design --ban <every element>`, impossible
 * `--bounds`, `serve --port 70000`, `serve --model /nonexistent`, `/runs/%/report` (400), and the
 * load rule (data/loads.ts) at its edges.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  checkLoad,
  LOAD_RANGE_FACTOR,
  modelLoadRange,
  REFERENCE_LOAD_RANGE,
} from '../../src/data/loads.ts';
import {
  DEFAULT_CONSTRAINTS,
  parseBounds,
  validateConstraints,
} from '../../src/design/constraints.ts';
import { serve } from '../../src/serve/server.ts';
import { InputError } from '../../src/util/errors.ts';
import { checkSeed } from '../../src/util/rng.ts';
import { runCliInProcess } from '../helpers/cli.ts';
import { quickModel } from '../helpers/model-cache.ts';

// a quick model trained once per code version (test/helpers/model-cache.ts); these tests used a
// /tmp/base-model that no test created, so they failed on a fresh machine
const MODEL = await quickModel();
const BASIS: string[] = JSON.parse(readFileSync(join(MODEL, 'manifest.json'), 'utf8')).extra
  .elements;

describe('option values (issue 14 #7, #12)', () => {
  test('--load 0x10 (and 0b1, Infinity) is refused, not read as 16 N', async () => {
    for (const v of ['0x10', '0b1', 'Infinity', '1_0']) {
      const r = await runCliInProcess([
        'predict',
        '--model',
        MODEL,
        '--composition',
        'Fe80B20',
        '--load',
        v,
      ]);
      assert.equal(r.code, 2, `${v}: ${r.stderr}`);
      assert.match(r.stderr, /--load/);
    }
  });

  test('--seed must be an integer 0 … 2^32 − 1 (4294967297 no longer wraps to 1)', async () => {
    for (const v of ['4294967296', '4294967297', '-1', '1.5', '0x10']) {
      const r = await runCliInProcess([
        'predict',
        '--model',
        MODEL,
        '--composition',
        'Fe80B20',
        '--seed',
        v,
      ]);
      assert.equal(r.code, 2, `${v}: ${r.stderr}`);
      assert.match(r.stderr, /--seed expects an integer from 0 to 4294967295/);
    }
    assert.equal(checkSeed(4294967295), 4294967295);
    assert.throws(() => checkSeed(2 ** 32), InputError);
    assert.throws(() => checkSeed(-1), InputError);
    assert.throws(() => checkSeed(0.5), InputError);
  });
});

describe('the load rule (data/loads.ts)', () => {
  const range = { min: 0.01, max: 19.6 };
  test('inside, outside (marked, warned), beyond 10× or not finite or ≤ 0 (refused)', () => {
    assert.deepEqual(checkLoad(0.5, range, '--load'), { load: 0.5, inRange: true });
    const v = checkLoad(100, range, '--load');
    assert.equal(v.inRange, false);
    assert.match(v.warning ?? '', /outside the training range/);
    assert.equal(checkLoad(0.001, range, 'x').inRange, false, '0.001 N = min/10 is still accepted');
    assert.equal(checkLoad(196, range, 'x').inRange, false, '196 N = 10·max is still accepted');
    for (const L of [1e300, 196.01, 0.00099, 0, -1, Number.NaN, Number.POSITIVE_INFINITY])
      assert.throws(
        () => checkLoad(L, range, 'row 3'),
        (e: unknown) => e instanceof InputError && /row 3/.test(e.message),
      );
    assert.equal(LOAD_RANGE_FACTOR, 10);
  });
  test('models without a recorded range fall back to the reference dataset range', () => {
    assert.deepEqual(modelLoadRange({}), REFERENCE_LOAD_RANGE);
    assert.deepEqual(modelLoadRange({ load_range: { min: 0.1, max: 2 } }), { min: 0.1, max: 2 });
  });
});

describe('design constraints that cannot be met (issue 14 #12)', () => {
  const c = (o: Partial<typeof DEFAULT_CONSTRAINTS>) => ({ ...DEFAULT_CONSTRAINTS, ...o });
  test('every element banned', () => {
    assert.throws(
      () => validateConstraints(c({ ban: BASIS }), BASIS),
      /no element of the model's basis is left/,
    );
  });
  test('impossible bounds are found before the search, naming them', () => {
    assert.throws(
      () => validateConstraints(c({ bounds: parseBounds('Fe:60:,Co:50:') }), BASIS),
      /impossible --bounds: the minima sum to 110 at\.%.*Fe ≥ 60, Co ≥ 50/,
    );
    assert.throws(
      () =>
        validateConstraints(
          c({ allow: ['Fe', 'B', 'Co'], bounds: parseBounds('Fe::30,B::30,Co::30') }),
          BASIS,
        ),
      /impossible --bounds: the maxima .* reach only 90 at\.%/,
    );
    assert.throws(
      () =>
        validateConstraints(
          c({ maxElements: 3, bounds: parseBounds('Fe:10:,B:10:,Co:10:,Ni:10:') }),
          BASIS,
        ),
      /requires 4 elements/,
    );
    // feasible ones still pass
    validateConstraints(c({ bounds: parseBounds('Fe:40:60,B:10:30') }), BASIS);
  });
  test('CLI: design --ban <all elements> exits 2 at once', async () => {
    const t0 = performance.now();
    const out = mkdtempSync(join(tmpdir(), 'vibann-ban-'));
    const r = await runCliInProcess([
      'design',
      '--model',
      MODEL,
      '--ban',
      BASIS.join(','),
      '--out',
      join(out, 'd'),
    ]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /no element of the model's basis is left/);
    assert.ok(performance.now() - t0 < 30_000, 'found before the search');
  });
});

describe('serve: clear errors at start, 400 for a bad run name (issue 14 #12)', () => {
  test('--port 70000 and --model /nonexistent exit 2 with a message', async () => {
    const r = await runCliInProcess(['serve', '--port', '70000', '--model', MODEL]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /--port expects an integer ≥ 0 and ≤ 65535, got '70000'/);
    const r2 = await runCliInProcess(['serve', '--port', '0', '--model', '/nonexistent']);
    assert.equal(r2.code, 2, r2.stderr);
    assert.match(r2.stderr, /no trained model at '\/nonexistent'/);
  });
  test('GET /runs/%/report is a 400', async () => {
    const runs = mkdtempSync(join(tmpdir(), 'vibann-runs-'));
    const { server, url } = (await serve({
      modelDir: MODEL,
      runsDir: runs,
      port: 0,
      log: () => {},
    })) as {
      server: Server;
      url: string;
    };
    try {
      const res = await fetch(`${url.replace(/\/$/, '')}/runs/%/report`);
      assert.equal(res.status, 400);
      assert.match(await res.text(), /percent-encoding/);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});

describe('library: workflows refuse out-of-range seeds', () => {
  test('runPredict({ seed: 2 ** 32 + 1 }) is an InputError before any work', async () => {
    const { runPredict } = await import('../../src/workflows/predict.ts');
    await assert.rejects(
      runPredict({ model: MODEL, compositions: ['Fe80B20'], seed: 2 ** 32 + 1 }),
      (e: unknown) =>
        e instanceof InputError && /seed must be an integer from 0 to 4294967295/.test(e.message),
    );
  });
});
