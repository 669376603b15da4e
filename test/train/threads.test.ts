/**
 * `vibann train --threads` (issue 16: training on both cores): a `--quick` model trained on two
 * worker threads is the model trained in one thread — the same weights file byte for byte, the same
 * grouped-CV uncertainty fit (domain.json) and the same predictions — and train.json and the model's
 * manifest record the threads used. A thread count that is not a positive integer is refused.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Composition } from '../../src/chem/composition.ts';
import { HardnessModel } from '../../src/model/hardness-model.ts';
import { readTrainRun } from '../../src/runs/train.ts';
import { defaultTrainThreads } from '../../src/train/parallel.ts';
import { runCliInProcess } from '../helpers/cli.ts';
import { sharedData } from '../helpers/paths.ts';

const root = mkdtempSync(join(tmpdir(), 'vibann-threads-'));
const data = sharedData('H_v_dataset.csv');

async function train(threads: number): Promise<string> {
  const out = join(root, `t${threads}`);
  const r = await runCliInProcess([
    'train',
    '--quick',
    '--data',
    data,
    '--threads',
    String(threads),
    '--out',
    out,
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`, ${threads} threads?; saved to`));
  return out;
}

/** domain.json without what varies from run to run (wall times). */
function domainWithoutTimes(dir: string): unknown {
  return JSON.parse(readFileSync(join(dir, 'domain.json'), 'utf8'), (k, v) =>
    k === 'wall_s' || k === 'created' || k === 'model_created' ? undefined : v,
  );
}

describe('vibann train --threads', () => {
  after(() => rmSync(root, { recursive: true, force: true }));
  it('two threads train the same model as one: weights, uncertainty fit, predictions; the threads are recorded', async () => {
    const one = await train(1);
    const two = await train(2);
    assert.ok(
      readFileSync(join(one, 'weights.bin')).equals(readFileSync(join(two, 'weights.bin'))),
      'weights.bin differs between --threads 1 and --threads 2',
    );
    assert.deepEqual(domainWithoutTimes(two), domainWithoutTimes(one));
    assert.equal(readTrainRun(one).threads, 1);
    assert.equal(readTrainRun(two).threads, 2);
    const [m1, m2] = await Promise.all([HardnessModel.load(one), HardnessModel.load(two)]);
    assert.equal(m1.meta.training.threads, 1);
    assert.equal(m2.meta.training.threads, 2);
    // the training reports too, wall times aside
    const strip = (m: HardnessModel) => m.meta.training.members.map(({ wallS: _w, ...r }) => r);
    assert.equal(m1.meta.training.members.length, 5);
    assert.deepEqual(strip(m2), strip(m1));
    const req = {
      compositions: ['B68Nb24Fe4W4', 'Zr55Cu30Al10Ni5', 'Fe80B20'].map((f) => Composition.parse(f)),
      loads: [0.5, 1, 2],
    };
    const p1 = m1.predictWithUncertainty(req, { passes: 20, seed: 3 });
    const p2 = m2.predictWithUncertainty(req, { passes: 20, seed: 3 });
    assert.deepEqual([...p2.mean], [...p1.mean]);
    assert.deepEqual([...p2.std], [...p1.std]);
  });

  it('refuses a thread count that is not a positive integer (exit 2)', async () => {
    for (const bad of ['0', '1.5', 'two']) {
      const r = await runCliInProcess([
        'train',
        '--quick',
        '--threads',
        bad,
        '--out',
        join(root, 'bad'),
      ]);
      assert.equal(r.code, 2, `--threads ${bad}: ${r.stderr}`);
      assert.match(r.stderr, /--threads expects an integer ≥ 1/);
    }
  });
  it('defaults to one thread per core, and to 1 with --quick', () => {
    assert.equal(defaultTrainThreads(), availableParallelism());
    assert.equal(defaultTrainThreads({ quick: false }), availableParallelism());
    assert.equal(defaultTrainThreads({ quick: true }), 1);
  });
});
