/**
 * Do the two latent densities agree? `vibann design` fits its own GMM to the design member's
 * latents (family-weighted; its support gate: the weighted q0.05 of the train_fit log-densities,
 * saved in the run's gates.json), and the uncertainty fit fits another to the same member's latents
 * (unweighted; the `low_density` reason of every domain verdict, saved in the model's domain.json).
 * For each candidate of a design run this prints both log-densities and the candidate's percentile
 * among the train_fit latents under each, so a disagreement between the support gate and the domain
 * verdict can be traced to the two fits (docs/design.md "Known limits").
 *
 *   npx tsx bench/density-agreement.ts MODEL_DIR DESIGN_RUN_DIR
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { rowsX } from '../src/data/dataset.ts';
import { loadDataset } from '../src/data/index.ts';
import { splitFromJSON } from '../src/data/split.ts';
import { LatentFrame } from '../src/latent/frame.ts';
import { GaussianMixture } from '../src/latent/gmm.ts';
import { spearman } from '../src/math/stats.ts';
import { HardnessModel } from '../src/model/hardness-model.ts';
import { DOMAIN_FILE, readDomainFile } from '../src/runs/domain.ts';
import { defaultDataPaths } from './nn-data.ts';

const [modelDir, runDir] = process.argv.slice(2);
if (!modelDir || !runDir) {
  console.error('usage: npx tsx bench/density-agreement.ts MODEL_DIR DESIGN_RUN_DIR');
  process.exit(2);
}
const ds = loadDataset(defaultDataPaths().csv);
const model = await HardnessModel.load(modelDir);
const split = splitFromJSON(ds, model.meta.split, {
  kind: 'reference',
  label: `${modelDir}/manifest.json`,
  description: 'the model’s split',
});
const tf = split.trainFit;
const E = ds.elements.length;
const domain = readDomainFile(join(modelDir, DOMAIN_FILE)).latent;
if (!domain) throw new Error(`${modelDir}: domain.json has no latent density`);
const gates = JSON.parse(readFileSync(join(runDir, 'gates.json'), 'utf8'));
const design = JSON.parse(readFileSync(join(runDir, 'design.json'), 'utf8'));
const load: number = gates.load;
const cands = design.candidates as { formula: string; fractions: Record<string, number> }[];

const view = model.memberView(domain.member);
const d = view.latentDim;
const encode = (x: Float32Array, n: number) => {
  const z = view.encode(x, Array(n).fill(load));
  return Array.from({ length: n }, (_, i) => Array.from(z.subarray(i * d, (i + 1) * d)));
};
const Z = encode(rowsX(ds, tf), tf.length);
const xc = new Float32Array(cands.length * E);
cands.forEach((c, i) => {
  for (const [el, f] of Object.entries(c.fractions)) xc[i * E + ds.elements.indexOf(el)] = f;
});
const Zc = encode(xc, cands.length);
view.dispose();

const fits = [
  [
    'domain verdict (domain.json)',
    LatentFrame.fromJSON(domain.frame),
    GaussianMixture.fromJSON(domain.gmm),
  ],
  [
    'design gates (gates.json)',
    LatentFrame.fromJSON(gates.frame),
    GaussianMixture.fromJSON(gates.gmm),
  ],
] as const;
const scored = fits.map(([name, frame, gmm]) => {
  const raw = Array.from(gmm.logPdf(frame.project(Z)));
  const train = [...raw].sort((a, b) => a - b);
  const c = gmm.logPdf(frame.project(Zc));
  return { name, raw, train, c };
});
console.log(
  `${tf.length} train_fit latents at ${load} N (member ${domain.member}); design support threshold ${gates.thresholds.logpThreshold.toFixed(2)}\n`,
);
for (const s of scored)
  console.log(
    `${s.name}: train_fit log-density q0.05 ${s.train[Math.floor(0.05 * s.train.length)].toFixed(2)}, min ${s.train[0].toFixed(2)}`,
  );
console.log(
  `Spearman ρ of the two log-densities over the train_fit latents: ${spearman(scored[0].raw, scored[1].raw).toFixed(3)}`,
);
console.log('\n| candidate | log p, domain GMM | percentile | log p, design GMM | percentile |');
console.log('|---|---|---|---|---|');
const pct = (t: number[], v: number) => t.filter((u) => u <= v).length / t.length;
cands.forEach((c, i) => {
  const [a, b] = scored;
  console.log(
    `| ${c.formula} | ${a.c[i].toFixed(2)} | ${pct(a.train, a.c[i]).toFixed(4)} | ${b.c[i].toFixed(2)} | ${pct(b.train, b.c[i]).toFixed(4)} |`,
  );
});
