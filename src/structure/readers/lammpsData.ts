/**
 * LAMMPS data-file reader (SPEC §13): header counts and box, `Masses`, `Atoms` (styles atomic,
 * charge, molecular, full; the style is taken from the `Atoms # style` comment, atomic when absent).
 * Species come from the user's type map, else from `# Cu` comments in `Masses`, else by matching the
 * masses to standard atomic weights (with a warning). Orthorhombic boxes only; atoms are ordered by id.
 */
import { InputError } from '../../util/errors.ts';
import { elementForMass } from '../elements.ts';
import { type Frame, makeFrame, type Vec3 } from '../frame.ts';
import {
  checkUniqueIds,
  describeTypeMap,
  lineError,
  orderById,
  parseInteger,
  parseReal,
  readLines,
  type TypeMap,
  tokens,
} from './text.ts';

export interface LammpsDataOptions {
  /** LAMMPS type → element label; overrides comments and mass matching. */
  types?: TypeMap;
}

/** Columns of each atom style that this reader supports: [id, type, x] positions. */
const STYLES: Record<string, { width: number; type: number; x: number }> = {
  atomic: { width: 5, type: 1, x: 2 },
  charge: { width: 6, type: 1, x: 3 },
  molecular: { width: 6, type: 2, x: 3 },
  bond: { width: 6, type: 2, x: 3 },
  angle: { width: 6, type: 2, x: 3 },
  full: { width: 7, type: 2, x: 4 },
};

const SECTIONS = new Set([
  'Atoms',
  'Velocities',
  'Masses',
  'Ellipsoids',
  'Lines',
  'Triangles',
  'Bodies',
  'Bonds',
  'Angles',
  'Dihedrals',
  'Impropers',
  'Pair Coeffs',
  'PairIJ Coeffs',
  'Bond Coeffs',
  'Angle Coeffs',
  'Dihedral Coeffs',
  'Improper Coeffs',
  'BondBond Coeffs',
  'BondAngle Coeffs',
  'MiddleBondTorsion Coeffs',
  'EndBondTorsion Coeffs',
  'AngleTorsion Coeffs',
  'AngleAngleTorsion Coeffs',
  'BondBond13 Coeffs',
  'AngleAngle Coeffs',
]);

const stripComment = (s: string) => {
  const k = s.indexOf('#');
  return (k >= 0 ? s.slice(0, k) : s).trim();
};

export function readLammpsData(path: string, options: LammpsDataOptions = {}): Frame {
  return parseLammpsData(readLines(path), path, options);
}

export function parseLammpsData(
  lines: string[],
  path: string,
  options: LammpsDataOptions = {},
): Frame {
  let n = -1;
  let ntypes = -1;
  const lo: number[] = [Number.NaN, Number.NaN, Number.NaN];
  const hi: number[] = [Number.NaN, Number.NaN, Number.NaN];
  let i = 1; // line 1 is a free comment
  for (; i < lines.length; i++) {
    const s = stripComment(lines[i]);
    if (s === '') continue;
    if (SECTIONS.has(s)) break;
    const t = tokens(s);
    const ln = i + 1;
    if (/^\d+\s+atoms$/.test(s)) n = parseInteger(t[0], path, ln, 'the number of atoms');
    else if (/^\d+\s+atom types$/.test(s))
      ntypes = parseInteger(t[0], path, ln, 'the number of atom types');
    else if (/\s[xyz]lo\s+[xyz]hi$/.test(s)) {
      const d = 'xyz'.indexOf(t[2][0]);
      lo[d] = parseReal(t[0], path, ln, `${t[2]}`);
      hi[d] = parseReal(t[1], path, ln, `${t[3]}`);
    } else if (/\sxy\s+xz\s+yz$/.test(s)) {
      const tilt = [0, 1, 2].map((k) => parseReal(t[k], path, ln, 'a tilt factor'));
      if (tilt.some((x) => x !== 0)) {
        throw lineError(
          path,
          ln,
          `triclinic box (xy xz yz = ${tilt.join(' ')}): non-orthorhombic cells are not supported; only orthorhombic boxes are`,
        );
      }
    } else if (!/^\d+\s+[a-z ]+$/.test(s)) {
      throw lineError(path, ln, `unrecognised header line '${s}'`);
    }
  }
  if (n < 0) throw new InputError(`${path}: the header has no 'N atoms' line`);
  if (lo.some((x) => Number.isNaN(x)))
    throw new InputError(`${path}: the header lacks xlo xhi, ylo yhi or zlo zhi`);
  // Sections
  const massOf = new Map<number, number>();
  const commentOf = new Map<number, string>();
  let atoms: { start: number; style: string } | null = null;
  while (i < lines.length) {
    const raw = lines[i];
    const name = stripComment(raw);
    if (!SECTIONS.has(name)) {
      i++;
      continue;
    }
    const hash = raw.indexOf('#');
    const note = hash >= 0 ? raw.slice(hash + 1).trim() : '';
    let j = i + 1;
    while (j < lines.length && lines[j].trim() === '') j++;
    if (name === 'Atoms') atoms = { start: j, style: note.split(/\s+/)[0] || 'atomic' };
    let k = j;
    while (k < lines.length && lines[k].trim() !== '' && !SECTIONS.has(stripComment(lines[k]))) {
      if (name === 'Masses') {
        const t = tokens(stripComment(lines[k]));
        const ty = parseInteger(t[0], path, k + 1, 'an atom type');
        massOf.set(ty, parseReal(t[1], path, k + 1, 'a mass'));
        const h = lines[k].indexOf('#');
        if (h >= 0) {
          const c = lines[k]
            .slice(h + 1)
            .trim()
            .split(/\s+/)[0];
          if (c) commentOf.set(ty, c);
        }
      }
      if (name === 'Atoms' && k - j >= n) break;
      k++;
    }
    i = k;
  }
  if (!atoms) throw new InputError(`${path}: no 'Atoms' section`);
  const style = STYLES[atoms.style];
  if (!style) {
    throw lineError(
      path,
      atoms.start,
      `atom style '${atoms.style}' is not supported (use atomic, charge, molecular or full)`,
    );
  }
  // type → element
  const types: TypeMap = {};
  const warnings: string[] = [];
  let how = '';
  if (options.types) {
    Object.assign(types, options.types);
    how = 'user';
  } else if (commentOf.size > 0) {
    for (const [t, c] of commentOf) types[t] = c;
    how = 'comments';
  } else if (massOf.size > 0) {
    for (const [t, m] of massOf) {
      const el = elementForMass(m);
      if (el) types[t] = el;
    }
    how = 'masses';
    warnings.push(
      `${path}: element of each type guessed from its mass (${describeTypeMap(types)}); pass a type map to be explicit`,
    );
  }
  const positions = new Float64Array(3 * n);
  const labels = new Array<string>(n);
  const ids = new Int32Array(n);
  const masses = massOf.size > 0 ? new Float64Array(n) : null;
  for (let a = 0; a < n; a++) {
    const ln = atoms.start + a + 1;
    const line = lines[atoms.start + a];
    if (line === undefined || line.trim() === '' || SECTIONS.has(stripComment(line))) {
      throw lineError(
        path,
        ln,
        `the Atoms section ends after ${a} lines; the header says ${n} atoms`,
      );
    }
    const t = tokens(stripComment(line));
    if (t.length < style.width) {
      throw lineError(
        path,
        ln,
        `truncated atom line: ${t.length} fields, expected at least ${style.width} for atom style ${atoms.style}`,
      );
    }
    ids[a] = parseInteger(t[0], path, ln, 'the atom id');
    const ty = parseInteger(t[style.type], path, ln, 'the atom type');
    if (ntypes > 0 && (ty < 1 || ty > ntypes))
      throw lineError(path, ln, `atom type ${ty} is outside 1..${ntypes}`);
    const el = types[ty];
    if (el === undefined) {
      const hint =
        how === 'user'
          ? `the type map (${describeTypeMap(types)}) has no entry for it`
          : "pass a type map such as '1=Cu,2=Zr' (--types)";
      throw lineError(path, ln, `unknown LAMMPS type ${ty}: ${hint}`);
    }
    labels[a] = el;
    for (let d = 0; d < 3; d++)
      positions[3 * a + d] = parseReal(t[style.x + d], path, ln, `${'xyz'[d]}`);
    if (masses) {
      const m = massOf.get(ty);
      if (m === undefined)
        throw lineError(path, ln, `type ${ty} has no entry in the Masses section`);
      masses[a] = m;
    }
  }
  const order = orderById(ids);
  checkUniqueIds(ids, order, path);
  let fpos = positions;
  let flab = labels;
  let fids = ids;
  let fm = masses;
  if (order) {
    fpos = new Float64Array(3 * n);
    for (let k = 0; k < n; k++)
      for (let d = 0; d < 3; d++) fpos[3 * k + d] = positions[3 * order[k] + d];
    flab = Array.from(order, (o) => labels[o]);
    fids = Int32Array.from(order, (o) => ids[o]);
    if (masses) fm = Float64Array.from(order, (o) => masses[o]);
  }
  const L: Vec3 = [hi[0] - lo[0], hi[1] - lo[1], hi[2] - lo[2]];
  return makeFrame({
    positions: fpos,
    labels: flab,
    cell: { lengths: L, origin: lo as Vec3 },
    ids: fids,
    masses: fm,
    source: path,
    warnings,
  });
}
