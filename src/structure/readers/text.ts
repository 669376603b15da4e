/** Shared helpers for the MD file readers: line splitting (LF or CRLF) and located errors. */
import { readFileSync } from 'node:fs';
import { InputError } from '../../util/errors.ts';

/** Read a text file as lines without their line endings (LF, CRLF or CR). */
export function readLines(path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError(`${path}: cannot read the file (${code ?? String(e)})`, { cause: e });
  }
  return splitLines(text);
}

export function splitLines(text: string): string[] {
  const lines = text.split(/\r\n|\n|\r/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** Whitespace tokens of a line. */
export function tokens(line: string): string[] {
  const t = line.trim();
  return t === '' ? [] : t.split(/\s+/);
}

/** An InputError that names the file and the 1-based line. */
export function lineError(path: string, line: number, msg: string): InputError {
  return new InputError(`${path}: line ${line}: ${msg}`);
}

/** Parse a real number token, or throw naming file, line, column and what was expected. */
export function parseReal(
  tok: string | undefined,
  path: string,
  line: number,
  what: string,
): number {
  const v = tok === undefined || tok === '' ? Number.NaN : Number(tok);
  if (!Number.isFinite(v)) {
    throw lineError(path, line, `expected a number for ${what}, got '${tok ?? ''}'`);
  }
  return v;
}

/** Parse an integer token, or throw naming file, line and what was expected. */
export function parseInteger(
  tok: string | undefined,
  path: string,
  line: number,
  what: string,
): number {
  if (tok === undefined || !/^[+-]?\d+$/.test(tok)) {
    throw lineError(path, line, `expected an integer for ${what}, got '${tok ?? ''}'`);
  }
  return Number(tok);
}

/** Map from LAMMPS atom type (1-based integer) to element label, e.g. parsed from '1=Cu,2=Zr'. */
export type TypeMap = Record<number, string>;

/** Parse '1=Cu,2=Zr' (or 'Cu,Zr' meaning types 1, 2, …) into a TypeMap. */
export function parseTypeMap(spec: string): TypeMap {
  const parts = spec
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (parts.length === 0)
    throw new InputError(`type map: expected '1=Cu,2=Zr' or 'Cu,Zr', got '${spec}'`);
  const map: TypeMap = {};
  parts.forEach((p, k) => {
    const m = /^(\d+)\s*[=:]\s*([A-Za-z][A-Za-z0-9_]*)$/.exec(p);
    if (m) map[Number(m[1])] = m[2];
    else if (/^[A-Za-z][A-Za-z0-9_]*$/.test(p)) map[k + 1] = p;
    else
      throw new InputError(
        `type map: expected 'TYPE=ELEMENT' such as '1=Cu', got '${p}' in '${spec}'`,
      );
  });
  return map;
}

export function describeTypeMap(map: TypeMap): string {
  return Object.entries(map)
    .map(([t, e]) => `${t}=${e}`)
    .join(',');
}

/** Reorder per-atom arrays so ids ascend (LAMMPS data files list atoms in any order). */
export function orderById(ids: Int32Array): Int32Array | null {
  let sorted = true;
  for (let i = 1; i < ids.length; i++) {
    if (ids[i] <= ids[i - 1]) {
      sorted = false;
      break;
    }
  }
  if (sorted) return null;
  const order = Int32Array.from({ length: ids.length }, (_, i) => i);
  order.sort((a, b) => ids[a] - ids[b]);
  return order;
}

/** Check ids for duplicates (after ordering); throws naming the file. */
export function checkUniqueIds(ids: Int32Array, order: Int32Array | null, path: string): void {
  for (let k = 1; k < ids.length; k++) {
    const a = order ? ids[order[k - 1]] : ids[k - 1];
    const b = order ? ids[order[k]] : ids[k];
    if (a === b) throw new InputError(`${path}: atom id ${a} appears more than once`);
  }
}
