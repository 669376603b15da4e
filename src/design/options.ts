/**
 * A design's settings as a user gives them — the `vibann design` flags, the web form, a `design`
 * job (jobs/spec.ts) — their defaults, their checks, and how they become the pipeline's options
 * (`DesignOptions`, pipeline.ts) and the refinement's (`RefineOptions`, refine.ts). The design
 * workflow (workflows/design.ts) adds where the model, data and run directory are; a design job
 * adds the model directory and the dataset it names. Both build the pipeline's options here, so the
 * same settings and seed run the same design wherever they run.
 */

import { InputError } from '../util/errors.ts';
import { DEFAULT_CONSTRAINTS, type DesignConstraints } from './constraints.ts';
import type { DesignOptions } from './pipeline.ts';
import type { RefineOptions } from './refine.ts';

export interface DesignSettings {
  /** Design load L*, N (default 0.5). */
  load: number;
  /** Target window on the LCB at L*, HV (default: LCB target .. max train HV + 250). */
  target?: [number, number];
  /** Banned elements (default none). */
  ban: string[];
  /** Only these elements may appear (default: all of the model's). */
  allow?: string[];
  /** Per-element bounds in at.% (default none; `parseBounds('Nb:10:30')` makes them). */
  bounds: Record<string, { min?: number; max?: number }>;
  /** Maximum number of elements of a candidate (default 7). */
  maxElements: number;
  /** Minimum number of elements of a candidate (default 3). */
  minElements: number;
  /** Candidates to report (default 5). */
  n: number;
  /** Seed of every random step (default 1). */
  seed: number;
  /** Smoke run: `QUICK_DESIGN` settings, and a quick model if one must be trained (default false). */
  quick: boolean;
  /** Gradient refinement of MCMC seeds (default true). */
  refine: boolean;
  /** Explicit LCB target at the design load, HV (default: from the calibration rows satisfying the constraints). */
  lcbTarget?: number;
  /**
   * Explicit novelty minimum: Euclidean distance in atomic fractions to the nearest dataset alloy
   * (default: q`noveltyQuantile` when that is given, else 0.10 — design/pipeline.ts `defaultNoveltyMin`).
   */
  noveltyMin?: number;
  /**
   * Quantile of the dataset alloys' leave-one-out nearest-neighbour distances that sets the novelty
   * minimum instead of the default 0.10 (q0.8 = 0.055 on the reference data let the default design
   * report alloys 0.06 from a known one; docs/design.md). Not together with `noveltyMin`.
   */
  noveltyQuantile?: number;
  /** Weighted quantile of the training latents' log-density that sets the support threshold (default 0.05; docs/design.md). */
  supportQuantile: number;
  /** Glass-formation gate: δ, ΔH_mix, ΔS_mix, Δχ, VEC inside the dataset alloys' ranges (default true). */
  glass: boolean;
  /** Maximum raw-material cost, USD per kg of alloy (default none; elements without a price are then excluded). */
  maxCost?: number;
  /** 'lcb' ranks accepted alloys by LCB at the design load; 'pareto' reports the Pareto set over (LCB, cost, novelty). */
  objective: 'lcb' | 'pareto';
  /** At most this many reported candidates per family (elements ≥ 10 at.%); default ⌈n/2⌉. */
  familyCap?: number;
  /** MCMC chains (default 64; 16 with quick). */
  mcmcChains?: number;
  /** MCMC steps per chain (default 700; 150 with quick). */
  mcmcSteps?: number;
  /** Gradient-refinement steps, maximum (default 1000; 200 with quick). */
  refineSteps?: number;
  /** Gradient-refinement learning rate, latent units per step (default 0.01). */
  refineLr?: number;
  /** Number of refinement seeds (default 10). */
  refineSeeds?: number;
}

/** The defaults of the design settings (the order is the web form's). */
export const DESIGN_SETTINGS_DEFAULTS: Readonly<DesignSettings> = Object.freeze({
  load: 0.5,
  ban: [],
  bounds: {},
  maxElements: DEFAULT_CONSTRAINTS.maxElements,
  minElements: DEFAULT_CONSTRAINTS.minElements,
  n: 5,
  seed: 1,
  quick: false,
  refine: true,
  supportQuantile: 0.05,
  glass: true,
  objective: 'lcb',
});

/** What `quick` changes: a short MCMC and refinement, a cheap GMM and calibration. */
export const QUICK_DESIGN = Object.freeze({
  mcmc: { chains: 16, steps: 150, burnIn: 50 },
  calibrationPasses: 50,
  gmm: { kMin: 1, kMax: 3, nInit: 2 },
  refine: { maxSteps: 200, snapshots: [0, 100, 200] } satisfies Partial<RefineOptions>,
});

/** Check the settings; an InputError names the flag and what it expects. */
export function checkDesignSettings(o: DesignSettings): void {
  const int = (v: number, name: string, min: number) => {
    if (!Number.isInteger(v) || v < min)
      throw new InputError(`${name} expects an integer ≥ ${min}, got ${v}`);
  };
  if (!(Number.isFinite(o.load) && o.load > 0))
    throw new InputError(`--load expects a positive number (N), got ${o.load}`);
  int(o.n, '--n', 1);
  int(o.maxElements, '--max-elements', 1);
  int(o.minElements, '--min-elements', 1);
  int(o.seed, '--seed', 0);
  const pos = (v: number | undefined, name: string, unit: string) => {
    if (v !== undefined && !(Number.isFinite(v) && v > 0))
      throw new InputError(`${name} expects a positive number (${unit}), got ${v}`);
  };
  pos(o.maxCost, '--max-cost', 'USD/kg');
  pos(o.lcbTarget, '--lcb-target', 'HV');
  pos(o.refineLr, '--refine-lr', 'latent units per step');
  if (o.noveltyMin !== undefined && !(Number.isFinite(o.noveltyMin) && o.noveltyMin >= 0))
    throw new InputError(
      `--novelty-min expects a distance ≥ 0 in atomic fractions, got ${o.noveltyMin}`,
    );
  for (const [v, name] of [
    [o.supportQuantile, '--support-quantile'],
    [o.noveltyQuantile, '--novelty-quantile'],
  ] as const)
    if (v !== undefined && !(Number.isFinite(v) && v >= 0 && v <= 1))
      throw new InputError(`${name} expects a quantile in 0..1, got ${v}`);
  if (o.noveltyMin !== undefined && o.noveltyQuantile !== undefined)
    throw new InputError('give --novelty-min or --novelty-quantile, not both');
  if (o.objective !== 'lcb' && o.objective !== 'pareto')
    throw new InputError(`--objective expects 'lcb' or 'pareto', got '${o.objective}'`);
  for (const [v, name, min] of [
    [o.familyCap, '--family-cap', 1],
    [o.mcmcChains, '--mcmc-chains', 2],
    [o.mcmcSteps, '--mcmc-steps', 1],
    [o.refineSteps, '--refine-steps', 1],
    [o.refineSeeds, '--refine-seeds', 1],
  ] as const)
    if (v !== undefined) int(v, name, min);
  if (o.target && !(o.target[0] < o.target[1]))
    throw new InputError(`--target expects LO < HI in HV, got ${o.target[0]}:${o.target[1]}`);
}

/** The pipeline's options for a design's settings (the seed goes to the pipeline's Rng). */
export async function designOptionsFor(o: DesignSettings): Promise<DesignOptions> {
  const { DEFAULT_DESIGN_OPTIONS } = await import('./pipeline.ts');
  const constraints: DesignConstraints = {
    ...DEFAULT_CONSTRAINTS,
    ban: o.ban,
    allow: o.allow,
    bounds: o.bounds,
    maxElements: o.maxElements,
    minElements: o.minElements,
  };
  const base = {
    ...DEFAULT_DESIGN_OPTIONS,
    load: o.load,
    targetWindow: o.target,
    constraints,
    n: o.n,
    ...(o.quick
      ? {
          mcmc: { ...DEFAULT_DESIGN_OPTIONS.mcmc, ...QUICK_DESIGN.mcmc },
          calibrationPasses: QUICK_DESIGN.calibrationPasses,
          gmm: { ...QUICK_DESIGN.gmm },
        }
      : {}),
  };
  const mcmc = { ...base.mcmc };
  if (o.mcmcChains !== undefined) mcmc.chains = o.mcmcChains;
  if (o.mcmcSteps !== undefined) {
    mcmc.steps = o.mcmcSteps;
    mcmc.burnIn = Math.min(mcmc.burnIn, Math.floor(o.mcmcSteps / 3));
  }
  return {
    ...base,
    mcmc,
    thresholds: {
      ...base.thresholds,
      ...(o.noveltyQuantile !== undefined ? { noveltyQuantile: o.noveltyQuantile } : {}),
    },
    supportQuantile: o.supportQuantile,
    lcbTarget: o.lcbTarget,
    noveltyMin: o.noveltyMin,
    glassGate: o.glass,
    maxCost: o.maxCost,
    objective: o.objective,
    familyCap: o.familyCap,
    refineSeeds: o.refineSeeds ?? base.refineSeeds,
  };
}

/**
 * The refinement's options for a design's settings (over `DEFAULT_REFINE_OPTIONS`, refine.ts):
 * `QUICK_DESIGN.refine` when quick, `refineSteps` (with snapshots at 0, half and the end) and
 * `refineLr`. Whether to refine at all is `refine`.
 */
export function refineOptionsFor(o: DesignSettings): Partial<RefineOptions> {
  const r: Partial<RefineOptions> = o.quick ? { ...QUICK_DESIGN.refine } : {};
  if (o.refineSteps !== undefined) {
    r.maxSteps = o.refineSteps;
    r.snapshots = [0, Math.floor(o.refineSteps / 2), o.refineSteps];
  }
  if (o.refineLr !== undefined) r.lr = o.refineLr;
  return r;
}
