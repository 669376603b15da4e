/**
 * Save and load a model directory (SPEC §3 Save/load):
 *   manifest.json  schema version, options, members, tensor table (name, shape, dtype, byte
 *                  offset, byte length), weights file name, size and SHA-256, and `extra`
 *   weights.bin    all tensors, little-endian float32, concatenated in the table's order
 * `extra` is an opaque JSON object supplied by the caller (scalers, element basis, data
 * checksum, seeds, package version, training history...) stored and returned as is.
 * The directory is written with `replaceDirAtomic`: a failure in the middle of a save leaves
 * the previous model intact.
 */
import { promises as fsp } from 'node:fs';
import { basename, join } from 'node:path';
import { InputError } from '../util/errors.ts';
import { replaceDirAtomic, sha256, writeFileAtomic, writeJsonAtomic } from '../util/fs.ts';
import type { VibannOptions } from './options.ts';
import { VibannModel } from './params.ts';

/**
 * Version 2 added the Meyer load head's `ise` Dense and the descriptor branch's tensors (options
 * `loadHead`, `descriptors`); version 1 directories (no such tensors) still load, with the
 * options' defaults for the new fields.
 */
export const MODEL_SCHEMA_VERSION = 2;
/** Schema versions this vibann reads. */
export const READABLE_SCHEMA_VERSIONS: readonly number[] = [1, 2];
export const MANIFEST_FILE = 'manifest.json';
export const WEIGHTS_FILE = 'weights.bin';

export interface TensorEntry {
  name: string;
  /** Full shape including the leading member dimension. */
  shape: number[];
  dtype: 'float32';
  /** Byte offset in the weights file. */
  offset: number;
  byteLength: number;
}

export interface ModelManifest {
  format: 'vibann-model';
  schemaVersion: number;
  createdAt: string;
  options: VibannOptions;
  nMembers: number;
  /** Trainable parameters per member. */
  paramCount: number;
  tensors: TensorEntry[];
  weights: { file: string; bytes: number; sha256: string; endianness: 'little' };
  extra: Record<string, unknown>;
  /**
   * SHA-256 of everything above except `createdAt` (options, members, tensor table, weights entry,
   * `extra` with the element basis and scalers), as canonical JSON (`metadataDigest`): an edited
   * basis or scaler is detected like corrupted weights. Absent in models saved before it existed.
   */
  metadata_sha256?: string;
}

/** JSON with object keys sorted at every level (a stable text to hash). */
function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

/** The digest stored as `metadata_sha256`. */
export function metadataDigest(m: ModelManifest): string {
  const { createdAt: _c, metadata_sha256: _d, ...rest } = m;
  return sha256(canonicalJson(rest));
}

export interface LoadedModel<X = Record<string, unknown>> {
  model: VibannModel;
  extra: X;
  manifest: ModelManifest;
}

/** Serialise the model's tensors (table order = model.specs order). */
function packWeights(model: VibannModel): { bytes: Uint8Array; table: TensorEntry[] } {
  const table: TensorEntry[] = [];
  let total = 0;
  for (const s of model.specs) {
    const v = model.values.get(s.name) as Float32Array;
    table.push({
      name: s.name,
      shape: [model.nMembers, ...s.shape],
      dtype: 'float32',
      offset: total,
      byteLength: v.length * 4,
    });
    total += v.length * 4;
  }
  const bytes = new Uint8Array(total);
  const dv = new DataView(bytes.buffer);
  for (const [i, s] of model.specs.entries()) {
    const v = model.values.get(s.name) as Float32Array;
    const off = table[i].offset;
    for (let j = 0; j < v.length; j++) dv.setFloat32(off + 4 * j, v[j], true);
  }
  return { bytes, table };
}

/** Write `model` (and the caller's `extra`) to the directory `dir`, atomically replacing it. */
export async function saveModel(
  dir: string,
  model: VibannModel,
  extra: Record<string, unknown> = {},
): Promise<ModelManifest> {
  const { bytes, table } = packWeights(model);
  const manifest: ModelManifest = {
    format: 'vibann-model',
    schemaVersion: MODEL_SCHEMA_VERSION,
    createdAt: new Date().toISOString(),
    options: model.options,
    nMembers: model.nMembers,
    paramCount: model.paramCount(),
    tensors: table,
    weights: {
      file: WEIGHTS_FILE,
      bytes: bytes.byteLength,
      sha256: sha256(bytes),
      endianness: 'little',
    },
    extra,
  };
  manifest.metadata_sha256 = metadataDigest(JSON.parse(JSON.stringify(manifest)) as ModelManifest);
  // round-trip check of `extra` now, so that a non-JSON value fails before anything is written
  JSON.parse(JSON.stringify(extra));
  await replaceDirAtomic(dir, async (tmp) => {
    await writeFileAtomic(join(tmp, WEIGHTS_FILE), bytes);
    await writeJsonAtomic(join(tmp, MANIFEST_FILE), manifest);
  });
  return manifest;
}

async function readOrFail(path: string, what: string): Promise<Buffer> {
  try {
    return await fsp.readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT')
      throw new InputError(
        `${path}: missing ${what} (not a vibann model directory, or an incomplete one)`,
      );
    throw new InputError(`${path}: cannot read ${what} (${code ?? String(e)})`);
  }
}

/** Read a model directory written by `saveModel`; every inconsistency is an InputError naming the file. */
export async function loadModel<X = Record<string, unknown>>(dir: string): Promise<LoadedModel<X>> {
  const mpath = join(dir, MANIFEST_FILE);
  const raw = await readOrFail(mpath, 'manifest');
  let m: ModelManifest;
  try {
    m = JSON.parse(raw.toString('utf8')) as ModelManifest;
  } catch (e) {
    throw new InputError(`${mpath}: not valid JSON (${(e as Error).message})`);
  }
  if (m?.format !== 'vibann-model')
    throw new InputError(
      `${mpath}: not a vibann model manifest (format ${JSON.stringify(m?.format)})`,
    );
  if (!READABLE_SCHEMA_VERSIONS.includes(m.schemaVersion)) {
    throw new InputError(
      `${mpath}: unknown model schema version ${JSON.stringify(m.schemaVersion)} (this vibann reads versions ${READABLE_SCHEMA_VERSIONS.join(', ')}); retrain or use a matching vibann version`,
    );
  }
  if (!Array.isArray(m.tensors))
    throw new InputError(
      `${mpath}: the manifest has no 'tensors' table; not a complete vibann model`,
    );
  const w = m.weights as Partial<ModelManifest['weights']> | undefined;
  if (!w || typeof w !== 'object' || typeof w.sha256 !== 'string' || typeof w.bytes !== 'number')
    throw new InputError(
      `${mpath}: the manifest has no valid 'weights' entry (file, bytes, sha256); not a complete vibann model (schema ${m.schemaVersion})`,
    );
  const wfile = w.file ?? WEIGHTS_FILE;
  if (
    typeof wfile !== 'string' ||
    wfile === '' ||
    wfile !== basename(wfile) ||
    wfile === '.' ||
    wfile === '..'
  )
    throw new InputError(
      `${mpath}: weights.file '${String(wfile)}' must be a file name inside the model directory`,
    );
  if (m.metadata_sha256 !== undefined && m.schemaVersion >= 2) {
    const d = metadataDigest(m);
    if (d !== m.metadata_sha256)
      throw new InputError(
        `${mpath}: the manifest was modified after the model was saved (metadata SHA-256 ${d} differs from the recorded ${m.metadata_sha256}): its options, element basis or scalers no longer match the weights; retrain or restore the model`,
      );
  }
  const wpath = join(dir, wfile);
  const bytes = await readOrFail(wpath, 'weights file');
  if (bytes.byteLength !== m.weights.bytes) {
    throw new InputError(
      `${wpath}: corrupted weights: ${bytes.byteLength} bytes, the manifest says ${m.weights.bytes}`,
    );
  }
  const digest = sha256(bytes);
  if (digest !== m.weights.sha256) {
    throw new InputError(
      `${wpath}: corrupted weights: SHA-256 ${digest} differs from the manifest's ${m.weights.sha256}`,
    );
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const values = new Map<string, Float32Array>();
  for (const t of m.tensors) {
    const count = t.shape.reduce((p, d) => p * d, 1);
    if (
      t.dtype !== 'float32' ||
      t.byteLength !== count * 4 ||
      t.offset < 0 ||
      t.offset + t.byteLength > bytes.byteLength
    ) {
      throw new InputError(
        `${mpath}: tensor '${t.name}' has an invalid entry (${JSON.stringify(t)})`,
      );
    }
    const v = new Float32Array(count);
    for (let j = 0; j < count; j++) v[j] = dv.getFloat32(t.offset + 4 * j, true);
    values.set(t.name, v);
  }
  let model: VibannModel;
  try {
    model = new VibannModel(m.options, m.nMembers, values);
  } catch (e) {
    throw new InputError(
      `${mpath}: the tensors do not match the options (${(e as Error).message})`,
      { cause: e },
    );
  }
  return { model, extra: m.extra as X, manifest: m };
}
