/**
 * Issue 11 evidence: would a hybrid of the network with a neighbour model be more accurate, and
 * can it keep the monotone load and the gradients the design needs? (docs/accuracy.md, "Hybrids")
 *
 * A model trained by `vibann train` on the reference split is an ensemble of its 5 CV fold
 * networks (member k trained without fold k), so every train_fit row has an out-of-fold (OOF)
 * prediction: member k's MC mean on fold k. Each variant below is scored by 5-fold CV on those
 * OOF rows — a variant's own constants (blend weight, bandwidth, affine map) are fitted or used
 * without the scored fold — and, for the record only (never for a choice), on the test set with
 * the whole ensemble and all of train_fit.
 *
 *   npx tsx bench/hybrid-cv.ts [--model models/default] [--passes 30]
 *
 * Every prediction here is the networks' alone (`network: true`): the neighbour term that the
 * default model now carries (model/neighbour.ts) is one of the hybrids this bench compares.
 */

import { foldData } from '../src/baselines/features.ts';
import { KnnRegressor } from '../src/baselines/knn.ts';
import { rowsX } from '../src/data/dataset.ts';
import { type Dataset, loadDataset } from '../src/data/index.ts';
import { splitFromJSON } from '../src/data/split.ts';
import { HardnessModel } from '../src/model/hardness-model.ts';
import { tailIndices } from '../src/uq/calibration.ts';
import { accuracyMetrics } from '../src/uq/metrics.ts';
import { defaultDataPaths } from './nn-data.ts';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

interface Scores {
  mae: number;
  rmse: number;
  /** mean signed error (predicted − measured) on the rows at or above the 90th HV percentile */
  tail: number;
}

/** MAE, RMSE (uq/metrics.ts) and the top-10 % mean signed error as `evaluate` reports it. */
function scores(y: readonly number[], p: readonly number[]): Scores {
  const a = accuracyMetrics(y, p);
  const top = tailIndices(y, 0.9);
  const tail = accuracyMetrics(
    top.map((i) => y[i]),
    top.map((i) => p[i]),
  ).mean_signed_error;
  return { mae: a.mae, rmse: a.rmse, tail };
}

function l1(ds: Dataset, a: number, b: number): number {
  const E = ds.elements.length;
  let s = 0;
  for (let e = 0; e < E; e++) s += Math.abs(ds.x[a * E + e] - ds.x[b * E + e]);
  return s;
}

async function main() {
  const dir = arg('model') ?? 'models/default';
  const passes = Number(arg('passes') ?? 30);
  const ds = loadDataset(defaultDataPaths().csv);
  const model = await HardnessModel.load(dir);
  const split = splitFromJSON(ds, model.meta.split, {
    kind: 'reference',
    label: `${dir}/manifest.json`,
    description: 'the model’s split',
  });
  const folds = split.cvFolds;
  const others = (k: number) => folds.filter((_, j) => j !== k).flat();
  const tf = split.trainFit;
  const test = split.test;
  // the distinct training loads: the network's curve at a query composition is read there
  const U = [...new Set(tf.map((r) => ds.load[r]))].sort((a, b) => a - b);
  const uOf = new Map(U.map((u, i) => [u, i]));
  const nearestU = (L: number) => {
    let b = 0;
    U.forEach((u, i) => {
      if (Math.abs(Math.log(u / L)) < Math.abs(Math.log(U[b] / L))) b = i;
    });
    return b;
  };
  /** NN MC mean of each row's composition at every load of U (rows × |U|). */
  const curves = (rs: readonly number[], members?: number[]) => {
    const E = ds.elements.length;
    const x = new Float32Array(rs.length * U.length * E);
    const L: number[] = [];
    rs.forEach((r, i) => {
      U.forEach((u, j) => {
        x.set(ds.x.subarray(r * E, (r + 1) * E), (i * U.length + j) * E);
        L.push(u);
      });
    });
    const p = model.predictRows(x, L, { members, seed: 1, passes, network: true });
    return new Map(rs.map((r, i) => [r, p.mean.slice(i * U.length, (i + 1) * U.length)]));
  };
  const curve = new Map<number, Float64Array>();
  const oof = new Map<number, number>();
  folds.forEach((f, k) => {
    const p = model.predictRows(
      rowsX(ds, f),
      f.map((r) => ds.load[r]),
      { members: [k], seed: 1, passes, network: true },
    );
    f.forEach((r, i) => {
      oof.set(r, p.mean[i]);
    });
    for (const [r, c] of curves(f, [k])) curve.set(r, c);
  });
  // each fold network on its own training rows (under- or over-fitting?)
  const inSample = folds.map((_, k) => {
    const rs = others(k);
    const p = model.predictRows(
      rowsX(ds, rs),
      rs.map((r) => ds.load[r]),
      { members: [k], seed: 1, passes, network: true },
    );
    return accuracyMetrics(
      rs.map((r) => ds.hv[r]),
      p.mean,
    ).mae;
  });
  const pt = model.predictRows(
    rowsX(ds, test),
    test.map((r) => ds.load[r]),
    { seed: 1, passes, network: true },
  );
  const curveT = curves(test);

  // k-NN as the baselines build it (fractions + standardised ln L), k = 5, Manhattan, 1/d weights
  const knn = (fit: readonly number[], q: readonly number[]) => {
    const fd = foldData(ds, fit, q, 'log');
    return new KnnRegressor({ k: 5, p: 1, weights: 'distance' })
      .fit(fd.xFit, fd.yFit)
      .predict(fd.xVal);
  };
  const knnOof = new Map<number, number>();
  folds.forEach((f, k) => {
    const p = knn(others(k), f);
    f.forEach((r, i) => {
      knnOof.set(r, p[i]);
    });
  });
  const knnT = knn(tf, test);

  /**
   * Monotone kernel term: Σ_j w_j y_j·f(x, L)/f(x, L_j) / Σ_j w_j, w_j = exp(−‖x − x_j‖₁/τ):
   * each neighbour's measured HV carried to the query load along the network's own load curve at
   * the query composition, so it is non-increasing in L wherever the network is.
   */
  const kr = (q: number, c: Float64Array, src: readonly number[], tau: number) => {
    const d = src.map((j) => l1(ds, q, j));
    const dmin = Math.min(...d);
    const uq = nearestU(ds.load[q]);
    let num = 0;
    let den = 0;
    src.forEach((j, i) => {
      const w = Math.exp(-(d[i] - dmin) / tau);
      num += (w * ds.hv[j] * c[uq]) / c[uOf.get(ds.load[j]) as number];
      den += w;
    });
    return num / den;
  };
  const tau = 0.02;
  const krOof = new Map<number, number>();
  folds.forEach((f, k) => {
    const src = others(k);
    for (const r of f) krOof.set(r, kr(r, curve.get(r) as Float64Array, src, tau));
  });
  const krT = test.map((r) => kr(r, curveT.get(r) as Float64Array, tf, tau));

  // affine recalibration y ≈ c0 + c1·μ, least squares on OOF rows
  const affine = (rs: readonly number[]) => {
    const x = rs.map((r) => oof.get(r) as number);
    const y = rs.map((r) => ds.hv[r]);
    const mx = x.reduce((a, b) => a + b) / x.length;
    const my = y.reduce((a, b) => a + b) / y.length;
    let sxy = 0;
    let sxx = 0;
    x.forEach((v, i) => {
      sxy += (v - mx) * (y[i] - my);
      sxx += (v - mx) ** 2;
    });
    const c1 = sxy / sxx;
    return [my - c1 * mx, c1] as const;
  };
  const affOof = new Map<number, number>();
  folds.forEach((f, k) => {
    const [c0, c1] = affine(others(k));
    for (const r of f) affOof.set(r, c0 + c1 * (oof.get(r) as number));
  });
  const [a0, a1] = affine(tf);

  const yCv = tf.map((r) => ds.hv[r]);
  const yT = test.map((r) => ds.hv[r]);
  const nnCv = tf.map((r) => oof.get(r) as number);
  const nnT = Array.from(pt.mean);
  const rows: { name: string; cv: Scores; test: Scores; monotone: string; grad: string }[] = [
    {
      name: 'network (the default ensemble)',
      cv: scores(yCv, nnCv),
      test: scores(yT, nnT),
      monotone: 'yes',
      grad: 'yes',
    },
    {
      name: 'k-NN (k 5, Manhattan, 1/d, ln L feature)',
      cv: scores(
        yCv,
        tf.map((r) => knnOof.get(r) as number),
      ),
      test: scores(yT, Array.from(knnT)),
      monotone: 'no',
      grad: 'no (piecewise constant)',
    },
  ];
  for (const a of [0.3, 0.5]) {
    rows.push({
      name: `${a}·network + ${1 - a}·k-NN`,
      cv: scores(
        yCv,
        tf.map((r) => a * (oof.get(r) as number) + (1 - a) * (knnOof.get(r) as number)),
      ),
      test: scores(
        yT,
        nnT.map((m, i) => a * m + (1 - a) * knnT[i]),
      ),
      monotone: 'no',
      grad: 'network part only',
    });
  }
  for (const a of [0, 0.3, 0.5]) {
    rows.push({
      name: `${a}·network + ${1 - a}·monotone kernel term (τ ${tau}, L1)`,
      cv: scores(
        yCv,
        tf.map((r) => {
          const c = curve.get(r) as Float64Array;
          return a * c[nearestU(ds.load[r])] + (1 - a) * (krOof.get(r) as number);
        }),
      ),
      test: scores(
        yT,
        test.map((r, i) => {
          const c = curveT.get(r) as Float64Array;
          return a * c[nearestU(ds.load[r])] + (1 - a) * krT[i];
        }),
      ),
      monotone: 'yes',
      grad: 'yes',
    });
  }
  rows.push({
    name: 'affine recalibration c0 + c1·μ',
    cv: scores(
      yCv,
      tf.map((r) => affOof.get(r) as number),
    ),
    test: scores(
      yT,
      nnT.map((m) => a0 + a1 * m),
    ),
    monotone: 'yes (c1 > 0)',
    grad: 'yes',
  });
  const f1 = (v: number) => v.toFixed(1);
  console.log(
    `model ${dir}; ${passes} MC passes; CV over train_fit (${tf.length} rows, ${folds.length} folds), test ${test.length} rows (not used for any choice); affine map on train_fit: c0 ${f1(a0)} HV, c1 ${a1.toFixed(3)}\n`,
  );
  console.log(
    `fold networks on their own training rows: MAE ${inSample.map(f1).join(', ')} HV (out of fold: ${f1(rows[0].cv.mae)} HV)\n`,
  );
  console.log(
    '| variant | CV MAE | CV RMSE | CV top-10 % MSE | test MAE | test RMSE | test top-10 % MSE | load-monotone | gradient in x |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    console.log(
      `| ${r.name} | ${f1(r.cv.mae)} | ${f1(r.cv.rmse)} | ${f1(r.cv.tail)} | ${f1(r.test.mae)} | ${f1(r.test.rmse)} | ${f1(r.test.tail)} | ${r.monotone} | ${r.grad} |`,
    );
  }
}

await main();
