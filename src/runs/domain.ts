/**
 * The domain file: `domain.json` in a model directory (docs/uncertainty.md) — the domain of
 * applicability (train_fit rows, thresholds), the latent density, the uncertainty model, the
 * grouped-CV comparison the method was chosen by and the grouped-CV rows it was fitted on. Written
 * by `vibann train` (and `lofo`, `shift` for their models); read back by `readDomainFile`.
 */
import { z } from 'zod';
import type { LatentFrameJSON } from '../latent/frame.ts';
import type { GaussianMixtureJSON } from '../latent/gmm.ts';
import type { DomainModelJSON } from '../uq/domain.ts';
import {
  type MethodComparison,
  type UncertaintyModelJSON,
  UQ_METHODS,
  type UqMethod,
} from '../uq/shift.ts';
import { readDocument } from './index.ts';

export const DOMAIN_FILE = 'domain.json';
export const DOMAIN_SCHEMA = 'vibann-domain/1';

/** One grouped-CV out-of-fold row (or calibration row, without `fold`). */
export interface GroupedCvRow {
  /** Dataset row. */
  row: number;
  fold?: number;
  y: number;
  mu: number;
  sigma_mc: number;
  knn: number;
  gap: number;
  /** Difficulty feature x (uq/shift.ts `Difficulty`; absent in older files: 0). */
  ext?: number;
}

export interface DomainFileJSON {
  schema: typeof DOMAIN_SCHEMA;
  /** `created` of the model it belongs to (a re-trained directory invalidates it). */
  model_created: string;
  domain: DomainModelJSON;
  latent: { member: number; frame: LatentFrameJSON; gmm: GaussianMixtureJSON } | null;
  uncertainty: UncertaintyModelJSON;
  /** The grouped-CV comparison the method was chosen by. */
  comparison: { chosen: UqMethod; table: MethodComparison[]; folds: number; rows: number };
  grouped_cv: {
    wall_s: number;
    networks: number;
    /** Rows each fold's network was trained without (absent in older files). */
    held_out?: number[];
    /** What each fold held out: 'family' or a regime (absent in older files: all 'family'). */
    fold_kinds?: string[];
    /** The out-of-fold rows and the calibration rows the methods were fitted on (absent in older files). */
    oof?: GroupedCvRow[];
    calibration?: GroupedCvRow[];
  };
}

const finite = z.number().refine(Number.isFinite, 'expected a finite number');
const nums = z.array(finite);
const method = z.enum(UQ_METHODS as [UqMethod, ...UqMethod[]]);
const cvRow = z.looseObject({
  row: z.number().int().nonnegative(),
  fold: z.number().int().nonnegative().optional(),
  y: finite,
  mu: finite,
  sigma_mc: finite,
  knn: finite,
  gap: finite,
  ext: finite.optional(),
});

export const DomainFileSchema = z
  .looseObject({
    schema: z.literal(DOMAIN_SCHEMA),
    model_created: z.string(),
    domain: z.looseObject({
      kind: z.literal('DomainModel'),
      version: z.literal(1),
      elements: z.array(z.string()).min(1),
      x: nums,
      loads: z.array(finite.refine((v) => v > 0, 'expected a load > 0')).min(1),
      hv: nums,
      formulas: z.array(z.string()),
      train_log_density: nums,
      thresholds: z.looseObject({
        max_distance: finite,
        max_load_gap: finite,
        min_support: finite,
        min_density_percentile: finite,
        load_min: finite,
        load_max: finite,
      }),
      n_calibration: z.number().int().nonnegative(),
    }),
    latent: z
      .looseObject({
        member: z.number().int().nonnegative(),
        frame: z.looseObject({ kind: z.literal('latent-frame'), mean: nums }),
        gmm: z.looseObject({ kind: z.literal('GaussianMixture'), weights: nums }),
      })
      .nullable(),
    uncertainty: z.looseObject({
      kind: z.literal('UncertaintyModel'),
      version: z.literal(1),
      method,
      scale: finite,
      distance: z.looseObject({
        a: finite,
        b: finite,
        c: finite,
        d: finite.optional(),
      }),
      conformal: z.looseObject({ levels: nums, q: nums, n: z.number().int().nonnegative() }),
    }),
    comparison: z.looseObject({
      chosen: method,
      table: z.array(z.looseObject({ method, metrics: z.looseObject({}) })),
      folds: z.number().int(),
      rows: z.number().int(),
    }),
    grouped_cv: z.looseObject({
      wall_s: z.number(),
      networks: z.number().int(),
      held_out: z.array(z.number().int()).optional(),
      fold_kinds: z.array(z.string()).optional(),
      oof: z.array(cvRow).optional(),
      calibration: z.array(cvRow).optional(),
    }),
  })
  .superRefine((d, ctx) => {
    const m = d.domain;
    const n = m.loads.length;
    if (m.x.length !== n * m.elements.length || m.hv.length !== n || m.formulas.length !== n)
      ctx.addIssue({
        code: 'custom',
        path: ['domain', 'x'],
        message: `x, loads, hv and formulas disagree in length (${n} loads, ${m.elements.length} elements)`,
      });
    const c = d.uncertainty.conformal;
    if (c.levels.length !== c.q.length)
      ctx.addIssue({
        code: 'custom',
        path: ['uncertainty', 'conformal', 'q'],
        message: `${c.q.length} quantiles for ${c.levels.length} levels`,
      });
  }) as unknown as z.ZodType<DomainFileJSON>;

/** Read and validate a domain.json (InputError naming the file and the first offending field). */
export function readDomainFile(file: string): DomainFileJSON {
  return readDocument(
    file,
    DomainFileSchema,
    "the domain and uncertainty model written by 'vibann train' (domain.json)",
  );
}
