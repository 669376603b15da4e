/**
 * How much the design rests on its latent density fit (docs/design.md "Known limits").
 *
 * `vibann design` fits a GMM to the design member's train_fit latents with the §2 family weights
 * (SPEC §9.1) and gates on it (support). The uncertainty fit fits another, unweighted, for the
 * `low_density` reason of every domain verdict. This bench, on a trained model:
 *  1. refits both kinds on the design's latent frame at seeds 1–3 and prints the Spearman ρ of the
 *     train_fit log-densities between every pair of fits — is a weighted or an unweighted fit
 *     reproducible from seed to seed? — and each fit's percentile of the given alloys;
 *  2. runs the default design (the library's `runDesign`, as `vibann design` does) twice, with the
 *     family weights and with unit weights, and prints what each accepts.
 *
 *   npx tsx bench/design-density.ts [--model models/default] [--alloy B51Fe23Nb18Co8 ...]
 */

import { parseArgs } from 'node:util';
import { Composition } from '../src/chem/composition.ts';
import { rowsX } from '../src/data/dataset.ts';
import { loadDataset } from '../src/data/index.ts';
import { familyWeights } from '../src/data/weights.ts';
import { designData } from '../src/design/data.ts';
import {
  DESIGN_SETTINGS_DEFAULTS,
  designOptionsFor,
  refineOptionsFor,
} from '../src/design/options.ts';
import { runDesign } from '../src/design/pipeline.ts';
import { makeRefiner } from '../src/design/refine.ts';
import { LatentFrame } from '../src/latent/frame.ts';
import { GaussianMixture } from '../src/latent/gmm.ts';
import { spearman } from '../src/math/stats.ts';
import { HardnessModel } from '../src/model/hardness-model.ts';
import { Rng } from '../src/util/rng.ts';
import { splitForModel } from '../src/workflows/common.ts';
import { defaultDataPaths } from './nn-data.ts';

const { values: opt } = parseArgs({
  options: {
    model: { type: 'string', default: 'models/default' },
    alloy: { type: 'string', multiple: true, default: ['B51Fe23Nb18Co8'] },
  },
});
const dir = opt.model;
const alloys = opt.alloy;
const ds = loadDataset(defaultDataPaths().csv);
const model = await HardnessModel.load(dir);
const split = await splitForModel(model, ds);
const settings = { ...DESIGN_SETTINGS_DEFAULTS };
const options = await designOptionsFor(settings);
const tf = split.trainFit;
const E = ds.elements.length;

// 1. the fits, on the design's frame (unweighted PCA of the train_fit latents at the design load)
const view = model.memberView();
const d = view.latentDim;
const encode = (x: Float32Array, n: number) => {
  const z = view.encode(x, Array(n).fill(options.load));
  return Array.from({ length: n }, (_, i) => Array.from(z.subarray(i * d, (i + 1) * d)));
};
const Z = encode(rowsX(ds, tf), tf.length);
const xq = new Float32Array(alloys.length * E);
alloys.forEach((a, i) => {
  xq.set(Composition.parse(a).toVector(ds.elements), i * E);
});
const Zq = encode(xq, alloys.length);
view.dispose();
const frame = LatentFrame.fit(Z, options.latentVariance);
const U = frame.project(Z);
const Uq = frame.project(Zq);
const w = Array.from(familyWeights(ds, tf));
const fits: { name: string; train: number[]; q: Float64Array; k: number }[] = [];
for (const weighted of [false, true])
  for (const seed of [1, 2, 3]) {
    const g = GaussianMixture.selectByBic(U, {
      kMin: options.gmm.kMin,
      kMax: options.gmm.kMax,
      nInit: options.gmm.nInit,
      ...(weighted ? { weights: w } : {}),
      rng: new Rng(seed),
    }).best;
    fits.push({
      name: `${weighted ? 'family-weighted' : 'unweighted'}, seed ${seed}`,
      train: Array.from(g.logPdf(U)),
      q: g.logPdf(Uq),
      k: g.nComponents,
    });
  }
const pct = (t: number[], v: number) => t.filter((u) => u <= v).length / t.length;
console.log(
  `${dir}: ${tf.length} train_fit latents at ${options.load} N, frame of ${frame.dim} dimensions; GMM K ${options.gmm.kMin}–${options.gmm.kMax} by BIC, ${options.gmm.nInit} restarts\n`,
);
console.log(
  `| fit | K | ${fits.map((_, j) => `ρ vs ${j + 1}`).join(' | ')} | ${alloys.map((a) => `${a}: log p (percentile)`).join(' | ')} |`,
);
console.log(`|---|---|${fits.map(() => '---|').join('')}${alloys.map(() => '---|').join('')}`);
fits.forEach((f, i) => {
  console.log(
    `| ${i + 1}. ${f.name} | ${f.k} | ${fits.map((g) => spearman(f.train, g.train).toFixed(3)).join(' | ')} | ${alloys.map((_, a) => `${f.q[a].toFixed(1)} (${pct(f.train, f.q[a]).toFixed(3)})`).join(' | ')} |`,
  );
});

// 2. the default design with either weighting
for (const weighting of ['family', 'unit'] as const) {
  const data = designData(ds, split, model.elements);
  if (weighting === 'unit') data.trainFit.weight = data.trainFit.weight.map(() => 1);
  const t0 = performance.now();
  const res = await runDesign(model, data, options, new Rng(settings.seed), {
    refine: makeRefiner(model, refineOptionsFor(settings)),
  });
  const acc = res.screenedPool.filter((s) => s.accepted);
  const fails: Record<string, number> = {};
  for (const s of res.screenedPool) for (const f of s.failed) fails[f] = (fails[f] ?? 0) + 1;
  console.log(
    `\ndesign with ${weighting} weights (seed ${settings.seed}, ${((performance.now() - t0) / 1000).toFixed(0)} s): ${res.screenedPool.length} screened, ${acc.length} accepted${acc.length ? `: ${acc.map((a) => `${a.formula} (LCB ${a.lcb.toFixed(0)}, novelty ${a.novelty.toFixed(3)})`).join(', ')}` : ''}; failed gates ${JSON.stringify(fails)}; support threshold ${res.thresholds.logpThreshold.toFixed(2)}`,
  );
}
