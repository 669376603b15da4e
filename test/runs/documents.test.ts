/**
 * The run-document readers of src/runs/ (train, evaluate, tune, baselines, lofo, studies): a valid
 * document written as the workflows write it reads back unchanged; a malformed one is an
 * InputError (exit 2) naming the file and the first offending field.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { type BaselinesRunDocument, readBaselinesRun } from '../../src/runs/baselines.ts';
import { type EvaluateRunDocument, readEvaluateRun } from '../../src/runs/evaluate.ts';
import { readRunManifest } from '../../src/runs/index.ts';
import { type LofoRunDocument, readLofoRun } from '../../src/runs/lofo.ts';
import { readStudiesRun, type StudiesRunDocument } from '../../src/runs/studies.ts';
import { readTrainRun, type TrainRunDocument } from '../../src/runs/train.ts';
import { readStudyLog, readTuned, readTuneRun, type TuneRunDocument } from '../../src/runs/tune.ts';
import { Study, TpeSampler } from '../../src/tune/tpe.ts';
import { calibrationMetrics } from '../../src/uq/calibration.ts';
import { InputError } from '../../src/util/errors.ts';
import { newManifest } from '../../src/util/manifest.ts';
import { runTrain } from '../../src/workflows/train.ts';

const root = mkdtempSync(join(tmpdir(), 'vibann-runs-'));
let n = 0;

/** A fresh run directory holding `file` = JSON of `doc` (round-tripped through JSON.stringify). */
function runDir(file: string, doc: unknown): string {
  const dir = join(root, `run${n++}`);
  mkdirSync(dir);
  writeFileSync(join(dir, file), JSON.stringify(doc, null, 2));
  return dir;
}

/** A deep copy with one value replaced at `path`. */
function withField(doc: unknown, path: (string | number)[], value: unknown): unknown {
  const copy = structuredClone(doc) as Record<string | number, unknown>;
  let o = copy;
  for (const k of path.slice(0, -1)) o = o[k] as Record<string | number, unknown>;
  o[path[path.length - 1]] = value;
  return copy;
}

/** The reader must throw an InputError naming the file and the field. */
function rejectsNaming(read: () => unknown, file: string, field: string): void {
  assert.throws(read, (e: unknown) => {
    assert.ok(e instanceof InputError, String(e));
    assert.equal(e.exitCode, 2);
    assert.ok(e.message.includes(file), `names the file: ${e.message}`);
    assert.ok(e.message.includes(`field '${field}'`), `names the field ${field}: ${e.message}`);
    return true;
  });
}

// Metrics of 12 synthetic rows (values do not matter, only the shape the evaluation writes).
const y = Float64Array.from({ length: 12 }, (_, i) => 800 + 40 * i);
const mu = y.map((v, i) => v + (i % 3) * 15 - 15);
const sigma = y.map((_, i) => 30 + i);
const M = JSON.parse(JSON.stringify(calibrationMetrics(y, mu, sigma)));

const evaluateDoc: EvaluateRunDocument = {
  split: { kind: 'reference', description: 'reference split' },
  n: { train_fit: 500, calibration: 60, test: 12 },
  test: M,
  calibration: M,
  recalibrated: { sigma_scale: 1.1, test: M, calibration: M },
  cv: {
    folds: [{ member: 0, seed: 1, n: 100, rmse: 120, mae: 90, r2: 0.8 }],
    mean: { rmse: 120, mae: 90, r2: 0.8 },
    sd: { rmse: 0, mae: 0, r2: 0 },
  },
  mc: { passes: 10, members: 5, seed: 1 },
};

const tunedDoc: TuneRunDocument = {
  kind: 'vibann-tuned',
  preset: 'default',
  network: { latentDim: 32, dropout: 0.21 },
  cv_loss: 0.12,
  reference: { network: { latentDim: 16, dropout: 0.33 }, cv_loss: 0.13 },
  trials: 2,
};

describe('run documents: valid documents read back unchanged', () => {
  it('evaluate (metrics.json)', () => {
    const dir = runDir('metrics.json', evaluateDoc);
    assert.deepEqual(readEvaluateRun(dir), JSON.parse(JSON.stringify(evaluateDoc)));
  });

  it('tune (tuned.json, by file and by run directory) and its trial log', async () => {
    const dir = runDir('tuned.json', tunedDoc);
    assert.deepEqual(readTuneRun(dir), tunedDoc);
    assert.deepEqual(readTuned(join(dir, 'tuned.json')), tunedDoc);
    const study = new Study({ sampler: new TpeSampler({ seed: 3 }) });
    await study.optimizeAsync(async (t) => (t.suggestFloat('x', -1, 1) - 0.2) ** 2, 3);
    const log = join(runDir('study.json', study.toJSON()), 'study.json');
    const back = readStudyLog(log);
    assert.deepEqual(back, JSON.parse(JSON.stringify(study.toJSON())));
    assert.equal(Study.fromJSON(back).trials.length, 3);
  });

  it('train (train.json), baselines, lofo and studies', () => {
    const member = {
      member: 0,
      seed: 1,
      nTrain: 400,
      nVal: 100,
      epochsRun: 5,
      bestEpoch: 4,
      bestValMse: 0.2,
      stoppedEarly: false,
      finalBeta: 0.001,
      wallS: 1.5,
    };
    const train: TrainRunDocument = {
      model_dir: 'models/x',
      preset: 'default',
      networks: 1,
      backend: { backend: 'wasm', simd: true, tfjsVersion: '4.22.0' },
      wall_s: 1.5,
      members: [{ ...member, best_val_rmse_hv: 180 }],
      data: { file: 'data.csv', sha256: 'ab', rows: 673 },
    };
    assert.deepEqual(readTrainRun(runDir('train.json', train)), train);

    const baselines: BaselinesRunDocument = {
      kind: 'vibann-baselines',
      data: { source: 'data.csv', sha256: 'ab', rows: 673, train_fit: 500, test: 113 },
      split: { kind: 'reference', description: 'reference split', cv_folds: 5 },
      options: {
        models: ['mean'],
        budget: { mean: 0 },
        seed: 1,
        load_transform: 'linear',
        gp_restarts: 5,
        gp_cv_restarts: 2,
        mlp_max_iter: 200,
        prune_factor: 1.5,
      },
      results: [
        {
          key: 'mean',
          model: 'mean',
          tuning: 'none',
          trials: 0,
          best_params: {},
          cv_rmse: 400,
          cv_fold_rmse: [390, 410],
          test: { n: 113, r2: -0.01, mae: 300, rmse: 400, mape: 30, mse: 160000 } as never,
          search_s: 0,
          fit_s: 0,
        },
      ],
      wall_s: 0.1,
      vibann: {
        model_dir: 'models/default',
        preset: 'default',
        networks: 5,
        test: M,
        recalibrated_test: M,
        sigma_scale: 1.1,
        cv_rmse: 120,
      },
    };
    assert.deepEqual(readBaselinesRun(runDir('baselines.json', baselines)), baselines);

    const manifest = newManifest('lofo', ['lofo'], {}, { seed: 1 });
    const lofo: LofoRunDocument = {
      family: ['B', 'Co', 'Ta'],
      rule: 'every row containing all of these elements',
      held_out: { rows: 2, families: [{ family: 'B-Co-Ta', rows: 2, medianHv: 1500 }] },
      n: { train_fit: 600, calibration: 71, test: 2 },
      test: M,
      calibration: M,
      recalibrated: { sigma_scale: 1.2, test: M, calibration: M },
      mc: { passes: 20, members: 5, seed: 1 },
      training: { preset: 'default', networks: 5, wall_s: 3, members: [member] },
      predictions: [
        { row: 7, formula: 'B50Co40Ta10', load: 0.5, measured: 1500, mean: 1450, std: 80 },
      ],
      model_dir: 'runs/lofo/model',
      manifest,
    };
    assert.deepEqual(readLofoRun(runDir('lofo.json', lofo)), JSON.parse(JSON.stringify(lofo)));

    const s = {
      r2: 0.8,
      mae: 90,
      rmse: 120,
      mean_signed_error: -3,
      coverage_1sigma: 0.7,
      mace: 0.05,
      nll: 6,
      coverage_1sigma_top10: 0.5,
      mean_signed_error_top10: -40,
    };
    const studies: StudiesRunDocument = {
      split: { kind: 'reference', description: 'reference split' },
      preset: 'default',
      seed: 1,
      seeds_report: {
        seeds: [{ seed: 1, test: s, cv_rmse: 120 }],
        mean: s,
        sd: s,
        pooled: s,
        wall_s: 4,
      },
      learning_curve: [{ fraction: 0.5, train_fit_rows: 250, test: s }],
    };
    assert.deepEqual(readStudiesRun(runDir('studies.json', studies)), studies);
  });

  it('the manifest', () => {
    const m = newManifest('evaluate', ['evaluate'], { mc: 10 }, { seed: 1 });
    assert.deepEqual(readRunManifest(runDir('manifest.json', m)), m);
  });
});

describe('run documents: malformed documents are InputErrors naming the file and the field', () => {
  it('evaluate: a metric of the wrong type, a missing block', () => {
    const a = runDir('metrics.json', withField(evaluateDoc, ['test', 'mae'], 'large'));
    rejectsNaming(() => readEvaluateRun(a), join(a, 'metrics.json'), 'test.mae');
    const b = runDir('metrics.json', withField(evaluateDoc, ['recalibrated', 'test'], undefined));
    rejectsNaming(() => readEvaluateRun(b), 'metrics.json', 'recalibrated.test');
  });

  it('tuned.json: wrong kind, a latent dimension that is not a positive integer', () => {
    const a = runDir('tuned.json', withField(tunedDoc, ['kind'], 'vibann-study'));
    rejectsNaming(() => readTuneRun(a), 'tuned.json', 'kind');
    const b = runDir('tuned.json', withField(tunedDoc, ['network', 'latentDim'], '16'));
    rejectsNaming(() => readTuned(join(b, 'tuned.json')), 'tuned.json', 'network.latentDim');
    const c = runDir('tuned.json', withField(tunedDoc, ['network', 'latentDim'], 0));
    rejectsNaming(() => readTuneRun(c), 'tuned.json', 'network.latentDim');
  });

  it('train --tuned with a malformed tuned.json stops before any data is read or training starts', async () => {
    const bad = join(
      runDir('tuned.json', withField(tunedDoc, ['network', 'dropout'], 2)),
      'tuned.json',
    );
    await assert.rejects(
      runTrain({ tuned: bad, data: join(root, 'no-such.csv') }),
      (e: unknown) =>
        e instanceof InputError && /tuned\.json.*field 'network\.dropout'/.test(e.message),
    );
  });

  it('study.json: a trial in an unknown state', () => {
    const log = {
      kind: 'vibann-study',
      version: 1,
      name: 's',
      direction: 'minimize',
      sampler: { kind: 'tpe' },
      trials: [
        { number: 0, state: 'done', params: {}, distributions: {}, value: 1, userAttrs: {} },
      ],
    };
    const dir = runDir('study.json', log);
    rejectsNaming(() => readStudyLog(join(dir, 'study.json')), 'study.json', 'trials[0].state');
  });

  it('lofo, studies, baselines, train, manifest: one wrong field each', () => {
    const lofo = runDir('lofo.json', { family: 'B,Co' });
    rejectsNaming(() => readLofoRun(lofo), 'lofo.json', 'family');
    const st = runDir('studies.json', {
      split: { kind: 'x', description: 'y' },
      preset: 'p',
      seed: '1',
    });
    rejectsNaming(() => readStudiesRun(st), 'studies.json', 'seed');
    const bl = runDir('baselines.json', { models: [{ model: 'k-NN', mae: 78, rmse: 121 }] });
    rejectsNaming(() => readBaselinesRun(bl), 'baselines.json', 'kind');
    const tr = runDir('train.json', { model_dir: 'm', preset: 'default', networks: 0 });
    rejectsNaming(() => readTrainRun(tr), 'train.json', 'networks');
    const m = runDir('manifest.json', { command: 7 });
    rejectsNaming(() => readRunManifest(m), 'manifest.json', 'command');
  });

  it('missing directory, missing file, invalid JSON', () => {
    assert.throws(
      () => readEvaluateRun(join(root, 'nope')),
      /run directory '.*nope' does not exist/,
    );
    const empty = join(root, 'empty');
    mkdirSync(empty);
    assert.throws(
      () => readLofoRun(empty),
      (e: unknown) => e instanceof InputError && /lofo\.json: no such file/.test(e.message),
    );
    writeFileSync(join(empty, 'studies.json'), '{ not json');
    assert.throws(
      () => readStudiesRun(empty),
      (e: unknown) => e instanceof InputError && /studies\.json: not valid JSON/.test(e.message),
    );
  });
});
