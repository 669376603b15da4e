/**
 * Seeded noise for the network: MC-dropout keep masks and the VIB's ε, generated in JS from a
 * counter-based hash (SplitMix32-style: a Weyl sequence through the murmur3 finaliser), so that
 * - the numbers do not depend on the backend (wasm and cpu see the same masks),
 * - a mask entry depends only on (seed, member, layer, pass, row, unit): predictions do not
 *   depend on how rows are chunked, and member k's noise does not depend on the other members
 *   (a stacked ensemble reproduces each network trained alone),
 * - it is fast (one hash per entry; MC prediction needs tens of millions of entries).
 * Seeds come from the caller's `Rng` (`rng.nextSeed()`), never from Math.random.
 */

/** murmur3 32-bit finaliser. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** One more step of a derived seed: deriveSeed(b, …path, p) = extendSeed(deriveSeed(b, …path), p). */
export function extendSeed(h: number, p: number): number {
  return fmix32((h + Math.imul((p + 1) >>> 0, 0x9e3779b9)) >>> 0);
}

/** A 32-bit seed derived from a base seed and a path of small integers (member, layer, pass, …). */
export function deriveSeed(base: number, ...path: number[]): number {
  let h = fmix32((base >>> 0) ^ 0x5bd1e995);
  for (const p of path) h = extendSeed(h, p);
  return h;
}

/** The 16-bit keep-threshold of a dropout rate: keep an entry when its 16-bit draw is ≥ this. */
export function keepThreshold16(rate: number): number {
  return Math.min(65535, Math.round(rate * 65536));
}

/** Seed of row g of a stream (SplitMix-style: Weyl step through the murmur3 finaliser). */
export function rowSeed(seed: number, g: number): number {
  return fmix32((seed + Math.imul((g + 1) >>> 0, 0x9e3779b9)) >>> 0) || 0x6d2b79f5;
}

/**
 * One row of keep-mask values: entries u < width of row g of stream `seed`, written to
 * dst[off + u]. The row's seed starts an xorshift32 sequence; each step, multiplied by an odd
 * constant, gives two 16-bit draws (units 2j and 2j+1); a unit is kept when its draw ≥
 * round(rate·2¹⁶) — the dropout rate is thus quantised to 1/65536 (0.33 → 0.330002).
 * Kept entries get `keepValue` (1/(1−p) for a mask; the kernels fold in their own scale).
 */
export function keepRow(
  dst: Float32Array,
  off: number,
  seed: number,
  g: number,
  width: number,
  threshold: number,
  keepValue: number,
): void {
  let x = rowSeed(seed, g);
  for (let u = 0; u < width; u += 2) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    const v = Math.imul(x, 0x9e3779b9) >>> 0;
    dst[off + u] = (v & 0xffff) >= threshold ? keepValue : 0;
    if (u + 1 < width) dst[off + u + 1] = v >>> 16 >= threshold ? keepValue : 0;
  }
}

/**
 * Fill `dst[dstOffset + r*width + u]` for r < nRows, u < width with inverted-dropout keep-mask
 * values (0 with probability `rate`, else 1/(1−rate)); row r is row rowStart + r of stream
 * `seed` (see keepRow), so a mask entry depends only on (seed, global row, unit).
 */
export function fillKeepMask(
  dst: Float32Array,
  dstOffset: number,
  seed: number,
  rowStart: number,
  nRows: number,
  width: number,
  rate: number,
): void {
  const keep = 1 / (1 - rate);
  const threshold = keepThreshold16(rate);
  for (let r = 0; r < nRows; r++)
    keepRow(dst, dstOffset + r * width, seed >>> 0, rowStart + r, width, threshold, keep);
}

/**
 * A 32-bit key of one composition (row `i` of an n × E row-major array): the murmur3 finaliser
 * chained over the float32 bit patterns of its E fractions. MC-dropout masks of a prediction are
 * indexed by this key instead of the row index, so every row of the same composition — at any
 * load — gets the same masks (SPEC §5): with a load head that is monotone for each mask draw
 * (SPEC §3 load head), the MC mean is then monotone in the load too. Two compositions sharing a
 * key (a 2⁻³² chance) only share their masks.
 */
export function compositionKey(x: Float32Array, i: number, E: number): number {
  const bits = new Uint32Array(x.buffer, x.byteOffset + i * E * 4, E);
  let h = 0x2545f491;
  for (let k = 0; k < E; k++) h = fmix32((h ^ bits[k]) + Math.imul(k + 1, 0x9e3779b9));
  return h >>> 0;
}

/** Keys (compositionKey) of every row of an n × E row-major array. */
export function compositionKeys(x: Float32Array, E: number): Uint32Array {
  const n = x.length / E;
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[i] = compositionKey(x, i, E);
  return out;
}

/** Uniform in (0, 1) from counter c of stream s. */
function unif(s: number, c: number): number {
  return (fmix32((s + Math.imul(c >>> 0, 0x9e3779b9)) >>> 0) + 0.5) / 4294967296;
}

/**
 * Fill `dst[dstOffset + i]`, i < n, with standard normals (Box–Muller on counter pairs
 * (2i, 2i+1) of stream `seed`, offset by `counterStart`).
 */
export function fillNormal(
  dst: Float32Array,
  dstOffset: number,
  seed: number,
  counterStart: number,
  n: number,
): void {
  const s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    const c = 2 * (counterStart + i);
    const u1 = unif(s, c);
    const u2 = unif(s, c + 1);
    dst[dstOffset + i] = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }
}

/** Stream index of ε (kept apart from the block indices used for the masks). */
export const EPS_STREAM = 0x3fff;
