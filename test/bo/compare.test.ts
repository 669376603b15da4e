import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  compareMethods,
  meanPairwiseDistance,
  scoreThroughGates,
  summarize,
} from '../../src/bo/compare.ts';
import { Composition } from '../../src/chem/composition.ts';
import {
  DEFAULT_DESIGN_OPTIONS,
  type DesignOptions,
  designGateState,
  runDesign,
} from '../../src/design/pipeline.ts';
import { gateStateFromJSON, gateStateToJSON } from '../../src/design/screen.ts';
import { Rng } from '../../src/util/rng.ts';
import { ELEMENTS, toyData, toyModel } from '../design/toy-model.ts';

const data = toyData();
const options: DesignOptions = {
  ...DEFAULT_DESIGN_OPTIONS,
  mcmc: { ...DEFAULT_DESIGN_OPTIONS.mcmc, chains: 8, steps: 120, burnIn: 40, thin: 4 },
  gmm: { kMin: 1, kMax: 2, nInit: 2 },
  latentVariance: 1,
  // the toy model's compositions are not glasses; the GP-BO comparison uses the four gates of
  // screen() (the glass gate is design-only), so the design here runs without it
  glassGate: false,
};

describe('GP-BO vs VIBANN through the same gates (SPEC §10, §9.7)', async () => {
  const seed = 11;
  const run = await runDesign(toyModel, data, options, new Rng(seed));
  // the gate state as `vibann bo --design-run` sees it: written to gates.json and read back
  const ctx = gateStateFromJSON(JSON.parse(JSON.stringify(gateStateToJSON(run.gateState))));

  it('the saved gate state reads back to the design run’s GMM, frame and thresholds exactly', () => {
    const { window, nearPeakRows } = run.thresholds;
    // the gate thresholds; the design also records design-only settings (family cap, rules…)
    const recorded: Record<string, unknown> = { ...run.thresholds };
    for (const [k, v] of Object.entries(ctx.thresholds)) assert.deepEqual(v, recorded[k], k);
    assert.deepEqual(Object.keys(ctx.thresholds).sort(), [
      'lcbTarget',
      'logpThreshold',
      'novelty',
      'sigmaCapFactor',
      'sigmaRef',
    ]);
    assert.deepEqual(ctx.window, window);
    assert.equal(ctx.nearPeakRows, nearPeakRows);
    assert.equal(ctx.gmm.nComponents, run.gmm.k);
    assert.deepEqual(ctx.bic, run.gmm.bic);
    assert.deepEqual(ctx.frame.toJSON(), run.gateState.frame.toJSON());
    // JSON numbers are the same doubles: the density is the same function, bit for bit
    const U = [
      [0.1, -0.2],
      [1.5, 0.3],
      [-2, 4],
    ];
    assert.deepEqual(ctx.gmm.logPdf(U), run.gateState.gmm.logPdf(U));
  });

  it('designGateState computes the same gate state as the design run with the same seed', async () => {
    const fresh = await designGateState(toyModel, data, options, new Rng(seed));
    assert.deepEqual(gateStateToJSON(fresh), gateStateToJSON(run.gateState));
  });

  it('scores the design’s own candidates with the gate values the design recorded', async () => {
    assert.ok(run.candidates.length > 0);
    const vectors = run.candidates.map((c) => Composition.fromJSON(c.fractions).toVector(ELEMENTS));
    const scored = await scoreThroughGates(toyModel, data, ctx, vectors, { passes: 10, seed: 1 });
    scored.forEach((s, i) => {
      const c = run.candidates[i];
      // the analytic model is deterministic; re-encoding and the GMM are the same computation
      assert.deepEqual(s.gates, c.gates);
      assert.equal(s.logp, c.logp);
      assert.equal(s.accepted, c.accepted);
      assert.equal(s.nearest.distance, c.nearest.distance);
      assert.equal(s.nearest.formula, c.nearest.formula);
    });
  });

  it('summarises novelty, diversity, LCB and gate counts per method', async () => {
    const a = data.trainFit.x[0];
    const b = data.trainFit.x[1];
    const v = run.candidates.map((c) => Composition.fromJSON(c.fractions).toVector(ELEMENTS));
    const gpAt = (vs: readonly ArrayLike<number>[]) =>
      vs.map((x) => ({ mean: 1000 * x[0], sd: 10, lcb: 1000 * x[0] - 16.45 }));
    const cmp = await compareMethods(
      toyModel,
      data,
      ctx,
      gpAt,
      [
        {
          method: 'training alloys',
          candidates: [
            { formula: 'a', vector: a },
            { formula: 'b', vector: b },
          ],
        },
        {
          method: 'design',
          candidates: v.map((x, i) => ({ formula: run.candidates[i].formula, vector: x })),
        },
      ],
      { passes: 10, seed: 1 },
    );
    const [train, design] = cmp.summary;
    assert.equal(train.n, 2);
    // training alloys are at distance 0 from train_fit: novelty 0, the novelty gate fails
    assert.equal(train.novelty.max, 0);
    assert.equal(train.gates.novelty, 0);
    assert.equal(train.gates.all, 0);
    let d = 0;
    for (let k = 0; k < a.length; k++) d += (a[k] - b[k]) ** 2;
    assert.ok(Math.abs(train.diversity - Math.sqrt(d)) < 1e-15);
    assert.equal(design.gates.accepted, run.candidates.filter((c) => c.accepted).length);
    assert.equal(cmp.rows[1][0].rank, 1);
    assert.equal(cmp.rows[1][0].gp.lcb, 1000 * v[0][0] - 16.45);
    assert.deepEqual(summarize('design', cmp.rows[1]), design);
  });

  it('mean pairwise distance: hand-computed cases', () => {
    // the three vertices of the 2-simplex in 3-D: every pair √2 apart
    assert.ok(
      Math.abs(
        meanPairwiseDistance([
          [1, 0, 0],
          [0, 1, 0],
          [0, 0, 1],
        ]) - Math.SQRT2,
      ) < 1e-15,
    );
    assert.ok(Number.isNaN(meanPairwiseDistance([[1, 0]])));
  });
});
