import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gateStateToJSON } from '../../src/design/screen.ts';
import { readDesignRun } from '../../src/runs/design.ts';
import { InputError } from '../../src/util/errors.ts';
import {
  CancelledError,
  type ProgressEvent,
  type WorkflowHooks,
} from '../../src/workflows/common.ts';
import { QUICK_DESIGN, runDesignWorkflow } from '../../src/workflows/design.ts';
import { quickModel } from '../helpers/model-cache.ts';

// The design workflow on a --quick model: progress and cancellation through the hooks, the run
// directory read back by readDesignRun.
describe('runDesignWorkflow', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vibann-design-wf-'));
  let model = '';
  before(async () => {
    model = await quickModel(); // shared, read-only
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const recorder = () => {
    const events: ProgressEvent[] = [];
    const ended: string[] = [];
    const info: string[] = [];
    const hooks: WorkflowHooks = {
      onProgress: (e) => events.push(e),
      onStageEnd: (s) => ended.push(s),
      onInfo: (m) => info.push(m),
    };
    return { events, ended, info, hooks };
  };

  it('reports MCMC and refinement progress and writes a run directory that reads back', async () => {
    const out = join(dir, 'run');
    const r = recorder();
    const run = await runDesignWorkflow({ model, quick: true, seed: 2, out }, r.hooks);
    const mcmc = r.events.filter((e) => e.stage === 'MCMC 16 chains');
    assert.equal(mcmc.length, QUICK_DESIGN.mcmc.steps, 'one event per MCMC step');
    assert.deepEqual(
      mcmc.map((e) => e.done),
      Array.from({ length: QUICK_DESIGN.mcmc.steps }, (_, i) => i + 1),
    );
    assert.ok(mcmc.every((e) => e.total === QUICK_DESIGN.mcmc.steps));
    const ref = r.events.filter((e) => e.stage === 'refinement');
    assert.ok(ref.length > 1 && ref.every((e) => e.total === QUICK_DESIGN.refine.maxSteps));
    assert.deepEqual(r.ended, ['MCMC 16 chains', 'refinement']);
    assert.ok(r.info.includes('design: screening…'), r.info.join('\n'));
    // the reader gives back what the workflow returned
    const back = readDesignRun(out);
    assert.equal(run.dir, out);
    // (the manifest is compared apart: completeRun rewrites manifest.json, with the list of files
    // and complete: true, after design.json embedded it)
    const { manifest: m1, ...d1 } = back.document;
    const { manifest: m2, ...d2 } = run.document;
    assert.deepEqual(d1, d2);
    assert.deepEqual(m1.options, JSON.parse(JSON.stringify(m2.options)));
    assert.deepEqual(m1.seeds, { seed: 2 });
    assert.ok(run.gates && back.gates);
    assert.deepEqual(gateStateToJSON(back.gates), gateStateToJSON(run.gates));
  });

  for (const [stage, at] of [
    ['MCMC 16 chains', 10],
    ['refinement', 5],
  ] as const) {
    it(`stops with CancelledError when the signal is aborted during ${stage.split(' ')[0]}`, async () => {
      const out = join(dir, `cancel-${at}`);
      const r = recorder();
      const ac = new AbortController();
      const onProgress = r.hooks.onProgress!;
      r.hooks.onProgress = (e) => {
        onProgress(e);
        if (e.stage === stage && e.done === at) ac.abort();
      };
      r.hooks.signal = ac.signal;
      await assert.rejects(
        runDesignWorkflow({ model, quick: true, seed: 2, out }, r.hooks),
        (e: unknown) => e instanceof CancelledError && /the design was cancelled/.test(e.message),
      );
      // checked before the next step: no step after the abort
      assert.equal(r.events.at(-1)?.stage, stage);
      assert.equal(r.events.at(-1)?.done, at);
      assert.equal(existsSync(join(out, 'design.json')), false);
    });
  }

  it('a missing model outside the default directory is an input error', async () => {
    await assert.rejects(
      runDesignWorkflow({ model: join(dir, 'none'), quick: true }),
      (e: unknown) => e instanceof InputError && /no trained model at/.test(e.message),
    );
  });
});
