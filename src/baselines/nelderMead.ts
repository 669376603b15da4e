/**
 * Nelder–Mead simplex minimiser (Lagarias et al. 1998 coefficients: reflection 1, expansion 2,
 * contraction ½, shrink ½), used for the GP's hyperparameters in log space (SPEC §7).
 * Box bounds are handled by clamping every trial point into the box before evaluating it.
 */

export interface NelderMeadOptions {
  /** Initial simplex: x0 plus `step` along each coordinate (default 1). */
  step?: number;
  /** Stop when max |f_i − f_best| ≤ fTol and max |x_i − x_best| ≤ xTol (defaults 1e-8, 1e-5). */
  fTol?: number;
  xTol?: number;
  /** Maximum objective evaluations (default 200 · dimension). */
  maxEval?: number;
  /** Optional box; points are clamped into it. */
  lower?: readonly number[];
  upper?: readonly number[];
}

export interface NelderMeadResult {
  x: number[];
  f: number;
  evaluations: number;
  converged: boolean;
}

export function nelderMead(
  f: (x: number[]) => number,
  x0: readonly number[],
  o: NelderMeadOptions = {},
): NelderMeadResult {
  const n = x0.length;
  const step = o.step ?? 1;
  const fTol = o.fTol ?? 1e-8;
  const xTol = o.xTol ?? 1e-5;
  const maxEval = o.maxEval ?? 200 * n;
  const clamp = (x: number[]) =>
    x.map((v, i) =>
      Math.min(
        o.upper?.[i] ?? Number.POSITIVE_INFINITY,
        Math.max(o.lower?.[i] ?? Number.NEGATIVE_INFINITY, v),
      ),
    );
  let evals = 0;
  const evalAt = (x: number[]): number => {
    evals++;
    const v = f(x);
    return Number.isFinite(v) ? v : Number.POSITIVE_INFINITY;
  };
  const pts: number[][] = [clamp([...x0])];
  for (let i = 0; i < n; i++) {
    const p = [...x0];
    p[i] += step;
    let c = clamp(p);
    // A vertex clamped back onto x0 would make the simplex degenerate: step the other way.
    if (c[i] === pts[0][i]) {
      p[i] = x0[i] - step;
      c = clamp(p);
    }
    pts.push(c);
  }
  const vals = pts.map(evalAt);
  let converged = false;
  while (evals < maxEval) {
    const order = vals.map((_, i) => i).sort((a, b) => vals[a] - vals[b]);
    const sp = order.map((i) => pts[i]);
    const sv = order.map((i) => vals[i]);
    for (let i = 0; i <= n; i++) {
      pts[i] = sp[i];
      vals[i] = sv[i];
    }
    let fSpread = 0;
    let xSpread = 0;
    for (let i = 1; i <= n; i++) {
      fSpread = Math.max(fSpread, Math.abs(vals[i] - vals[0]));
      for (let j = 0; j < n; j++) xSpread = Math.max(xSpread, Math.abs(pts[i][j] - pts[0][j]));
    }
    if (fSpread <= fTol && xSpread <= xTol) {
      converged = true;
      break;
    }
    const centroid = new Array<number>(n).fill(0);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) centroid[j] += pts[i][j] / n;
    const worst = pts[n];
    const along = (t: number) => clamp(centroid.map((c, j) => c + t * (c - worst[j])));
    const xr = along(1);
    const fr = evalAt(xr);
    if (fr < vals[0]) {
      const xe = along(2);
      const fe = evalAt(xe);
      if (fe < fr) {
        pts[n] = xe;
        vals[n] = fe;
      } else {
        pts[n] = xr;
        vals[n] = fr;
      }
      continue;
    }
    if (fr < vals[n - 1]) {
      pts[n] = xr;
      vals[n] = fr;
      continue;
    }
    // Contraction: outside if the reflection improved on the worst, else inside.
    const outside = fr < vals[n];
    const xc = along(outside ? 0.5 : -0.5);
    const fc = evalAt(xc);
    if (fc < (outside ? fr : vals[n])) {
      pts[n] = xc;
      vals[n] = fc;
      continue;
    }
    // Shrink towards the best vertex.
    for (let i = 1; i <= n; i++) {
      pts[i] = clamp(pts[i].map((v, j) => pts[0][j] + 0.5 * (v - pts[0][j])));
      vals[i] = evalAt(pts[i]);
    }
  }
  let best = 0;
  for (let i = 1; i < vals.length; i++) if (vals[i] < vals[best]) best = i;
  return { x: [...pts[best]], f: vals[best], evaluations: evals, converged };
}
