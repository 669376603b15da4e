/**
 * The run document of `vibann latent` (`runLatent`, workflows/latent.ts): `latent.json` in the
 * run directory, the same document `--json` prints. Its type, its schema and its one reader.
 *
 * Layout (latent/analysis/analyze.ts `latentJson`): the reference rows, the k-means clusters with
 * the elbow curve, PCA, t-SNE (absent with perplexity 0), the traversals keyed by anchor ('centre',
 * 'high'; the full sweeps are in traversal.csv), the most sensitive latent coordinates (all of
 * them in sensitivity.csv), navigability per model, what the comparison model was, the files
 * written beside it and the completed run manifest. Numbers that were NaN or ±Infinity (e.g. an
 * R² over fewer than 3 test rows, a correlation of a constant coordinate) are null in JSON.
 */
import { z } from 'zod';
import type { RunManifest } from '../util/manifest.ts';
import { num, RunManifestSchema, readJsonFile, runFile, validateDocument } from './index.ts';

/** The manifest as embedded (checked by the shared schema, typed as util/manifest.ts writes it). */
const Manifest = RunManifestSchema as unknown as z.ZodType<RunManifest>;

const count = z.number().int().nonnegative();

const Traversal = z.object({
  /** 'high' anchor only: its 0-based data row, formula, measured HV, load (N), pool threshold. */
  row: count.optional(),
  formula: z.string().optional(),
  measured_hv: z.number().optional(),
  load_N: z.number().optional(),
  hv_threshold: z.number().optional(),
  /** Predicted HV at the anchor. */
  predicted_hv: z.number(),
  /** Peak-to-peak amplitude per latent coordinate, HV. */
  amplitude: z.array(num),
  top: z.array(z.object({ coordinate: count, amplitude: num, low: num, high: num })),
  total_amplitude: num,
  top5_share: num,
});

const Navigability = z.object({
  /** 'this model' or 'comparison'. */
  model: z.string(),
  bottleneck: z.string(),
  latent_dim: count,
  k: count,
  n: count,
  edges: count,
  components: count,
  largest_component_fraction: z.number(),
  rms_radius: num,
  ratio_scaled_q10: num,
  ratio_scaled_q25: num,
  ratio_scaled_median: num,
  ratio_scaled_q75: num,
  ratio_scaled_q90: num,
  ratio_scaled_mean: num,
  ratio_median: num,
  abs_dhv_median: num,
  abs_dhv_mean: num,
  zero_length_edges: count,
});

export const LatentRunSchema = z.object({
  reference: z.object({
    rows: count,
    by_set: z.record(z.string(), count),
    /** 'each row at its own load' or the fixed load ('1 N'). */
    load: z.string(),
    latent_dim: count,
    bottleneck: z.string(),
  }),
  clusters: z.object({
    k: z.number().int().positive(),
    /** The cluster with the highest median measured HV (clusters ascend by it). */
    hardest: count,
    summary: z.array(
      z.object({
        cluster: count,
        n: count,
        n_train_fit: count,
        n_calibration: count,
        n_test: count,
        hv_min: num,
        hv_q1: num,
        hv_median: num,
        hv_q3: num,
        hv_max: num,
        predicted_hv_median: num,
        main_elements: z.string(),
        mean_composition: z.record(z.string(), z.number()),
      }),
    ),
    /** Within-cluster sum of squares (standardised latent units²) for k = 1…elbowMax. */
    elbow: z.array(z.object({ k: z.number().int().positive(), inertia: z.number() })),
  }),
  pca: z.object({
    explained_variance_ratio: z.array(num),
    components_for_90pct: count,
    r2_predicted_hv_pc1: num,
    r2_predicted_hv_pc2: num,
    test: z.object({ n: count, r2_predicted_hv_pc1: num, r2_predicted_hv_pc2: num }),
    r2_measured_hv_pc1: num,
  }),
  tsne: z
    .object({
      perplexity: z.number(),
      iterations: count,
      kl_divergence: num,
      init: z.string(),
    })
    .optional(),
  traversal: z.record(z.string(), Traversal),
  sensitivity: z.object({
    samples: z.object({
      train_fit: count,
      gmm_draws: count,
      gmm_components: count,
      frame_dim: count,
    }),
    top: z.array(
      z.object({
        coordinate: count,
        /** Mean |∂HV/∂z_j|, HV per latent unit. */
        mean_abs_gradient: num,
        mean_abs_gradient_per_sd: num,
        sd: num,
        pearson: num,
        spearman: num,
      }),
    ),
  }),
  navigability: z.array(Navigability),
  navigability_comparison: z.union([
    z.object({ model: z.string(), comparable: z.boolean(), caveats: z.array(z.string()) }),
    z.object({ model: z.null(), note: z.string() }),
  ]),
  files: z.object({
    /** Per-row CSV files, relative to the run directory. */
    points: z.string(),
    traversal: z.string(),
    sensitivity: z.string(),
  }),
  manifest: Manifest,
});

/** latent.json (see the file header). */
export type LatentRunDocument = z.output<typeof LatentRunSchema>;

/** The results file of a latent run directory. */
export const LATENT_FILE = 'latent.json';

const WHAT = "a latent.json written by 'vibann latent'";

/**
 * Validate a parsed latent.json (`file` names it in errors): an `InputError` naming the file and
 * the first offending field. Fields the schema does not name pass through unchanged.
 */
export function parseLatentRun(value: unknown, file = LATENT_FILE): LatentRunDocument {
  validateDocument(value, LatentRunSchema, file, WHAT);
  return value as LatentRunDocument;
}

/** Read and validate `dir/latent.json`. */
export function readLatentRun(dir: string): LatentRunDocument {
  const file = runFile(dir, LATENT_FILE);
  return parseLatentRun(readJsonFile(file, WHAT), file);
}
