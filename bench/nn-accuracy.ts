/**
 * Train a VIBANN ensemble with a preset on the reference split and report test/calibration
 * metrics (as the peer's `--mode ensemble`), training wall time and peak RSS.
 *
 *   npx tsx bench/nn-accuracy.ts [--preset paper|default] [--seed 1] [--seeds N] [--networks 5]
 *        [--epochs N] [--patience N] [--lr X] [--batch N] [--json out.json] [--cv]
 *        [--beta X | --beta-controller] [--weights family|none] [--load linear|log]
 *        [--set key=value ...]   (network option overrides, e.g. --set latentDim=32)
 *
 * --cv: report only the 5-fold CV validation RMSE (HV) of the fold networks (model selection on
 * train_fit only; the test set is not evaluated).
 */
import { writeFileSync } from 'node:fs';
import { initBackend } from '../src/nn/backend.ts';
import { forward } from '../src/nn/model.ts';
import { resolveVibannOptions, type VibannOptions } from '../src/nn/options.ts';
import * as tf from '../src/nn/tf.ts';
import { preset as getPreset, type PresetName } from '../src/train/presets.ts';
import { initEnsemble, type MemberPlan, trainEnsemble } from '../src/train/trainer.ts';
import { predictMC } from '../src/uq/predict.ts';
import { cvPlans, loadReferenceData, rowsOf } from './nn-data.ts';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const flag = (name: string) => process.argv.includes(`--${name}`);

function metrics(y: ArrayLike<number>, mu: ArrayLike<number>, sd?: ArrayLike<number>) {
  const n = y.length;
  let ym = 0;
  for (let i = 0; i < n; i++) ym += y[i];
  ym /= n;
  let sse = 0;
  let sst = 0;
  let sae = 0;
  let sape = 0;
  let se = 0;
  let cov = 0;
  let nll = 0;
  let ms = 0;
  for (let i = 0; i < n; i++) {
    const e = mu[i] - y[i];
    sse += e * e;
    sst += (y[i] - ym) ** 2;
    sae += Math.abs(e);
    sape += Math.abs(e) / y[i];
    se += e;
    if (sd) {
      const s = Math.max(sd[i], 1e-12);
      if (Math.abs(e) <= s) cov++;
      nll += 0.5 * Math.log(2 * Math.PI * s * s) + (e * e) / (2 * s * s);
      ms += s;
    }
  }
  return {
    n,
    R2: 1 - sse / sst,
    MAE: sae / n,
    RMSE: Math.sqrt(sse / n),
    MAPE_pct: (100 * sape) / n,
    mean_signed_error: se / n,
    ...(sd ? { coverage_1sigma: cov / n, mean_sigma: ms / n, NLL: nll / n } : {}),
  };
}

async function main() {
  const backend = await initBackend((arg('backend') as 'wasm' | 'cpu') ?? 'wasm');
  const presetName = (arg('preset') ?? 'paper') as PresetName;
  const p = getPreset(presetName);
  const seed = Number(arg('seed') ?? 1);
  const nSeeds = Number(arg('seeds') ?? 1);
  const nets = Number(arg('networks') ?? 5);
  const training = {
    ...p.training,
    maxEpochs: Number(arg('epochs') ?? p.training.maxEpochs),
    patience: Number(arg('patience') ?? p.training.patience),
    lr: Number(arg('lr') ?? p.training.lr),
    batchSize: Number(arg('batch') ?? p.training.batchSize),
  };
  if (arg('beta')) training.beta = { ...training.beta, mode: 'fixed', beta0: Number(arg('beta')) };
  if (flag('beta-controller'))
    training.beta = { ...training.beta, mode: 'controller', beta0: 1e-3 };
  const sets: Record<string, unknown> = {};
  process.argv.forEach((a, i) => {
    if (a === '--set') {
      const [k, v] = process.argv[i + 1].split('=');
      sets[k] =
        v === 'true' ? true : v === 'false' ? false : Number.isNaN(Number(v)) ? v : Number(v);
    }
  });
  const d = loadReferenceData({
    loadTransform: (arg('load') as 'linear' | 'log') ?? p.loadTransform,
    weights: (arg('weights') as 'family' | 'none') ?? p.sampleWeights,
  });
  const options: VibannOptions = resolveVibannOptions({
    nElements: d.arrays.nElements,
    ...p.network,
    ...sets,
  });
  const plans: MemberPlan[] = [];
  for (let s = 0; s < nSeeds; s++) {
    const seeds = Array.from({ length: nets }, (_, k) => 1000 * (seed + s) + k);
    plans.push(...cvPlans(d, seeds, nets));
  }
  const t0 = performance.now();
  let peakRss = process.memoryUsage().rss;
  const logEvery = Number(arg('log-every') ?? 50);
  const res = await trainEnsemble(
    initEnsemble(
      options,
      plans.map((q) => q.seed),
    ),
    d.arrays,
    plans,
    {
      ...training,
      onEpoch: (e) => {
        peakRss = Math.max(peakRss, process.memoryUsage().rss);
        if (e.epoch === 1 || e.epoch % logEvery === 0) {
          const act = e.members.filter((m) => m.active).length;
          const r = e.members.find((m) => m.record)?.record;
          process.stderr.write(
            `epoch ${e.epoch}  active ${act}/${e.members.length}  ${e.elapsedS.toFixed(1)} s  ` +
              `${r ? `hard ${r.hard.toFixed(3)} KL/d ${r.klPerDim.toFixed(3)} β ${r.beta.toExponential(2)} val ${r.valMse.toFixed(4)}` : ''}\n`,
          );
        }
      },
    },
  );
  const trainWall = (performance.now() - t0) / 1000;
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  const hs = d.hvScaler;
  const out: Record<string, unknown> = {
    preset: presetName,
    backend,
    options,
    training: { ...training, beta: training.beta },
    seed,
    seeds: nSeeds,
    networks: plans.length,
    train_wall_s: trainWall,
    peak_rss_mb: peakRss / 2 ** 20,
    epochs_run: res.members.map((m) => m.epochsRun),
    best_epoch: res.members.map((m) => m.bestEpoch),
    fold_val_rmse_hv: res.members.map((m) => Math.sqrt(m.bestValMse) * hs.std),
  };
  // CV: each fold's networks (one per seed) pooled, MC mean on their own fold, RMSE in HV
  // (unweighted). The fold also stopped those networks, as in the peer's CV study.
  const cv: number[] = [];
  for (let k = 0; k < nets; k++) {
    const members = Array.from({ length: nSeeds }, (_, s) => s * nets + k);
    const rows = rowsOf(d, plans[k].val as number[]);
    const r = predictMC(res.model.select(members), rows.x, rows.load, {
      passes: 30,
      seed,
      scale: hs,
    });
    cv.push(metrics(rows.hv, r.mean).RMSE);
  }
  out.cv_rmse_hv = cv;
  out.cv_rmse_mean = cv.reduce((a, b) => a + b, 0) / cv.length;
  if (!flag('cv')) {
    const tp = performance.now();
    const res2: Record<string, unknown> = {};
    for (const [name, idx] of [
      ['test', d.split.test],
      ['calibration', d.split.calibration],
    ] as const) {
      const rows = rowsOf(d, idx);
      const r = predictMC(res.model, rows.x, rows.load, { passes: p.mcPasses, seed, scale: hs });
      res2[name] = metrics(rows.hv, r.mean, r.std);
      // deterministic (dropout off) ensemble mean for reference
      const det = tf.tidy(() => {
        const y = forward(
          { options, params: res.model.tensors() },
          {
            x: tf.tensor3d(rows.x, [1, idx.length, d.arrays.nElements]),
            load: tf.tensor3d(rows.load, [1, idx.length, 1]),
          },
          { training: false, decoder: false },
        ).yhat;
        return tf.mean(y, 0).dataSync();
      });
      res2[`${name}_deterministic`] = metrics(
        rows.hv,
        Array.from(det, (v) => hs.mean + hs.std * v),
      );
    }
    out.metrics = res2;
    out.predict_wall_s = (performance.now() - tp) / 1000;
  }
  const json = JSON.stringify(out, null, 1);
  if (arg('json')) writeFileSync(arg('json') as string, json);
  process.stdout.write(`${json}\n`);
}

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
