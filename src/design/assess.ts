/**
 * What a metallurgist asks of a designed alloy besides its hardness (issue 13): which family it
 * belongs to (its major elements), whether it looks like a glass former (descriptors compared with
 * the training alloys, all of which are glasses), and what its raw materials cost.
 */
import { compositionDescriptors, elementProperties } from '../chem/descriptors.ts';
import { elementPrice } from '../chem/tables/prices.ts';
import { quantile } from '../math/quantile.ts';
import type { Gate } from './gates.ts';

/** Atomic fraction at or above which an element is *major* (defines the family). */
export const MAJOR_FRACTION = 0.1;

/** The family of an alloy: its elements at ≥ 10 at.%, sorted (B40Co35Re24Fe1 → B, Co, Re). */
export function familyOf(
  fractions: Readonly<Record<string, number>>,
  min = MAJOR_FRACTION,
): string[] {
  let tot = 0;
  for (const v of Object.values(fractions)) tot += v;
  return Object.entries(fractions)
    .filter(([, v]) => v / tot >= min - 1e-9)
    .map(([e]) => e)
    .sort();
}

/** The glass-formation descriptors reported per candidate (chem/descriptors.ts). */
export interface GlassDescriptors {
  /** Atomic-size mismatch δ (fraction). */
  delta: number;
  /** Mixing enthalpy ΔH_mix, kJ/mol (Miedema, Takeuchi–Inoue). */
  dH_mix: number;
  /** Ideal mixing entropy ΔS_mix, J/(mol·K). */
  dS_mix: number;
  /** Electronegativity difference Δχ (Pauling). */
  dchi: number;
  /** Valence electron concentration. */
  vec: number;
}

export const GLASS_DESCRIPTORS: readonly (keyof GlassDescriptors)[] = [
  'delta',
  'dH_mix',
  'dS_mix',
  'dchi',
  'vec',
];

export function glassDescriptors(fractions: Readonly<Record<string, number>>): GlassDescriptors {
  const d = compositionDescriptors(fractions);
  return { delta: d.delta, dH_mix: d.dH_mix, dS_mix: d.dS_mix, dchi: d.dchi, vec: d.vec };
}

/** Per-descriptor [lo, hi] range of the training alloys (quantiles `q`, 1 − `q` of distinct alloys). */
export type GlassRanges = Record<keyof GlassDescriptors, [number, number]>;

/**
 * The ranges of the known glasses: the `q` and 1 − `q` quantiles of each descriptor over the
 * distinct compositions (q = 0 → min and max).
 */
export function glassRanges(
  compositions: readonly Readonly<Record<string, number>>[],
  q = 0,
): GlassRanges {
  const seen = new Set<string>();
  const rows: GlassDescriptors[] = [];
  for (const f of compositions) {
    const key = Object.entries(f)
      .filter(([, v]) => v > 0)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([e, v]) => `${e}${v.toFixed(5)}`)
      .join('');
    if (seen.has(key)) continue;
    seen.add(key);
    rows.push(glassDescriptors(f));
  }
  const out = {} as GlassRanges;
  for (const k of GLASS_DESCRIPTORS) {
    const v = rows.map((r) => r[k]);
    out[k] = [quantile(v, q), quantile(v, 1 - q)];
  }
  return out;
}

/** The glass gate's audit record: passes when every descriptor lies in the known glasses' range. */
export interface GlassGate extends Gate {
  /** Descriptors outside their range (value = how many; threshold 0). */
  outside: (keyof GlassDescriptors)[];
}

export function glassGate(d: GlassDescriptors, ranges: GlassRanges): GlassGate {
  const outside = GLASS_DESCRIPTORS.filter((k) => !(d[k] >= ranges[k][0] && d[k] <= ranges[k][1]));
  return { value: outside.length, threshold: 0, pass: outside.length === 0, outside };
}

/** Raw-material cost of an alloy: Σ wᵢ·priceᵢ over mass fractions wᵢ (chem/tables/prices.ts). */
export interface AlloyCost {
  /** USD per kg of alloy; null when an element's price is unknown. */
  usd_per_kg: number | null;
  /** Elements without a price. */
  unknown: string[];
  /** True when an element's price is an ore/compound price (the cost is then a lower bound). */
  lower_bound: boolean;
}

export function alloyCost(fractions: Readonly<Record<string, number>>): AlloyCost {
  let mass = 0;
  const parts: [string, number][] = [];
  for (const [e, x] of Object.entries(fractions)) {
    if (!(x > 0)) continue;
    const m = x * elementProperties(e).mass;
    mass += m;
    parts.push([e, m]);
  }
  let usd = 0;
  const unknown: string[] = [];
  let lowerBound = false;
  for (const [e, m] of parts) {
    const p = elementPrice(e);
    if (p.usd_per_kg === null) unknown.push(e);
    else usd += (m / mass) * p.usd_per_kg;
    if (p.basis === 'ore_or_compound') lowerBound = true;
  }
  return { usd_per_kg: unknown.length > 0 ? null : usd, unknown, lower_bound: lowerBound };
}

/**
 * Indices of the Pareto set over (maximise `lcb`, minimise `cost`, maximise `novelty`); an item
 * with an unknown cost is dominated by nothing but dominates nothing on cost (treated as +∞).
 */
export function paretoFront(
  items: readonly { lcb: number; cost: number | null; novelty: number }[],
): number[] {
  const c = (v: number | null) => v ?? Number.POSITIVE_INFINITY;
  const dominates = (a: (typeof items)[number], b: (typeof items)[number]) =>
    a.lcb >= b.lcb &&
    c(a.cost) <= c(b.cost) &&
    a.novelty >= b.novelty &&
    (a.lcb > b.lcb || c(a.cost) < c(b.cost) || a.novelty > b.novelty);
  return items
    .map((_, i) => i)
    .filter((i) => !items.some((o, j) => j !== i && dominates(o, items[i])));
}
