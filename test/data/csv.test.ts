/**
 * Issue 14 items 5 and 6: one CSV reading and validation path (data/csv.ts) for the dataset loader
 * and `predict --input`. Each case of the issue is refused by both readers with an InputError
 * naming the file (and row/column where there is one); the CLI exits 2 (predict --input, data
 * info --data). A fast-check fuzz test over random headers and cells: the readers either return
 * exactly the data of the file or throw InputError — never another error, never altered data.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { parseDecimal } from '../../src/data/csv.ts';
import { parseDataset } from '../../src/data/dataset.ts';
import { readQueries, streamQueries } from '../../src/data/queries.ts';
import { InputError } from '../../src/util/errors.ts';
import { runCliInProcess } from '../helpers/cli.ts';
import { quickModel } from '../helpers/model-cache.ts';

const root = mkdtempSync(join(tmpdir(), 'vibann-csv-'));
function file(name: string, text: string): string {
  const p = join(root, name);
  writeFileSync(p, text);
  return p;
}

async function streamAll(path: string) {
  const out = [];
  for await (const c of streamQueries(path, { chunkRows: 3 })) out.push(...c);
  return out;
}

/** Both request readers (sync and streaming) refuse `text` with a message matching `re`. */
async function refusedAsQueries(name: string, text: string, re: RegExp): Promise<void> {
  const p = file(name, text);
  assert.throws(
    () => readQueries(p),
    (e: unknown) => e instanceof InputError && re.test(e.message),
  );
  await assert.rejects(streamAll(p), (e: unknown) => e instanceof InputError && re.test(e.message));
}

function refusedAsDataset(name: string, text: string, re: RegExp): void {
  assert.throws(
    () => parseDataset(Buffer.from(text), name),
    (e: unknown) => e instanceof InputError && re.test(e.message),
  );
}

describe('predict --input and the dataset refuse what would lose or invent data', () => {
  test('duplicate columns Fe,B,Fe', async () => {
    await refusedAsQueries('dup.csv', 'Fe,B,Fe\n40,20,60\n', /dup\.csv: duplicated column 'Fe'/);
    refusedAsDataset('dup.csv', 'Fe,B,Fe,Load,HV\n40,20,60,0.5,900\n', /duplicated column 'Fe'/);
  });
  test("an unknown symbol-like column 'Xx'", async () => {
    await refusedAsQueries('unk.csv', 'composition,Xx\nFe80B20,5\n', /unk\.csv: column 'Xx'/);
    refusedAsDataset('unk.csv', 'Fe,B,Xx,Load,HV\n80,20,1,0.5,900\n', /column 'Xx'/);
  });
  test('an element in the wrong case', async () => {
    await refusedAsQueries('case.csv', 'fe,B\n80,20\n', /column 'fe'.*did you mean 'Fe'/);
  });
  test('a second composition column', async () => {
    await refusedAsQueries(
      'two.csv',
      'composition,composition\nFe80B20,Co50B50\n',
      /duplicated column 'composition'/,
    );
    await refusedAsQueries(
      'two2.csv',
      'composition,formula\nFe80B20,Co50B50\n',
      /'composition'.*'formula'.*both composition/,
    );
  });
  test('hex, binary and octal literals', async () => {
    await refusedAsQueries(
      'hex.csv',
      'Fe,B\n0x10,0b1\n',
      /row 2, column 'Fe': expected a finite number, got '0x10'/,
    );
    await refusedAsQueries('bin.csv', 'Fe,B\n10,0b1\n', /row 2, column 'B'.*'0b1'/);
    await refusedAsQueries('load.csv', 'composition,Load\nFe80B20,0x10\n', /column 'Load'.*'0x10'/);
    refusedAsDataset('hex.csv', 'Fe,B,Load,HV\n80,20,0o7,900\n', /column 'Load'.*'0o7'/);
    for (const s of [
      '0x10',
      '0b1',
      '0o7',
      '1_000',
      'Infinity',
      '-Infinity',
      'NaN',
      '',
      ' ',
      '1e999',
      '+',
    ])
      assert.equal(parseDecimal(s), undefined, s);
    for (const [s, v] of [
      ['16', 16],
      ['0.5', 0.5],
      ['.5', 0.5],
      ['1e-3', 0.001],
      ['-2', -2],
    ] as const)
      assert.equal(parseDecimal(s), v);
  });
  test('a header-only file', async () => {
    await refusedAsQueries(
      'hdr.csv',
      'composition\n',
      /hdr\.csv: the file has a header but no data rows/,
    );
    refusedAsDataset('hdr.csv', 'Fe,B,Load,HV\n', /header but no data rows/);
  });
  test('synonym columns in the dataset: Load+load, HV+hardness, composition+formula', () => {
    refusedAsDataset(
      'syn.csv',
      'Fe,B,Load,load,HV\n80,20,0.5,1,900\n',
      /'Load'.*'load'.*both load/,
    );
    refusedAsDataset(
      'syn.csv',
      'Fe,B,Load,HV,hardness\n80,20,0.5,900,800\n',
      /'HV'.*'hardness'.*both hardness/,
    );
    refusedAsDataset(
      'syn.csv',
      'composition,formula,Load,HV\nFe80B20,Fe80B20,0.5,900\n',
      /both composition/,
    );
  });
  test('short and long rows name the row', async () => {
    await refusedAsQueries('short.csv', 'Fe,B\n80\n', /row 2: has 1 cells, expected 2/);
    await refusedAsQueries('long.csv', 'Fe,B\n80,20\n80,20,5\n', /row 3: has 3 cells, expected 2/);
  });
  test('a valid request file is read exactly (extra columns carried along)', async () => {
    const p = file('ok.csv', 'name,composition,Load\na,Fe80B20,1\nb,Co50B50,\n');
    const q = readQueries(p);
    assert.deepEqual(
      q.map((r) => [r.composition.toFormula(), r.load, r.row, r.extra]),
      [
        ['Fe80B20', 1, 2, { name: 'a' }],
        ['B50Co50', undefined, 3, { name: 'b' }],
      ],
    );
    const s = await streamAll(p);
    assert.deepEqual(
      s.map((r) => [r.composition.toFormula(), r.load, r.row]),
      q.map((r) => [r.composition.toFormula(), r.load, r.row]),
    );
  });
});

describe('CLI: exit 2 naming the file', () => {
  test('predict --input with each bad file', async () => {
    for (const [name, text] of [
      ['dup.csv', 'Fe,B,Fe\n40,20,60\n'],
      ['unk.csv', 'composition,Xx\nFe80B20,5\n'],
      ['twocomp.csv', 'composition,composition\nFe80B20,Co50B50\n'],
      ['hex.csv', 'Fe,B\n0x10,0b1\n'],
      ['hdr.csv', 'composition\n'],
    ]) {
      const p = file(name, text);
      const r = await runCliInProcess([
        'predict',
        '--model',
        await quickModel(),
        '--input',
        p,
        '--json',
      ]);
      assert.equal(r.code, 2, `${name}: ${r.stderr}`);
      assert.match(r.stderr, new RegExp(name.replace('.', '\\.')));
      assert.equal(r.stdout, '', `${name}: no predictions printed`);
    }
  });
  test('data info --data with synonym columns', async () => {
    for (const text of [
      'Fe,B,Load,load,HV\n80,20,0.5,1,900\n',
      'Fe,B,Load,HV,hardness\n80,20,0.5,900,800\n',
      'composition,formula,Load,HV\nFe80B20,Fe80B20,0.5,900\n',
    ]) {
      const p = file('syn.csv', text);
      const r = await runCliInProcess(['data', 'info', '--data', p]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /syn\.csv/);
    }
  });
});

describe('fuzz: random headers and cells (fast-check)', () => {
  const names = fc.constantFrom(
    'Fe',
    'B',
    'Co',
    'Zr',
    'fe',
    'FE',
    'Xx',
    'Load',
    'load',
    'HV',
    'hardness',
    'composition',
    'formula',
    'alloy',
    'name',
    'note',
    '',
    'Load (N)',
  );
  const cells = fc.oneof(
    fc.constantFrom(
      '0',
      '1',
      '20',
      '80',
      '0.5',
      '0x10',
      '0b1',
      '0o7',
      '1e3',
      '-1',
      'NaN',
      'Infinity',
      '',
      'Fe80B20',
      'Co50B50',
      'Xx10',
      '1_0',
      ' 5 ',
      '"',
    ),
    fc.string({ maxLength: 6 }),
    fc.double({ noNaN: false }).map(String),
  );
  const table = fc
    .tuple(fc.array(names, { minLength: 1, maxLength: 6 }), fc.integer({ min: 0, max: 4 }))
    .chain(([header, nRows]) =>
      fc.tuple(
        fc.constant(header),
        fc.array(fc.array(cells, { minLength: header.length, maxLength: header.length }), {
          minLength: nRows,
          maxLength: nRows,
        }),
      ),
    );
  const csv = (header: string[], rows: string[][]) =>
    `${[header, ...rows].map((r) => r.map((c) => (/[",\n]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c)).join(',')).join('\n')}\n`;

  test('readers never crash: a result or an InputError', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(table, async ([header, rows]) => {
        const text = csv(header, rows);
        const p = file(`fuzz${n++ % 4}.csv`, text);
        for (const read of [
          () => readQueries(p),
          () => parseDataset(Buffer.from(text), 'fuzz.csv'),
        ]) {
          try {
            read();
          } catch (e) {
            if (!(e instanceof InputError)) throw e;
          }
        }
        try {
          await streamAll(p);
        } catch (e) {
          if (!(e instanceof InputError)) throw e;
        }
      }),
      { numRuns: 300 },
    );
  });

  test('accepted data is the data of the file (no silent loss or invention)', () => {
    fc.assert(
      fc.property(table, ([header, rows]) => {
        let ds: ReturnType<typeof parseDataset>;
        try {
          ds = parseDataset(Buffer.from(csv(header, rows)), 'fuzz.csv');
        } catch (e) {
          if (e instanceof InputError) return;
          throw e;
        }
        // exactly one load and one HV column, each read as the plain decimal in the file
        const lc = header.findIndex((h) => ['load', 'load (n)'].includes(h.toLowerCase()));
        const hc = header.findIndex((h) => ['hv', 'hardness'].includes(h.toLowerCase()));
        assert.equal(
          header.filter((h) => ['load', 'load (n)'].includes(h.toLowerCase())).length,
          1,
        );
        assert.equal(header.filter((h) => ['hv', 'hardness'].includes(h.toLowerCase())).length, 1);
        assert.equal(new Set(header).size, header.length, 'no duplicated column accepted');
        assert.equal(ds.nRows, rows.length);
        rows.forEach((r, i) => {
          assert.equal(ds.load[i], Number(r[lc].trim()));
          assert.equal(ds.hv[i], Number(r[hc].trim()));
          assert.ok(/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(r[lc].trim()));
        });
      }),
      { numRuns: 300 },
    );
  });
});
