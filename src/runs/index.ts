/**
 * Run documents: the JSON files a workflow writes into its run directory (or model directory),
 * each kind with one exported TypeScript type, one zod schema and one reader in a file of this
 * folder (`evaluate.ts`, `tune.ts`, `baselines.ts`, …). This module holds what the readers share:
 * reading a JSON file and validating it, with an `InputError` (exit 2) that names the file and the
 * first offending field.
 *
 * The schemas check the fields that readers and the report rely on; other fields pass through
 * unchanged (documents are extended, never broken: docs/architecture.md, JSON contract).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { InputError } from '../util/errors.ts';
import type { RunManifest } from '../util/manifest.ts';

/** A JSON number, or null where JSON wrote NaN or ±Infinity (e.g. R² of one row). */
export const num = z.number().nullable();

/** `a.b[2].c` for a zod issue path. */
function fieldPath(path: readonly PropertyKey[]): string {
  let s = '';
  for (const p of path) s += typeof p === 'number' ? `[${p}]` : s ? `.${String(p)}` : String(p);
  return s || '(the document)';
}

/** The first validation problem of `error` as "field 'x.y': message". */
export function describeIssue(error: z.ZodError): string {
  const i = error.issues[0];
  return `field '${fieldPath(i.path)}': ${i.message}`;
}

/**
 * Validate an already-parsed value against `schema`; an `InputError` naming `file` and the field
 * otherwise. `what` says what the file should be (e.g. "a tuned.json written by 'vibann tune'").
 */
export function validateDocument<S extends z.ZodType>(
  value: unknown,
  schema: S,
  file: string,
  what: string,
): z.output<S> {
  const r = schema.safeParse(value);
  if (!r.success) throw new InputError(`${file}: expected ${what}; ${describeIssue(r.error)}`);
  // The value as read (not zod's copy): same key order, nothing stripped or transformed.
  return value as z.output<S>;
}

/** Read and parse a JSON file; InputError if it is missing or not JSON. */
export function readJsonFile(file: string, what: string): unknown {
  if (!existsSync(file)) throw new InputError(`${file}: no such file (expected ${what})`);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new InputError(`${file}: cannot read it: ${(e as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new InputError(`${file}: not valid JSON (${(e as Error).message})`);
  }
}

/** Read a JSON document and validate it (see `validateDocument`). */
export function readDocument<S extends z.ZodType>(
  file: string,
  schema: S,
  what: string,
): z.output<S> {
  return validateDocument(readJsonFile(file, what), schema, file, what);
}

/** The file of a run document: `dir/name`, after checking that `dir` is a directory. */
export function runFile(dir: string, name: string): string {
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    throw new InputError(`run directory '${dir}' does not exist`);
  }
  if (!isDir) throw new InputError(`'${dir}' is not a directory; expected a run directory`);
  return join(dir, name);
}

/** The run manifest (util/manifest.ts): the fields every run writes. */
export const RunManifestSchema = z.looseObject({
  schema: z.string().optional(),
  command: z.string(),
  argv: z.array(z.string()).optional(),
  options: z.record(z.string(), z.unknown()).optional(),
  seeds: z.record(z.string(), z.union([z.number(), z.string()])).optional(),
  timings: z.record(z.string(), z.number()).optional(),
  started: z.string().optional(),
  finished: z.string().optional(),
  backend: z.string().optional(),
});

/** Read `dir/manifest.json` (InputError if the directory or the manifest is missing or malformed). */
export function readRunManifest(dir: string): RunManifest {
  const file = runFile(dir, 'manifest.json');
  if (!existsSync(file))
    throw new InputError(
      `'${file}' not found; expected a run directory written by a vibann command (it holds manifest.json)`,
    );
  return readDocument(file, RunManifestSchema, 'a run manifest') as unknown as RunManifest;
}
