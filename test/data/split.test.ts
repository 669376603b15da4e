import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  clusterSplit,
  compositionClusters,
  familyKey,
  loadDataset,
  parseDataset,
  type Split,
  selectSplit,
  splitFromFile,
  strata,
} from '../../src/data/index.ts';
import { Rng } from '../../src/util/rng.ts';
import { sharedData } from '../helpers/paths.ts';

const ds = loadDataset(sharedData('H_v_dataset.csv'));

function assertDisjointPartition(s: Split, n: number) {
  const all = [...s.trainFit, ...s.calibration, ...s.test];
  assert.equal(new Set(all).size, all.length, 'sets overlap');
  assert.ok(all.length <= n);
  const folds = s.cvFolds.flat();
  assert.equal(new Set(folds).size, folds.length, 'folds overlap');
  assert.deepEqual(
    [...folds].sort((a, b) => a - b),
    [...s.trainFit].sort((a, b) => a - b),
    'folds do not partition train_fit',
  );
}

describe('reference split', () => {
  it('has sizes 430/108/135 with 5 folds of 86, disjoint, covering all 673 rows', () => {
    const s = splitFromFile(ds, sharedData('reference-split.json'), 'reference');
    assert.equal(s.trainFit.length, 430);
    assert.equal(s.calibration.length, 108);
    assert.equal(s.test.length, 135);
    assert.deepEqual(
      s.cvFolds.map((f) => f.length),
      [86, 86, 86, 86, 86],
    );
    assertDisjointPartition(s, 673);
    assert.equal(s.trainFit.length + s.calibration.length + s.test.length, 673);
  });
  it('is the default split on the reference dataset', () => {
    const s = selectSplit(ds);
    assert.equal(s.kind, 'reference');
  });
  it('is refused on a modified dataset, naming both checksums', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vibann-'));
    const bytes = Buffer.from(
      readFileSync(sharedData('H_v_dataset.csv'), 'utf8').replace(',84.9', ',85.9'),
    );
    writeFileSync(join(dir, 'H_v_dataset.csv'), bytes);
    copyFileSync(sharedData('reference-split.json'), join(dir, 'reference-split.json'));
    const mod = loadDataset(join(dir, 'H_v_dataset.csv'));
    assert.notEqual(mod.sha256, ds.sha256);
    assert.throws(
      () => selectSplit(mod, { spec: 'reference' }),
      (e: Error) => {
        assert.match(
          e.message,
          /^reference-split\.json: this split was made for a dataset with SHA-256 9e78a8d1/,
        );
        assert.match(
          e.message,
          new RegExp(`H_v_dataset\\.csv has SHA-256 ${mod.sha256}; refusing the split`),
        );
        return true;
      },
    );
    // the default for a non-reference dataset is the cluster-aware split
    assert.equal(selectSplit(mod).kind, 'cluster');
  });
});

describe('cluster-aware split', () => {
  const a = clusterSplit(ds, { rng: new Rng(7) });
  it('is deterministic for a seed and differs for another seed', () => {
    const b = clusterSplit(ds, { rng: new Rng(7) });
    assert.deepEqual(a, b);
    const c = clusterSplit(ds, { rng: new Rng(8) });
    assert.notDeepEqual(a.test, c.test);
  });
  it('is disjoint, covers every row, and has 5 folds over train_fit', () => {
    assertDisjointPartition(a, ds.nRows);
    assert.equal(a.trainFit.length + a.calibration.length + a.test.length, ds.nRows);
    assert.equal(a.test.length, Math.round(0.2 * ds.nRows));
    assert.equal(a.cvFolds.length, 5);
    const sizes = a.cvFolds.map((f) => f.length);
    assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `fold sizes ${sizes}`);
  });
  it('is stratified: each stratum has a test share within one row of 20 %', () => {
    const all = Array.from({ length: ds.nRows }, (_, i) => i);
    // recompute the strata exactly as the split did (same forked seed stream)
    const cl = compositionClusters(ds, all, 3, new Rng(7).fork('kmeans'));
    const st = strata(ds, all, cl, 5);
    const test = new Set(a.test);
    const per = new Map<string, { n: number; t: number }>();
    st.forEach((s, r) => {
      const e = per.get(s) ?? { n: 0, t: 0 };
      e.n++;
      if (test.has(r)) e.t++;
      per.set(s, e);
    });
    assert.ok(per.size >= 5, `only ${per.size} strata`);
    for (const [s, { n, t }] of per) {
      assert.ok(Math.abs(t - 0.2 * n) < 1 + 1e-9, `stratum ${s}: ${t} of ${n} in test`);
    }
    // strata are cluster x family: the big B-Fe-Nb family is one key
    assert.ok([...per.keys()].some((k) => k.endsWith('|B-Fe-Nb')));
  });
  it('works on a small formula dataset too', () => {
    const rows = [
      'Cu50Zr50',
      'Cu60Zr40',
      'Cu40Zr60',
      'Fe80B20',
      'Fe75B25',
      'Fe70B30',
      'Pd40Ni40P20',
      'Pd40Cu30Ni10P20',
    ]
      .flatMap((f, i) => [`${f},0.5,${300 + i * 10}`, `${f},1,${305 + i * 10}`])
      .join('\n');
    const small = parseDataset(Buffer.from(`composition,Load,HV\n${rows}\n`), 'small.csv');
    const s = clusterSplit(small, { rng: new Rng(1) });
    assertDisjointPartition(s, small.nRows);
    assert.equal(s.test.length, Math.round(0.2 * 16));
  });
});

describe('family keys', () => {
  it('are the alphabetically sorted element set of a row', () => {
    // first data row of the file: Al 0.86, Co 0.02, Cu 0.06, Y 0.06
    assert.equal(familyKey(ds.compositions[0]), 'Al-Co-Cu-Y');
    assert.equal(ds.compositions.filter((c) => familyKey(c) === 'B-Fe-Nb').length > 200, true);
  });
});
