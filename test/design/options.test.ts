/**
 * Design options (issue 13): the novelty minimum is the default 0.10 unless `--novelty-min` or
 * `--novelty-quantile` is given, never both; the retuned defaults reach the pipeline.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_DESIGN_OPTIONS } from '../../src/design/pipeline.ts';
import { InputError } from '../../src/util/errors.ts';
import {
  DESIGN_DEFAULTS,
  designOptionsFor,
  runDesignWorkflow,
} from '../../src/workflows/design.ts';

test('--novelty-min and --novelty-quantile together are an input error', async () => {
  await assert.rejects(
    runDesignWorkflow({ noveltyMin: 0.1, noveltyQuantile: 0.8 }),
    (e: unknown) =>
      e instanceof InputError && /--novelty-min or --novelty-quantile/.test(e.message),
  );
  await assert.rejects(
    runDesignWorkflow({ noveltyQuantile: 1.5 }),
    (e: unknown) =>
      e instanceof InputError && /--novelty-quantile expects a quantile/.test(e.message),
  );
});

test('the workflow defaults reach the pipeline: novelty 0.10 unless a quantile is asked for', async () => {
  const d = await designOptionsFor({ ...DESIGN_DEFAULTS });
  assert.equal(d.noveltyMin, undefined);
  assert.equal(d.thresholds.noveltyQuantile, undefined);
  assert.equal(d.defaultNoveltyMin, 0.1);
  assert.equal(d.supportQuantile, 0.05);
  assert.equal(d.mcmc.chains, 64);
  assert.equal(d.thresholds.lcbTargetQuantile, 0.25);
  assert.equal(d.separationFactor, DEFAULT_DESIGN_OPTIONS.separationFactor);
  const q = await designOptionsFor({ ...DESIGN_DEFAULTS, noveltyQuantile: 0.8 });
  assert.equal(q.thresholds.noveltyQuantile, 0.8);
  assert.equal(q.noveltyMin, undefined);
  const m = await designOptionsFor({ ...DESIGN_DEFAULTS, noveltyMin: 0.07 });
  assert.equal(m.noveltyMin, 0.07);
});
