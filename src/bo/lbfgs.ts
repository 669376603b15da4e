/**
 * Limited-memory BFGS for the GP-BO acquisition (SPEC §10: multi-start gradient ascent with
 * analytic gradients). Maximises f; internally minimises −f with the two-loop recursion, an initial
 * inverse-Hessian scale γ = sᵀy / yᵀy, and a backtracking Armijo line search. The step is capped
 * in the ∞-norm (`maxStep`, logit units) so one step cannot leap across the simplex. Curvature
 * pairs with sᵀy ≤ 1e-12·‖s‖‖y‖ are skipped (the acquisition's squared-hinge penalties and
 * nearest-anchor switches make it only piecewise smooth).
 */

export interface LbfgsOptions {
  /** Iteration cap (default 100). */
  maxIter: number;
  /** Curvature pairs kept (default 8). */
  memory: number;
  /** Stop when ‖∇f‖∞ ≤ gradTol (units of f per unit of u; default 1e-3). */
  gradTol: number;
  /** Stop when |Δf| ≤ fTol·max(1, |f|) over one iteration (default 1e-9). */
  fTol: number;
  /** Largest |Δuᵢ| of one step (default 2). */
  maxStep: number;
  /** Armijo constant (default 1e-4). */
  c1: number;
  /** Backtracking halvings before giving up (default 30). */
  maxBacktrack: number;
}

export const DEFAULT_LBFGS_OPTIONS: LbfgsOptions = Object.freeze({
  maxIter: 100,
  memory: 8,
  gradTol: 1e-3,
  fTol: 1e-9,
  maxStep: 2,
  c1: 1e-4,
  maxBacktrack: 30,
});

export type LbfgsStatus = 'gradient' | 'f_tolerance' | 'max_iter' | 'line_search';

export interface LbfgsResult {
  u: Float64Array;
  value: number;
  iterations: number;
  evaluations: number;
  status: LbfgsStatus;
}

export type ValueAndGradient = (u: Float64Array) => { value: number; grad: Float64Array };

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function infNorm(a: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

/** Maximise f from u0. */
export function lbfgsMaximize(
  f: ValueAndGradient,
  u0: ArrayLike<number>,
  options: Partial<LbfgsOptions> = {},
): LbfgsResult {
  const o = { ...DEFAULT_LBFGS_OPTIONS, ...options };
  const n = u0.length;
  let u: Float64Array = Float64Array.from(u0 as ArrayLike<number>);
  let evaluations = 0;
  const ev = (x: Float64Array): { phi: number; g: Float64Array } => {
    evaluations++;
    const r = f(x);
    // minimise φ = −f
    return { phi: -r.value, g: Float64Array.from(r.grad, (v) => -v) };
  };
  let cur = ev(u);
  const S: Float64Array[] = [];
  const Y: Float64Array[] = [];
  const RHO: number[] = [];
  let status: LbfgsStatus = 'max_iter';
  let it = 0;
  for (; it < o.maxIter; it++) {
    if (!Number.isFinite(cur.phi)) {
      status = 'line_search';
      break;
    }
    if (infNorm(cur.g) <= o.gradTol) {
      status = 'gradient';
      break;
    }
    // two-loop recursion: d = −H g
    const q = Float64Array.from(cur.g);
    const al = new Array<number>(S.length);
    for (let i = S.length - 1; i >= 0; i--) {
      al[i] = RHO[i] * dot(S[i], q);
      for (let j = 0; j < n; j++) q[j] -= al[i] * Y[i][j];
    }
    let gamma: number;
    if (S.length > 0) {
      const k = S.length - 1;
      gamma = dot(S[k], Y[k]) / dot(Y[k], Y[k]);
    } else {
      gamma = 1 / Math.max(infNorm(cur.g), 1e-12);
    }
    for (let j = 0; j < n; j++) q[j] *= gamma;
    for (let i = 0; i < S.length; i++) {
      const b = RHO[i] * dot(Y[i], q);
      for (let j = 0; j < n; j++) q[j] += S[i][j] * (al[i] - b);
    }
    const d = q.map((v) => -v);
    let slope = dot(d, cur.g);
    if (!(slope < 0)) {
      // not a descent direction (should not happen with positive curvature pairs): restart
      S.length = 0;
      Y.length = 0;
      RHO.length = 0;
      const sc = 1 / Math.max(infNorm(cur.g), 1e-12);
      for (let j = 0; j < n; j++) d[j] = -sc * cur.g[j];
      slope = dot(d, cur.g);
    }
    const dn = infNorm(d);
    if (dn > o.maxStep) {
      const sc = o.maxStep / dn;
      for (let j = 0; j < n; j++) d[j] *= sc;
      slope *= sc;
    }
    let t = 1;
    let next: { phi: number; g: Float64Array } | null = null;
    let uNext = u;
    for (let b = 0; b <= o.maxBacktrack; b++) {
      uNext = Float64Array.from(u, (v, j) => v + t * d[j]);
      const cand = ev(uNext);
      if (Number.isFinite(cand.phi) && cand.phi <= cur.phi + o.c1 * t * slope) {
        next = cand;
        break;
      }
      t /= 2;
    }
    if (!next) {
      status = 'line_search';
      break;
    }
    const s = Float64Array.from(uNext, (v, j) => v - u[j]);
    const y = Float64Array.from(next.g, (v, j) => v - cur.g[j]);
    const sy = dot(s, y);
    if (sy > 1e-12 * Math.sqrt(dot(s, s) * dot(y, y))) {
      S.push(s);
      Y.push(y);
      RHO.push(1 / sy);
      if (S.length > o.memory) {
        S.shift();
        Y.shift();
        RHO.shift();
      }
    }
    const df = cur.phi - next.phi;
    u = uNext;
    cur = next;
    if (Math.abs(df) <= o.fTol * Math.max(1, Math.abs(cur.phi))) {
      status = 'f_tolerance';
      it++;
      break;
    }
  }
  return { u, value: -cur.phi, iterations: it, evaluations, status };
}
