/**
 * The lab loop (issue 13): measured alloys appended to the reference data for a retraining
 * (`vibann train --add measured.csv`). The measurements go through the project's one dataset
 * reader (data/dataset.ts `loadDataset`: same columns, same checks, errors naming file/row/column);
 * the merged table is written as a dataset CSV (element columns over the union of both element
 * sets, then Load and HV) and read back through the same reader, so the merged file's SHA-256 is
 * what the model records. The split keeps every original row where it was and puts the new rows
 * into train_fit, spread over the CV folds in turn (they are the information the loop is about).
 */
import { type Dataset, loadDataset } from '../data/dataset.ts';
import type { Split, SplitFileJSON } from '../data/split.ts';
import { splitFromJSON } from '../data/split.ts';

/** Where each added file came from (recorded in the model's train.json). */
export interface AddedMeasurements {
  file: string;
  sha256: string;
  rows: number;
  /** Row indices of these measurements in the merged dataset (0-based). */
  merged_rows: [number, number];
}

/** The merged dataset CSV text: base rows, then every added file's rows, in order. */
export function mergedDatasetCsv(base: Dataset, added: readonly Dataset[]): string {
  const all = [base, ...added];
  const elements = [...new Set(all.flatMap((d) => d.elements))].sort();
  const lines = [[...elements, 'Load', 'HV'].join(',')];
  for (const d of all) {
    for (let r = 0; r < d.nRows; r++) {
      const f = d.compositions[r].toFractions();
      lines.push(
        [...elements.map((e) => String(f[e] ?? 0)), String(d.load[r]), String(d.hv[r])].join(','),
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

/** Read the measurement files (the one dataset reader; InputError naming file/row/column). */
export function readMeasurements(files: readonly string[]): Dataset[] {
  return files.map((f) => loadDataset(f));
}

/** Provenance of the added files inside a merged dataset of `baseRows` rows. */
export function addedProvenance(baseRows: number, added: readonly Dataset[]): AddedMeasurements[] {
  let at = baseRows;
  return added.map((d) => {
    const r: AddedMeasurements = {
      file: d.source,
      sha256: d.sha256,
      rows: d.nRows,
      merged_rows: [at, at + d.nRows - 1],
    };
    at += d.nRows;
    return r;
  });
}

/**
 * The split of the merged dataset: `base` (a split of its first `base` rows) with the rows from
 * `baseRows` on added to train_fit and dealt round-robin into the CV folds.
 */
export function mergedSplit(merged: Dataset, base: Split, baseRows: number): Split {
  const folds = base.cvFolds.map((f) => [...f]);
  const extra: number[] = [];
  for (let r = baseRows; r < merged.nRows; r++) {
    extra.push(r);
    folds[(r - baseRows) % folds.length].push(r);
  }
  const j: SplitFileJSON = {
    dataset_sha256: merged.sha256,
    n_rows: merged.nRows,
    train_fit: [...base.trainFit, ...extra],
    calibration: [...base.calibration],
    test: [...base.test],
    cv_folds: folds,
  };
  return splitFromJSON(merged, j, {
    kind: 'file',
    label: 'merged split',
    description: `${base.description} + ${extra.length} added measurement row(s) in train_fit`,
  });
}
