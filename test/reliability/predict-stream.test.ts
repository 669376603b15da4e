/**
 * Issue 14 items 11 and 12 (predict): CSV in and CSV/NDJSON/JSON out in chunks, with progress;
 * chunking changes no number (MC masks are keyed by composition); a bad row late in the file
 * stops the run with exit 2 and no output file; an element outside the basis names file and row;
 * `--load` with a CSV that has a Load column warns which load was used.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { parse } from 'csv-parse/sync';
import { InputError } from '../../src/util/errors.ts';
import { type PredictionRow, runPredict, streamPredict } from '../../src/workflows/predict.ts';
import { runCliInProcess } from '../helpers/cli.ts';
import { quickModel } from '../helpers/model-cache.ts';

// a quick model trained once per code version (test/helpers/model-cache.ts); these tests used a
// /tmp/base-model that no test created, so they failed on a fresh machine
const MODEL = await quickModel();
const root = mkdtempSync(join(tmpdir(), 'vibann-stream-'));
const FORMULAS = [
  'Fe80B20',
  'B68Nb24Fe4W4',
  'Co50B50',
  'Zr60Cu30Al10',
  'Fe70B20Nb10',
  'Ni60Nb40',
  'Cu50Zr50',
];

function csvFile(name: string, rows: number, extra = ''): string {
  const lines = ['composition,Load'];
  for (let i = 0; i < rows; i++)
    lines.push(
      `${FORMULAS[i % FORMULAS.length]},${i % 3 === 0 ? '' : (0.5 * (1 + (i % 4))).toString()}`,
    );
  const p = join(root, name);
  writeFileSync(p, `${lines.join('\n')}\n${extra}`);
  return p;
}

describe('streaming predict (issue 14 #11)', () => {
  test('chunks of 4 rows give exactly the rows of one chunk, in order, with progress', async () => {
    const p = csvFile('a.csv', 23);
    const one = await runPredict({ model: MODEL, input: p, loads: [0.5, 1], chunkRows: 10_000 });
    const chunks: PredictionRow[][] = [];
    const progress: number[] = [];
    const s = await streamPredict(
      { model: MODEL, input: p, loads: [0.5, 1], chunkRows: 4 },
      (rows) => {
        chunks.push(rows);
      },
      { onProgress: (e) => progress.push(e.done) },
    );
    assert.ok(chunks.length >= 6, `several chunks (${chunks.length})`);
    assert.deepEqual(chunks.flat(), one.rows, 'identical numbers and order');
    assert.equal(s.count, one.rows.length);
    // rows with an empty Load get both --load values, others their own: 8 empty × 2 + 15
    assert.equal(s.count, 8 * 2 + 15);
    assert.ok(
      progress.length > 0 && progress.at(-1) === readFileSync(p).length,
      'progress in bytes up to the size',
    );
  });

  test('CLI --output FILE.csv / .ndjson: complete files equal to --json', async () => {
    const p = csvFile('b.csv', 9);
    const j = await runCliInProcess(['predict', '--model', MODEL, '--input', p, '--json']);
    assert.equal(j.code, 0, j.stderr);
    const rows = JSON.parse(j.stdout) as PredictionRow[];
    assert.equal(
      j.stdout,
      `${JSON.stringify(rows, null, 2)}\n`,
      'streamed --json is the same text as before',
    );
    const csvOut = join(root, 'out.csv');
    const c = await runCliInProcess([
      'predict',
      '--model',
      MODEL,
      '--input',
      p,
      '--output',
      csvOut,
    ]);
    assert.equal(c.code, 0, c.stderr);
    const table = parse(readFileSync(csvOut, 'utf8'), { columns: true }) as Record<
      string,
      string
    >[];
    assert.equal(table.length, rows.length);
    table.forEach((t, i) => {
      assert.equal(Number(t.row), rows[i].row);
      assert.equal(t.composition, rows[i].composition);
      assert.equal(Number(t.mean), rows[i].mean, 'full precision');
      assert.equal(Number(t.lcb), rows[i].lcb);
    });
    const nd = join(root, 'out.ndjson');
    const n = await runCliInProcess(['predict', '--model', MODEL, '--input', p, '--output', nd]);
    assert.equal(n.code, 0, n.stderr);
    const lines = readFileSync(nd, 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.deepEqual(lines, rows);
  });

  test('a bad row late in the file: exit 2 naming it, no output file, no temporary', async () => {
    const p = csvFile('c.csv', 30, 'Fe80B20,0x10\n');
    const outFile = join(root, 'late', 'out.csv');
    const r = await runCliInProcess([
      'predict',
      '--model',
      MODEL,
      '--input',
      p,
      '--output',
      outFile,
    ]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /c\.csv: row 32, column 'Load'.*'0x10'/);
    assert.equal(existsSync(outFile), false);
    assert.deepEqual(readdirSync(join(root, 'late')), []);
  });
});

describe('predict input messages (issue 14 #12)', () => {
  test('an element outside the basis names the file and row', async () => {
    const p = join(root, 'tc.csv');
    writeFileSync(p, 'composition\nFe80B20\nFe80Tc20\n');
    await assert.rejects(
      runPredict({ model: MODEL, input: p }),
      (e: unknown) =>
        e instanceof InputError &&
        /tc\.csv: row 3: element 'Tc' is not in the model's element basis/.test(e.message),
    );
    const r = await runCliInProcess(['predict', '--model', MODEL, '--input', p]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /tc\.csv: row 3/);
  });

  test('--load with a CSV that has a Load column: a warning says which load was used', async () => {
    const p = join(root, 'load.csv');
    writeFileSync(p, 'composition,Load\nFe80B20,1\nCo50B50,\n');
    const warnings: string[] = [];
    const r = await runPredict(
      { model: MODEL, input: p, loads: [2] },
      { onWarn: (w) => warnings.push(w) },
    );
    assert.deepEqual(
      r.rows.map((x) => x.load),
      [1, 2],
    );
    assert.match(
      warnings.join('\n'),
      /1 row\(s\) have their own Load, which is used instead of --load 2/,
    );
    // without --load no such warning
    const w2: string[] = [];
    await runPredict({ model: MODEL, input: p }, { onWarn: (w) => w2.push(w) });
    assert.ok(!w2.some((w) => /instead of --load/.test(w)));
  });

  test('loads beyond 10× the training range in a CSV are refused naming the row', async () => {
    const p = join(root, 'far.csv');
    writeFileSync(p, 'composition,Load\nFe80B20,1\nCo50B50,1e300\n');
    await assert.rejects(runPredict({ model: MODEL, input: p }), /far\.csv, row 3, column Load/);
    const r = await runCliInProcess([
      'predict',
      '--model',
      MODEL,
      '--composition',
      'Fe80B20',
      '--load',
      '1e300',
    ]);
    assert.equal(r.code, 2, r.stderr);
  });
});
