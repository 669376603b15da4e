/**
 * Element families: the set of elements present in a composition (SPEC §2), written as a key of
 * alphabetically sorted symbols joined by '-', e.g. 'B-Fe-Nb'.
 */
import { median } from 'simple-statistics';
import type { Composition } from '../chem/composition.ts';
import { InputError } from '../util/errors.ts';
import type { Dataset } from './dataset.ts';

export function familyKey(c: Composition): string {
  return [...c.elements].sort().join('-');
}

export interface FamilySummary {
  /** Element-set key, e.g. 'B-Fe-Nb'. */
  family: string;
  rows: number;
  /** Median measured hardness of the family's rows, HV. */
  medianHv: number;
}

/** Families of the given rows (default all), most rows first, ties by key. */
export function listFamilies(ds: Dataset, rows?: readonly number[]): FamilySummary[] {
  const idx = rows ?? Array.from({ length: ds.nRows }, (_, i) => i);
  const groups = new Map<string, number[]>();
  for (const r of idx) {
    const k = familyKey(ds.compositions[r]);
    const g = groups.get(k);
    if (g) g.push(ds.hv[r]);
    else groups.set(k, [ds.hv[r]]);
  }
  return [...groups.entries()]
    .map(([family, hvs]) => ({ family, rows: hvs.length, medianHv: median(hvs) }))
    .sort((a, b) => b.rows - a.rows || (a.family < b.family ? -1 : 1));
}

/** Rows whose composition contains every element of `elements` (leave-family-out, SPEC §12). */
export function rowsContainingAll(ds: Dataset, elements: readonly string[]): number[] {
  const out: number[] = [];
  for (let r = 0; r < ds.nRows; r++) {
    if (elements.every((e) => ds.compositions[r].has(e))) out.push(r);
  }
  return out;
}

/** 'Mo,Ta,Si,W' or 'B-Fe-Nb' → element symbols (whitespace ignored, duplicates removed). */
export function parseFamily(v: string): string[] {
  const els = v
    .split(/[,\-\s]+/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (els.length === 0)
    throw new InputError(`--family expects element symbols such as Mo,Ta,Si,W; got '${v}'`);
  for (const e of els)
    if (!/^[A-Z][a-z]?$/.test(e))
      throw new InputError(`--family: '${e}' is not an element symbol (expected e.g. Mo,Ta,Si,W)`);
  return [...new Set(els)];
}
