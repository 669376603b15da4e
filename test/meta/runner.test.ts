/** The test runner's own logic (test/run.ts): shard assignment and reading a spec report. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assignShards, listTestFiles, parseSpec } from '../run.ts';

describe('test runner (test/run.ts)', () => {
  it('deals files heaviest first onto the least-loaded shard (LPT)', () => {
    const w = { a: 7, b: 5, c: 4, d: 3, e: 1 };
    const s = assignShards(['e', 'd', 'c', 'b', 'a'], w, 2);
    // LPT by hand: a→0 (7), b→1 (5), c→1 (9), d→0 (10), e→1 (10)
    assert.deepEqual(
      s.map((x) => [x.files, x.weight]),
      [
        [['a', 'd'], 10],
        [['b', 'c', 'e'], 10],
      ],
    );
    // an unlisted file weighs 1 s; empty shards are dropped
    assert.deepEqual(
      assignShards(['x'], {}, 3).map((x) => [x.files, x.weight]),
      [[['x'], 1]],
    );
  });

  it('reads the counts and the per-file durations of a spec report', () => {
    const spec = [
      '▶ test/a/one.test.ts',
      '  ✔ works (1.5ms)',
      '✔ test/a/one.test.ts (1250.5ms)',
      '▶ test/b/two.test.ts',
      '  ✖ fails (2ms)',
      '✖ test/b/two.test.ts (30ms)',
      'ℹ tests 2',
      'ℹ suites 2',
      'ℹ pass 1',
      'ℹ fail 1',
    ].join('\n');
    const p = parseSpec(spec);
    assert.deepEqual([p.tests, p.pass, p.fail], [2, 1, 1]);
    assert.deepEqual(p.unfinished, []);
    // a shard killed inside a file: its suite started and never ended
    assert.deepEqual(parseSpec(`${spec}\n▶ test/c/three.test.ts\n  ▶ a suite`).unfinished, [
      'test/c/three.test.ts',
    ]);
    assert.deepEqual(
      [...p.perFile],
      [
        ['test/a/one.test.ts', 1.2505],
        ['test/b/two.test.ts', 0.03],
      ],
    );
    assert.deepEqual([parseSpec('').tests, parseSpec('').perFile.size], [0, 0]);
  });

  it('finds this file among the test files', () => {
    const files = listTestFiles();
    assert.ok(files.includes('test/meta/runner.test.ts'));
    assert.ok(files.every((f) => f.startsWith('test/') && f.endsWith('.test.ts')));
  });
});
