/**
 * `vibann data fetch`: download the reference dataset from its public source, verify the SHA-256
 * and write it atomically (a failed or corrupted download never replaces a good file).
 */
import { VibannError } from '../util/errors.ts';
import { sha256, writeFileAtomic } from '../util/fs.ts';
import { REFERENCE_SHA256, REFERENCE_URL } from './resolve.ts';

export interface FetchOptions {
  /** Where to write the file. */
  out: string;
  /** Source URL (default: the authors' repository). */
  url?: string;
  /** Expected SHA-256 (default: the reference dataset's). */
  sha256?: string;
  /** Give up after this many milliseconds (default 30 000). */
  timeoutMs?: number;
}

export async function fetchDataset(
  o: FetchOptions,
): Promise<{ path: string; bytes: number; sha256: string }> {
  const url = o.url ?? REFERENCE_URL;
  const expected = o.sha256 ?? REFERENCE_SHA256;
  let body: Uint8Array;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(o.timeoutMs ?? 30_000) });
    if (!res.ok)
      throw new VibannError(
        `download failed: ${url} answered HTTP ${res.status} ${res.statusText}`,
      );
    body = new Uint8Array(await res.arrayBuffer());
  } catch (e) {
    if (e instanceof VibannError) throw e;
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    const why = cause?.code ?? cause?.message ?? (e as Error).message;
    throw new VibannError(
      `cannot download the dataset from ${url} (${why}). This machine may be offline: copy H_v_dataset.csv to ${o.out} by hand, or pass --data FILE.`,
    );
  }
  const got = sha256(body);
  if (got !== expected) {
    throw new VibannError(
      `downloaded file has SHA-256 ${got}, expected ${expected}; nothing was written`,
    );
  }
  await writeFileAtomic(o.out, body);
  return { path: o.out, bytes: body.length, sha256: got };
}
