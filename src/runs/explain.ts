/**
 * The run document of `vibann explain` (`runExplain`, workflows/explain.ts): `explain.json` in the
 * run directory, the same document `--json` prints. Its type, its schema and its one reader.
 *
 * Layout (explain/explain.ts `explainJson`): the model and the reference rows, the latent clusters
 * (numbered by ascending median measured HV; `hardest` is the last), attention per element (null
 * for a model without attention) overall and per cluster, integrated gradients (baseline,
 * completeness gap, mean attribution per feature, per cluster), permutation importance per
 * cluster, the files written beside it and the completed run manifest. Per-cluster entries are
 * keyed `cluster_<n>`.
 */
import { z } from 'zod';
import type { RunManifest } from '../util/manifest.ts';
import { RunManifestSchema, readJsonFile, runFile, validateDocument } from './index.ts';

/** The manifest as embedded (checked by the shared schema, typed as util/manifest.ts writes it). */
const Manifest = RunManifestSchema as unknown as z.ZodType<RunManifest>;

const ElementAttention = z.object({
  element: z.string(),
  /** Mean attention weight over all rows. */
  all: z.number(),
  /** Mean over the rows containing the element (null when none does). */
  present: z.number().nullable(),
  n_present: z.number().int(),
});

const IgFeature = z.object({
  /** Element symbol or 'load'. */
  feature: z.string(),
  /** Mean signed attribution, HV. */
  mean: z.number(),
  mean_abs: z.number(),
  mean_present: z.number().nullable(),
  n_present: z.number().int(),
});

const FeatureImportance = z.object({
  feature: z.string(),
  /** Mean increase in MAE over the shuffles, HV. */
  mae_increase: z.number(),
  sd: z.number(),
  constant: z.boolean(),
});

/** `cluster_<n>` → entry. */
const byCluster = <T extends z.ZodType>(entry: T) =>
  z.record(z.string().regex(/^cluster_\d+$/, "a key 'cluster_<n>'"), entry);

export const ExplainRunSchema = z.object({
  model: z.object({
    members: z.number().int().positive(),
    design_member: z.number().int().nonnegative(),
    latent_dim: z.number().int().positive(),
  }),
  reference: z.object({
    /** Rows of the split the attention and the clusters are computed on. */
    rows: z.number().int().nonnegative(),
    /** max − min of the measured HV over the dataset, HV. */
    hv_range: z.number(),
  }),
  clusters: z.object({
    k: z.number().int().positive(),
    hardest: z.number().int().nonnegative(),
    summary: z.array(
      z.object({
        cluster: z.number().int().nonnegative(),
        n: z.number().int().nonnegative(),
        median_hv: z.number(),
        main_elements: z.string(),
      }),
    ),
  }),
  attention: z
    .object({
      note: z.string(),
      /** 1/E. */
      uniform_weight: z.number(),
      elements: z.array(ElementAttention),
      by_cluster: byCluster(
        z.object({ n: z.number().int().nonnegative(), top: z.array(ElementAttention) }),
      ),
    })
    .nullable(),
  integrated_gradients: z.object({
    set: z.enum(['test', 'train_fit', 'calibration', 'all']),
    n: z.number().int().positive(),
    steps: z.number().int().positive(),
    baseline: z.object({
      composition: z.record(z.string(), z.number()),
      load_N: z.number(),
      predicted_hv: z.number(),
    }),
    completeness: z.object({
      mean_gap: z.number(),
      max_gap: z.number(),
      mean_gap_fraction_of_hv_range: z.number(),
      mean_abs_delta_f: z.number(),
    }),
    features: z.array(IgFeature),
    by_cluster: byCluster(z.object({ n: z.number().int().nonnegative(), top: z.array(IgFeature) })),
  }),
  permutation: z.object({
    set: z.literal('test'),
    repeats: z.number().int().positive(),
    clusters: byCluster(
      z.object({
        n: z.number().int().nonnegative(),
        base_mae: z.number(),
        top: z.array(FeatureImportance),
        constant_features: z.number().int().nonnegative(),
      }),
    ),
    note: z.string(),
  }),
  files: z.object({
    /** Per-row attributions (CSV), relative to the run directory. */
    ig_rows: z.string(),
  }),
  manifest: Manifest,
});

/** explain.json (see the file header). */
export type ExplainRunDocument = z.output<typeof ExplainRunSchema>;

/** The results file of an explain run directory. */
export const EXPLAIN_FILE = 'explain.json';

const WHAT = "an explain.json written by 'vibann explain'";

/**
 * Validate a parsed explain.json (`file` names it in errors): an `InputError` naming the file and
 * the first offending field. Fields the schema does not name pass through unchanged.
 */
export function parseExplainRun(value: unknown, file = EXPLAIN_FILE): ExplainRunDocument {
  validateDocument(value, ExplainRunSchema, file, WHAT);
  return value as ExplainRunDocument;
}

/** Read and validate `dir/explain.json`. */
export function readExplainRun(dir: string): ExplainRunDocument {
  const file = runFile(dir, EXPLAIN_FILE);
  return parseExplainRun(readJsonFile(file, WHAT), file);
}
