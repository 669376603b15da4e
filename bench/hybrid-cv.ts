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
import { HardnessModel } from '../src/model/hardness-model.ts';
import { tailIndices } from '../src/uq/calibration.ts';
import { accuracyMetrics } from '../src/uq/metrics.ts';
import { splitForModel } from '../src/workflows/common.ts';
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
  const split = await splitForModel(model, ds);
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
  /** The network's Meyer exponent b = ln(μ(L)/μ(L·e)) at each row (out of fold on train_fit). */
  const meyerB = new Map<number, number>();
  /** MC means of rows at their loads, and b into `meyerB`: L and L·e in one pass (`meyerPair`). */
  const atLoad = (rs: readonly number[], members?: number[]) => {
    const n = rs.length;
    const pair = model.meyerPair(
      rowsX(ds, rs),
      rs.map((r) => ds.load[r]),
      { members, seed: 1, passes },
    );
    const S = pair.s1.length / n;
    const meanOf = (s: Float32Array, i: number) => {
      let t = 0;
      for (let j = 0; j < S; j++) t += s[j * n + i];
      return t / S;
    };
    return rs.map((r, i) => {
      const m1 = meanOf(pair.s1, i);
      meyerB.set(r, Math.max(0, Math.log(m1 / meanOf(pair.s2, i))));
      return m1;
    });
  };
  folds.forEach((f, k) => {
    const mean = atLoad(f, [k]);
    f.forEach((r, i) => {
      oof.set(r, mean[i]);
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
  const nnT = atLoad(test);
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

  /**
   * Where the k-NN's lead over the shipped term comes from: a 5-neighbour estimate with 1/d
   * weights, neighbours chosen by the L1 distance of the fractions plus `loadPen`·|ln(L/L_j)|,
   * each neighbour's HV carried to the query load along the network's Meyer curve (`carry`) or
   * not, blended as the shipped term is: (1 − g)·network + g·estimate, g = (1 − α)·exp(−(d_min/d₀)²)
   * with α = 0.1 (the shipped choice) and d_min the distance to the nearest composition. loadPen > 0 makes the neighbour set depend on the load,
   * so the estimate is not monotone in it.
   */
  const nbEstimate = (q: number, src: readonly number[], loadPen: number, carry: boolean) => {
    const dc = src.map((j) => l1(ds, q, j));
    const d = src.map((j, i) => dc[i] + loadPen * Math.abs(Math.log(ds.load[q] / ds.load[j])));
    const near = src
      .map((_, i) => i)
      .sort((a, b) => d[a] - d[b] || a - b)
      .slice(0, 5);
    const b = meyerB.get(q) as number;
    let num = 0;
    let den = 0;
    for (const i of near) {
      const w = 1 / Math.max(d[i], 1e-12);
      const j = src[i];
      num += w * ds.hv[j] * (carry ? (ds.load[j] / ds.load[q]) ** b : 1);
      den += w;
    }
    return { v: num / den, dmin: Math.min(...dc) };
  };
  const capped: { name: string; loadPen: number; carry: boolean; d0: number }[] = [
    {
      name: '1/d, neighbours by composition, carried (monotone)',
      loadPen: 0,
      carry: true,
      d0: 0.075,
    },
    {
      name: '1/d, neighbours by composition + 0.2·|Δln L|, carried',
      loadPen: 0.2,
      carry: true,
      d0: 0.075,
    },
    {
      name: '1/d, neighbours by composition + 0.2·|Δln L|, not carried',
      loadPen: 0.2,
      carry: false,
      d0: 0.075,
    },
    {
      name: '1/d, neighbours by composition + 0.2·|Δln L|, not carried',
      loadPen: 0.2,
      carry: false,
      d0: 0.2,
    },
  ];
  const foldOf = new Map(folds.flatMap((f, k) => f.map((r) => [r, k] as const)));
  const cappedRows = capped.map((c) => {
    const blend = (r: number, src: readonly number[], mu: number) => {
      const e = nbEstimate(r, src, c.loadPen, c.carry);
      const g = 0.9 * Math.exp(-((e.dmin / c.d0) ** 2));
      return (1 - g) * mu + g * e.v;
    };
    return {
      name: `network + k-NN-like estimate, α 0.1, d₀ ${c.d0}: ${c.name}`,
      cv: scores(
        tf.map((r) => ds.hv[r]),
        tf.map((r) => blend(r, others(foldOf.get(r) as number), oof.get(r) as number)),
      ),
      test: scores(
        test.map((r) => ds.hv[r]),
        test.map((r, i) => blend(r, tf, nnT[i])),
      ),
      monotone: c.loadPen === 0 ? 'yes' : 'no',
      grad: 'piecewise (the neighbour set switches)',
    };
  });

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
  rows.push(...cappedRows);
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
