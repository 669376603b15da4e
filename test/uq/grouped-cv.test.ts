import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadDataset } from '../../src/data/dataset.ts';
import {
  HARDEST_QUANTILE,
  REGIME_LOAD_FACTOR,
  REGIME_MIN_ROWS,
  regimeRows,
  withRegimeFolds,
} from '../../src/jobs/uncertainty.ts';
import { DOMAIN_FILE, readDomainFile } from '../../src/runs/domain.ts';
import { Rng } from '../../src/util/rng.ts';
import { runTrain } from '../../src/workflows/train.ts';
import {
  familyFolds,
  GROUP_VAL_FRACTION,
  refitFromSavedRows,
} from '../../src/workflows/uncertainty.ts';
import { tinyCsv } from './tiny-data.ts';

// Families (exact element sets) with nested supersets: B-Co ⊂ B-Co-Fe ⊂ B-Co-Fe-Nb, Cu-Zr ⊂ Cu-Zr-Al.
const FAMILIES: [string, number][] = [
  ['B50Co50', 6],
  ['B40Co40Fe20', 4],
  ['B30Co30Fe30Nb10', 3],
  ['Cu50Zr50', 8],
  ['Cu40Zr40Al20', 5],
  ['Fe80Nb20', 7],
  ['Al90Fe10', 5],
  ['Nb50Zr50', 6],
];

function dataset() {
  const dir = mkdtempSync(join(tmpdir(), 'vibann-gcv-'));
  const lines = ['composition,Load,HV'];
  for (const [f, n] of FAMILIES) for (let k = 0; k < n; k++) lines.push(`${f},1,${500 + k}`);
  const file = join(dir, 'd.csv');
  writeFileSync(file, `${lines.join('\n')}\n`);
  return loadDataset(file);
}

describe('familyFolds (the grouped CV of the uncertainty fit)', () => {
  const ds = dataset();
  const rows = Array.from({ length: ds.nRows }, (_, i) => i);
  const folds = familyFolds(ds, rows, 3, new Rng('gcv'));

  it('scores every row once, whole families per fold', async () => {
    const f = await folds;
    const scored = f.score.flat().sort((a, b) => a - b);
    assert.deepEqual(scored, rows);
    const foldOf = new Map<string, Set<number>>();
    f.score.forEach((rs, k) => {
      for (const r of rs) {
        const key = [...ds.compositions[r].elements].sort().join('-');
        const s = foldOf.get(key) ?? new Set();
        s.add(k);
        foldOf.set(key, s);
      }
    });
    for (const [key, s] of foldOf) assert.equal(s.size, 1, `${key} split over folds`);
  });

  it("holds out every row containing all of a fold family's elements (supersets too), never trains or stops on them", async () => {
    const f = await folds;
    f.score.forEach((rs, k) => {
      // independent reference: for each family scored in fold k, the rows containing its elements
      const expected = new Set<number>();
      for (const r of rs) {
        const els = [...ds.compositions[r].elements];
        for (let q = 0; q < ds.nRows; q++)
          if (els.every((e) => ds.compositions[q].has(e))) expected.add(q);
      }
      assert.deepEqual(
        f.heldOut[k],
        [...expected].sort((a, b) => a - b),
      );
      const out = new Set(f.heldOut[k]);
      for (const r of [...f.train[k], ...f.val[k]])
        assert.ok(!out.has(r), `fold ${k} sees row ${r}`);
      // train + val + held out = all rows, disjoint; val ≈ GROUP_VAL_FRACTION of the rest
      assert.equal(f.train[k].length + f.val[k].length + f.heldOut[k].length, ds.nRows);
      const rest = ds.nRows - f.heldOut[k].length;
      assert.equal(f.val[k].length, Math.max(1, Math.round(GROUP_VAL_FRACTION * rest)));
    });
    // the fold scoring B-Co holds out B-Co-Fe and B-Co-Fe-Nb too (6 + 4 + 3 rows at least)
    const k = f.score.findIndex((rs) => rs.includes(0));
    assert.ok(f.heldOut[k].length >= 13);
  });

  it('is reproducible from the seed', async () => {
    const a = await folds;
    const b = await familyFolds(ds, rows, 3, new Rng('gcv'));
    assert.deepEqual(a, b);
  });
});

describe('regime folds (the grouped CV beside the family folds)', () => {
  // 50 rows of two families (Cu–Zr, Fe–B, alternating): loads 0.01 N (8 rows), 0.03 N (2), 1 N (30),
  // 5 N (6), 20 N (4); HV 100, 110, …, 590, each once
  function regimeData() {
    const dir = mkdtempSync(join(tmpdir(), 'vibann-regime-'));
    const loads = [
      ...new Array(8).fill(0.01),
      0.03,
      0.03,
      ...new Array(30).fill(1),
      ...new Array(6).fill(5),
      ...new Array(4).fill(20),
    ];
    const lines = ['composition,Load,HV'];
    loads.forEach((L, i) => {
      const c =
        i % 2 === 0 ? `Cu${50 + (i % 7)}Zr${50 - (i % 7)}` : `Fe${70 + (i % 5)}B${30 - (i % 5)}`;
      lines.push(`${c},${L},${100 + 10 * ((i * 17) % 50)}`);
    });
    const file = join(dir, 'r.csv');
    writeFileSync(file, `${lines.join('\n')}\n`);
    return loadDataset(file);
  }
  const ds = regimeData();
  const rows = Array.from({ length: ds.nRows }, (_, i) => i);

  it('selects the rows above the 90th HV percentile, and the rows within a factor 4 of the lowest and of the highest load', () => {
    // numpy.quantile([100 … 590], 0.9) = 541 → the 5 rows at 550 … 590
    assert.equal(HARDEST_QUANTILE, 0.9);
    assert.deepEqual(
      regimeRows(ds, rows, 'hardest')
        .map((r) => ds.hv[r])
        .sort((a, b) => a - b),
      [550, 560, 570, 580, 590],
    );
    assert.equal(REGIME_LOAD_FACTOR, 4);
    // ≤ 0.04 N: the 8 rows at 0.01 N and the 2 at 0.03 N
    assert.deepEqual(regimeRows(ds, rows, 'load-low'), rows.slice(0, 10));
    // ≥ 5 N: 6 + 4 rows
    assert.deepEqual(regimeRows(ds, rows, 'load-high'), rows.slice(40));
  });

  it(`skips a regime with fewer than ${REGIME_MIN_ROWS} rows or more than half of the rows`, () => {
    // without the 20 N rows the high regime (≥ 1.25 N) is the 6 rows at 5 N; without the 5 N ones
    // too it is ≥ 0.25 N: the 30 rows at 1 N of 40, more than half → skipped
    assert.deepEqual(regimeRows(ds, rows.slice(0, 46), 'load-high'), rows.slice(40, 46));
    assert.deepEqual(regimeRows(ds, rows.slice(0, 40), 'load-high'), []);
    // 40 rows: 4 above their 90th HV percentile, fewer than REGIME_MIN_ROWS = 5 → skipped
    assert.equal(REGIME_MIN_ROWS, 5);
    assert.deepEqual(regimeRows(ds, rows.slice(0, 40), 'hardest'), []);
  });

  it('appends one fold per kept regime that scores and holds out its rows, never trains or stops on them; reproducible', async () => {
    const sub = rows.slice(0, 40);
    const fam = await familyFolds(ds, sub, 2, new Rng('r'));
    const all = ['hardest', 'load-low', 'load-high'] as const;
    const f = withRegimeFolds(ds, sub, fam, all, new Rng('r2'));
    // 'hardest' and 'load-high' are skipped on these 40 rows (above)
    assert.deepEqual(f.kinds, ['family', 'family', 'load-low']);
    assert.deepEqual(f.score.slice(0, 2), fam.score);
    assert.deepEqual(f.score[2], rows.slice(0, 10));
    assert.deepEqual(f.heldOut[2], rows.slice(0, 10));
    const out = new Set(f.heldOut[2]);
    for (const r of [...f.train[2], ...f.val[2]]) assert.ok(!out.has(r));
    assert.equal(f.train[2].length + f.val[2].length, 30);
    assert.equal(f.val[2].length, Math.round(GROUP_VAL_FRACTION * 30));
    assert.deepEqual(withRegimeFolds(ds, sub, fam, all, new Rng('r2')), f);
    // all rows: all three regimes kept, in REGIME_FOLDS order
    const g = withRegimeFolds(
      ds,
      rows,
      await familyFolds(ds, rows, 2, new Rng('r')),
      all,
      new Rng('r2'),
    );
    assert.deepEqual(g.kinds, ['family', 'family', 'hardest', 'load-low', 'load-high']);
  });
});

describe('refitFromSavedRows', () => {
  it('re-fits exactly the uncertainty model vibann train saved, from the rows in domain.json', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vibann-refit-'));
    const { file } = tinyCsv(dir);
    const out = join(dir, 'model');
    await runTrain({ data: file, quick: true, epochs: 2, out });
    const doc = readDomainFile(join(out, DOMAIN_FILE));
    assert.ok((doc.grouped_cv.oof?.length ?? 0) > 0);
    // every out-of-fold row is scored once by the family folds, and once more by each regime
    // fold (jobs/uncertainty.ts REGIME_FOLDS) that holds it out
    const kinds = doc.grouped_cv.fold_kinds ?? [];
    assert.equal(kinds.length, doc.grouped_cv.networks);
    assert.ok(kinds.includes('hardest'), `regime folds: ${kinds.join(', ')}`);
    const oof = doc.grouped_cv.oof ?? [];
    const fam = oof.filter((x) => kinds[x.fold ?? 0] === 'family').map((x) => x.row);
    assert.equal(new Set(fam).size, fam.length);
    const pairs = oof.map((x) => `${x.row}/${x.fold}`);
    assert.equal(new Set(pairs).size, pairs.length);
    assert.equal(oof.length, doc.comparison.rows);
    const r = refitFromSavedRows(doc);
    assert.equal(r.chosen, doc.comparison.chosen);
    assert.deepEqual(r.model.toJSON(), doc.uncertainty);
    assert.deepEqual(JSON.parse(JSON.stringify(r.table)), doc.comparison.table);
  });
});
