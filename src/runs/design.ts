/**
 * The design run documents (`vibann design`, the web page's design):
 * - `design.json`: what `vibann design --json` prints (docs/architecture.md, `design --json`):
 *   thresholds, candidates with their gate audit records, rejection counts, a summary of the run
 *   (screened, accepted, GMM, latent frame, MCMC, refinement) and the completed manifest;
 * - `gates.json`: the design's gate state (design/screen.ts `GateStateJSON`): the load, the
 *   thresholds and target window, the latent frame and the latent GMM, so that `vibann bo
 *   --design-run` judges its candidates by exactly this run's gates.
 * `readDesignRun(dir)` reads and validates both.
 */
import { existsSync } from 'node:fs';
import { z } from 'zod';
import type { CandidateReport, DesignResult } from '../design/pipeline.ts';
import { type GateState, type GateStateJSON, gateStateFromJSON } from '../design/screen.ts';
import type { DomainVerdict } from '../uq/domain.ts';
import { InputError } from '../util/errors.ts';
import type { RunManifest } from '../util/manifest.ts';
import { num, RunManifestSchema, readDocument, runFile } from './index.ts';

/** File names in a design run directory. */
export const DESIGN_FILE = 'design.json';
export const GATES_FILE = 'gates.json';

/**
 * A design candidate as `vibann predict` sees it at L*: the model's default predictive
 * distribution (μ, σ, LCB, central 90 % interval; docs/uncertainty.md) under the model's MC
 * defaults and `predict`'s default seed, so `vibann predict --composition FORMULA --load L*`
 * prints the same numbers; `sigma_mc` is the MC-dropout + ensemble σ that the design's gates and
 * `predictions` use.
 */
export interface CandidatePredictive {
  /** Load, N. */
  load: number;
  /** The uncertainty method of σ ('mc' when the model has no domain.json). */
  method: string;
  mean: number;
  sigma: number;
  lcb: number;
  lo90: number;
  hi90: number;
  sigma_mc: number;
}

/** `design.json`: everything `vibann design --json` prints. */
export interface DesignRunDocument {
  thresholds: DesignResult['thresholds'];
  /** Accepted alloys on the Pareto front over (LCB at L*, cost, novelty) (issue 13). */
  pareto?: DesignResult['pareto'];
  /**
   * The reported candidates, each with its domain-of-applicability verdict at L* (null when the
   * model has no domain.json; absent in runs written before issue 12).
   */
  candidates: (CandidateReport & {
    domain?: DomainVerdict | null;
    /** At L*, as `vibann predict` prints it (absent in runs written before it existed). */
    predictive?: CandidatePredictive;
  })[];
  /** Pool candidates not accepted, counted by reason. */
  rejected: Record<string, number>;
  summary: {
    /** Distinct alloys screened through the gates. */
    screened: number;
    accepted: number;
    /** Accepted alloys per family (elements ≥ 10 at.%, joined by '-'), most first. */
    accepted_families?: Record<string, number>;
    gmm: DesignResult['gmm'];
    frame: DesignResult['frame'];
    mcmc: DesignResult['mcmc'];
    refinement?: DesignResult['refinement'];
  };
  manifest: RunManifest;
}

/** A design run directory as the reader returns it (and as the design workflow returns it). */
export interface DesignRun {
  /** The run directory. */
  dir: string;
  document: DesignRunDocument;
  /** The gate state (absent in run directories written before gates.json existed). */
  gates?: GateState;
}

const finite = z.number().refine(Number.isFinite, 'expected a finite number');
const gate = z.looseObject({ value: num, threshold: num, pass: z.boolean() });
const thresholds = z.looseObject({
  logpThreshold: finite,
  novelty: finite,
  sigmaRef: finite,
  sigmaCapFactor: finite,
  lcbTarget: finite,
});
const fractions = z.record(z.string(), z.number());

const CandidateSchema = z.looseObject({
  formula: z.string(),
  fractions,
  unrounded: fractions,
  predictions: z.array(
    z.looseObject({ load: z.number(), mean: z.number(), std: z.number(), lcb: z.number() }),
  ),
  gates: z.looseObject({ support: gate, novelty: gate, uncertainty: gate, performance: gate }),
  accepted: z.boolean(),
  predictive: z
    .looseObject({
      load: finite,
      method: z.string(),
      mean: finite,
      sigma: finite,
      lcb: finite,
      lo90: finite,
      hi90: finite,
      sigma_mc: finite,
    })
    .optional(),
  nearest: z.looseObject({
    formula: z.string(),
    distance: z.number(),
    hv: z.number(),
    load: z.number(),
  }),
  logp: num,
  provenance: z.looseObject({ source: z.enum(['refined', 'mcmc']) }),
});

export const DesignRunSchema = z.looseObject({
  thresholds: thresholds.extend({
    window: z.tuple([z.number(), z.number()]),
    nearPeakRows: z.number(),
  }),
  candidates: z.array(CandidateSchema),
  rejected: z.record(z.string(), z.number()),
  summary: z.looseObject({
    screened: z.number(),
    accepted: z.number(),
    gmm: z.looseObject({ k: z.number(), bic: z.array(z.looseObject({ k: z.number() })) }),
    frame: z.looseObject({
      dim: z.number(),
      latent_dim: z.number(),
      explained: z.array(z.number()),
    }),
    mcmc: z.looseObject({ samples: z.number() }),
    refinement: z.looseObject({ steps: z.number() }).optional(),
  }),
  manifest: RunManifestSchema,
}) as unknown as z.ZodType<DesignRunDocument>;

const vector = z.array(finite);
export const GateStateSchema = z
  .looseObject({
    kind: z.literal('vibann-design-gates'),
    version: z.literal(1),
    load: finite.refine((v) => v > 0, 'expected a positive load in N'),
    thresholds,
    window: z.tuple([finite, finite]),
    nearPeakRows: z.number().int(),
    bic: z.array(
      z.looseObject({ k: z.number().int(), bic: num, logLikelihood: num, nParameters: z.number() }),
    ),
    frame: z.looseObject({
      kind: z.literal('latent-frame'),
      mean: vector,
      basis: z.array(vector).min(1),
      explained: vector,
    }),
    gmm: z.looseObject({
      kind: z.literal('GaussianMixture'),
      version: z.literal(1),
      dim: z.number().int().positive(),
      weights: vector.min(1),
      means: z.array(vector),
      covariances: z.array(z.array(vector)),
      options: z.looseObject({}).nullable(),
      fit: z.looseObject({}).nullable(),
    }),
  })
  .superRefine((g, ctx) => {
    const d = g.frame.mean.length;
    g.frame.basis.forEach((b, i) => {
      if (b.length !== d)
        ctx.addIssue({
          code: 'custom',
          path: ['frame', 'basis', i],
          message: `expected ${d} numbers (the latent dimension), got ${b.length}`,
        });
    });
    const k = g.frame.basis.length;
    if (g.gmm.dim !== k)
      ctx.addIssue({
        code: 'custom',
        path: ['gmm', 'dim'],
        message: `expected the frame dimension ${k}, got ${g.gmm.dim}`,
      });
    const K = g.gmm.weights.length;
    if (g.gmm.means.length !== K || g.gmm.means.some((m) => m.length !== g.gmm.dim))
      ctx.addIssue({
        code: 'custom',
        path: ['gmm', 'means'],
        message: `expected ${K} × ${g.gmm.dim} numbers`,
      });
    if (
      g.gmm.covariances.length !== K ||
      g.gmm.covariances.some((c) => c.length !== g.gmm.dim || c.some((r) => r.length !== g.gmm.dim))
    )
      ctx.addIssue({
        code: 'custom',
        path: ['gmm', 'covariances'],
        message: `expected ${K} × ${g.gmm.dim} × ${g.gmm.dim} numbers`,
      });
  }) as unknown as z.ZodType<GateStateJSON>;

const WHAT = "a design result written by 'vibann design' (design.json)";
const WHAT_GATES = "a design's gate state written by 'vibann design' (gates.json)";

/**
 * Read a design run directory: `design.json` and, when present, `gates.json`. An `InputError`
 * (exit 2) names the file and the first offending field of a malformed document.
 */
export function readDesignRun(dir: string): DesignRun {
  const file = runFile(dir, DESIGN_FILE);
  if (!existsSync(file))
    throw new InputError(
      `${file}: no such file; expected a design run directory (run 'vibann design --out ${dir}' first)`,
    );
  const document = readDocument(file, DesignRunSchema, WHAT);
  const gfile = runFile(dir, GATES_FILE);
  if (!existsSync(gfile)) return { dir, document };
  const json = readDocument(gfile, GateStateSchema, WHAT_GATES);
  let gates: GateState;
  try {
    gates = gateStateFromJSON(json);
  } catch (e) {
    throw new InputError(`${gfile}: expected ${WHAT_GATES}; ${(e as Error).message}`);
  }
  return { dir, document, gates };
}
