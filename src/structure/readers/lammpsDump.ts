/**
 * LAMMPS `dump custom` reader (SPEC §13): columns named on the `ITEM: ATOMS` line; coordinates from
 * x/y/z, xu/yu/zu, xs/ys/zs (scaled) or xsu/ysu/zsu; species from an `element` column or from `type`
 * through a user-given type → element map. Orthorhombic boxes only; atoms are ordered by id.
 */
import { InputError } from '../../util/errors.ts';
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

export interface LammpsDumpOptions {
  /** LAMMPS type → element label; needed unless the dump has an `element` column. */
  types?: TypeMap;
  /** Which snapshot: 'first', 'last' (default, the final frame of a run) or a 0-based index. */
  frame?: 'first' | 'last' | number;
}

export function readLammpsDump(path: string, options: LammpsDumpOptions = {}): Frame {
  return parseLammpsDump(readLines(path), path, options);
}

export function parseLammpsDump(
  lines: string[],
  path: string,
  options: LammpsDumpOptions = {},
): Frame {
  const starts: number[] = [];
  for (let i = 0; i < lines.length; i++) if (lines[i].startsWith('ITEM: TIMESTEP')) starts.push(i);
  if (starts.length === 0)
    throw new InputError(`${path}: not a LAMMPS dump (no 'ITEM: TIMESTEP' line)`);
  const sel = options.frame ?? 'last';
  const fi = sel === 'first' ? 0 : sel === 'last' ? starts.length - 1 : sel;
  if (!Number.isInteger(fi) || fi < 0 || fi >= starts.length) {
    throw new InputError(
      `${path}: snapshot ${String(sel)} requested, the dump has ${starts.length}`,
    );
  }
  const end = fi + 1 < starts.length ? starts[fi + 1] : lines.length;
  let i = starts[fi] + 2;
  let n = -1;
  let lo: Vec3 | null = null;
  let L: Vec3 | null = null;
  const warnings: string[] = [];
  while (i < end) {
    const line = lines[i];
    if (line.startsWith('ITEM: NUMBER OF ATOMS')) {
      n = parseInteger(tokens(lines[i + 1] ?? '')[0], path, i + 2, 'the number of atoms');
      i += 2;
    } else if (line.startsWith('ITEM: BOX BOUNDS')) {
      const flags = tokens(line.slice('ITEM: BOX BOUNDS'.length));
      const tilted = flags.includes('xy') || flags.includes('xz') || flags.includes('yz');
      const b: number[][] = [];
      for (let d = 0; d < 3; d++) {
        const t = tokens(lines[i + 1 + d] ?? '');
        if (t.length < (tilted ? 3 : 2))
          throw lineError(path, i + 2 + d, `box bounds need ${tilted ? 3 : 2} numbers`);
        b.push(t.map((s) => parseReal(s, path, i + 2 + d, 'a box bound')));
      }
      if (tilted && b.some((r) => r[2] !== 0)) {
        throw lineError(
          path,
          i + 1,
          'triclinic box (non-zero xy/xz/yz tilt): non-orthorhombic cells are not supported; only orthorhombic boxes are',
        );
      }
      const per = flags.filter((f) => !['xy', 'xz', 'yz'].includes(f));
      if (per.length === 3 && per.some((f) => f !== 'pp')) {
        warnings.push(
          `${path}: boundary '${per.join(' ')}' is not fully periodic; the analysis treats the box as periodic`,
        );
      }
      lo = [b[0][0], b[1][0], b[2][0]];
      L = [b[0][1] - b[0][0], b[1][1] - b[1][0], b[2][1] - b[2][0]];
      i += 4;
    } else if (line.startsWith('ITEM: ATOMS')) {
      if (n < 0 || !lo || !L)
        throw lineError(path, i + 1, "'ITEM: ATOMS' before NUMBER OF ATOMS and BOX BOUNDS");
      return readAtoms(lines, i, end, n, lo, L, path, options, warnings);
    } else {
      i++;
    }
  }
  throw new InputError(`${path}: snapshot ${fi} has no 'ITEM: ATOMS' section`);
}

function readAtoms(
  lines: string[],
  h: number,
  end: number,
  n: number,
  lo: Vec3,
  L: Vec3,
  path: string,
  options: LammpsDumpOptions,
  warnings: string[],
): Frame {
  const names = tokens(lines[h].slice('ITEM: ATOMS'.length));
  const col = (s: string) => names.indexOf(s);
  const sets: [string[], boolean][] = [
    [['x', 'y', 'z'], false],
    [['xu', 'yu', 'zu'], false],
    [['xs', 'ys', 'zs'], true],
    [['xsu', 'ysu', 'zsu'], true],
  ];
  const found = sets.find(([s]) => s.every((c) => col(c) >= 0));
  if (!found)
    throw lineError(
      path,
      h + 1,
      `no coordinate columns (x y z, xu yu zu, xs ys zs or xsu ysu zsu) in '${names.join(' ')}'`,
    );
  const [cn, scaled] = found;
  const ci = cn.map(col);
  const ec = col('element');
  const tc = col('type');
  const idc = col('id');
  const types = options.types;
  if (ec < 0 && tc < 0)
    throw lineError(
      path,
      h + 1,
      `no species column: the dump needs 'element' or 'type' (columns: ${names.join(' ')})`,
    );
  if (ec < 0 && !types) {
    throw lineError(
      path,
      h + 1,
      "the dump has LAMMPS types but no element column: pass a type map such as '1=Cu,2=Zr' (--types)",
    );
  }
  const positions = new Float64Array(3 * n);
  const labels = new Array<string>(n);
  const ids = idc >= 0 ? new Int32Array(n) : null;
  const width = names.length;
  for (let a = 0; a < n; a++) {
    const ln = h + 2 + a;
    if (h + 1 + a >= end)
      throw lineError(path, ln, `the dump ends after ${a} atom lines; NUMBER OF ATOMS says ${n}`);
    const t = tokens(lines[h + 1 + a]);
    if (t.length < width)
      throw lineError(
        path,
        ln,
        `truncated atom line: ${t.length} fields, expected ${width} (${names.join(' ')})`,
      );
    for (let d = 0; d < 3; d++) {
      const v = parseReal(t[ci[d]], path, ln, `'${cn[d]}'`);
      positions[3 * a + d] = scaled ? lo[d] + v * L[d] : v;
    }
    if (ids) ids[a] = parseInteger(t[idc], path, ln, "'id'");
    if (types && tc >= 0) {
      const ty = parseInteger(t[tc], path, ln, "'type'");
      const el = types[ty];
      if (el === undefined) {
        throw lineError(
          path,
          ln,
          `unknown LAMMPS type ${ty}: the type map (${describeTypeMap(types)}) has no entry for it`,
        );
      }
      labels[a] = el;
    } else {
      labels[a] = t[ec];
    }
  }
  let fpos = positions;
  let flab = labels;
  let fids = ids;
  if (ids) {
    const order = orderById(ids);
    checkUniqueIds(ids, order, path);
    if (order) {
      fpos = new Float64Array(3 * n);
      for (let k = 0; k < n; k++)
        for (let d = 0; d < 3; d++) fpos[3 * k + d] = positions[3 * order[k] + d];
      flab = Array.from(order, (o) => labels[o]);
      fids = Int32Array.from(order, (o) => ids[o]);
    }
  }
  return makeFrame({
    positions: fpos,
    labels: flab,
    cell: { lengths: L, origin: lo },
    ids: fids,
    source: path,
    warnings,
  });
}
