/**
 * The md fixtures and oracle values live in ../shared/data/md relative to the repository root
 * (read-only; never copied into the repo). A missing fixture fails the test with a clear message.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const MD_DIR = join(REPO_ROOT, '..', 'shared', 'data', 'md');

/** Absolute path of a fixture in ../shared/data/md; throws (failing the test) when it is missing. */
export function md(name: string): string {
  const p = join(MD_DIR, name);
  if (!existsSync(p)) {
    throw new Error(
      `md fixture ${p} is missing: the structure tests need ../shared/data/md beside the repository root (read-only fixtures with oracle.json)`,
    );
  }
  return p;
}

// biome-ignore lint/suspicious/noExplicitAny: oracle.json is a large, loosely typed reference document
type Json = any;
let cache: Json | null = null;
let peratom: Json | null = null;

/** The parsed oracle.json. */
export function oracle(): Json {
  if (!cache) cache = JSON.parse(readFileSync(md('oracle.json'), 'utf8'));
  return cache;
}

/** The per-atom oracles of the Cu-Zr frame (atom order = id order). */
export function cuzrPerAtom(): Json {
  if (!peratom) peratom = JSON.parse(readFileSync(md('cuzr_quench_peratom.json'), 'utf8'));
  return peratom;
}

export const GLASSES = ['A1', 'A2', 'A3', 'A4', 'A5'] as const;

/** |a − b| ≤ abs, or ≤ rel·|b| where b ≠ 0. */
export function close(a: number, b: number, rel: number, abs = 0): boolean {
  return Math.abs(a - b) <= Math.max(abs, rel * Math.abs(b));
}
