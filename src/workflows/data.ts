/**
 * The data workflows: `runDataInfo` summarises the dataset found through the resolution order of
 * docs/architecture.md (rows, element basis and counts, loads, HV range, families, SHA-256);
 * `runDataFetch` downloads the reference dataset and verifies its SHA-256. No run directory.
 */
import { join } from 'node:path';
import type { DatasetSummary } from '../data/summary.ts';
import { openDataset, type WorkflowHooks } from './common.ts';

export interface DataInfoOptions {
  /** Dataset CSV (default: VIBANN_DATA, ./data/H_v_dataset.csv, ../shared/data/). */
  data?: string;
}

/** `data info --json`: the summary and how the file was found. */
export interface DataInfoResult extends DatasetSummary {
  /** 'option' | 'env' | 'local' | 'shared' … (data/resolve.ts). */
  resolved_via: string;
}

export async function runDataInfo(
  o: DataInfoOptions = {},
  hooks: WorkflowHooks = {},
): Promise<DataInfoResult> {
  const { ds, via } = await openDataset(o.data, hooks);
  const { summarizeDataset } = await import('../data/summary.ts');
  return { ...summarizeDataset(ds), resolved_via: via };
}

export interface DataFetchOptions {
  /** Where to save the file. */
  out?: string;
  /** Download from this URL instead of the public source. */
  url?: string;
}

export const DATA_FETCH_DEFAULTS: Required<Pick<DataFetchOptions, 'out'>> = {
  out: join('data', 'H_v_dataset.csv'),
};

export async function runDataFetch(
  o: DataFetchOptions = {},
  hooks: WorkflowHooks = {},
): Promise<{ path: string; bytes: number; sha256: string }> {
  const d = await import('../data/fetch.ts');
  const { REFERENCE_URL } = await import('../data/resolve.ts');
  hooks.onInfo?.(`downloading ${o.url ?? REFERENCE_URL}`);
  return d.fetchDataset({ out: o.out ?? DATA_FETCH_DEFAULTS.out, url: o.url });
}
