/** `readStructure(path, options)`: pick the reader from `format` or from the file name and content. */
import { readFileSync } from 'node:fs';
import { InputError } from '../../util/errors.ts';
import type { Frame } from '../frame.ts';
import { parseExtxyz, readExtxyz, scanExtxyzFrames } from './extxyz.ts';
import { readLammpsData } from './lammpsData.ts';
import { parseLammpsDump, readLammpsDump } from './lammpsDump.ts';
import { readLines, type TypeMap } from './text.ts';

export type StructureFormat = 'extxyz' | 'lammps-dump' | 'lammps-data';
export const STRUCTURE_FORMATS: readonly StructureFormat[] = [
  'extxyz',
  'lammps-dump',
  'lammps-data',
];

export interface ReadOptions {
  /** File format; guessed from the extension and the first lines when absent. */
  format?: StructureFormat;
  /** LAMMPS type → element map for dump and data files. */
  types?: TypeMap;
  /** Frame of a multi-frame file: 'first', 'last' (default) or a 0-based index. */
  frame?: 'first' | 'last' | number;
}

/** Guess the format of a file from its name, then from its first bytes. */
export function detectFormat(path: string): StructureFormat {
  const lower = path.toLowerCase();
  if (/\.(ext)?xyz$/.test(lower)) return 'extxyz';
  if (/(\.dump|\.lammpstrj)$/.test(lower)) return 'lammps-dump';
  if (/(\.data|\.lmp|\.lammps)$/.test(lower) || /(^|[/\\])data\.[^/\\]+$/.test(lower))
    return 'lammps-data';
  let head = '';
  try {
    const fd = readFileSync(path);
    head = fd.subarray(0, 4096).toString('utf8');
  } catch (e) {
    throw new InputError(
      `${path}: cannot read the file (${(e as NodeJS.ErrnoException).code ?? String(e)})`,
      { cause: e },
    );
  }
  if (head.startsWith('ITEM: TIMESTEP')) return 'lammps-dump';
  const lines = head.split(/\r?\n/);
  if (/^\s*\d+\s*$/.test(lines[0] ?? '') && /Lattice=/i.test(lines[1] ?? '')) return 'extxyz';
  if (/\batoms\b/.test(head) && /xlo\s+xhi/.test(head)) return 'lammps-data';
  throw new InputError(
    `${path}: cannot tell the file format; pass --format extxyz|lammps-dump|lammps-data`,
  );
}

export function readStructure(path: string, options: ReadOptions = {}): Frame {
  const format = options.format ?? detectFormat(path);
  switch (format) {
    case 'extxyz':
      return readExtxyz(path, { frame: options.frame });
    case 'lammps-dump':
      return readLammpsDump(path, { types: options.types, frame: options.frame });
    case 'lammps-data':
      return readLammpsData(path, { types: options.types });
    default:
      throw new InputError(
        `unknown structure format '${String(format)}' (expected ${STRUCTURE_FORMATS.join(', ')})`,
      );
  }
}

/**
 * Every frame of a file (a LAMMPS dump or a multi-frame extended XYZ; a data file has one), read
 * from one pass over its lines.
 */
export function readAllFrames(path: string, options: Omit<ReadOptions, 'frame'> = {}): Frame[] {
  const format = options.format ?? detectFormat(path);
  if (format === 'lammps-data') return [readLammpsData(path, { types: options.types })];
  const lines = readLines(path);
  if (format === 'extxyz') {
    const n = scanExtxyzFrames(lines, path).length;
    return Array.from({ length: n }, (_, k) => parseExtxyz(lines, path, { frame: k }));
  }
  let n = 0;
  for (const l of lines) if (l.startsWith('ITEM: TIMESTEP')) n++;
  return Array.from({ length: n }, (_, k) =>
    parseLammpsDump(lines, path, { types: options.types, frame: k }),
  );
}
