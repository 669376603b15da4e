/**
 * Model selection by 5-fold CV over train_fit (docs/presets.md): train the CV ensemble of a preset
 * (with network overrides) on the reference split through `HardnessModel.fit` — the same code
 * path as `vibann train` — and score each fold network on its own fold (MC mean, 30 passes).
 * The test and calibration rows are never predicted.
 *
 *   npx tsx bench/nn-cv.ts [--preset default|v1|paper] [--seed 1] [--seeds N]
 *        [--threads 2] [--set key=value ...] [--train key=value ...] [--weights none|family|lds]
 *        [--json out.json] [--save MODEL_DIR]
 *   (--set: network option overrides, e.g. --set descriptors=true --set loadHead=network;
 *    --train: training overrides lr, batchSize, maxEpochs, patience, huberDelta (the Huber loss's
 *    δ in standardised HV), or beta0 (the fixed β); --weights: the sample weights instead of the
 *    preset's)
 * With a preset that carries the neighbour term (`default`) the output also has the term's CV
 * choice on the same out-of-fold rows (`neighbour`: the chosen settings and their CV scores).
 */
import { writeFileSync } from 'node:fs';
import { loadDataset, selectSplit } from '../src/data/index.ts';
import type { SampleWeighting } from '../src/data/weights.ts';
import { HardnessModel } from '../src/model/hardness-model.ts';
import type { VibannOptions } from '../src/nn/options.ts';
import { parsePresetName, preset as presetOf, type TrainHyper } from '../src/train/presets.ts';
import { defaultDataPaths } from './nn-data.ts';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main() {
  const preset = parsePresetName(arg('preset') ?? 'default');
  const seed = Number(arg('seed') ?? 1);
  const seeds = Number(arg('seeds') ?? 1);
  const sets: Record<string, unknown> = {};
  const trains: Record<string, number> = {};
  process.argv.forEach((a, i) => {
    if (a === '--train') {
      const [k, v] = process.argv[i + 1].split('=');
      trains[k] = Number(v);
    }
    if (a === '--set') {
      const [k, v] = process.argv[i + 1].split('=');
      sets[k] =
        v === 'true'
          ? true
          : v === 'false'
            ? false
            : v.startsWith('[')
              ? JSON.parse(v)
              : Number.isNaN(Number(v))
                ? v
                : Number(v);
    }
  });
  const ds = loadDataset(defaultDataPaths().csv);
  const split = selectSplit(ds);
  const { beta0, ...hyper } = trains;
  const training: Partial<TrainHyper> = { ...hyper };
  if (beta0 !== undefined) training.beta = { ...presetOf(preset).training.beta, beta0 };
  const t0 = performance.now();
  const { model } = await HardnessModel.fit(ds, split, {
    preset,
    seed,
    seeds,
    network: sets as Partial<VibannOptions>,
    training,
    threads: Number(arg('threads') ?? 2),
    sampleWeights: arg('weights') as SampleWeighting | undefined,
  });
  const wall = (performance.now() - t0) / 1000;
  const E = ds.elements.length;
  const folds = split.cvFolds.length;
  const rmse: number[] = [];
  const mae: number[] = [];
  split.cvFolds.forEach((fold, k) => {
    const x = new Float32Array(fold.length * E);
    fold.forEach((r, i) => {
      x.set(ds.x.subarray(r * E, (r + 1) * E), i * E);
    });
    const members = Array.from({ length: seeds }, (_, s) => s * folds + k);
    const p = model.predictRows(
      x,
      fold.map((r) => ds.load[r]),
      // the networks alone: the neighbour term's settings were chosen on these very rows
      { passes: 30, seed, members, network: true },
    );
    let se = 0;
    let ae = 0;
    fold.forEach((r, i) => {
      const e = p.mean[i] - ds.hv[r];
      se += e * e;
      ae += Math.abs(e);
    });
    rmse.push(Math.sqrt(se / fold.length));
    mae.push(ae / fold.length);
  });
  const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  const nb = model.meta.neighbour;
  const chosen = nb?.cv?.table.find((r) => JSON.stringify(r.params) === JSON.stringify(nb.params));
  const out = {
    preset,
    overrides: sets,
    training_overrides: trains,
    weights: model.meta.preset.sampleWeights,
    seed,
    seeds,
    networks: model.nMembers,
    train_wall_s: wall,
    epochs_run: model.meta.training.members.map((m) => m.epochsRun),
    cv_rmse_hv: rmse,
    cv_rmse_mean: mean(rmse),
    cv_mae_hv: mae,
    cv_mae_mean: mean(mae),
    // pooled over the out-of-fold rows (the networks' row of the term's table, then the choice)
    neighbour: nb?.cv
      ? { params: nb.params, network: nb.cv.table[0], chosen, rows: nb.cv.rows }
      : null,
  };
  if (arg('save')) await model.save(arg('save') as string);
  const json = JSON.stringify(out, null, 1);
  if (arg('json')) writeFileSync(arg('json') as string, json);
  process.stdout.write(`${json}\n`);
}

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
