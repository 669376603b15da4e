/**
 * The public API as a user imports it: only from 'vibann' (the package importing itself through
 * package.json "exports"; `npm test` passes --conditions=vibann-source so this resolves to
 * src/index.ts without a build — the installed-package test checks the compiled dist/ entry).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import * as vibann from 'vibann';
import {
  Composition,
  CompositionError,
  type Dataset,
  type DesignOptions,
  EXIT,
  type FitOptions,
  InputError,
  loadDataset,
  Rng,
  resolveDatasetPath,
  runDataInfo,
  type Split,
  selectSplit,
  type UncertainPrediction,
  VERSION,
  VibannError,
  type WorkflowHooks,
} from 'vibann';
import { sharedData } from '../helpers/paths.ts';
import { PUBLIC_API_NAMES } from './api-names.ts';

test('the package entry exports exactly the curated names', () => {
  assert.deepEqual(Object.keys(vibann).sort(), [...PUBLIC_API_NAMES].sort());
});

test('Composition parses a formula into atomic fractions and prints it back', () => {
  const c = Composition.parse('B68Nb24Fe4W4');
  // Fractions of a 100-atom formula are exact decimals: 0.68 is the nearest double either way.
  assert.equal(c.fraction('B'), 0.68);
  assert.equal(c.fraction('W'), 0.04);
  assert.equal(c.toFormula(), 'B68Nb24Fe4W4');
  assert.throws(() => Composition.parse('Xx50Cu50'), CompositionError);
});

test('errors carry the documented exit codes', () => {
  assert.deepEqual(EXIT, { ok: 0, runtime: 1, input: 2, noCandidate: 3 });
  const e = new InputError('bad');
  assert.ok(e instanceof VibannError);
  assert.equal(e.exitCode, 2);
  assert.equal(new VibannError('x').exitCode, 1);
});

test('Rng: the same seed gives the same stream, so does the same fork label', () => {
  const a = new Rng(7);
  const b = new Rng(7);
  assert.deepEqual([a.uniform(), a.uniform()], [b.uniform(), b.uniform()]);
  assert.equal(new Rng(7).fork('x').uniform(), new Rng(7).fork('x').uniform());
});

test('VERSION is the package.json version', () => {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  assert.equal(VERSION, pkg.version);
});

test('dataset and reference split load through the public API', () => {
  const path = sharedData('H_v_dataset.csv');
  assert.equal(resolveDatasetPath({ data: path }).via, 'flag');
  const ds: Dataset = loadDataset(path);
  const split: Split = selectSplit(ds);
  assert.equal(split.kind, 'reference');
  // The three parts of a split partition the dataset's rows.
  const all = [...split.trainFit, ...split.calibration, ...split.test].sort((x, y) => x - y);
  assert.deepEqual(
    all,
    Array.from({ length: ds.nRows }, (_, i) => i),
  );
});

test('a workflow runs through the public API (runDataInfo on the reference dataset)', async () => {
  const info = await runDataInfo({ data: sharedData('H_v_dataset.csv') });
  // ../shared/data/README.md: 673 rows, 56 element columns.
  assert.equal(info.rows, 673);
  assert.equal(info.elements.length, 56);
  assert.equal(info.resolved_via, 'flag');
});

test('exported types are usable from the package (compile-time check)', () => {
  const hooks: WorkflowHooks = { onInfo: () => undefined };
  const fit: Pick<FitOptions, 'preset' | 'seed' | 'seeds'> = {
    preset: 'default',
    seed: 1,
    seeds: 1,
  };
  const o: Pick<DesignOptions, 'load'> = { load: 0.5 };
  const p: Pick<UncertainPrediction, 'passes'> = { passes: 1 };
  assert.ok(hooks.onInfo && fit.seeds === 1 && o.load === 0.5 && p.passes === 1);
});
