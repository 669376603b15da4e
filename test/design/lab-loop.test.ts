/**
 * The lab loop on a toy (issue 13): a quick model trained on a small Fe–B–Nb–Co dataset, then
 * retrained with `add` = measurements cast near a "candidate" far from the data. The measurements
 * (HV 600 above what the first model predicts there) must move the candidate's μ up and change σ;
 * the model directory keeps the merged dataset and train.json the provenance of the added rows,
 * which land in train_fit. Same seed both times, so the only difference is the added data.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Composition } from '../../src/chem/composition.ts';
import { openModel } from '../../src/workflows/common.ts';
import { MERGED_DATASET_FILE, runTrain } from '../../src/workflows/train.ts';

const root = mkdtempSync(join(tmpdir(), 'vibann-lab-'));
after(() => rmSync(root, { recursive: true, force: true }));

const E = ['B', 'Co', 'Fe', 'Nb'];
/** A smooth toy hardness law (HV) of composition and load. */
const hv = (f: number[], load: number) =>
  900 + 1200 * f[0] + 400 * f[3] - 300 * f[1] - 40 * Math.log(load);

function csv(rows: { f: number[]; load: number; hv: number }[]): string {
  return `${[...E, 'Load', 'HV'].join(',')}\n${rows
    .map((r) => [...r.f.map((v) => v.toFixed(4)), r.load, r.hv.toFixed(1)].join(','))
    .join('\n')}\n`;
}

test('train --add: measurements near a candidate change its μ (towards them) and σ', async () => {
  // base data: B 10–30, Nb 0–8, Co 0–20, rest Fe
  const base: { f: number[]; load: number; hv: number }[] = [];
  for (let i = 0; i < 60; i++) {
    const b = 0.1 + (0.2 * ((i * 7) % 11)) / 10;
    const nb = (0.08 * ((i * 3) % 5)) / 4;
    const co = (0.2 * ((i * 5) % 7)) / 6;
    const f = [b, co, 1 - b - nb - co, nb];
    for (const load of [0.5, 1]) base.push({ f, load, hv: hv(f, load) });
  }
  const data = join(root, 'toy.csv');
  writeFileSync(data, csv(base));
  const candidate = [0.3, 0.05, 0.35, 0.3]; // B30Co5Fe35Nb30: Nb far beyond the data
  const opts = { data, split: 'cluster', seed: 3, epochs: 150, uncertainty: false } as const;
  const m0 = join(root, 'm0');
  await runTrain({ ...opts, out: m0 });
  const x = [Composition.fromVector(E, candidate).toVector(E)];
  const before = await (await openModel(m0)).predictAt(x, 0.5, 30, 11);

  // "cast and measured": four alloys around the candidate, 600 HV above the first prediction
  const measured = [-0.02, 0, 0.02, 0.01].flatMap((d) => {
    const f = [0.3 + d, 0.05, 0.35 - d, 0.3];
    return [0.5, 1].map((load) => ({ f, load, hv: before.mean[0] + 600 }));
  });
  const add = join(root, 'measured.csv');
  writeFileSync(add, csv(measured));
  const m1 = join(root, 'm1');
  await runTrain({ ...opts, out: m1, add: [add] });
  const model1 = await openModel(m1);
  const afterP = await model1.predictAt(x, 0.5, 30, 11);

  // μ moves towards the measurements, σ changes. Bound: 8 of 128 rows pull μ only part of the way;
  // with too few epochs the change is at the noise level of a retraining (60 epochs: +42, −9 HV in
  // two tries; 80 epochs: −66 HV), once the networks fit the data the added rows move μ (measured on
  // this toy, seed 3: +548 HV at 150 epochs, +571 at 200, +610 at 400); 5 % of the 600 HV offset
  // (30 HV) is the bar for "learned from the added rows". 150 epochs: 2.6× less time than 400.
  assert.ok(
    afterP.mean[0] - before.mean[0] > 30,
    `μ ${before.mean[0].toFixed(0)} → ${afterP.mean[0].toFixed(0)} HV`,
  );
  assert.notEqual(afterP.std[0].toFixed(3), before.std[0].toFixed(3));

  // provenance: merged dataset in the model directory, added rows in train_fit, train.json
  assert.ok(existsSync(join(m1, MERGED_DATASET_FILE)));
  const doc = JSON.parse(readFileSync(join(m1, 'train.json'), 'utf8'));
  assert.equal(doc.added.files.length, 1);
  assert.equal(doc.added.files[0].rows, 8);
  assert.deepEqual(doc.added.files[0].merged_rows, [base.length, base.length + 7]);
  assert.equal(doc.data.rows, base.length + 8);
  for (let r = base.length; r < base.length + 8; r++)
    assert.ok(model1.meta.split.train_fit.includes(r), `added row ${r} in train_fit`);
});

test('train --add: a malformed measurement file is an input error naming it; nothing written', async () => {
  const bad = join(root, 'bad.csv');
  writeFileSync(bad, 'B,Fe,Load,HV\n0.2,0.8,0.5,abc\n');
  const out = join(root, 'm-bad');
  await assert.rejects(
    runTrain({
      data: join(root, 'toy.csv'),
      split: 'cluster',
      quick: true,
      out,
      add: [bad],
      uncertainty: false,
    }),
    (e: Error) => e.name === 'InputError' && /bad\.csv/.test(e.message),
  );
  assert.ok(!existsSync(join(out, 'manifest.json')));
});
