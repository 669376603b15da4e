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

/** Phase table cos/sin(2π m u_j) for m = mlo..mhi, laid out [m − mlo][j]. */
function phases(u: Float64Array, mlo: number, mhi: number): { re: Float64Array; im: Float64Array } {
  const n = u.length;
  const re = new Float64Array((mhi - mlo + 1) * n);
  const im = new Float64Array((mhi - mlo + 1) * n);
  for (let m = mlo; m <= mhi; m++) {
    const o = (m - mlo) * n;
    for (let j = 0; j < n; j++) {
      const t = 2 * Math.PI * m * u[j];
      re[o + j] = Math.cos(t);
      im[o + j] = Math.sin(t);
    }
  }
  return { re, im };
}

/** The direct k-space sum, shell-averaged (Ashcroft–Langreth partials). */
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
  // half-space wave vectors by shell
  const shells: number[][] = Array.from({ length: nShells }, () => []);
  const K = 2 * kmax + 1;
  const Lw = 2 * lmax + 1;
  for (let h = 0; h <= hmax; h++) {
    for (let k = h === 0 ? 0 : -kmax; k <= kmax; k++) {
      for (let l = h === 0 && k === 0 ? 1 : -lmax; l <= lmax; l++) {
        const q = Math.sqrt((gx * h) ** 2 + (gy * k) ** 2 + (gz * l) ** 2);
        const s = Math.floor(q / dq);
        if (s < nShells) shells[s].push((h * K + (k + kmax)) * Lw + (l + lmax));
      }
    }
  }
  const rng = new Rng(o.seed).fork('sq-shells');
  const nShell = new Int32Array(nShells);
  const nUsed = new Int32Array(nShells);
  for (let s = 0; s < nShells; s++) {
    const v = shells[s];
    nShell[s] = v.length;
    if (v.length > o.maxVectors) {
      // partial Fisher–Yates: the first maxVectors entries become a uniform random subset
      for (let p = 0; p < o.maxVectors; p++) {
        const r = p + rng.int(v.length - p);
        const t = v[p];
        v[p] = v[r];
        v[r] = t;
      }
      v.length = o.maxVectors;
    }
    nUsed[s] = v.length;
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
  const X = phases(ux, 0, hmax);
  const Y = phases(uy, -kmax, kmax);
  const Z = phases(uz, -lmax, lmax);
  const ns = frame.species.length;
  const nPairs = (ns * (ns + 1)) / 2;
  const al = Array.from({ length: nPairs }, () => new Float64Array(nShells));
  const qsum = new Float64Array(nShells);
  const reA = new Float64Array(ns);
  const imA = new Float64Array(ns);
  const norm = new Float64Array(ns * ns);
  for (let a = 0; a < ns; a++)
    for (let b = 0; b < ns; b++)
      norm[a * ns + b] = 1 / Math.sqrt((start[a + 1] - start[a]) * (start[b + 1] - start[b]));
  const xr = X.re;
  const xi = X.im;
  const yr = Y.re;
  const yi = Y.im;
  const zr = Z.re;
  const zi = Z.im;
  for (let s = 0; s < nShells; s++) {
    for (const code of shells[s]) {
      const l = (code % Lw) - lmax;
      const hk = Math.floor(code / Lw);
      const k = (hk % K) - kmax;
      const h = Math.floor(hk / K);
      qsum[s] += Math.sqrt((gx * h) ** 2 + (gy * k) ** 2 + (gz * l) ** 2);
      const bx = h * n;
      const by = (k + kmax) * n;
      const bz = (l + lmax) * n;
      for (let a = 0; a < ns; a++) {
        let re = 0;
        let im = 0;
        for (let j = start[a]; j < start[a + 1]; j++) {
          const ar = xr[bx + j];
          const ai = xi[bx + j];
          const br = yr[by + j];
          const bi = yi[by + j];
          const tr = ar * br - ai * bi;
          const ti = ar * bi + ai * br;
          const cr = zr[bz + j];
          const ci = zi[bz + j];
          re += tr * cr - ti * ci;
          im += tr * ci + ti * cr;
        }
        reA[a] = re;
        imA[a] = im;
      }
      let p = 0;
      for (let a = 0; a < ns; a++) {
        for (let b = a; b < ns; b++) {
          al[p][s] += (reA[a] * reA[b] + imA[a] * imA[b]) * norm[a * ns + b];
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
  const out: Float64Array[] = [];
  const ns = species.length;
  for (let a = 0; a < ns; a++) {
    for (let b = a; b < ns; b++) {
      const g = rdf.partial[pairKey(species[a], species[b])].g;
      const s = new Float64Array(q.length);
      for (let m = 0; m < q.length; m++) {
        let acc = 0;
        for (let k = 0; k < nb; k++) {
          const qr = q[m] * rdf.r[k];
          acc += kern[k] * (g[k] - 1) * (Math.sin(qr) / qr);
        }
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
    const sine = (s: number[]) =>
      r.map((rr) => {
        let acc = 0;
        for (let m = 0; m < nq; m++) acc += q[m] * (s[m] - 1) * Math.sin(q[m] * rr) * dq;
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
