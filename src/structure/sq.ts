/**
 * Static structure factors S(Q) of a periodic frame (issue 17, SPEC §13), by two routes:
 *
 * 1. **Direct k-space sum** over the wave vectors the orthorhombic cell allows,
 *    Q = 2π(h/Lx, k/Ly, l/Lz): per species the amplitude ρ_a(Q) = Σ_{j∈a} exp(iQ·r_j), the
 *    Ashcroft–Langreth partials S^AL_ab(Q) = Re(ρ_a ρ_b*)/√(N_a N_b), averaged over |Q| shells
 *    [s·dq, (s+1)·dq) (dq ≤ 0.05 Å⁻¹). Only one of ±Q is summed (S(−Q) = S(Q)). Exact for the cell;
 *    where a shell holds more than `maxVectors` half-space vectors a seeded random subset of that many
 *    is averaged (documented in docs/structure.md; the default keeps every vector up to ≈ 3 Å⁻¹ for
 *    the 2 000-atom Cu–Zr cell).
 * 2. **Fourier transform** of the partial g_ab(r) (Faber–Ziman):
 *    S_ab(Q) = 1 + 4πρ ∫₀^R r² (g_ab(r) − 1) sin(Qr)/(Qr) W(r) dr, with the Lorch window
 *    W(r) = sin(πr/R)/(πr/R) against truncation ripples at R = r_max of the g(r) (≤ half the box).
 *
 * Faber–Ziman partials from the direct sum: S^FZ_ab = 1 + (S^AL_ab − δ_ab)/√(c_a c_b). Totals are
 * Faber–Ziman weighted: S(Q) = Σ_ab w_ab(Q) S^FZ_ab(Q), w_ab = c_a c_b f_a f_b/(Σ_a c_a f_a)², with
 * f = 1 (number-weighted `s_total` = |Σ_j exp(iQ·r_j)|²/N), X-ray Cromer–Mann f0(Q) or neutron
 * Sears lengths (./scattering.ts). The reduced PDF is G(r) = 4πρr(g(r) − 1) for the number-weighted
 * g(r), and G(r) = (2/π) ∫ Q (S(Q) − 1) sin(Qr) dQ over the direct-sum shells for X-rays and neutrons.
 */
import { InputError } from '../util/errors.ts';
import { Rng } from '../util/rng.ts';
import { cellVolume, type Frame } from './frame.ts';
import { pairKey, type Rdf } from './rdf.ts';
import { hasScatteringData, neutronLength, xrayFormFactor } from './scattering.ts';

export interface SqOptions {
  /** Largest |Q|, Å⁻¹. Default 12. */
  qmax?: number;
  /** Shell width (and FT grid step), Å⁻¹. Default 0.05 (the largest allowed). */
  dq?: number;
  /** At most this many half-space wave vectors per shell (seeded random subset). Default 400. */
  maxVectors?: number;
  /** Seed of the subset choice. Default 1. */
  seed?: number;
  /** Window of the FT route: 'lorch' (default) or 'none'. */
  window?: 'lorch' | 'none';
}

export interface SqPeak {
  q: number;
  height: number;
}

export interface SqReport {
  method: string;
  qmax: number;
  dq: number;
  max_vectors_per_shell: number;
  /** Shell mean |Q| of the vectors summed, Å⁻¹ (empty shells are left out). */
  q: number[];
  /** Half-space wave vectors summed per shell, and how many the shell holds. */
  n_vectors: number[];
  n_vectors_in_shell: number[];
  /** Number-weighted total S(Q) (direct sum). */
  s_total: number[];
  /** Faber–Ziman totals with X-ray form factors and neutron lengths (null when a species has none). */
  s_xray: number[] | null;
  s_neutron: number[] | null;
  /** Faber–Ziman partials 'a-b' (a ≤ b) from the direct sum. */
  partials: Record<string, number[]>;
  /** Maximum of s_total. */
  first_peak: SqPeak;
  /** The FT route from the partial g(r). */
  ft: {
    window: 'lorch' | 'none';
    r_max: number;
    q: number[];
    s_total: number[];
    s_xray: number[] | null;
    s_neutron: number[] | null;
    partials: Record<string, number[]>;
    first_peak: SqPeak;
  } | null;
  /** Reduced pair distribution functions G(r), Å⁻². */
  pdf: {
    r: number[];
    g_number: number[];
    g_xray: number[] | null;
    g_neutron: number[] | null;
  } | null;
  /** Weights used: X-ray f0 at Q = 0 and neutron lengths (fm) per species. */
  weights: { xray_f0: Record<string, number> | null; neutron_b: Record<string, number> | null };
  seconds: { direct: number; ft: number };
}

interface DirectSq {
  q: Float64Array;
  nUsed: Int32Array;
  nShell: Int32Array;
  /** Ashcroft–Langreth partials, [pair][shell], pairs a ≤ b row-major. */
  al: Float64Array[];
}

function speciesOrder(frame: Frame): { order: Int32Array; start: Int32Array } {
  const ns = frame.species.length;
  const start = new Int32Array(ns + 1);
  for (let i = 0; i < frame.n; i++) start[frame.speciesIndex[i] + 1]++;
  for (let a = 0; a < ns; a++) start[a + 1] += start[a];
  const fill = start.slice(0, ns);
  const order = new Int32Array(frame.n);
  for (let i = 0; i < frame.n; i++) order[fill[frame.speciesIndex[i]]++] = i;
  return { order, start };
}

/**
 * Atoms per block of the phase tables: a block's tables hold (hmax + 2·kmax + 2·lmax + 3) rows of
 * this many complex numbers (358 rows, 2.9 MB, for a 37.4 Å box at qmax = 12 Å⁻¹), so their memory
 * does not grow with the number of atoms and the rows in use stay in cache.
 */
const ATOM_BLOCK = 512;

/**
 * Phase table cos/sin(2π m u_j) for m = −mneg..mmax (mneg = 0 or mmax) and j = j0..j0+len−1, laid
 * out [m + mneg][j − j0]. Rows m < 0 are the complex conjugates of rows −m: the phase 2π·m·u is
 * then exactly −2π·|m|·u and Math.cos/Math.sin are exactly even/odd, so they hold the same numbers
 * as calling cos/sin on the negative phase.
 */
function phases(
  u: Float64Array,
  j0: number,
  len: number,
  mneg: number,
  mmax: number,
  re: Float64Array,
  im: Float64Array,
): void {
  for (let m = 0; m <= mmax; m++) {
    const o = (m + mneg) * len;
    for (let j = 0; j < len; j++) {
      const t = 2 * Math.PI * m * u[j0 + j];
      re[o + j] = Math.cos(t);
      im[o + j] = Math.sin(t);
    }
  }
  for (let m = 1; m <= mneg; m++) {
    const o = (mneg - m) * len;
    const p = (mneg + m) * len;
    for (let j = 0; j < len; j++) {
      re[o + j] = re[p + j];
      im[o + j] = -im[p + j];
    }
  }
}

/** The reciprocal grid of an orthorhombic cell up to qmax and the shells of width dq. */
interface KGrid {
  hmax: number;
  kmax: number;
  lmax: number;
  gx: number;
  gy: number;
  gz: number;
  /** k and l rows of a vector code (h·K + k + kmax)·Lw + l + lmax. */
  K: number;
  Lw: number;
  dq: number;
  nShells: number;
}

/**
 * Visit the half-space wave vectors with |Q| < nShells·dq in (h, k, l) order: mode 'count' adds
 * one to count[s] of the vector's shell s, mode 'fill' stores its code at list[fill[s]++]. For each
 * (h, k) the l range is cut to the sphere with a margin (every vector is still tested), so the
 * work is over the half sphere, not the whole box.
 */
function eachVector(
  g: KGrid,
  count: Int32Array | null,
  fill: Float64Array | null,
  list: Float64Array | null,
): void {
  const { hmax, kmax, lmax, gx, gy, gz, K, Lw, dq, nShells } = g;
  const qcut = nShells * dq * (1 + 1e-9);
  for (let h = 0; h <= hmax; h++) {
    for (let k = h === 0 ? 0 : -kmax; k <= kmax; k++) {
      const rest = qcut * qcut - (gx * h) ** 2 - (gy * k) ** 2;
      if (rest < 0) continue;
      const lm = Math.min(lmax, Math.floor(Math.sqrt(rest) / gz) + 1);
      const hk = (h * K + (k + kmax)) * Lw + lmax;
      for (let l = h === 0 && k === 0 ? 1 : -lm; l <= lm; l++) {
        const q = Math.sqrt((gx * h) ** 2 + (gy * k) ** 2 + (gz * l) ** 2);
        const s = Math.floor(q / dq);
        if (s >= nShells) continue;
        if (count) count[s]++;
        else if (fill && list) list[fill[s]++] = hk + l;
      }
    }
  }
}

/**
 * Add the contribution of the atoms of one block to the amplitudes of the vectors byCol[w0..w1)
 * of one (h, k) column: Σ_j P_j Z_l,j per species run, with P_j = exp(2πi(h u_x + k u_y)) (pr, pi)
 * and Z the block's l rows. Each sum continues from the amplitude so far, atom by atom in order.
 */
function sumColumn(
  pr: Float64Array,
  pi: Float64Array,
  zr: Float64Array,
  zi: Float64Array,
  m: number,
  codes: Float64Array,
  byCol: Int32Array,
  w0: number,
  w1: number,
  Lw: number,
  ns: number,
  nseg: number,
  segA: Int32Array,
  segLo: Int32Array,
  segHi: Int32Array,
  accRe: Float64Array,
  accIm: Float64Array,
): void {
  // two vectors at a time (two independent sums per atom: the loop is not held up by the latency
  // of one chain of additions), then the odd one out
  let w = w0;
  for (; w + 1 < w1; w += 2) {
    const va = byCol[w];
    const vb = byCol[w + 1];
    const za = (codes[va] % Lw) * m;
    const zb = (codes[vb] % Lw) * m;
    for (let g = 0; g < nseg; g++) {
      const sa = va * ns + segA[g];
      const sb = vb * ns + segA[g];
      let reA = accRe[sa];
      let imA = accIm[sa];
      let reB = accRe[sb];
      let imB = accIm[sb];
      const j1 = segHi[g];
      for (let j = segLo[g]; j < j1; j++) {
        const tr = pr[j];
        const ti = pi[j];
        const ca = zr[za + j];
        const da = zi[za + j];
        const cb = zr[zb + j];
        const db = zi[zb + j];
        reA += tr * ca - ti * da;
        imA += tr * da + ti * ca;
        reB += tr * cb - ti * db;
        imB += tr * db + ti * cb;
      }
      accRe[sa] = reA;
      accIm[sa] = imA;
      accRe[sb] = reB;
      accIm[sb] = imB;
    }
  }
  if (w < w1) {
    const v = byCol[w];
    const bz = (codes[v] % Lw) * m;
    for (let g = 0; g < nseg; g++) {
      const slot = v * ns + segA[g];
      let re = accRe[slot];
      let im = accIm[slot];
      const j1 = segHi[g];
      for (let j = segLo[g]; j < j1; j++) {
        const tr = pr[j];
        const ti = pi[j];
        const cr = zr[bz + j];
        const ci = zi[bz + j];
        re += tr * cr - ti * ci;
        im += tr * ci + ti * cr;
      }
      accRe[slot] = re;
      accIm[slot] = im;
    }
  }
}

/** P_j = X_h,j · Y_k,j for the atoms of a block. */
function columnPhase(
  xr: Float64Array,
  xi: Float64Array,
  yr: Float64Array,
  yi: Float64Array,
  bx: number,
  by: number,
  m: number,
  pr: Float64Array,
  pi: Float64Array,
): void {
  for (let j = 0; j < m; j++) {
    const ar = xr[bx + j];
    const ai = xi[bx + j];
    const br = yr[by + j];
    const bi = yi[by + j];
    pr[j] = ar * br - ai * bi;
    pi[j] = ar * bi + ai * br;
  }
}

/**
 * The direct k-space sum, shell-averaged (Ashcroft–Langreth partials).
 *
 * The chosen wave vectors are summed column by column: all vectors with the same (h, k) share the
 * product exp(2πi(h u_x + k u_y)) per atom, computed once per column, so each (vector, atom) term
 * costs one complex multiply. Atoms are taken in blocks of ATOM_BLOCK (phase tables per block), and
 * each vector's per-species amplitude is carried from block to block, so every amplitude is the same
 * sequence of floating-point operations (atoms in species order) as a plain loop over the atoms with
 * the three phase factors multiplied in the order X·Y·Z; the shell sums then run in the original
 * vector order. The result does not depend on the block size.
 */
export function directSq(
  frame: Frame,
  o: { qmax: number; dq: number; maxVectors: number; seed: number },
): DirectSq {
  const [Lx, Ly, Lz] = frame.cell.lengths;
  const [ox, oy, oz] = frame.cell.origin;
  const { qmax, dq } = o;
  const nShells = Math.floor(qmax / dq + 1e-9);
  const hmax = Math.floor((qmax * Lx) / (2 * Math.PI));
  const kmax = Math.floor((qmax * Ly) / (2 * Math.PI));
  const lmax = Math.floor((qmax * Lz) / (2 * Math.PI));
  const gx = (2 * Math.PI) / Lx;
  const gy = (2 * Math.PI) / Ly;
  const gz = (2 * Math.PI) / Lz;
  const K = 2 * kmax + 1;
  const Lw = 2 * lmax + 1;
  const grid: KGrid = { hmax, kmax, lmax, gx, gy, gz, K, Lw, dq, nShells };
  // half-space wave vectors by shell, in (h, k, l) order within a shell: counted, then stored
  // flat, shell s at list[first[s] .. first[s + 1])
  const nShell = new Int32Array(nShells);
  eachVector(grid, nShell, null, null);
  const first = new Float64Array(nShells + 1);
  for (let s = 0; s < nShells; s++) first[s + 1] = first[s] + nShell[s];
  const list = new Float64Array(first[nShells]);
  eachVector(grid, null, first.slice(0, nShells), list);
  const rng = new Rng(o.seed).fork('sq-shells');
  const nUsed = new Int32Array(nShells);
  for (let s = 0; s < nShells; s++) {
    const v = list.subarray(first[s], first[s + 1]);
    if (v.length > o.maxVectors) {
      // partial Fisher–Yates: the first maxVectors entries become a uniform random subset
      for (let p = 0; p < o.maxVectors; p++) {
        const r = p + rng.int(v.length - p);
        const t = v[p];
        v[p] = v[r];
        v[r] = t;
      }
    }
    nUsed[s] = Math.min(v.length, o.maxVectors);
  }
  // the chosen vectors in shell order, and grouped by (h, k) column (counting sort)
  let nv = 0;
  for (let s = 0; s < nShells; s++) nv += nUsed[s];
  const codes = new Float64Array(nv);
  {
    let v = 0;
    for (let s = 0; s < nShells; s++)
      for (let e = 0; e < nUsed[s]; e++) codes[v++] = list[first[s] + e];
  }
  const nCol = (hmax + 1) * K;
  const colStart = new Int32Array(nCol + 1);
  for (let v = 0; v < nv; v++) colStart[Math.floor(codes[v] / Lw) + 1]++;
  for (let c = 0; c < nCol; c++) colStart[c + 1] += colStart[c];
  const byCol = new Int32Array(nv);
  {
    const fill = colStart.slice(0, nCol);
    for (let v = 0; v < nv; v++) byCol[fill[Math.floor(codes[v] / Lw)]++] = v;
  }
  const { order, start } = speciesOrder(frame);
  const n = frame.n;
  const ux = new Float64Array(n);
  const uy = new Float64Array(n);
  const uz = new Float64Array(n);
  for (let p = 0; p < n; p++) {
    const i = order[p];
    ux[p] = (frame.positions[3 * i] - ox) / Lx;
    uy[p] = (frame.positions[3 * i + 1] - oy) / Ly;
    uz[p] = (frame.positions[3 * i + 2] - oz) / Lz;
  }
  const ns = frame.species.length;
  // per vector and species: Σ_j exp(iQ·r_j) over the atoms summed so far
  const accRe = new Float64Array(nv * ns);
  const accIm = new Float64Array(nv * ns);
  const B = Math.min(ATOM_BLOCK, Math.max(1, n));
  const xr = new Float64Array((hmax + 1) * B);
  const xi = new Float64Array((hmax + 1) * B);
  const yr = new Float64Array(K * B);
  const yi = new Float64Array(K * B);
  const zr = new Float64Array(Lw * B);
  const zi = new Float64Array(Lw * B);
  const pr = new Float64Array(B);
  const pi = new Float64Array(B);
  const segA = new Int32Array(ns);
  const segLo = new Int32Array(ns);
  const segHi = new Int32Array(ns);
  for (let b0 = 0; b0 < n; b0 += B) {
    const m = Math.min(B, n - b0);
    phases(ux, b0, m, 0, hmax, xr, xi);
    phases(uy, b0, m, kmax, kmax, yr, yi);
    phases(uz, b0, m, lmax, lmax, zr, zi);
    // the species runs inside this block (atoms are in species order)
    let nseg = 0;
    for (let a = 0; a < ns; a++) {
      const lo = Math.max(start[a], b0) - b0;
      const hi = Math.min(start[a + 1], b0 + m) - b0;
      if (lo < hi) {
        segA[nseg] = a;
        segLo[nseg] = lo;
        segHi[nseg] = hi;
        nseg++;
      }
    }
    for (let c = 0; c < nCol; c++) {
      const w0 = colStart[c];
      const w1 = colStart[c + 1];
      if (w0 === w1) continue;
      columnPhase(xr, xi, yr, yi, Math.floor(c / K) * m, (c % K) * m, m, pr, pi);
      sumColumn(
        pr,
        pi,
        zr,
        zi,
        m,
        codes,
        byCol,
        w0,
        w1,
        Lw,
        ns,
        nseg,
        segA,
        segLo,
        segHi,
        accRe,
        accIm,
      );
    }
  }
  const nPairs = (ns * (ns + 1)) / 2;
  const al = Array.from({ length: nPairs }, () => new Float64Array(nShells));
  const qsum = new Float64Array(nShells);
  const norm = new Float64Array(ns * ns);
  for (let a = 0; a < ns; a++)
    for (let b = 0; b < ns; b++)
      norm[a * ns + b] = 1 / Math.sqrt((start[a + 1] - start[a]) * (start[b + 1] - start[b]));
  let v = 0;
  for (let s = 0; s < nShells; s++) {
    for (let e = 0; e < nUsed[s]; e++, v++) {
      const code = codes[v];
      const l = (code % Lw) - lmax;
      const hk = Math.floor(code / Lw);
      const k = (hk % K) - kmax;
      const h = Math.floor(hk / K);
      qsum[s] += Math.sqrt((gx * h) ** 2 + (gy * k) ** 2 + (gz * l) ** 2);
      const base = v * ns;
      let p = 0;
      for (let a = 0; a < ns; a++) {
        for (let b = a; b < ns; b++) {
          al[p][s] +=
            (accRe[base + a] * accRe[base + b] + accIm[base + a] * accIm[base + b]) *
            norm[a * ns + b];
          p++;
        }
      }
    }
  }
  const q = new Float64Array(nShells);
  for (let s = 0; s < nShells; s++) {
    if (nUsed[s] === 0) continue;
    q[s] = qsum[s] / nUsed[s];
    for (let p = 0; p < nPairs; p++) al[p][s] /= nUsed[s];
  }
  return { q, nUsed, nShell, al };
}

/** Faber–Ziman total Σ_ab c_a c_b w_a w_b S_ab / (Σ c_a w_a)² from partials keyed by pair index. */
function weighted(
  partialsFZ: Float64Array[],
  c: Float64Array,
  weightAt: (a: number, s: number) => number,
  nq: number,
): number[] {
  const ns = c.length;
  const out = new Array<number>(nq);
  for (let s = 0; s < nq; s++) {
    let mean = 0;
    for (let a = 0; a < ns; a++) mean += c[a] * weightAt(a, s);
    let tot = 0;
    let p = 0;
    for (let a = 0; a < ns; a++) {
      for (let b = a; b < ns; b++) {
        const w = c[a] * c[b] * weightAt(a, s) * weightAt(b, s) * (a === b ? 1 : 2);
        tot += w * partialsFZ[p][s];
        p++;
      }
    }
    out[s] = tot / (mean * mean);
  }
  return out;
}

function argmaxPeak(q: ArrayLike<number>, s: ArrayLike<number>): SqPeak {
  let best = -1;
  for (let k = 0; k < s.length; k++) if (best < 0 || s[k] > s[best]) best = k;
  return best < 0 ? { q: Number.NaN, height: Number.NaN } : { q: q[best], height: s[best] };
}

/** FT route: Faber–Ziman partials on the grid `q` from the binned partial g(r). */
export function ftPartials(
  rdf: Rdf,
  species: readonly string[],
  q: ArrayLike<number>,
  window: 'lorch' | 'none',
): Float64Array[] {
  const R = rdf.rmax;
  const rho = rdf.numberDensity;
  const nb = rdf.nbins;
  const kern = new Float64Array(nb);
  for (let k = 0; k < nb; k++) {
    const r = rdf.r[k];
    const x = (Math.PI * r) / R;
    const w = window === 'lorch' ? Math.sin(x) / x : 1;
    kern[k] = 4 * Math.PI * rho * r * r * w * rdf.dr;
  }
  // sin(Qr)/(Qr) on the (Q, r) grid, shared by every pair
  const sinc = new Float64Array(q.length * nb);
  for (let m = 0; m < q.length; m++) {
    for (let k = 0; k < nb; k++) {
      const qr = q[m] * rdf.r[k];
      sinc[m * nb + k] = Math.sin(qr) / qr;
    }
  }
  const out: Float64Array[] = [];
  const ns = species.length;
  for (let a = 0; a < ns; a++) {
    for (let b = a; b < ns; b++) {
      const g = rdf.partial[pairKey(species[a], species[b])].g;
      const s = new Float64Array(q.length);
      for (let m = 0; m < q.length; m++) {
        let acc = 0;
        for (let k = 0; k < nb; k++) acc += kern[k] * (g[k] - 1) * sinc[m * nb + k];
        s[m] = 1 + acc;
      }
      out.push(s);
    }
  }
  return out;
}

/** S(Q) by both routes, X-ray and neutron totals, and G(r). `rdf` (the report's g(r)) feeds the FT route. */
export function structureFactor(frame: Frame, rdf: Rdf | null, options: SqOptions = {}): SqReport {
  const qmax = options.qmax ?? 12;
  const dq = options.dq ?? 0.05;
  const maxVectors = options.maxVectors ?? 400;
  const window = options.window ?? 'lorch';
  if (!(qmax > 0) || !(dq > 0) || dq > 0.05 + 1e-12)
    throw new InputError(`S(Q): need qmax > 0 and 0 < dq ≤ 0.05 Å⁻¹, got qmax=${qmax}, dq=${dq}`);
  if (!Number.isInteger(maxVectors) || maxVectors < 1)
    throw new InputError(`S(Q): max vectors per shell must be an integer ≥ 1, got ${maxVectors}`);
  const species = frame.species;
  const ns = species.length;
  const counts = new Float64Array(ns);
  for (let i = 0; i < frame.n; i++) counts[frame.speciesIndex[i]]++;
  const c = counts.map((x) => x / frame.n);
  const have = hasScatteringData(species);
  const bOf = have.neutron ? species.map((s) => neutronLength(s)) : null;

  let t = performance.now();
  const d = directSq(frame, { qmax, dq, maxVectors, seed: options.seed ?? 1 });
  const keep: number[] = [];
  for (let s = 0; s < d.q.length; s++) if (d.nUsed[s] > 0) keep.push(s);
  const q = keep.map((s) => d.q[s]);
  const pairs: string[] = [];
  const fz: Float64Array[] = [];
  let p = 0;
  for (let a = 0; a < ns; a++) {
    for (let b = a; b < ns; b++) {
      pairs.push(pairKey(species[a], species[b]));
      const x = new Float64Array(keep.length);
      const sc = Math.sqrt(c[a] * c[b]);
      keep.forEach((s, m) => {
        x[m] = 1 + (d.al[p][s] - (a === b ? 1 : 0)) / sc;
      });
      fz.push(x);
      p++;
    }
  }
  const nq = keep.length;
  const sTotal = weighted(fz, c, () => 1, nq);
  const fx = have.xray ? species.map((sp) => q.map((qq) => xrayFormFactor(sp, qq))) : null;
  const sX = fx ? weighted(fz, c, (a, s) => fx[a][s], nq) : null;
  const sN = bOf ? weighted(fz, c, (a) => bOf[a], nq) : null;
  const partials: Record<string, number[]> = {};
  pairs.forEach((k, m) => {
    partials[k] = Array.from(fz[m]);
  });
  const direct = (performance.now() - t) / 1000;

  t = performance.now();
  let ft: SqReport['ft'] = null;
  let pdf: SqReport['pdf'] = null;
  if (rdf) {
    const q0 = Math.max(dq, Math.ceil(0.5 / dq) * dq);
    const nf = Math.floor((qmax - q0) / dq + 1e-9) + 1;
    const qf = Array.from({ length: nf }, (_, m) => +(q0 + m * dq).toFixed(10));
    const fzf = ftPartials(rdf, species, qf, window);
    const fxf = have.xray ? species.map((sp) => qf.map((qq) => xrayFormFactor(sp, qq))) : null;
    const sTotF = weighted(fzf, c, () => 1, nf);
    const pf: Record<string, number[]> = {};
    pairs.forEach((k, m) => {
      pf[k] = Array.from(fzf[m]);
    });
    ft = {
      window,
      r_max: rdf.rmax,
      q: qf,
      s_total: sTotF,
      s_xray: fxf ? weighted(fzf, c, (a, s) => fxf[a][s], nf) : null,
      s_neutron: bOf ? weighted(fzf, c, (a) => bOf[a], nf) : null,
      partials: pf,
      first_peak: argmaxPeak(qf, sTotF),
    };
    const rho = frame.n / cellVolume(frame.cell);
    const r = Array.from(rdf.r);
    const gNum = r.map((rr, k) => 4 * Math.PI * rho * rr * (rdf.g[k] - 1));
    const sinQr = r.map((rr) => q.map((qq) => Math.sin(qq * rr)));
    const sine = (s: number[]) =>
      r.map((_, k) => {
        const sn = sinQr[k];
        let acc = 0;
        for (let m = 0; m < nq; m++) acc += q[m] * (s[m] - 1) * sn[m] * dq;
        return (2 / Math.PI) * acc;
      });
    pdf = {
      r,
      g_number: gNum,
      g_xray: sX ? sine(sX) : null,
      g_neutron: sN ? sine(sN) : null,
    };
  }
  const ftSeconds = (performance.now() - t) / 1000;
  return {
    method:
      'direct k-space sum over the cell’s wave vectors, shell-averaged; Faber–Ziman weights; FT route with the Lorch window',
    qmax,
    dq,
    max_vectors_per_shell: maxVectors,
    q,
    n_vectors: keep.map((s) => d.nUsed[s]),
    n_vectors_in_shell: keep.map((s) => d.nShell[s]),
    s_total: sTotal,
    s_xray: sX,
    s_neutron: sN,
    partials,
    first_peak: argmaxPeak(q, sTotal),
    ft,
    pdf,
    weights: {
      xray_f0: have.xray
        ? Object.fromEntries(species.map((sp) => [sp, xrayFormFactor(sp, 0)]))
        : null,
      neutron_b: bOf ? Object.fromEntries(species.map((sp, a) => [sp, bOf[a]])) : null,
    },
    seconds: { direct, ft: ftSeconds },
  };
}
