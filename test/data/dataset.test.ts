import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadDataset, parseDataset, REFERENCE_SHA256 } from '../../src/data/index.ts';
import { InputError } from '../../src/util/errors.ts';
import { sharedData } from '../helpers/paths.ts';

const parse = (text: string, name = 'bad.csv') => parseDataset(Buffer.from(text), `/tmp/${name}`);

function rejects(text: string, message: string | RegExp) {
  assert.throws(
    () => parse(text),
    (e: unknown) => {
      assert.ok(e instanceof InputError, `expected InputError, got ${String(e)}`);
      assert.equal(e.exitCode, 2);
      if (typeof message === 'string') assert.equal(e.message, message);
      else assert.match(e.message, message);
      return true;
    },
  );
}

describe('reference dataset', () => {
  const ds = loadDataset(sharedData('H_v_dataset.csv'));
  it('has the documented shape and checksum', () => {
    assert.equal(ds.sha256, REFERENCE_SHA256);
    assert.equal(ds.nRows, 673);
    assert.equal(ds.elements.length, 56);
    assert.equal(ds.elements[0], 'Ag');
    assert.equal(ds.elements[55], 'Zr');
    assert.equal(new Set(ds.compositions.map((c) => c.toFormula({ as: 'fraction' }))).size, 662);
  });
  it('normalises every row to sum 1 (row sums lie in [0.9999, 1.0002] in the file)', () => {
    const E = ds.elements.length;
    for (let r = 0; r < ds.nRows; r++) {
      let s = 0;
      for (let k = 0; k < E; k++) s += ds.x[r * E + k];
      assert.ok(Math.abs(s - 1) < 1e-12, `row ${r} sums to ${s}`);
    }
    // no row is off by more than 1e-3, so no renormalisation warning
    assert.deepEqual(ds.warnings, []);
  });
  it('reads loads and HV (first data row: HV 84.9 at 0.245 N)', () => {
    assert.equal(ds.hv[0], 84.9);
    assert.ok(Math.abs(ds.load[0] - 0.245000009) < 1e-12);
    assert.equal(Math.min(...ds.hv), 84.9);
    assert.equal(Math.max(...ds.hv), 2290.200877); // README rounds it to 2290.2
  });
});

describe('dataset formats', () => {
  it('accepts a composition formula column, at.% or fractions alike', () => {
    const ds = parse(
      'composition,Load,HV\nB68Nb24Fe4W4,0.5,2000\n"(Fe0.75B0.15Si0.1)96Nb4",1,1200\n',
    );
    assert.deepEqual(ds.elements, ['B', 'Fe', 'Nb', 'Si', 'W']);
    assert.equal(ds.compositions[0].fraction('B'), 0.68);
    assert.ok(Math.abs(ds.compositions[1].fraction('Fe') - 0.72) < 1e-12);
    assert.equal(ds.load[1], 1);
  });
  it('renormalises rows not summing to 1 with one warning that counts them', () => {
    const ds = parse('Cu,Zr,Load,HV\n50,50,0.5,500\n0.6,0.4,0.5,510\n0.3,0.3,0.5,520\n');
    assert.equal(ds.compositions[0].fraction('Cu'), 0.5);
    assert.equal(ds.compositions[2].fraction('Zr'), 0.5);
    assert.equal(ds.warnings.length, 1);
    assert.equal(
      ds.warnings[0],
      'bad.csv: 2 row(s) had element fractions not summing to 1 (beyond 0.001); they were renormalised',
    );
  });
});

describe('dataset validation errors name file, row and column', () => {
  it('no HV column', () =>
    rejects(
      'Cu,Zr,Load\n0.5,0.5,1\n',
      "bad.csv: no 'HV' column; expected columns for the composition, 'Load' (N) and 'HV'",
    ));
  it('non-numeric cell', () =>
    rejects(
      'Cu,Zr,Load,HV\n0.5,0.5,1,400\n0.5,abc,1,400\n',
      "bad.csv: row 3, column 'Zr': expected a finite number, got 'abc'",
    ));
  it('NaN and infinity', () => {
    rejects(
      'Cu,Zr,Load,HV\n0.5,NaN,1,400\n',
      "bad.csv: row 2, column 'Zr': expected a finite number, got 'NaN'",
    );
    rejects(
      'Cu,Zr,Load,HV\n0.5,0.5,1,Infinity\n',
      "bad.csv: row 2, column 'HV': expected a finite number, got 'Infinity'",
    );
  });
  it('negative fraction', () =>
    rejects(
      'Cu,Zr,Load,HV\n0.5,0.5,1,400\n1.1,-0.1,1,400\n',
      "bad.csv: row 3, column 'Zr': negative fraction -0.1",
    ));
  it('fractions summing to 0', () =>
    rejects(
      'Cu,Zr,Load,HV\n0,0,1,400\n',
      'bad.csv: row 2: element fractions sum to 0; expected a positive total',
    ));
  it('load 0', () =>
    rejects(
      'Cu,Zr,Load,HV\n0.5,0.5,0,400\n',
      "bad.csv: row 2, column 'Load': load must be > 0 N, got 0",
    ));
  it('HV <= 0', () =>
    rejects(
      'Cu,Zr,Load,HV\n0.5,0.5,1,-4\n',
      "bad.csv: row 2, column 'HV': HV must be > 0, got -4",
    ));
  it('unknown element column', () =>
    rejects(
      'Cu,Xx,Load,HV\n0.5,0.5,1,400\n',
      "bad.csv: column 'Xx' (column 2) is not a chemical element symbol",
    ));
  it('unknown element in a formula', () =>
    rejects(
      'composition,Load,HV\nB68Nb24Xx4,1,400\n',
      "bad.csv: row 2, column 'composition': Unknown element 'Xx' in formula 'B68Nb24Xx4'",
    ));
  it('empty file', () => {
    rejects(
      '',
      "bad.csv: the file is empty; expected a CSV with a header row (element columns or 'composition', then 'Load' and 'HV')",
    );
    rejects('\n\n  \n', /the file is empty/);
  });
  it('not a CSV file', () => {
    rejects(
      '{"rows": [1, 2, 3]}\n',
      /^bad\.csv: (not a CSV file: the first line has no comma-separated columns|not a valid CSV file)/,
    );
    rejects(
      'just some prose\nwithout commas\n',
      /^bad\.csv: not a CSV file: the first line has no comma-separated columns/,
    );
    assert.throws(
      () => parseDataset(Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2]), '/tmp/x.png'),
      /x\.png: not a CSV file \(it contains binary data\)/,
    );
  });
  it('duplicated column, short row, header only', () => {
    rejects('Cu,Cu,Load,HV\n0.5,0.5,1,400\n', "bad.csv: duplicated column 'Cu' (columns 1 and 2)");
    rejects(
      'Cu,Zr,Load,HV\n0.5,0.5,1\n',
      "bad.csv: row 2: has 3 cells, expected 4 (missing column 'HV')",
    );
    rejects('Cu,Zr,Load,HV\n', 'bad.csv: the file has a header but no data rows');
  });
  it('a missing file', () => {
    assert.throws(
      () => loadDataset('/nonexistent/x.csv'),
      /\/nonexistent\/x\.csv: cannot read the dataset \(ENOENT\)/,
    );
  });
});
