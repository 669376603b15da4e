/**
 * The interpretability report of SPEC §11 for a trained model:
 * - attention per element over every row of the model's split (and per latent cluster), over all
 *   rows and over the rows containing the element (attention.ts, with its caveat);
 * - integrated gradients of the ensemble's inference-mode prediction (mean of the networks, no
 *   dropout) with respect to composition and load, baseline = mean train_fit composition and the
 *   mean train_fit load (in N, then standardised), 200 trapezoid steps, on a reference set (the
 *   test rows by default); mean signed attribution per feature in HV and the completeness gap;
 * - permutation importance per latent cluster on the cluster's test rows (20 seeded repeats).
 * Latent clusters are those of `vibann latent` (k-means, k = 3, on the design network's
 * standardised latents fitted on train_fit; same seed → same clusters), numbered by ascending
 * median measured HV, so the last is the hardest.
 */
import type { Dataset } from '../data/dataset.ts';
import type { Split } from '../data/split.ts';
import { memberLatentModel } from '../latent/analysis/access.ts';
import { latentClusters, latentRowsOf } from '../latent/analysis/analyze.ts';
import { summariseClusters } from '../latent/analysis/clusters.ts';
import type { HardnessModel } from '../model/hardness-model.ts';
import { InputError } from '../util/errors.ts';
import type { Rng } from '../util/rng.ts';
import { ATTENTION_NOTE, attentionByElement, type ElementAttention } from './attention.ts';
import { integratedGradients } from './ig.ts';
import { ensembleFunction } from './network.ts';
import { type FeatureImportance, permutationImportance } from './permutation.ts';

export type ReferenceSet = 'test' | 'train_fit' | 'calibration' | 'all';

export interface ExplainOptions {
  /** Trapezoid intervals of integrated gradients (SPEC §11: 200). */
  igSteps: number;
  /** Rows attributed by integrated gradients (default 'test'). */
  igSet: ReferenceSet;
  /** Permutation repeats per feature (SPEC §11: 20). */
  repeats: number;
  /** Latent clusters (SPEC §8: 3) and k-means restarts. */
  k: number;
  kmeansInit: number;
  /** Entries kept in the per-cluster top lists (default 10). */
  top: number;
  /** Minimum rows containing an element for it to enter a per-cluster attention top list (default 1). */
  minPresent: number;
}

export const DEFAULT_EXPLAIN: ExplainOptions = {
  igSteps: 200,
  igSet: 'test',
  repeats: 20,
  k: 3,
  kmeansInit: 10,
  top: 10,
  minPresent: 1,
};

export interface IgFeature {
  /** Element symbol or 'load'. */
  feature: string;
  /** Mean signed attribution over the rows, HV. */
  mean: number;
  /** Mean |attribution| over the rows, HV. */
  mean_abs: number;
  /** Mean signed attribution over the rows containing the element (null: none; load: all rows), HV. */
  mean_present: number | null;
  /** Rows containing the element (load: all rows). */
  n_present: number;
}

export interface ClusterAttention {
  cluster: number;
  n: number;
  /** Elements present in ≥ minPresent of the cluster's rows, by mean attention over those rows. */
  top: ElementAttention[];
}

export interface ExplainResult {
  model: { members: number; design_member: number; latent_dim: number };
  reference: {
    /** Rows of the split the attention and the clusters are computed on. */
    rows: number;
    /** Range of measured HV over the whole dataset (max − min), HV. */
    hv_range: number;
  };
  clusters: {
    k: number;
    hardest: number;
    summary: { cluster: number; n: number; median_hv: number; main_elements: string }[];
  };
  attention: {
    note: string;
    /** 1/E: the weight of every element under a uniform softmax. */
    uniform_weight: number;
    elements: ElementAttention[];
    by_cluster: ClusterAttention[];
  } | null;
  integrated_gradients: {
    set: ReferenceSet;
    n: number;
    steps: number;
    baseline: { composition: Record<string, number>; load_N: number; predicted_hv: number };
    completeness: {
      /** Mean |Σ IG − (f(x) − f(x0))| over the rows, HV. */
      mean_gap: number;
      max_gap: number;
      /** mean_gap / hv_range. */
      mean_gap_fraction_of_hv_range: number;
      /** Mean |f(x) − f(x0)| over the rows, HV (the size of what is being attributed). */
      mean_abs_delta_f: number;
    };
    /** Every feature, by |mean| (largest first). */
    features: IgFeature[];
    by_cluster: { cluster: number; n: number; top: IgFeature[] }[];
  };
  permutation: {
    set: 'test';
    repeats: number;
    clusters: {
      cluster: number;
      n: number;
      base_mae: number;
      top: FeatureImportance[];
      constant_features: number;
    }[];
    note: string;
  };
}

/**
 * What `explainModel` reports while it runs (the workflow maps it to its hooks). A callback may
 * throw to stop the run (cancellation); the networks are released either way.
 */
export interface ExplainProgress {
  /** A stage starts: 'latent clusters', 'attention', 'integrated gradients', 'permutation importance'. */
  onStage?(stage: string): void;
  /** Work done within a stage: IG rows, permutation features (over all clusters). */
  onProgress?(stage: string, done: number, total: number): void;
}

/** Per-row IG (for the CSV). */
export interface IgRows {
  rowIds: number[];
  features: string[];
  attributions: Float64Array;
  fx: Float64Array;
  gap: Float64Array;
  cluster: number[];
}

function setRows(split: Split, set: ReferenceSet): number[] {
  if (set === 'all') return [...split.trainFit, ...split.calibration, ...split.test];
  if (set === 'test') return [...split.test];
  if (set === 'calibration') return [...split.calibration];
  if (set === 'train_fit') return [...split.trainFit];
  throw new InputError(`explain: unknown reference set '${String(set)}'`);
}

function igSummary(
  attr: Float64Array,
  F: number,
  rows: readonly number[],
  x: (i: number, j: number) => number,
  names: readonly string[],
): IgFeature[] {
  return names
    .map((feature, j) => {
      let s = 0;
      let a = 0;
      let sp = 0;
      let np = 0;
      for (const i of rows) {
        const v = attr[i * F + j];
        s += v;
        a += Math.abs(v);
        if (feature === 'load' || x(i, j) > 0) {
          sp += v;
          np++;
        }
      }
      return {
        feature,
        mean: s / rows.length,
        mean_abs: a / rows.length,
        mean_present: np > 0 ? sp / np : null,
        n_present: np,
      };
    })
    .sort((p, q) => Math.abs(q.mean) - Math.abs(p.mean));
}

export async function explainModel(
  model: HardnessModel,
  ds: Dataset,
  split: Split,
  rng: Rng,
  options: Partial<ExplainOptions> = {},
  progress: ExplainProgress = {},
): Promise<{ result: ExplainResult; ig: IgRows }> {
  const o = { ...DEFAULT_EXPLAIN, ...options };
  const onStage = (s: string) => progress.onStage?.(s);
  const E = ds.elements.length;
  if (model.elements.join(',') !== ds.elements.join(','))
    throw new InputError(
      `explain: the dataset's element basis differs from the model's (${ds.elements.length} vs ${model.elements.length} elements)`,
    );
  let hvMin = Number.POSITIVE_INFINITY;
  let hvMax = Number.NEGATIVE_INFINITY;
  for (const v of ds.hv) {
    hvMin = Math.min(hvMin, v);
    hvMax = Math.max(hvMax, v);
  }
  const hvRange = hvMax - hvMin;

  // latent clusters of every row of the split (the same as `vibann latent` for the same seed)
  onStage('latent clusters');
  const rows = latentRowsOf(ds, split);
  const lm = memberLatentModel(model);
  let labels: number[];
  try {
    labels = latentClusters(lm, rows, rng, o).labels;
  } finally {
    lm.dispose();
  }
  const n = rows.hv.length;
  const clusterOf = new Map<number, number>();
  rows.rowIds!.forEach((r, i) => {
    clusterOf.set(r, labels[i]);
  });
  const cs = summariseClusters({
    labels,
    k: o.k,
    hv: rows.hv,
    predicted: rows.hv,
    x: { data: Float64Array.from(rows.x), n, d: E },
    elements: ds.elements,
    sets: rows.sets,
  });
  const hardest = cs.reduce((a, b) => (b.hv.median > a.hv.median ? b : a)).cluster;

  const ens = ensembleFunction(model);
  try {
    const stdLoads = Float64Array.from(rows.load, (L) => ens.standardLoad(L));

    // attention
    onStage('attention');
    const att = ens.attention(rows.x, stdLoads);
    let attention: ExplainResult['attention'] = null;
    if (att) {
      const byCluster: ClusterAttention[] = [];
      for (let c = 0; c < o.k; c++) {
        const idx = labels.map((l, i) => (l === c ? i : -1)).filter((i) => i >= 0);
        if (idx.length === 0) continue;
        byCluster.push({
          cluster: c,
          n: idx.length,
          top: attentionByElement(att, rows.x, ds.elements, idx)
            .filter((e) => e.n_present >= o.minPresent)
            .slice(0, o.top),
        });
      }
      attention = {
        note: ATTENTION_NOTE,
        uniform_weight: 1 / E,
        elements: attentionByElement(att, rows.x, ds.elements),
        by_cluster: byCluster,
      };
    }

    // integrated gradients
    onStage('integrated gradients');
    const igIds = setRows(split, o.igSet);
    if (igIds.length === 0) throw new InputError(`explain: the '${o.igSet}' set has no rows`);
    const F = E + 1;
    const x0 = new Float64Array(F);
    let meanLoad = 0;
    for (const r of split.trainFit) {
      for (let j = 0; j < E; j++) x0[j] += ds.x[r * E + j];
      meanLoad += ds.load[r];
    }
    for (let j = 0; j < E; j++) x0[j] /= split.trainFit.length;
    meanLoad /= split.trainFit.length;
    x0[E] = ens.standardLoad(meanLoad);
    const xin = new Float64Array(igIds.length * F);
    igIds.forEach((r, i) => {
      xin.set(ds.x.subarray(r * E, (r + 1) * E), i * F);
      xin[i * F + E] = ens.standardLoad(ds.load[r]);
    });
    const ig = integratedGradients(
      (pts, m) => {
        const xs = new Float64Array(m * E);
        const ls = new Float64Array(m);
        for (let i = 0; i < m; i++) {
          xs.set(pts.subarray(i * F, i * F + E), i * E);
          ls[i] = pts[i * F + E];
        }
        const g = ens.valueAndGrad(xs, ls);
        const grad = new Float64Array(m * F);
        for (let i = 0; i < m; i++) {
          grad.set(g.gx.subarray(i * E, (i + 1) * E), i * F);
          grad[i * F + E] = g.gl[i];
        }
        return { f: g.f, grad };
      },
      xin,
      x0,
      {
        steps: o.igSteps,
        onBatch: (done, total) => progress.onProgress?.('integrated gradients', done, total),
      },
    );
    const names = [...ds.elements, 'load'];
    const xAt = (i: number, j: number) => xin[i * F + j];
    const all = Array.from({ length: igIds.length }, (_, i) => i);
    const igCluster = igIds.map((r) => clusterOf.get(r) ?? -1);
    let gapSum = 0;
    let gapMax = 0;
    let dfSum = 0;
    for (let i = 0; i < ig.n; i++) {
      gapSum += ig.gap[i];
      gapMax = Math.max(gapMax, ig.gap[i]);
      dfSum += Math.abs(ig.fx[i] - ig.fBaseline);
    }
    const baselineComp: Record<string, number> = {};
    ds.elements.forEach((el, j) => {
      if (x0[j] > 0) baselineComp[el] = Number(x0[j].toPrecision(4));
    });
    const igByCluster: ExplainResult['integrated_gradients']['by_cluster'] = [];
    for (let c = 0; c < o.k; c++) {
      const idx = all.filter((i) => igCluster[i] === c);
      if (idx.length === 0) continue;
      igByCluster.push({
        cluster: c,
        n: idx.length,
        top: igSummary(ig.attributions, F, idx, xAt, names).slice(0, o.top),
      });
    }

    // permutation importance per cluster (test rows)
    onStage('permutation importance');
    const permClusters: ExplainResult['permutation']['clusters'] = [];
    const permIds = Array.from({ length: o.k }, (_, c) =>
      split.test.filter((r) => clusterOf.get(r) === c),
    );
    const permTotal = permIds.filter((ids) => ids.length >= 2).length * (E + 1);
    let permDone = 0;
    for (let c = 0; c < o.k; c++) {
      const ids = permIds[c];
      if (ids.length < 2) continue;
      const px = new Float64Array(ids.length * E);
      ids.forEach((r, i) => {
        px.set(ds.x.subarray(r * E, (r + 1) * E), i * E);
      });
      const res = permutationImportance(
        (X, L) =>
          ens.value(
            X,
            Float64Array.from(L, (v) => ens.standardLoad(v)),
          ),
        px,
        Float64Array.from(ids, (r) => ds.load[r]),
        Float64Array.from(ids, (r) => ds.hv[r]),
        ds.elements,
        {
          repeats: o.repeats,
          rng: rng.fork(`permutation-${c}`),
          onFeature: () => progress.onProgress?.('permutation importance', ++permDone, permTotal),
        },
      );
      permClusters.push({
        cluster: c,
        n: ids.length,
        base_mae: res.base_mae,
        top: res.features.filter((f) => !f.constant).slice(0, o.top),
        constant_features: res.features.filter((f) => f.constant).length,
      });
    }

    const result: ExplainResult = {
      model: {
        members: ens.members,
        design_member: model.meta.design_member,
        latent_dim: model.latentDim,
      },
      reference: { rows: n, hv_range: hvRange },
      clusters: {
        k: o.k,
        hardest,
        summary: cs.map((c) => ({
          cluster: c.cluster,
          n: c.n,
          median_hv: c.hv.median,
          main_elements: c.main_elements,
        })),
      },
      attention,
      integrated_gradients: {
        set: o.igSet,
        n: ig.n,
        steps: ig.steps,
        baseline: { composition: baselineComp, load_N: meanLoad, predicted_hv: ig.fBaseline },
        completeness: {
          mean_gap: gapSum / ig.n,
          max_gap: gapMax,
          mean_gap_fraction_of_hv_range: gapSum / ig.n / hvRange,
          mean_abs_delta_f: dfSum / ig.n,
        },
        features: igSummary(ig.attributions, F, all, xAt, names),
        by_cluster: igByCluster,
      },
      permutation: {
        set: 'test',
        repeats: o.repeats,
        clusters: permClusters,
        note: 'Increase in MAE (HV) of the ensemble prediction (inference mode, no dropout) when one feature is shuffled among the cluster’s test rows (compositions renormalised); features constant within the cluster are left out (importance 0).',
      },
    };
    return {
      result,
      ig: {
        rowIds: igIds,
        features: names,
        attributions: ig.attributions,
        fx: ig.fx,
        gap: ig.gap,
        cluster: igCluster,
      },
    };
  } finally {
    ens.dispose();
  }
}

/**
 * The result as written to explain.json: the per-cluster lists keyed by cluster ('cluster_2'), so
 * the HTML report shows each as its own table.
 */
export function explainJson(r: ExplainResult) {
  const keyed = <T extends { cluster: number }>(list: readonly T[]) =>
    Object.fromEntries(list.map(({ cluster, ...rest }) => [`cluster_${cluster}`, rest]));
  return {
    ...r,
    attention: r.attention ? { ...r.attention, by_cluster: keyed(r.attention.by_cluster) } : null,
    integrated_gradients: {
      ...r.integrated_gradients,
      by_cluster: keyed(r.integrated_gradients.by_cluster),
    },
    permutation: { ...r.permutation, clusters: keyed(r.permutation.clusters) },
  };
}
