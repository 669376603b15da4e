/**
 * runTune as a library call: cancellation through the hooks' signal is honoured before any
 * network is trained, and nothing is written; a malformed --resume log is an InputError naming
 * the file and the field.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { REFERENCE_NETWORK, TUNE_SPACE } from '../../src/tune/space.ts';
import { InputError } from '../../src/util/errors.ts';
import { CancelledError } from '../../src/workflows/common.ts';
import { runTune, TUNE_DEFAULTS } from '../../src/workflows/tune.ts';
import { sharedData } from '../helpers/paths.ts';

describe('runTune', () => {
  sharedData('H_v_dataset.csv');
  const root = mkdtempSync(join(tmpdir(), 'vibann-tune-wf-'));

  it('documents its defaults and the space (SPEC §7: d ∈ {8, 16, 32, 64}, dropout ∈ [0.1, 0.5])', () => {
    assert.deepEqual(TUNE_DEFAULTS, { preset: 'default', trials: 50, seed: 1 });
    assert.deepEqual([...TUNE_SPACE.latentDim], [8, 16, 32, 64]);
    assert.deepEqual(TUNE_SPACE.dropout, { low: 0.1, high: 0.5 });
    assert.deepEqual(REFERENCE_NETWORK, { latentDim: 16, dropout: 0.33 });
  });

  it('an aborted signal stops it with CancelledError before training; nothing is written', async () => {
    const out = join(root, 'cancelled');
    const ac = new AbortController();
    ac.abort();
    const infos: string[] = [];
    await assert.rejects(
      runTune({ quick: true, trials: 1, out }, { signal: ac.signal, onInfo: (m) => infos.push(m) }),
      CancelledError,
    );
    assert.ok(!existsSync(join(out, 'tuned.json')) && !existsSync(join(out, 'study.json')));
  });

  it('--resume with a malformed trial log is an InputError naming the file and field', async () => {
    const log = join(root, 'study.json');
    writeFileSync(log, JSON.stringify({ kind: 'vibann-study', version: 2, trials: [] }));
    await assert.rejects(
      runTune({ quick: true, trials: 1, resume: log, out: join(root, 'r') }),
      (e: unknown) =>
        e instanceof InputError && e.message.includes(log) && /field 'version'/.test(e.message),
    );
  });
});
