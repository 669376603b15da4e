/**
 * Does refitting on all rows after CV beat the CV ensemble? (docs/accuracy.md "Refit on all
 * rows"). Nested CV over train_fit of the reference split, networks alone (no neighbour term):
 * for each outer fold k, the inner CV ensemble of the default protocol (4 networks, each trained
 * on 3 of the other 4 folds and early-stopped on the 4th) against a refit (4 networks trained on
 * all 4 other folds for the median of the inner networks' best epochs); both predict fold k
 * (MC mean, 30 passes). With `--record-test`, also the test figures of a 5-network refit on all of
 * train_fit for the median best epoch of a trained model's members (for the record only: the test
 * set plays no part in any choice), networks alone and with that model's neighbour term.
 *
 *   npx tsx bench/refit-cv.ts [--seed 1] [--record-test MODEL_DIR]
 */
import { loadDataset, rowsX, selectSplit } from '../src/data/index.ts';
import { HardnessModel } from '../src/model/hardness-model.ts';
import { tailIndices } from '../src/uq/calibration.ts';
import { accuracyMetrics } from '../src/uq/metrics.ts';
import { defaultDataPaths } from './nn-data.ts';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const median = (v: number[]) => {
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : Math.round((s[m - 1] + s[m]) / 2);
};

async function main() {
  const seed = Number(arg('seed') ?? 1);
  const ds = loadDataset(defaultDataPaths().csv);
  const split = selectSplit(ds);
  const F = split.cvFolds;
  const nf = F.length;
  const inner: { train: number[]; val: number[] }[] = [];
  F.forEach((fk, k) => {
    F.forEach((fj, j) => {
      if (j === k) return;
      const out = new Set([...fk, ...fj]);
      inner.push({ train: split.trainFit.filter((r) => !out.has(r)), val: [...fj] });
    });
  });
  const { model: cv } = await HardnessModel.fit(ds, split, {
    preset: 'default',
    seed,
    seeds: 1,
    plans: inner,
    neighbour: null,
    threads: 2,
  });
  const best = cv.meta.training.members.map((m) => m.bestEpoch);
  const y: number[] = [];
  const pCv: number[] = [];
  const pRefit: number[] = [];
  const epochs: number[] = [];
  for (let k = 0; k < nf; k++) {
    const members = Array.from({ length: nf - 1 }, (_, q) => (nf - 1) * k + q);
    const E = median(members.map((m) => best[m]));
    epochs.push(E);
    const outer = new Set(F[k]);
    const rows = split.trainFit.filter((r) => !outer.has(r));
    // validation rows = training rows, no early stopping: the weights of the epoch ≤ E with the
    // lowest MSE on the training rows (inference mode)
    const { model: refit } = await HardnessModel.fit(ds, split, {
      preset: 'default',
      seed: seed + 100,
      seeds: 1,
      plans: members.map(() => ({ train: rows, val: rows })),
      training: { maxEpochs: E, patience: 1e6 },
      neighbour: null,
      threads: 2,
    });
    const x = rowsX(ds, F[k]);
    const loads = F[k].map((r) => ds.load[r]);
    const a = cv.predictRows(x, loads, { passes: 30, seed: 1, members, network: true });
    const b = refit.predictRows(x, loads, { passes: 30, seed: 1, network: true });
    F[k].forEach((r, i) => {
      y.push(ds.hv[r]);
      pCv.push(a.mean[i]);
      pRefit.push(b.mean[i]);
    });
  }
  const score = (p: number[]) => {
    const a = accuracyMetrics(y, p);
    return { mae: a.mae, rmse: a.rmse };
  };
  const out: Record<string, unknown> = {
    seed,
    rows: y.length,
    inner_best_epochs: best,
    refit_epochs: epochs,
    cv_ensemble: score(pCv),
    refit: score(pRefit),
  };
  const dir = arg('record-test');
  if (dir) {
    const ref = await HardnessModel.load(dir);
    const E = median(ref.meta.training.members.map((m) => m.bestEpoch));
    const tf = split.trainFit;
    const fitAll = (neighbour: typeof ref.neighbour) =>
      HardnessModel.fit(ds, split, {
        preset: 'default',
        seed: seed + 100,
        seeds: 1,
        plans: ref.meta.training.members.map(() => ({ train: tf, val: tf })),
        training: { maxEpochs: E, patience: 1e6 },
        neighbour: neighbour?.params ?? null,
        threads: 2,
      });
    // test MAE, RMSE and top-10 % mean signed error as `evaluate` reports them (100 passes, seed 1)
    const te = split.test;
    const yt = te.map((r) => ds.hv[r]);
    const top = tailIndices(yt, 0.9);
    const test = (m: HardnessModel, network: boolean) => {
      const p = Array.from(
        m.predictRows(
          rowsX(ds, te),
          te.map((r) => ds.load[r]),
          { passes: 100, seed: 1, network },
        ).mean,
      );
      const a = accuracyMetrics(yt, p);
      const t = accuracyMetrics(
        top.map((i) => yt[i]),
        top.map((i) => p[i]),
      );
      return { mae: a.mae, rmse: a.rmse, top10_mse: t.mean_signed_error };
    };
    const refit = (await fitAll(ref.neighbour)).model;
    out.record_test = {
      epochs: E,
      refit_networks: test(refit, true),
      refit_with_term: refit.neighbour ? test(refit, false) : null,
      model_networks: test(ref, true),
      model_with_term: ref.neighbour ? test(ref, false) : null,
    };
  }
  process.stdout.write(`${JSON.stringify(out, null, 1)}\n`);
}

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
