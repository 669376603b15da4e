/**
 * Total and partial radial distribution functions (SPEC §13; md README "Definitions").
 *
 * Binning: bin k (0-based) holds k·dr < d ≤ (k+1)·dr (ASE's ceil(d/dr) rule), centre (k+½)·dr.
 * Normalisation: g_k = H_k / (N·N/V · shell_k) with H_k the ordered pairs (i ≠ j) and
 * shell_k = 4π/3·(r_hi³ − r_lo³); partial g_ab,k = H_ab,k / (N_a·N_b/V · shell_k) with H_ab the ordered
 * pairs i ∈ a, j ∈ b (same-species pairs counted twice, not halved). Then Σ c_a c_b g_ab = g.
 */
import { InputError } from '../util/errors.ts';
import { cellVolume, type Frame } from './frame.ts';
import { checkHalfBox, forEachPair } from './neighbours.ts';

export interface RdfOptions {
  /** Largest distance, Å (must be ≤ half the shortest box edge). Default 10. */
  rmax?: number;
  /** Bin width, Å. Default 0.1. */
  dr?: number;
}

export interface PartialRdf {
  /** g_ab per bin. */
  g: Float64Array;
  /** H_ab: ordered pairs (i in a, j in b) per bin. */
  counts: Float64Array;
}

export interface Rdf {
  rmax: number;
  dr: number;
  nbins: number;
  /** Bin centres, Å. */
  r: Float64Array;
  g: Float64Array;
  /** Ordered pairs per bin (each unordered pair twice). */
  counts: Float64Array;
  /** Keyed 'a-b' with a ≤ b alphabetically. */
  partial: Record<string, PartialRdf>;
  numberDensity: number;
}

/** The 'a-b' key of a species pair, alphabetical. */
export function pairKey(a: string, b: string): string {
  return a <= b ? `${a}-${b}` : `${b}-${a}`;
}

/** Grid cells of at least rmax/3 for the pair search (./neighbours.ts; the counts do not depend on it). */
const RDF_CELLS_PER_CUTOFF = 3;

export function computeRdf(frame: Frame, options: RdfOptions = {}): Rdf {
  const rmax = options.rmax ?? 10;
  const dr = options.dr ?? 0.1;
  if (!(dr > 0) || !(rmax > 0))
    throw new InputError(`RDF: rmax and bin width must be positive, got rmax=${rmax}, bin=${dr}`);
  const nbins = Math.round(rmax / dr);
  if (nbins < 1 || Math.abs(nbins * dr - rmax) > 1e-9 * rmax) {
    throw new InputError(`RDF: rmax (${rmax} Å) must be a whole number of bins of ${dr} Å`);
  }
  checkHalfBox(frame, rmax, 'RDF rmax', '--rmax');
  const ns = frame.species.length;
  const sp = frame.speciesIndex;
  const H = new Float64Array(ns * ns * nbins);
  const total = new Float64Array(nbins);
  const inv = 1 / dr;
  forEachPair(
    frame,
    rmax * (1 + 1e-12) + 1e-12,
    (i, j, _dx, _dy, _dz, r2) => {
      const d = Math.sqrt(r2);
      if (d > rmax) return;
      const k = Math.ceil(d * inv) - 1;
      if (k < 0 || k >= nbins) return;
      total[k] += 2;
      const a = sp[i];
      const b = sp[j];
      if (a === b) H[(a * ns + a) * nbins + k] += 2;
      else {
        H[(a * ns + b) * nbins + k] += 1;
        H[(b * ns + a) * nbins + k] += 1;
      }
    },
    RDF_CELLS_PER_CUTOFF,
  );
  const V = cellVolume(frame.cell);
  const N = frame.n;
  const nOf = new Float64Array(ns);
  for (let i = 0; i < N; i++) nOf[sp[i]]++;
  const shell = new Float64Array(nbins);
  const r = new Float64Array(nbins);
  for (let k = 0; k < nbins; k++) {
    const lo = k * dr;
    const hi = (k + 1) * dr;
    shell[k] = ((4 * Math.PI) / 3) * (hi * hi * hi - lo * lo * lo);
    r[k] = (k + 0.5) * dr;
  }
  const g = new Float64Array(nbins);
  for (let k = 0; k < nbins; k++) g[k] = total[k] / (((N * N) / V) * shell[k]);
  const partial: Record<string, PartialRdf> = {};
  for (let a = 0; a < ns; a++) {
    for (let b = a; b < ns; b++) {
      const counts = H.slice((a * ns + b) * nbins, (a * ns + b + 1) * nbins);
      const gab = new Float64Array(nbins);
      const norm = (nOf[a] * nOf[b]) / V;
      for (let k = 0; k < nbins; k++) gab[k] = counts[k] / (norm * shell[k]);
      partial[pairKey(frame.species[a], frame.species[b])] = { g: gab, counts };
    }
  }
  return { rmax, dr, nbins, r, g, counts: total, partial, numberDensity: N / V };
}
