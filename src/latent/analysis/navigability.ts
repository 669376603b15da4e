/**
 * Navigability of a latent space (SPEC §8): the k-nearest-neighbour graph of the latents (k = 10,
 * Euclidean; an undirected edge i–j when j is among i's k nearest or i among j's), its number of
 * connected components, and the distribution of |ΔHV| / ‖Δz‖ over its edges. A navigable space is
 * one connected piece in which a short latent step changes hardness little.
 *
 * Comparing two models (VIB vs deterministic bottleneck): their latents have different scales, so
 * the ratio is also given scale-free, with ‖Δz‖ measured in units of the latent cloud's RMS radius
 * r = sqrt(mean_i ‖z_i − z̄‖²) ("HV per cloud radius"); |ΔHV| over edges needs no scaling.
 */
import { InputError } from '../../util/errors.ts';
import { type Distribution, distribution, type Matrix } from './stats.ts';

/** Undirected edges [i, j] (i < j) of the k-NN graph, in ascending order. */
export function knnEdges(z: Matrix, k: number): [number, number][] {
  const { n, d, data } = z;
  if (!Number.isInteger(k) || k < 1) throw new InputError(`k-NN graph: k = ${k}; expected ≥ 1`);
  const kk = Math.min(k, n - 1);
  const set = new Set<number>();
  const dist = new Float64Array(n);
  const idx = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let c = 0; c < d; c++) {
        const t = data[i * d + c] - data[j * d + c];
        s += t * t;
      }
      dist[j] = j === i ? Number.POSITIVE_INFINITY : s;
      idx[j] = j;
    }
    // partial selection of the kk nearest (ties: lower index first)
    const order = Array.from(idx).sort((a, b) => dist[a] - dist[b] || a - b);
    for (let m = 0; m < kk; m++) {
      const j = order[m];
      const a = Math.min(i, j);
      const b = Math.max(i, j);
      set.add(a * n + b);
    }
  }
  return [...set].sort((a, b) => a - b).map((e) => [Math.floor(e / n), e % n]);
}

/** Connected components of an undirected graph on n vertices: component id per vertex (0-based, by first vertex). */
export function connectedComponents(n: number, edges: readonly (readonly number[])[]): number[] {
  const parent = Array.from({ length: n }, (_, i) => i);
  const find = (a: number): number => {
    while (parent[a] !== a) {
      parent[a] = parent[parent[a]];
      a = parent[a];
    }
    return a;
  };
  for (const [a, b] of edges) {
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parent[Math.max(ra, rb)] = Math.min(ra, rb);
  }
  const ids = new Map<number, number>();
  return Array.from({ length: n }, (_, i) => {
    const r = find(i);
    if (!ids.has(r)) ids.set(r, ids.size);
    return ids.get(r)!;
  });
}

/** RMS distance of the rows of z from their mean. */
export function rmsRadius(z: Matrix): number {
  const { n, d, data } = z;
  let s = 0;
  for (let c = 0; c < d; c++) {
    let m = 0;
    for (let i = 0; i < n; i++) m += data[i * d + c];
    m /= n;
    for (let i = 0; i < n; i++) s += (data[i * d + c] - m) ** 2;
  }
  return Math.sqrt(s / n);
}

export interface NavigabilityReport {
  k: number;
  n: number;
  edges: number;
  /** Number of connected components of the k-NN graph. */
  components: number;
  /** Fraction of the points in the largest component. */
  largest_component_fraction: number;
  /** RMS radius of the latent cloud (latent units). */
  rms_radius: number;
  /** |ΔHV| / ‖Δz‖ over edges, HV per latent unit (edges with ‖Δz‖ = 0 left out). */
  ratio: Distribution;
  /** |ΔHV| / (‖Δz‖ / rms_radius) over edges: HV per cloud radius (comparable across models). */
  ratio_scaled: Distribution;
  /** |ΔHV| over edges, HV. */
  abs_dhv: Distribution;
  /** Edges joining identical latents (left out of the ratios). */
  zero_length_edges: number;
}

export interface NavigabilityModelReport extends NavigabilityReport {
  /** 'this model' or 'comparison'. */
  model: string;
  bottleneck: string;
  latent_dim: number;
}

/** The navigability metrics of latents z with hardness hv (one per row). */
export function navigability(z: Matrix, hv: ArrayLike<number>, k = 10): NavigabilityReport {
  if (hv.length !== z.n)
    throw new InputError(`navigability: ${hv.length} HV values for ${z.n} latents`);
  if (z.n < 2) throw new InputError('navigability: need at least 2 latents');
  const edges = knnEdges(z, k);
  const comp = connectedComponents(z.n, edges);
  const sizes = new Map<number, number>();
  for (const c of comp) sizes.set(c, (sizes.get(c) ?? 0) + 1);
  const r = rmsRadius(z);
  const ratio: number[] = [];
  const dhv: number[] = [];
  let zero = 0;
  for (const [a, b] of edges) {
    let s = 0;
    for (let c = 0; c < z.d; c++) s += (z.data[a * z.d + c] - z.data[b * z.d + c]) ** 2;
    const dz = Math.sqrt(s);
    const dh = Math.abs(hv[a] - hv[b]);
    dhv.push(dh);
    if (dz > 0) ratio.push(dh / dz);
    else zero++;
  }
  const none: Distribution = {
    n: 0,
    mean: Number.NaN,
    q10: Number.NaN,
    q25: Number.NaN,
    median: Number.NaN,
    q75: Number.NaN,
    q90: Number.NaN,
  };
  const safe = (v: number[]) => (v.length > 0 ? distribution(v) : none);
  return {
    k,
    n: z.n,
    edges: edges.length,
    components: sizes.size,
    largest_component_fraction: Math.max(...sizes.values()) / z.n,
    rms_radius: r,
    ratio: safe(ratio),
    ratio_scaled: safe(ratio.map((v) => v * r)),
    abs_dhv: safe(dhv),
    zero_length_edges: zero,
  };
}
