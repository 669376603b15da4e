/**
 * Issue 11's "better than the best tuned baseline over 10 splits", asked of the hybrid that CV
 * favours but the issue's constraints exclude (docs/accuracy.md "Hybrids"): on the reference split
 * and the seeded cluster-aware splits 1 … N of `vibann evaluate --splits N`, the default model (its
 * networks and the shipped μ with the neighbour term) and the tuned k-NN (the same search as
 * `vibann baselines`, seeded like the multi-split), then their blends a·network + (1 − a)·k-NN,
 * scored on each split's test rows and compared with the k-NN by the Nadeau–Bengio corrected
 * resampled t interval (src/math/student.ts), as `evaluate --splits` compares the default.
 * The blends are neither load-monotone nor differentiable (the k-NN's neighbour set depends on the
 * load): an upper bound on what giving up those constraints buys, not a candidate default.
 *
 *   npx tsx bench/blend-splits.ts [--splits 10] [--seed 1] [--passes 100] [--json out.json]
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { rowsX } from '../src/data/dataset.ts';
import { loadDataset } from '../src/data/index.ts';
import { selectSplit } from '../src/data/select.ts';
import { clusterSplit, type Split } from '../src/data/split.ts';
import { mean, stdSample as sd } from '../src/math/stats.ts';
import { correctedResampledTTest, resolvableDifference } from '../src/math/student.ts';
import { HardnessModel } from '../src/model/hardness-model.ts';
import { accuracyMetrics } from '../src/uq/metrics.ts';
import { Rng } from '../src/util/rng.ts';
import { defaultDataPaths } from './nn-data.ts';
import { tunedKnnTest } from './tuned-knn.ts';

const { values: opt } = parseArgs({
  options: {
    splits: { type: 'string', default: '10' },
    seed: { type: 'string', default: '1' },
    passes: { type: 'string', default: '100' },
    json: { type: 'string' },
  },
});
const nSplits = Number(opt.splits);
const seed = Number(opt.seed);
const passes = Number(opt.passes);
const ds = loadDataset(defaultDataPaths().csv);
const splits: { name: string; split: Split }[] = [{ name: 'reference', split: selectSplit(ds) }];
for (let s = 1; s <= nSplits; s++)
  splits.push({ name: `cluster-${s}`, split: clusterSplit(ds, { rng: new Rng(s) }) });

const BLENDS = [0.3, 0.5];
const names = [
  'default (shipped μ)',
  'networks alone',
  'k-NN (tuned)',
  ...BLENDS.map((a) => `${a}·networks + ${1 - a}·k-NN`),
  ...BLENDS.map((a) => `${a}·default + ${1 - a}·k-NN`),
];
const rows: {
  split: string;
  n_train_fit: number;
  n_test: number;
  mae: number[];
  rmse: number[];
}[] = [];
for (const { name, split } of splits) {
  const t0 = performance.now();
  const { model } = await HardnessModel.fit(ds, split, { preset: 'default', seed, seeds: 1 });
  const x = rowsX(ds, split.test);
  const L = split.test.map((r) => ds.load[r]);
  const shipped = Array.from(model.predictRows(x, L, { seed, passes }).mean);
  const nets = Array.from(model.predictRows(x, L, { seed, passes, network: true }).mean);
  // the k-NN as the multi-split tunes it (the same search and seed), with its test predictions
  const knn = tunedKnnTest(ds, split, seed).predictions;
  const y = split.test.map((r) => ds.hv[r]);
  const preds = [
    shipped,
    nets,
    knn,
    ...BLENDS.map((a) => nets.map((m, i) => a * m + (1 - a) * knn[i])),
    ...BLENDS.map((a) => shipped.map((m, i) => a * m + (1 - a) * knn[i])),
  ];
  const acc = preds.map((p) => accuracyMetrics(y, p));
  rows.push({
    split: name,
    n_train_fit: split.trainFit.length,
    n_test: split.test.length,
    mae: acc.map((a) => a.mae),
    rmse: acc.map((a) => a.rmse),
  });
  console.log(
    `${name}: ${names.map((n, i) => `${n} ${acc[i].mae.toFixed(1)}`).join(', ')} (${((performance.now() - t0) / 1000).toFixed(0)} s)`,
  );
}

const nTrain = mean(rows.map((r) => r.n_train_fit));
const nTest = mean(rows.map((r) => r.n_test));
const kIdx = names.indexOf('k-NN (tuned)');
console.log(
  `\n| model | MAE mean ± sd | RMSE mean ± sd | − k-NN: mean | corrected 95 % interval | better on |`,
);
console.log('|---|---|---|---|---|---|');
const summary = names.map((n, i) => {
  const mae = rows.map((r) => r.mae[i]);
  const rmse = rows.map((r) => r.rmse[i]);
  const d = rows.map((r) => r.mae[i] - r.mae[kIdx]);
  const t = i === kIdx ? null : correctedResampledTTest(d, nTrain, nTest);
  const better = d.filter((v) => v < 0).length;
  console.log(
    `| ${n} | ${mean(mae).toFixed(1)} ± ${sd(mae).toFixed(1)} | ${mean(rmse).toFixed(1)} ± ${sd(rmse).toFixed(1)} | ${t ? t.mean.toFixed(2) : '—'} | ${t ? `[${t.ci[0].toFixed(1)}, ${t.ci[1].toFixed(1)}]` : '—'} | ${t ? `${better} of ${rows.length}` : '—'} |`,
  );
  return { name: n, mae, rmse, diff: t };
});
const dk = summary.find((s) => s.name === 'default (shipped μ)')?.diff;
if (dk) {
  const r = resolvableDifference(dk.sd, dk.n, nTrain, nTest);
  console.log(
    `\nresolvable at ${dk.n} splits (sd of the default's differences ${dk.sd.toFixed(2)} HV): ±${r.halfWidth.toFixed(2)} HV; at any number: ±${r.limit.toFixed(2)} HV`,
  );
}
const out = opt.json;
if (out) writeFileSync(out, `${JSON.stringify({ seed, passes, rows, summary }, null, 2)}\n`);
