/**
 * Composition descriptors and glass-formation criteria from the cited element table
 * (./tables/element-properties.ts). Pure functions of atomic fractions; every criterion is cited
 * next to its formula.
 *
 * - Concentration-weighted mean x̄ = Σ cᵢ xᵢ and spread √(Σ cᵢ (xᵢ − x̄)²) of an element property
 *   (the "mean and deviation" features of Ward et al., npj Comput. Mater. 2 (2016) 16028).
 * - Atomic-size mismatch δ = √(Σ cᵢ (1 − rᵢ/r̄)²), r̄ = Σ cᵢ rᵢ (Zhang et al., Adv. Eng. Mater. 10
 *   (2008) 534), as a fraction (×100 for %).
 * - Mixing enthalpy ΔH_mix = Σ_{i<j} 4 ΔH_ij cᵢ cⱼ, kJ/mol, with ΔH_ij the Miedema enthalpy of
 *   mixing of the equiatomic liquid binary (Takeuchi & Inoue, Mater. Trans. 46 (2005) 2817), computed
 *   here from the Miedema parameters (de Boer et al., Cohesion in Metals, 1988): the chemical term
 *   with the volume correction for charge transfer; no structural, elastic or H_trans term — the
 *   same model that reproduces Takeuchi & Inoue's table (test/chem/descriptors.test.ts).
 * - Ideal configurational entropy ΔS_mix = −R Σ cᵢ ln cᵢ, J/(mol·K).
 * - Electronegativity difference Δχ = √(Σ cᵢ (χᵢ − χ̄)²), Pauling units (Fang et al., Comput.
 *   Mater. Sci. 29 (2004) 161 use the same form).
 * - Valence electron concentration VEC = Σ cᵢ VECᵢ (Guo et al., J. Appl. Phys. 109 (2011) 103505).
 * - Ω = T̄_m ΔS_mix / |ΔH_mix| (Yang & Zhang, Mater. Chem. Phys. 132 (2012) 233), T̄_m = Σ cᵢ T_m,i.
 */
import { CompositionError } from '../util/errors.ts';
import { ELEMENT_PROPERTIES, type ElementProperties } from './tables/element-properties.ts';

/** Gas constant, J/(mol·K) (CODATA 2018, exact). */
export const GAS_CONSTANT = 8.314462618;

/** The elements the table covers (the reference dataset's 56-element basis). */
export function hasElementProperties(symbol: string): boolean {
  return Object.hasOwn(ELEMENT_PROPERTIES, symbol);
}

/** Properties of one element; throws `CompositionError` for an element outside the table. */
export function elementProperties(symbol: string): ElementProperties {
  if (!hasElementProperties(symbol)) {
    throw new CompositionError(
      `no element properties for '${symbol}': the cited table covers ${Object.keys(ELEMENT_PROPERTIES).length} elements (${Object.keys(ELEMENT_PROPERTIES).join(' ')})`,
    );
  }
  return ELEMENT_PROPERTIES[symbol];
}

/** Atomic fractions by element symbol (they are renormalised to sum to 1; zeros are ignored). */
export type Fractions = Readonly<Record<string, number>>;

interface Part {
  el: ElementProperties;
  symbol: string;
  c: number;
}

function parts(fractions: Fractions): Part[] {
  let total = 0;
  const out: Part[] = [];
  for (const [symbol, c] of Object.entries(fractions)) {
    if (!Number.isFinite(c) || c < 0) {
      throw new CompositionError(`fraction of ${symbol} must be a finite number ≥ 0, got ${c}`);
    }
    if (c === 0) continue;
    out.push({ el: elementProperties(symbol), symbol, c });
    total += c;
  }
  if (!(total > 0)) throw new CompositionError('empty composition: no element with a fraction > 0');
  for (const p of out) p.c /= total;
  return out;
}

/** Weighted mean and spread √(Σ c (x − x̄)²) of a property; elements without a value are left out and the rest renormalised (`coverage` = their summed fraction). */
export interface WeightedStat {
  mean: number;
  spread: number;
  /** Fraction of the composition whose elements have a value (1 when all do). */
  coverage: number;
}

function weightedStat(
  ps: readonly Part[],
  get: (e: ElementProperties) => number | null,
): WeightedStat {
  let w = 0;
  let m = 0;
  for (const p of ps) {
    const x = get(p.el);
    if (x === null) continue;
    w += p.c;
    m += p.c * x;
  }
  if (w === 0) return { mean: Number.NaN, spread: Number.NaN, coverage: 0 };
  m /= w;
  let v = 0;
  for (const p of ps) {
    const x = get(p.el);
    if (x !== null) v += (p.c / w) * (x - m) ** 2;
  }
  return { mean: m, spread: Math.sqrt(v), coverage: w };
}

/**
 * Miedema enthalpy of mixing of the equiatomic liquid A–B (kJ/mol of atoms), the ΔH_AB of
 * Takeuchi & Inoue (2005). Chemical term only:
 * ΔH = c_A · f_B · V_A,alloy^(2/3) · 2(−P Δφ² + Q Δn^(1/3)² − R) / (1/n_A^(1/3) + 1/n_B^(1/3)),
 * surface fractions f from the charge-transfer-corrected volumes V^(2/3)(1 + a f Δφ),
 * Q/P = 9.4, P = 14.1 / 12.35 / 10.6 for two / one / no transition metals, R = 0.73 · rp_A · rp_B · P
 * for a transition/non-transition pair.
 */
export function miedemaBinaryEnthalpy(a: string, b: string): number {
  if (a === b) return 0;
  const A = elementProperties(a).miedema;
  const B = elementProperties(b).miedema;
  const cA = 0.5;
  const cB = 0.5;
  const surface = (vA: number, vB: number) => {
    const s = cA * vA + cB * vB;
    return [(cA * vA) / s, (cB * vB) / s] as const;
  };
  const v23A = A.molarVolume ** (2 / 3);
  const v23B = B.molarVolume ** (2 / 3);
  const [sA0, sB0] = surface(v23A, v23B);
  const vA = v23A * (1 + A.a * sB0 * (A.phi - B.phi));
  const vB = v23B * (1 + B.a * sA0 * (B.phi - A.phi));
  const [, sB] = surface(vA, vB);
  let p: number;
  let r = 0;
  if (A.transition && B.transition) p = 14.1;
  else if (!A.transition && !B.transition) p = 10.6;
  else {
    p = 12.35;
    r = 0.73 * A.rp * B.rp * p;
  }
  const q = 9.4 * p;
  const dPhi = A.phi - B.phi;
  const nA = A.nws ** (1 / 3);
  const nB = B.nws ** (1 / 3);
  const dN = nA - nB;
  const interface_ = (2 * (-p * dPhi * dPhi + q * dN * dN - r)) / (1 / nA + 1 / nB);
  return sB * cA * vA * interface_;
}

/** Glass-formation and composition descriptors of one alloy. */
export interface CompositionDescriptors {
  /** Atomic-size mismatch δ (fraction; ×100 for %). */
  delta: number;
  /** Mixing enthalpy ΔH_mix, kJ/mol. */
  dH_mix: number;
  /** Ideal mixing entropy ΔS_mix, J/(mol·K). */
  dS_mix: number;
  /** Electronegativity difference Δχ (Pauling). */
  dchi: number;
  /** Valence electron concentration. */
  vec: number;
  /** Ω = T̄_m ΔS_mix / |ΔH_mix| (dimensionless; Infinity when ΔH_mix = 0). */
  omega: number;
  /** Weighted mean/spread of element properties (units as in the element table). */
  radius: WeightedStat;
  chi: WeightedStat;
  vecStat: WeightedStat;
  meltingPoint: WeightedStat;
  molarVolume: WeightedStat;
  bulkModulus: WeightedStat;
  youngsModulus: WeightedStat;
  shearModulus: WeightedStat;
}

/** All descriptors of a composition given as atomic fractions by element. */
export function compositionDescriptors(fractions: Fractions): CompositionDescriptors {
  const ps = parts(fractions);
  const radius = weightedStat(ps, (e) => e.radius);
  const chi = weightedStat(ps, (e) => e.chi);
  const vecStat = weightedStat(ps, (e) => e.vec);
  const meltingPoint = weightedStat(ps, (e) => e.meltingPoint);
  let delta = 0;
  for (const p of ps) delta += p.c * (1 - p.el.radius / radius.mean) ** 2;
  let dH = 0;
  for (let i = 0; i < ps.length; i++) {
    for (let j = i + 1; j < ps.length; j++) {
      dH += 4 * miedemaBinaryEnthalpy(ps[i].symbol, ps[j].symbol) * ps[i].c * ps[j].c;
    }
  }
  let s = 0;
  for (const p of ps) s -= p.c * Math.log(p.c);
  const dS = GAS_CONSTANT * s;
  return {
    delta: Math.sqrt(delta),
    dH_mix: dH,
    dS_mix: dS,
    dchi: chi.spread,
    vec: vecStat.mean,
    omega: (meltingPoint.mean * dS) / 1000 / Math.abs(dH),
    radius,
    chi,
    vecStat,
    meltingPoint,
    molarVolume: weightedStat(ps, (e) => e.molarVolume),
    bulkModulus: weightedStat(ps, (e) => e.bulkModulus),
    youngsModulus: weightedStat(ps, (e) => e.youngsModulus),
    shearModulus: weightedStat(ps, (e) => e.shearModulus),
  };
}

/** Names of the numeric feature vector `descriptorVector` returns, in order. */
export const DESCRIPTOR_FEATURES: readonly string[] = Object.freeze([
  'delta',
  'dH_mix',
  'dS_mix',
  'dchi',
  'vec',
  'radius_mean',
  'chi_mean',
  'vec_spread',
  'melting_point_mean',
  'melting_point_spread',
  'molar_volume_mean',
  'molar_volume_spread',
  'bulk_modulus_mean',
  'youngs_modulus_mean',
  'shear_modulus_mean',
]);

/** The descriptors as a numeric vector (order of `DESCRIPTOR_FEATURES`), for models and baselines. */
export function descriptorVector(fractions: Fractions): Float64Array {
  const d = compositionDescriptors(fractions);
  return Float64Array.from([
    d.delta,
    d.dH_mix,
    d.dS_mix,
    d.dchi,
    d.vec,
    d.radius.mean,
    d.chi.mean,
    d.vecStat.spread,
    d.meltingPoint.mean,
    d.meltingPoint.spread,
    d.molarVolume.mean,
    d.molarVolume.spread,
    d.bulkModulus.mean,
    d.youngsModulus.mean,
    d.shearModulus.mean,
  ]);
}
