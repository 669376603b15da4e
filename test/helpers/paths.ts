/** Paths to the repository and the shared read-only fixtures (../shared beside the repo). */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SHARED = join(REPO_ROOT, '..', 'shared');

/** A file under ../shared/data; a missing fixture fails the test with a clear message (never skips). */
export function sharedData(name: string): string {
  const p = join(SHARED, 'data', name);
  if (!existsSync(p)) {
    throw new Error(
      `fixture ${p} is missing: the tests need ../shared/data beside the repository (or run 'vibann data fetch' for the dataset)`,
    );
  }
  return p;
}
