/** The dataset summary printed by `vibann data info`. */
import { max, mean, median, min } from 'simple-statistics';
import type { Dataset } from './dataset.ts';
import { type FamilySummary, listFamilies } from './family.ts';

export interface DatasetSummary {
  source: string;
  sha256: string;
  rows: number;
  distinct_compositions: number;
  /** The element basis (column order). */
  elements: string[];
  /** Rows containing each element (element basis order). */
  element_counts: Record<string, number>;
  /** Distinct loads (N) with their row counts, ascending. */
  loads: { load: number; rows: number }[];
  hv: { min: number; max: number; mean: number; median: number };
  families: { count: number; list: FamilySummary[] };
  warnings: string[];
}

export function summarizeDataset(ds: Dataset): DatasetSummary {
  const element_counts: Record<string, number> = {};
  ds.elements.forEach((e) => {
    element_counts[e] = 0;
  });
  const E = ds.elements.length;
  for (let r = 0; r < ds.nRows; r++) {
    for (let k = 0; k < E; k++) if (ds.x[r * E + k] > 0) element_counts[ds.elements[k]]++;
  }
  const loadCounts = new Map<number, number>();
  for (const L of ds.load) loadCounts.set(L, (loadCounts.get(L) ?? 0) + 1);
  const hv = Array.from(ds.hv);
  const families = listFamilies(ds);
  return {
    source: ds.source,
    sha256: ds.sha256,
    rows: ds.nRows,
    distinct_compositions: new Set(ds.compositions.map((c) => c.toFormula({ as: 'fraction' })))
      .size,
    elements: [...ds.elements],
    element_counts,
    loads: [...loadCounts.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([load, rows]) => ({ load, rows })),
    hv: { min: min(hv), max: max(hv), mean: mean(hv), median: median(hv) },
    families: { count: families.length, list: families },
    warnings: [...ds.warnings],
  };
}
