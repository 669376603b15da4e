import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { REFERENCE_SHA256 } from '../../src/data/index.ts';
import { runCliInProcess } from '../helpers/cli.ts';
import { sharedData } from '../helpers/paths.ts';

const dir = mkdtempSync(join(tmpdir(), 'vibann-cli-'));
function csv(name: string, text: string | Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

describe('vibann data info', () => {
  it('finds the reference dataset with no flag and prints its summary as JSON', async () => {
    sharedData('H_v_dataset.csv');
    const r = await runCliInProcess(['data', 'info', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.equal(j.rows, 673);
    assert.equal(j.sha256, REFERENCE_SHA256);
    assert.equal(j.elements.length, 56);
    assert.equal(j.element_counts.B, 460);
    assert.equal(j.loads.length, 17);
    assert.deepEqual(j.loads[0], { load: 0.01, rows: 259 });
    assert.equal(j.hv.min, 84.9);
    assert.equal(j.families.list[0].family, 'B-Fe-Nb');
    assert.equal(j.resolved_via, 'shared');
  });

  it('follows VIBANN_DATA before the shared copy', async () => {
    const p = csv('env.csv', 'Cu,Zr,Load,HV\n0.5,0.5,1,500\n0.6,0.4,1,520\n');
    const r = await runCliInProcess(['data', 'info', '--json'], { env: { VIBANN_DATA: p } });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).rows, 2);
    assert.equal(JSON.parse(r.stdout).resolved_via, 'env');
  });

  const bad: [string, string | Uint8Array, RegExp][] = [
    ['nohv.csv', 'Cu,Zr,Load\n0.5,0.5,1\n', /nohv\.csv: no 'HV' column/],
    [
      'text.csv',
      'Cu,Zr,Load,HV\n0.5,0.5,1,400\n0.5,x,1,400\n',
      /text\.csv: row 3, column 'Zr': expected a finite number, got 'x'/,
    ],
    [
      'neg.csv',
      'Cu,Zr,Load,HV\n1.2,-0.2,1,400\n',
      /neg\.csv: row 2, column 'Zr': negative fraction -0\.2/,
    ],
    ['zero.csv', 'Cu,Zr,Load,HV\n0,0,1,400\n', /zero\.csv: row 2: element fractions sum to 0/],
    [
      'load0.csv',
      'Cu,Zr,Load,HV\n0.5,0.5,0,400\n',
      /load0\.csv: row 2, column 'Load': load must be > 0 N, got 0/,
    ],
    [
      'xx.csv',
      'Cu,Xx,Load,HV\n0.5,0.5,1,400\n',
      /xx\.csv: column 'Xx' \(column 2\) is not a chemical element symbol/,
    ],
    ['empty.csv', '', /empty\.csv: the file is empty/],
    [
      'notcsv.csv',
      Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0]),
      /notcsv\.csv: not a CSV file/,
    ],
    ['prose.csv', 'This is a lab notebook.\nNo table here.\n', /prose\.csv: not a CSV file/],
  ];
  for (const [name, text, re] of bad) {
    it(`rejects ${name} with exit code 2 and a message naming the problem`, async () => {
      const r = await runCliInProcess(['data', 'info', '--data', csv(name, text)]);
      assert.equal(r.code, 2, `exit ${r.code}; stderr: ${r.stderr}`);
      assert.match(r.stderr, re);
      assert.equal(r.stdout, '', 'nothing on stdout');
    });
  }
  it('a missing --data file is an input error', async () => {
    const r = await runCliInProcess(['data', 'info', '--data', join(dir, 'nope.csv')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--data: no such file: .*nope\.csv/);
  });
});

describe('vibann predict input checks', () => {
  it('rejects an unknown element before looking for a model', async () => {
    const r = await runCliInProcess([
      'predict',
      '--composition',
      'B68Nb24Xx4',
      '--load',
      '0.5',
      '--model',
      join(dir, 'no-model'),
    ]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /Unknown element 'Xx' in formula 'B68Nb24Xx4'/);
    assert.doesNotMatch(r.stderr, /model/i);
  });
  it('rejects load 0 as a usage error', async () => {
    const r = await runCliInProcess(['predict', '--composition', 'Cu50Zr50', '--load', '0']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--load expects positive loads in N; got '0'/);
  });
});

describe('vibann command line', () => {
  it('--help lists every command of the contract and exits 0', async () => {
    const r = await runCliInProcess(['--help']);
    assert.equal(r.code, 0);
    for (const c of [
      'data',
      'train',
      'tune',
      'predict',
      'evaluate',
      'design',
      'baselines',
      'bo',
      'explain',
      'latent',
      'lofo',
      'structure',
      'report',
      'serve',
    ]) {
      assert.match(r.stdout, new RegExp(`^  ${c}\\b`, 'm'), `command ${c} missing from --help`);
    }
  });
  it('every command has --help', async () => {
    for (const c of ['data info', 'data fetch', 'predict', 'tune', 'lofo']) {
      const r = await runCliInProcess([...c.split(' '), '--help']);
      assert.equal(r.code, 0, c);
      assert.match(r.stdout, /Usage: vibann/);
    }
  });
  it('an unknown command or option is a usage error (exit 2)', async () => {
    assert.equal((await runCliInProcess(['frobnicate'])).code, 2);
    assert.equal((await runCliInProcess(['data', 'info', '--no-such-flag'])).code, 2);
  });
  it('--traceback adds the stack trace', async () => {
    const r = await runCliInProcess([
      '--traceback',
      'data',
      'info',
      '--data',
      join(dir, 'nope.csv'),
    ]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /at (Module\.)?resolveDatasetPath/);
  });
});
