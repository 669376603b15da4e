#!/usr/bin/env node
// Generates ./element-properties.ts from the raw source tables in ../shared/data/elements
// (pymatgen_elements.json and miedema.csv; see the citations written into the generated file).
// Run from the repository root:
//   node src/chem/tables/generate-element-properties.mjs && npx biome format --write src/chem/tables
// The generated file is committed; vibann never reads the raw tables at run time.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const src = resolve(here, '..', '..', '..', '..', 'shared', 'data', 'elements');
const pmgText = readFileSync(join(src, 'pymatgen_elements.json'), 'utf8');
const miedemaText = readFileSync(join(src, 'miedema.csv'), 'utf8');
const sha = (t) => createHash('sha256').update(t).digest('hex');
const pmg = JSON.parse(pmgText);

// The 56 elements of the reference dataset's basis (the model's inputs).
const BASIS = (
  'Ag Al Au B Ba Be Bi C Ca Ce Co Cr Cu Dy Er Fe Ga Gd Ge Hf Ho In Ir La Li Lu Mg Mn Mo Nb Nd ' +
  'Ni P Pb Pd Pr Pt Re Rh Ru Sc Si Sm Sn Sr Ta Tb Ti Tm U V W Y Yb Zn Zr'
).split(' ');

// Miedema's "non-transition" elements (de Boer et al. 1988): s- and p-block metals and metalloids.
// Everything else in the basis (d-block, lanthanides, actinides, and the noble metals Cu, Ag, Au)
// counts as a transition metal for the choice of P and R.
const NON_TRANSITION = new Set(
  'Li Na K Rb Cs Be Mg Ca Sr Ba Zn Cd Hg B Al Ga In Tl C Si Ge Sn Pb P As Sb Bi'.split(' '),
);

/** '1811 K' → 1811; '(white P) 317.3 K' → 317.3 (allotrope note dropped); 'no data' → null. */
function num(v) {
  if (typeof v === 'number') return v;
  if (typeof v !== 'string') return null;
  const m = /^\s*(?:\([^)]*\)\s*)?(-?[0-9.]+(?:[eE][-+]?[0-9]+)?)/.exec(v);
  return m ? Number(m[1]) : null;
}

/**
 * Valence electron count as used for VEC in alloy-design rules (Guo et al., J. Appl. Phys. 109
 * (2011) 103505): outer s + (n−1)d electrons for s/d-block elements (Cu 11, Ni 10, Zr 4); outer
 * s + p electrons for p-block elements (the filled d¹⁰ shell is not counted: Al 3, Sn 4); 4f
 * electrons are not counted, so the lanthanides are trivalent (3), as in those rules; U counts its
 * 5f³6d¹7s² = 6.
 */
function vec(sym, structure) {
  const shells = [...structure.matchAll(/(\d)([spdf])<sup>(\d+)<\/sup>/g)].map((m) => ({
    n: Number(m[1]),
    l: m[2],
    e: Number(m[3]),
  }));
  if (sym === 'U') return 6;
  const hasP = shells.some((s) => s.l === 'p');
  const lanthanide = shells.some((s) => s.l === 'f' && s.n === 4 && s.e < 14) || sym === 'La';
  if (lanthanide) return 3;
  let count = 0;
  for (const s of shells) {
    if (s.l === 's' || s.l === 'p') count += s.e;
    else if (s.l === 'd' && !hasP) count += s.e;
  }
  return count;
}

const miedema = new Map();
const lines = miedemaText.trim().split(/\r?\n/);
const head = lines[0].split(',');
for (const line of lines.slice(1)) {
  const cells = line.split(',');
  const row = Object.fromEntries(head.map((h, i) => [h, cells[i]]));
  miedema.set(row.element, row);
}

const rows = [];
for (const sym of BASIS) {
  const p = pmg[sym];
  const m = miedema.get(sym);
  if (!p || !m) throw new Error(`no source data for ${sym}`);
  const metallic = num(p['Metallic radius']);
  const atomic = num(p['Atomic radius']);
  rows.push({
    symbol: sym,
    z: p['Atomic no'],
    mass: p['Atomic mass'],
    radius: metallic ?? atomic,
    radiusSource: metallic === null ? 'atomic' : 'metallic',
    chi: num(p['X (Pauling electronegativity)']),
    vec: vec(sym, p['Electronic structure']),
    meltingPoint: num(p['Melting point']),
    molarVolume: num(p['Molar volume']),
    bulkModulus: num(p['Bulk modulus']),
    youngsModulus: num(p['Youngs modulus']),
    shearModulus: num(p['Rigidity modulus']),
    miedema: {
      molarVolume: Number(m.molar_volume),
      nws: Number(m.electron_density),
      phi: Number(m.electronegativity),
      a: Number(m.a_const),
      rp: Number(m.R_const),
      transition: !NON_TRANSITION.has(sym),
    },
  });
}

const fmt = (v) => (v === null ? 'null' : JSON.stringify(v));
const body = rows
  .map(
    (r) =>
      `  ${r.symbol}: { z: ${r.z}, mass: ${r.mass}, radius: ${r.radius}, radiusSource: '${r.radiusSource}', chi: ${fmt(r.chi)}, vec: ${r.vec}, meltingPoint: ${fmt(r.meltingPoint)}, molarVolume: ${fmt(r.molarVolume)}, bulkModulus: ${fmt(r.bulkModulus)}, youngsModulus: ${fmt(r.youngsModulus)}, shearModulus: ${fmt(r.shearModulus)}, miedema: { molarVolume: ${r.miedema.molarVolume}, nws: ${r.miedema.nws}, phi: ${r.miedema.phi}, a: ${r.miedema.a}, rp: ${r.miedema.rp}, transition: ${r.miedema.transition} } },`,
  )
  .join('\n');

const out = `// biome-ignore-all lint/suspicious/noApproximativeNumericConstant: measured values (Au radius 1.442 Å), not log2(e)
/**
 * Element properties for composition descriptors and glass-formation criteria — GENERATED by
 * ./generate-element-properties.mjs; do not edit by hand.
 *
 * Sources (raw tables as copied into the project's shared data folder, SHA-256 below):
 * - pymatgen \`core/periodic_table.json\` (Debian python3-pymatgen 2022.11.7, MIT): Ong et al.,
 *   Comput. Mater. Sci. 68 (2013) 314; pymatgen takes these from WebElements and the CRC Handbook.
 *   Used for: \`radius\` (the metallic radius, CN 12, Å; for B, C, Si and P, which have none, the
 *   empirical atomic radius of Slater, J. Chem. Phys. 41 (1964) 3199 — flagged by
 *   \`radiusSource: 'atomic'\`), \`chi\` (Pauling electronegativity), \`meltingPoint\` (K),
 *   \`molarVolume\` (cm³/mol), \`bulkModulus\`, \`youngsModulus\`, \`shearModulus\` (GPa; null where the
 *   source has no value), \`vec\` (derived from the electronic structure; rule in the generator,
 *   after Guo et al., J. Appl. Phys. 109 (2011) 103505).
 *   pymatgen_elements.json SHA-256 ${sha(pmgText)}
 * - Miedema parameters, matminer \`utils/data_files/Miedema.csv\` (BSD-3-Clause): de Boer, Boom,
 *   Mattens, Miedema, Niessen, Cohesion in Metals: Transition Metal Alloys (North-Holland, 1988);
 *   Ward et al., Comput. Mater. Sci. 152 (2018) 60. Used for \`miedema\`: molar volume V (cm³/mol),
 *   n_ws (electron density at the Wigner–Seitz cell boundary, d.u.), φ* (V), the volume-contraction constant a, the R/P ratio
 *   factor, and whether Miedema treats the element as a transition metal.
 *   miedema.csv SHA-256 ${sha(miedemaText)}
 */

export interface MiedemaParameters {
  /** Molar volume V, cm³/mol. */
  readonly molarVolume: number;
  /** Electron density at the Wigner–Seitz cell boundary n_ws, density units (Cu 3.18 → n_ws^(1/3) 1.47). */
  readonly nws: number;
  /** Miedema electronegativity φ*, V. */
  readonly phi: number;
  /** Volume-contraction constant a (0.04 transition metals … 0.14 alkali metals). */
  readonly a: number;
  /** R/P factor of the element (R = 0.73 · rp_A · rp_B · P for transition/non-transition pairs). */
  readonly rp: number;
  /** Miedema's transition-metal class (P = 14.1 for two, 10.6 for none, 12.35 for one). */
  readonly transition: boolean;
}

export interface ElementProperties {
  /** Atomic number. */
  readonly z: number;
  /** Atomic mass, u. */
  readonly mass: number;
  /** Atomic radius used for size mismatch, Å (metallic CN 12 radius, else Slater's atomic radius). */
  readonly radius: number;
  /** Which radius \`radius\` is. */
  readonly radiusSource: 'metallic' | 'atomic';
  /** Pauling electronegativity. */
  readonly chi: number;
  /** Valence electron count for VEC. */
  readonly vec: number;
  /** Melting point, K. */
  readonly meltingPoint: number;
  /** Molar volume of the element, cm³/mol. */
  readonly molarVolume: number;
  /** Bulk modulus, GPa (null: no value in the source). */
  readonly bulkModulus: number | null;
  /** Young's modulus, GPa (null: no value in the source). */
  readonly youngsModulus: number | null;
  /** Shear (rigidity) modulus, GPa (null: no value in the source). */
  readonly shearModulus: number | null;
  readonly miedema: MiedemaParameters;
}

export const ELEMENT_PROPERTIES: Readonly<Record<string, ElementProperties>> = Object.freeze({
${body}
});
`;
writeFileSync(join(here, 'element-properties.ts'), out);
console.log(`wrote ${rows.length} elements to ${join(here, 'element-properties.ts')}`);
