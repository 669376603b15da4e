/**
 * Peak descriptors of a binned g(r) (SPEC §13): position and height of the first peak, searched in a
 * window (default 2.0–3.0 Å, because B–B bonds give a higher peak near 1.75 Å in boron-rich glasses);
 * FWHM by linear interpolation of the half-height crossings; area ∫g dr (bin sum) between the
 * bracketing minima; height ratio h1/h2 and separation r2 − r1 to the second peak, which is the
 * highest bin beyond the first peak's right-hand minimum.
 */

export interface PeakDescriptors {
  /** Search window [lo, hi] for the first peak, Å (bin centres inside it are candidates). */
  window: [number, number];
  /** Bin centre of the first peak, Å (null when the window holds no positive bin). */
  r: number | null;
  height: number | null;
  /** 0-based bin of the first peak. */
  bin: number | null;
  /** Full width at half maximum, Å (null when a half-height crossing is missing). */
  fwhm: number | null;
  /** Σ g_k·dr over the bins from the left to the right bracketing minimum (inclusive). */
  area: number | null;
  /** Bin centres of the bracketing minima, Å. */
  left_min_r: number | null;
  right_min_r: number | null;
  /** Second peak: the highest bin beyond the right minimum. */
  r2: number | null;
  height2: number | null;
  /** h1 / h2. */
  h1_h2: number | null;
  /** r2 − r1, Å. */
  separation: number | null;
}

export function peakDescriptors(
  r: ArrayLike<number>,
  g: ArrayLike<number>,
  window: [number, number] = [2.0, 3.0],
): PeakDescriptors {
  const nb = g.length;
  const none: PeakDescriptors = {
    window,
    r: null,
    height: null,
    bin: null,
    fwhm: null,
    area: null,
    left_min_r: null,
    right_min_r: null,
    r2: null,
    height2: null,
    h1_h2: null,
    separation: null,
  };
  let k1 = -1;
  for (let k = 0; k < nb; k++) {
    if (r[k] < window[0] - 1e-12 || r[k] > window[1] + 1e-12) continue;
    if (k1 < 0 || g[k] > g[k1]) k1 = k;
  }
  if (k1 < 0 || !(g[k1] > 0)) return none;
  const h1 = g[k1];
  const dr = nb > 1 ? r[1] - r[0] : 0;
  const half = h1 / 2;
  let fwhm: number | null = null;
  let jl = k1;
  while (jl > 0 && g[jl - 1] >= half) jl--;
  let jr = k1;
  while (jr < nb - 1 && g[jr + 1] >= half) jr++;
  if (jl > 0 && jr < nb - 1) {
    const rl = r[jl - 1] + ((half - g[jl - 1]) / (g[jl] - g[jl - 1])) * (r[jl] - r[jl - 1]);
    const rr = r[jr] + ((g[jr] - half) / (g[jr] - g[jr + 1])) * (r[jr + 1] - r[jr]);
    fwhm = rr - rl;
  }
  let kl = k1;
  while (kl > 0 && g[kl - 1] <= g[kl]) kl--;
  let kr = k1;
  while (kr < nb - 1 && g[kr + 1] <= g[kr]) kr++;
  let area = 0;
  for (let k = kl; k <= kr; k++) area += g[k] * dr;
  let k2 = -1;
  for (let k = kr + 1; k < nb; k++) if (k2 < 0 || g[k] > g[k2]) k2 = k;
  const has2 = k2 >= 0 && g[k2] > 0;
  return {
    window,
    r: r[k1],
    height: h1,
    bin: k1,
    fwhm,
    area,
    left_min_r: r[kl],
    right_min_r: r[kr],
    r2: has2 ? r[k2] : null,
    height2: has2 ? g[k2] : null,
    h1_h2: has2 ? h1 / g[k2] : null,
    separation: has2 ? r[k2] - r[k1] : null,
  };
}
