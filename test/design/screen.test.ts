import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  type GateState,
  type GateStateJSON,
  gateStateFromJSON,
  gateStateToJSON,
  screen,
} from '../../src/design/screen.ts';
import { LatentFrame } from '../../src/latent/frame.ts';
import { GaussianMixture } from '../../src/latent/gmm.ts';
import { readDesignRun } from '../../src/runs/design.ts';
import { InputError } from '../../src/util/errors.ts';
import { toyData, toyModel, truth } from './toy-model.ts';

// One Gaussian, diagonal covariance diag(2, 0.5), in an identity frame over the toy model's 2-D
// latent: log p(u) = −½(u₀²/2 + u₁²/0.5) − ln 2π − ½ ln(2·0.5), written out by hand below.
const gmmJson = {
  kind: 'GaussianMixture' as const,
  version: 1 as const,
  dim: 2,
  weights: [1],
  means: [[0, 0]],
  covariances: [
    [
      [2, 0],
      [0, 0.5],
    ],
  ],
  options: null,
  fit: null,
};
const logp = (u: readonly number[]) =>
  -0.5 * (u[0] ** 2 / 2 + u[1] ** 2 / 0.5) - Math.log(2 * Math.PI) - 0.5 * Math.log(1);

const state: GateState = {
  load: 0.5,
  thresholds: {
    logpThreshold: -3,
    novelty: 0.05,
    sigmaRef: 40,
    sigmaCapFactor: 2.5,
    lcbTarget: 1200,
  },
  window: [1200, 1900],
  nearPeakRows: 10,
  frame: new LatentFrame({
    mean: [0, 0],
    basis: [
      [1, 0],
      [0, 1],
    ],
    explained: [0.6, 0.4],
  }),
  gmm: GaussianMixture.fromJSON(gmmJson),
  bic: [{ k: 1, bic: 10, logLikelihood: -2, nParameters: 5 }],
};
const data = toyData();

describe('screen(): the four gates for a set of candidates (SPEC §9.7)', () => {
  it('computes every gate from independently computed μ, σ, log p and nearest distance', async () => {
    const vectors = [
      [0.5, 0.1, 0.2, 0.1, 0.05, 0.05],
      [0.1, 0.5, 0.1, 0.1, 0.1, 0.1],
      data.trainFit.x[3] as number[],
      [0.3, 0.05, 0.3, 0.25, 0.05, 0.05],
    ];
    const got = await screen(toyModel, data.trainFit.x, state, vectors, { passes: 10, seed: 1 });
    assert.equal(got.length, vectors.length);
    const U = await toyModel.encode(vectors, 0.5);
    got.forEach((g, i) => {
      const t = truth(vectors[i]);
      const lcb = t.mean - 1.645 * t.std;
      // brute-force nearest train_fit composition
      let best = Number.POSITIVE_INFINITY;
      for (const r of data.trainFit.x) {
        let d = 0;
        for (let k = 0; k < r.length; k++) d += (r[k] - vectors[i][k]) ** 2;
        best = Math.min(best, Math.sqrt(d));
      }
      // the toy model is exact: μ and σ to rounding; log p to rounding of a 2-D quadratic form
      assert.ok(Math.abs(g.mean - t.mean) < 1e-9 && Math.abs(g.std - t.std) < 1e-9);
      assert.ok(Math.abs(g.lcb - lcb) < 1e-9);
      assert.ok(Math.abs(g.logp - logp(U[i])) < 1e-12, `${g.logp} vs ${logp(U[i])}`);
      assert.ok(Math.abs(g.nearest.distance - best) < 1e-15);
      assert.equal(g.gates.support.pass, logp(U[i]) >= -3);
      assert.equal(g.gates.novelty.pass, best >= 0.05);
      assert.equal(g.gates.uncertainty.threshold, 100);
      assert.equal(g.gates.uncertainty.pass, t.std <= 100);
      assert.equal(g.gates.performance.pass, lcb >= 1200);
      assert.equal(g.inWindow, lcb >= 1200 && lcb <= 1900);
      assert.equal(g.accepted, g.inWindow && Object.values(g.gates).every((x) => x.pass));
    });
    // a training alloy is at distance 0: the novelty gate fails
    assert.equal(got[2].nearest.distance, 0);
    assert.equal(got[2].gates.novelty.pass, false);
    // the cases cover both outcomes of the performance and uncertainty gates
    for (const gate of ['performance', 'uncertainty'] as const)
      assert.deepEqual(
        new Set(got.map((g) => g.gates[gate].pass)),
        new Set([true, false]),
        `${gate}: ${JSON.stringify(got.map((g) => g.gates[gate].value))}`,
      );
  });

  it('screens nothing to nothing', async () => {
    assert.deepEqual(
      await screen(toyModel, data.trainFit.x, state, [], { passes: 1, seed: 1 }),
      [],
    );
  });

  it('the gate state round-trips through JSON exactly (gates.json)', () => {
    const json = JSON.parse(JSON.stringify(gateStateToJSON(state))) as GateStateJSON;
    assert.equal(json.kind, 'vibann-design-gates');
    const back = gateStateFromJSON(json);
    assert.deepEqual(gateStateToJSON(back), gateStateToJSON(state));
    const U = [
      [0.3, -1.2],
      [4, 2],
    ];
    assert.deepEqual(back.gmm.logPdf(U), state.gmm.logPdf(U));
    assert.deepEqual(back.frame.project([[1, 2]]), [[1, 2]]);
  });
});

describe('readDesignRun: malformed documents are input errors naming file and field', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vibann-design-run-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const gate = { value: 1, threshold: 0, pass: true };
  const doc = {
    thresholds: { ...state.thresholds, window: state.window, nearPeakRows: 10 },
    candidates: [
      {
        formula: 'B50Co30Fe20',
        fractions: { B: 0.5, Co: 0.3, Fe: 0.2 },
        unrounded: { B: 0.5, Co: 0.3, Fe: 0.2 },
        predictions: [{ load: 0.5, mean: 1500, std: 50, lcb: 1417.75 }],
        gates: { support: gate, novelty: gate, uncertainty: gate, performance: gate },
        accepted: true,
        nearest: { formula: 'B50Co50', distance: 0.2, hv: 1400, load: 0.5 },
        logp: -1,
        provenance: { source: 'mcmc', chain: 0, step: 10 },
      },
    ],
    rejected: {},
    summary: {
      screened: 1,
      accepted: 1,
      gmm: { k: 1, bic: [{ k: 1, bic: 10 }] },
      frame: { dim: 2, latent_dim: 2, explained: [0.6, 0.4] },
      mcmc: { samples: 10 },
    },
    manifest: { command: 'design', options: {}, seeds: { seed: 1 } },
  };
  const write = (name: string, design: unknown, gates?: unknown) => {
    const d = join(dir, name);
    mkdirSync(d);
    writeFileSync(join(d, 'design.json'), JSON.stringify(design));
    if (gates !== undefined) writeFileSync(join(d, 'gates.json'), JSON.stringify(gates));
    return d;
  };

  it('reads a valid run with and without its gate state', () => {
    const a = readDesignRun(write('ok', doc, gateStateToJSON(state)));
    assert.deepEqual(a.document, doc);
    assert.deepEqual(gateStateToJSON(a.gates!), gateStateToJSON(state));
    assert.equal(readDesignRun(write('old', doc)).gates, undefined);
  });

  it('names the file and the offending field', () => {
    const bad = structuredClone(doc) as unknown as { candidates: { gates: { support: object } }[] };
    bad.candidates[0].gates.support = { value: 1, threshold: 0, pass: 'yes' };
    const d = write('bad', bad);
    assert.throws(
      () => readDesignRun(d),
      (e: unknown) =>
        e instanceof InputError &&
        e.message.includes(join(d, 'design.json')) &&
        e.message.includes("field 'candidates[0].gates.support.pass'"),
    );
    const g = gateStateToJSON(state) as unknown as { gmm: { dim: number } };
    g.gmm.dim = 3;
    const d2 = write('bad-gates', doc, g);
    assert.throws(
      () => readDesignRun(d2),
      (e: unknown) =>
        e instanceof InputError &&
        e.message.includes(join(d2, 'gates.json')) &&
        e.message.includes("field 'gmm.dim'"),
    );
    assert.throws(() => readDesignRun(join(dir, 'missing')), InputError);
  });
});
