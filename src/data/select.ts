/**
 * Choosing a split from a command-line spec: `reference`, `cluster`, or a split file (SPEC §2).
 * Default: the reference split on the reference dataset, the cluster-aware split otherwise.
 */
import { existsSync } from 'node:fs';
import { InputError } from '../util/errors.ts';
import { Rng } from '../util/rng.ts';
import type { Dataset } from './dataset.ts';
import { findReferenceSplit, REFERENCE_SHA256 } from './resolve.ts';
import { clusterSplit, type Split, splitFromFile } from './split.ts';

export interface SelectSplitOptions {
  /** 'reference' | 'cluster' | a path to a split JSON file; undefined = the default rule. */
  spec?: string;
  /** Seed of a generated split (default 1). */
  seed?: number;
}

export function selectSplit(ds: Dataset, o: SelectSplitOptions = {}): Split {
  const spec = o.spec ?? (ds.sha256 === REFERENCE_SHA256 ? 'reference' : 'cluster');
  if (spec === 'reference') {
    const path = findReferenceSplit(ds.source);
    if (!path) {
      throw new InputError(
        `--split reference: no reference-split.json found next to ${ds.source} or in ../shared/data/; use --split cluster or --split FILE`,
      );
    }
    return splitFromFile(ds, path, 'reference');
  }
  if (spec === 'cluster') return clusterSplit(ds, { rng: new Rng(o.seed ?? 1) });
  if (existsSync(spec)) return splitFromFile(ds, spec, 'file');
  throw new InputError(
    `--split: expected 'reference', 'cluster' or an existing split file, got '${spec}'`,
  );
}
