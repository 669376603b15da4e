/**
 * Regression (2026-12-05): `HardnessModel.fit`'s sample-weight override was applied to the training
 * but not recorded in the model, so `meta.preset` said 'none' for a model trained with 'lds', and
 * the uncertainty fit's grouped-CV networks (which refit from `meta.preset`) trained without it.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadDataset, selectSplit } from '../../src/data/index.ts';
import { HardnessModel } from '../../src/model/hardness-model.ts';
import { sharedData } from '../helpers/paths.ts';

describe('HardnessModel.fit records its overrides', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vibann-fit-overrides-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('sample weights and the Huber δ are in meta.preset and survive save/load', async () => {
    const ds = loadDataset(sharedData('H_v_dataset.csv'));
    const split = selectSplit(ds);
    const small = { latentDim: 8, compHidden: [16], headHidden: [8], decoderHidden: [8] };
    const { model } = await HardnessModel.fit(ds, split, {
      preset: 'default',
      seed: 1,
      seeds: 1,
      quick: true,
      network: small,
      training: { huberDelta: 0.3 },
      sampleWeights: 'lds',
      neighbour: null,
    });
    assert.equal(model.meta.preset.sampleWeights, 'lds');
    assert.equal(model.meta.preset.training.huberDelta, 0.3);
    await model.save(join(dir, 'm'));
    const back = await HardnessModel.load(join(dir, 'm'));
    assert.equal(back.meta.preset.sampleWeights, 'lds');
    assert.equal(back.meta.preset.training.huberDelta, 0.3);
    // without overrides the preset's own values are recorded
    const { model: plain } = await HardnessModel.fit(ds, split, {
      preset: 'default',
      seed: 1,
      seeds: 1,
      quick: true,
      network: small,
      neighbour: null,
    });
    assert.equal(plain.meta.preset.sampleWeights, 'none');
    assert.equal(plain.meta.preset.training.huberDelta, undefined);
  });
});
