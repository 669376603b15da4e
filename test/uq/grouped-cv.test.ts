import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadDataset } from '../../src/data/dataset.ts';
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
