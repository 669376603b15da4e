/**
 * Zod schemas of the design and predict options as the web API (and anything else that receives
 * them as JSON) accepts them. One place: the design request is derived from the design workflow's
 * options (`DesignWorkflowOptions` / `DESIGN_DEFAULTS`, workflows/design.ts):
 *
 * - every option with a default in `DESIGN_DEFAULTS` becomes a field automatically, typed from its
 *   default value (number, boolean, list of strings), unless `DESIGN_FIELDS` refines it;
 * - every optional option without a default (`target`, `allow`, …) must have an entry in
 *   `DESIGN_FIELDS` — the compiler refuses this file otherwise (see `OptionalKey`);
 * - run-management options (model, data, out, force, argv, trainIfMissing) are the server's, not
 *   the request's.
 *
 * The web page builds its design form from `designRequestJsonSchema()` (titles = CLI flags,
 * defaults = `DESIGN_DEFAULTS`), so a new option appears on the page and in the API with no other
 * change. Errors name the field (`'ban': expected an array …`) and become HTTP 400 / exit 2.
 */
import { z } from 'zod';
import { InputError } from '../util/errors.ts';
import { SEED_MAX } from '../util/rng.ts';
import { DESIGN_DEFAULTS, type DesignWorkflowOptions, parseTargetWindow } from './design.ts';

/** Options of a design that a request may not set (the server decides them). */
const SERVER_KEYS = ['model', 'data', 'out', 'force', 'argv', 'trainIfMissing'] as const;
type ServerKey = (typeof SERVER_KEYS)[number];
/** The options a design request may set. */
export type DesignRequestKey = Exclude<keyof DesignWorkflowOptions, ServerKey>;
/** Options without a default: they need an explicit field below. */
type OptionalKey = {
  [K in DesignRequestKey]-?: undefined extends DesignWorkflowOptions[K] ? K : never;
}[DesignRequestKey];

/** CLI flag of an option: maxElements → --max-elements. */
export function cliFlag(key: string): string {
  return `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

const element = z.string().regex(/^[A-Z][a-z]?$/, 'an element symbol such as "Nb"');
const finite = z.number().refine(Number.isFinite, 'a finite number');
const seed = z.number().int().min(0).max(SEED_MAX);
const percent = z.number().min(0).max(100);

/** Fields with their own type (others are derived from their default value). */
const DESIGN_FIELDS: { [K in OptionalKey]-?: z.ZodType } & {
  [K in Exclude<DesignRequestKey, OptionalKey>]?: z.ZodType;
} = {
  load: finite.positive().meta({ description: 'design load L*, N' }),
  target: z
    .union([z.tuple([finite, finite]), z.string()])
    .transform((t, ctx): [number, number] => {
      if (typeof t !== 'string') {
        if (!(t[0] < t[1]))
          ctx.addIssue({ code: 'custom', message: 'expects [LO, HI] with LO < HI' });
        return t;
      }
      try {
        return parseTargetWindow(t);
      } catch (e) {
        ctx.addIssue({ code: 'custom', message: (e as Error).message });
        return z.NEVER;
      }
    })
    .meta({ description: 'target window on the LCB at L*, HV: [LO, HI] or "LO:HI"' }),
  ban: z.array(element).max(120).meta({ description: 'banned elements', widget: 'elements' }),
  allow: z
    .array(element)
    .max(120)
    .meta({ description: 'only these elements may appear', widget: 'elements' }),
  bounds: z
    .union([
      z.string().max(10_000),
      z.record(element, z.strictObject({ min: percent.optional(), max: percent.optional() })),
    ])
    .transform(async (v, ctx) => {
      if (typeof v !== 'string') return v;
      if (v.trim() === '') return {};
      const { parseBounds } = await import('../design/constraints.ts');
      try {
        return parseBounds(v);
      } catch (e) {
        ctx.addIssue({ code: 'custom', message: (e as Error).message });
        return z.NEVER;
      }
    })
    .meta({ description: 'per-element at.% bounds, e.g. "Nb:10:30,Fe::50"', widget: 'bounds' }),
  maxElements: z.number().int().min(1).max(120).meta({ description: 'maximum number of elements' }),
  minElements: z.number().int().min(1).max(120).meta({ description: 'minimum number of elements' }),
  n: z.number().int().min(1).max(1000).meta({ description: 'candidates to report' }),
  seed: seed.meta({ description: 'seed of every random step' }),
  quick: z.boolean().meta({ description: 'smoke run: short MCMC and refinement' }),
  refine: z.boolean().meta({ description: 'gradient refinement of the MCMC seeds' }),
  // issue 13 (design options; descriptions with units)
  lcbTarget: finite.positive().meta({
    description:
      'explicit LCB target at the design load, HV (default: from the calibration rows satisfying the constraints)',
  }),
  noveltyMin: finite.min(0).meta({
    description:
      'explicit novelty minimum: distance in atomic fractions to the nearest dataset alloy',
  }),
  noveltyQuantile: z.number().min(0).max(1).meta({
    description:
      "quantile of the dataset alloys' nearest-neighbour distances that sets the novelty minimum (0..1)",
  }),
  supportQuantile: z.number().min(0).max(1).meta({
    description:
      "weighted quantile of the training latents' log-density that sets the support threshold (0..1)",
  }),
  glass: z.boolean().meta({
    description:
      "glass-formation gate: δ, ΔH_mix, ΔS_mix, Δχ, VEC inside the dataset alloys' ranges",
  }),
  maxCost: finite
    .positive()
    .meta({ description: 'maximum raw-material cost, USD per kg of alloy' }),
  objective: z.enum(['lcb', 'pareto']).meta({
    description:
      "'lcb': rank by LCB at the design load; 'pareto': the Pareto set over (LCB, cost, novelty)",
  }),
  familyCap: z.number().int().min(1).max(1000).meta({
    description: 'at most this many candidates per family (elements ≥ 10 at.%); default ⌈n/2⌉',
  }),
  mcmcChains: z.number().int().min(2).max(1000).meta({ description: 'MCMC chains (default 64)' }),
  mcmcSteps: z
    .number()
    .int()
    .min(1)
    .max(100_000)
    .meta({ description: 'MCMC steps per chain (default 700)' }),
  refineSteps: z
    .number()
    .int()
    .min(1)
    .max(100_000)
    .meta({ description: 'gradient-refinement steps, maximum (default 1000)' }),
  refineLr: finite.positive().meta({
    description: 'gradient-refinement learning rate, latent units per step (default 0.01)',
  }),
  refineSeeds: z
    .number()
    .int()
    .min(1)
    .max(1000)
    .meta({ description: 'number of refinement seeds (default 10)' }),
};

/** A field for an option known only by its default value. */
function fromDefault(v: unknown): z.ZodType | undefined {
  if (typeof v === 'number') return Number.isInteger(v) ? z.number().int() : finite;
  if (typeof v === 'boolean') return z.boolean();
  if (typeof v === 'string') return z.string().max(10_000);
  if (v !== null && typeof v === 'object' && Object.keys(v).length === 0) return undefined;
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return z.array(z.string());
  return undefined;
}

function buildDesignSchema() {
  const shape: Record<string, z.ZodType> = {};
  const keys = new Set<string>([...Object.keys(DESIGN_DEFAULTS), ...Object.keys(DESIGN_FIELDS)]);
  for (const k of keys) {
    if ((SERVER_KEYS as readonly string[]).includes(k)) continue;
    const given = (DESIGN_FIELDS as Record<string, z.ZodType | undefined>)[k];
    const field = given ?? fromDefault((DESIGN_DEFAULTS as Record<string, unknown>)[k]);
    if (!field) continue;
    const def = (DESIGN_DEFAULTS as Record<string, unknown>)[k];
    shape[k] = field
      .optional()
      .meta({ title: cliFlag(k), ...(def !== undefined ? { default: def } : {}) });
  }
  return z.strictObject(shape);
}

/** The body of `POST /api/design`: any subset of the design options; unknown fields are refused. */
export const designRequestSchema = buildDesignSchema();

/** The fields of a design request, in form order, with their CLI flags. */
export function designRequestJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(designRequestSchema, { io: 'input', unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
}

/** Format zod issues as one message naming each field. */
export function issuesMessage(error: z.ZodError, what: string): string {
  const parts = error.issues.slice(0, 5).map((i) => {
    const field = i.path.length > 0 ? `'${i.path.map(String).join('.')}'` : what;
    return `${field}: ${i.message}`;
  });
  return parts.join('; ');
}

/** Validate a design request: the workflow options it sets, or an InputError naming the field. */
export async function parseDesignRequest(body: unknown): Promise<Partial<DesignWorkflowOptions>> {
  const r = await designRequestSchema.safeParseAsync(body);
  if (!r.success) throw new InputError(`design request: ${issuesMessage(r.error, 'body')}`);
  return r.data as Partial<DesignWorkflowOptions>;
}

/** Limits of one predict request (the server answers 400 naming the limit beyond them). */
export const PREDICT_LIMITS = Object.freeze({
  /** Compositions per request. */
  compositions: 1000,
  /** Loads per request. */
  loads: 200,
  /** Rows (compositions × loads) per request. */
  rows: 5000,
  /** MC dropout passes per network. */
  passes: 1000,
});

/** The body of `POST /api/predict` (the options of `vibann predict --composition … --load …`). */
export const predictRequestSchema = z
  .strictObject({
    compositions: z
      .array(z.string().min(1).max(500))
      .min(1)
      .max(PREDICT_LIMITS.compositions, `at most ${PREDICT_LIMITS.compositions} compositions`)
      .meta({ title: '--composition', description: 'formulas such as "B68Nb24Fe4W4"' }),
    loads: z
      .array(finite.positive())
      .min(1)
      .max(PREDICT_LIMITS.loads, `at most ${PREDICT_LIMITS.loads} loads`)
      .optional()
      .meta({ title: '--load', description: 'loads in N', default: [0.5] }),
    passes: z
      .number()
      .int()
      .min(1)
      .max(PREDICT_LIMITS.passes, `at most ${PREDICT_LIMITS.passes} passes (the limit)`)
      .optional()
      .meta({ title: '--mc', description: 'MC dropout passes per network' }),
    seed: seed.optional().meta({ title: '--seed', description: 'seed of the MC passes' }),
  })
  .superRefine((b, ctx) => {
    const rows = b.compositions.length * (b.loads?.length ?? 1);
    if (rows > PREDICT_LIMITS.rows)
      ctx.addIssue({
        code: 'custom',
        path: ['compositions'],
        message: `${b.compositions.length} compositions × ${b.loads?.length ?? 1} loads = ${rows} rows, over the limit of ${PREDICT_LIMITS.rows} rows per request`,
      });
  });
export type PredictRequest = z.infer<typeof predictRequestSchema>;

/** Validate a predict request, or an InputError naming the field. */
export function parsePredictRequest(body: unknown): PredictRequest {
  const r = predictRequestSchema.safeParse(body);
  if (!r.success) throw new InputError(`predict request: ${issuesMessage(r.error, 'body')}`);
  return r.data;
}
