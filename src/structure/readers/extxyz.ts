/**
 * Extended XYZ reader (SPEC §13): orthorhombic `Lattice`, optional `Origin`, `Properties` giving the
 * column layout (species and positions in any order, plus optional id and mass). The atom count on
 * line 1 may disagree with the atom lines that follow (the A1–A5 fixtures say 29488 and hold 5488):
 * the lines are trusted and a warning is recorded.
 */
import { InputError } from '../../util/errors.ts';
import { type Frame, makeFrame, type Vec3 } from '../frame.ts';
import { lineError, parseInteger, parseReal, readLines, tokens } from './text.ts';

interface Column {
  name: string;
  type: string;
  width: number;
  start: number;
}

/** Parse `key=value key="quoted value" flag` pairs of an extxyz comment line (keys lower-cased). */
export function parseKeyValues(line: string): Map<string, string> {
  const out = new Map<string, string>();
  const re =
    /([A-Za-z_][A-Za-z0-9_\-:]*)\s*(?:=\s*(?:"((?:[^"\\]|\\.)*)"|\{([^}]*)\}|'([^']*)'|(\S+)))?/g;
  for (let m = re.exec(line); m !== null; m = re.exec(line)) {
    const v = m[2] ?? m[3] ?? m[4] ?? m[5] ?? 'T';
    out.set(m[1].toLowerCase(), v);
  }
  return out;
}

function parseProperties(spec: string, path: string, lineNo: number): Column[] {
  const f = spec.split(':');
  if (f.length % 3 !== 0) {
    throw lineError(path, lineNo, `Properties must be name:type:count triples, got '${spec}'`);
  }
  const cols: Column[] = [];
  let start = 0;
  for (let k = 0; k < f.length; k += 3) {
    const width = Number(f[k + 2]);
    const type = f[k + 1].toUpperCase();
    if (!Number.isInteger(width) || width < 1 || !['R', 'I', 'S', 'L'].includes(type)) {
      throw lineError(
        path,
        lineNo,
        `bad Properties entry '${f[k]}:${f[k + 1]}:${f[k + 2]}' (expected name:R|I|S|L:count)`,
      );
    }
    cols.push({ name: f[k], type, width, start });
    start += width;
  }
  return cols;
}

/** Parse `Lattice="ax ay az bx by bz cx cy cz"`; only orthorhombic cells are supported. */
function parseLattice(v: string, path: string, lineNo: number): Vec3 {
  const t = tokens(v);
  if (t.length !== 9) throw lineError(path, lineNo, `Lattice needs 9 numbers, got ${t.length}`);
  const m = t.map((s) => parseReal(s, path, lineNo, 'a Lattice entry'));
  const diag: Vec3 = [m[0], m[4], m[8]];
  const off = [m[1], m[2], m[3], m[5], m[6], m[7]];
  const scale = Math.max(...diag.map(Math.abs));
  if (off.some((x) => Math.abs(x) > 1e-9 * scale)) {
    throw lineError(
      path,
      lineNo,
      `Lattice has off-diagonal terms (${off.join(' ')}): non-orthorhombic (triclinic) cells are not supported; only orthorhombic boxes are`,
    );
  }
  if (diag.some((x) => !(x > 0)))
    throw lineError(path, lineNo, `Lattice diagonal must be positive, got ${diag.join(' ')}`);
  return diag;
}

export interface FrameSpan {
  /** 0-based index of the count line. */
  header: number;
  /** 0-based index of the first atom line. */
  first: number;
  /** Number of atom lines. */
  count: number;
  declared: number;
}

const isCountLine = (s: string) => /^\s*\d+\s*$/.test(s);

/** Find frame boundaries: a frame ends at EOF or where a count line is followed by a key=value line. */
export function scanExtxyzFrames(lines: string[], path: string): FrameSpan[] {
  const frames: FrameSpan[] = [];
  let h = 0;
  while (h < lines.length && lines[h].trim() === '') h++;
  while (h < lines.length) {
    if (!isCountLine(lines[h]))
      throw lineError(
        path,
        h + 1,
        `expected the atom count of a frame, got '${lines[h].slice(0, 40)}'`,
      );
    const declared = Number(lines[h].trim());
    if (h + 1 >= lines.length)
      throw lineError(path, h + 2, 'missing the comment line (Lattice=…, Properties=…)');
    const first = h + 2;
    let e = first;
    while (e < lines.length) {
      if (isCountLine(lines[e]) && e + 1 < lines.length && lines[e + 1].includes('=')) break;
      e++;
    }
    let last = e;
    while (last > first && lines[last - 1].trim() === '') last--;
    frames.push({ header: h, first, count: last - first, declared });
    h = e;
  }
  if (frames.length === 0) throw new InputError(`${path}: empty file (no extended XYZ frame)`);
  return frames;
}

export interface ExtxyzOptions {
  /** Which frame of a multi-frame file: 'first', 'last' (default) or a 0-based index. */
  frame?: 'first' | 'last' | number;
}

export function readExtxyz(path: string, options: ExtxyzOptions = {}): Frame {
  return parseExtxyz(readLines(path), path, options);
}

export function parseExtxyz(lines: string[], path: string, options: ExtxyzOptions = {}): Frame {
  const frames = scanExtxyzFrames(lines, path);
  const sel = options.frame ?? 'last';
  const fi = sel === 'first' ? 0 : sel === 'last' ? frames.length - 1 : sel;
  if (!Number.isInteger(fi) || fi < 0 || fi >= frames.length) {
    throw new InputError(
      `${path}: frame ${String(sel)} requested, the file has ${frames.length} frame(s)`,
    );
  }
  const span = frames[fi];
  const warnings: string[] = [];
  if (span.count !== span.declared) {
    warnings.push(
      `${path}: line ${span.header + 1} declares ${span.declared} atoms but the frame has ${span.count} atom lines; using the ${span.count} lines`,
    );
  }
  if (span.count === 0) throw lineError(path, span.first + 1, 'frame has no atom lines');
  const cLine = span.header + 2;
  const kv = parseKeyValues(lines[span.header + 1]);
  const lat = kv.get('lattice');
  if (lat === undefined) {
    throw lineError(
      path,
      cLine,
      'no Lattice="…" key: a periodic orthorhombic cell is required for structure analysis',
    );
  }
  const lengths = parseLattice(lat, path, cLine);
  let origin: Vec3 = [0, 0, 0];
  const org = kv.get('origin');
  if (org !== undefined) {
    const t = tokens(org);
    if (t.length !== 3) throw lineError(path, cLine, `Origin needs 3 numbers, got '${org}'`);
    origin = t.map((s) => parseReal(s, path, cLine, 'an Origin entry')) as Vec3;
  }
  const pbc = kv.get('pbc');
  if (pbc !== undefined) {
    const t = tokens(pbc.toUpperCase());
    if (t.some((s) => s === 'F' || s === 'FALSE' || s === '0')) {
      warnings.push(
        `${path}: pbc="${pbc}" but the analysis treats the cell as periodic in x, y and z`,
      );
    }
  }
  const props = kv.get('properties') ?? 'species:S:1:pos:R:3';
  const cols = parseProperties(props, path, cLine);
  const find = (names: string[], type: string, width: number) =>
    cols.find((c) => names.includes(c.name.toLowerCase()) && c.type === type && c.width === width);
  const pos = find(['pos', 'positions'], 'R', 3);
  if (!pos)
    throw lineError(path, cLine, `Properties has no position column pos:R:3 (found ${props})`);
  const spc = find(['species', 'element', 'elements', 'symbols', 'symbol'], 'S', 1);
  if (!spc) {
    throw lineError(path, cLine, `Properties has no species column (species:S:1); found ${props}`);
  }
  const idc = find(['id'], 'I', 1);
  const mc = find(['mass', 'masses'], 'R', 1);
  const width = cols.reduce((s, c) => s + c.width, 0);

  const n = span.count;
  const positions = new Float64Array(3 * n);
  const labels = new Array<string>(n);
  const ids = idc ? new Int32Array(n) : null;
  const masses = mc ? new Float64Array(n) : null;
  for (let a = 0; a < n; a++) {
    const ln = span.first + a + 1;
    const t = tokens(lines[span.first + a]);
    if (t.length < width) {
      throw lineError(
        path,
        ln,
        `truncated atom line: ${t.length} fields, expected ${width} (Properties=${props})`,
      );
    }
    for (let d = 0; d < 3; d++)
      positions[3 * a + d] = parseReal(t[pos.start + d], path, ln, `'${pos.name}' ${'xyz'[d]}`);
    labels[a] = t[spc.start];
    if (ids && idc) ids[a] = parseInteger(t[idc.start], path, ln, `'${idc.name}'`);
    if (masses && mc) masses[a] = parseReal(t[mc.start], path, ln, `'${mc.name}'`);
  }
  return makeFrame({
    positions,
    labels,
    cell: { lengths, origin },
    ids,
    masses,
    source: path,
    warnings,
  });
}
