/**
 * Comparison of a simulated S(Q) or G(r) with a measured one (issue 17): a two-column text file
 * (x, y; whitespace or comma separated; lines starting with #, ! or % and blank lines ignored; any
 * further columns ignored), the simulated curve linearly interpolated onto the measured x values
 * inside the range both cover, and the R-factor
 *   R = √( Σ (y_exp − y_sim)² / Σ y_exp² )
 * (Wright's R_χ without error weights; for S(Q) it is evaluated on S(Q) − 1 so the asymptote 1 does
 * not dilute it).
 */
import { readFileSync } from 'node:fs';
import { InputError } from '../util/errors.ts';

export type ExperimentKind = 'sq' | 'gr';

export interface Curve {
  x: number[];
  y: number[];
}

/** Parse a two-column text curve; InputError naming file and 1-based line on a bad number. */
export function parseCurve(text: string, path: string): Curve {
  const x: number[] = [];
  const y: number[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, k) => {
    const line = raw.trim();
    if (line === '' || /^[#!%@]/.test(line)) return;
    const t = line.split(/[\s,;]+/).filter((s) => s !== '');
    if (t.length < 2)
      throw new InputError(`${path}: line ${k + 1}: expected two columns (x y), got '${line}'`);
    const a = Number(t[0]);
    const b = Number(t[1]);
    if (!Number.isFinite(a) || !Number.isFinite(b)) {
      // a header line of words before any data is allowed
      if (x.length === 0 && !Number.isFinite(a) && /^[A-Za-z]/.test(t[0])) return;
      throw new InputError(`${path}: line ${k + 1}: expected two numbers, got '${line}'`);
    }
    if (x.length > 0 && !(a > x[x.length - 1]))
      throw new InputError(
        `${path}: line ${k + 1}: x must increase (${a} after ${x[x.length - 1]})`,
      );
    x.push(a);
    y.push(b);
  });
  if (x.length < 2) throw new InputError(`${path}: fewer than two data lines`);
  return { x, y };
}

export function readCurve(path: string): Curve {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new InputError(
      `${path}: cannot read the file (${(e as NodeJS.ErrnoException).code ?? String(e)})`,
      {
        cause: e,
      },
    );
  }
  return parseCurve(text, path);
}

/** Linear interpolation of (xs, ys) (xs increasing) at x; NaN outside [xs[0], xs[last]]. */
export function interpolate(xs: ArrayLike<number>, ys: ArrayLike<number>, x: number): number {
  const n = xs.length;
  if (n === 0 || x < xs[0] || x > xs[n - 1]) return Number.NaN;
  let lo = 0;
  let hi = n - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (xs[mid] <= x) lo = mid;
    else hi = mid;
  }
  if (xs[hi] === xs[lo]) return ys[lo];
  const t = (x - xs[lo]) / (xs[hi] - xs[lo]);
  return ys[lo] + t * (ys[hi] - ys[lo]);
}

export interface ExperimentComparison {
  file: string;
  kind: ExperimentKind;
  /** Which simulated curve was compared ('s_xray', 'g_neutron', …). */
  simulated: string;
  /** The measured x values inside the simulated range, the measured y and the simulated y there. */
  x: number[];
  y_exp: number[];
  y_sim: number[];
  n_points: number;
  n_outside: number;
  r_factor: number;
}

/** Compare a measured curve with a simulated one on the measured grid. */
export function compareCurves(
  measured: Curve,
  simulated: Curve,
  o: { file: string; kind: ExperimentKind; simulated: string },
): ExperimentComparison {
  const x: number[] = [];
  const ye: number[] = [];
  const ys: number[] = [];
  let outside = 0;
  measured.x.forEach((xx, k) => {
    const v = interpolate(simulated.x, simulated.y, xx);
    if (Number.isNaN(v)) {
      outside++;
      return;
    }
    x.push(xx);
    ye.push(measured.y[k]);
    ys.push(v);
  });
  if (x.length < 2) {
    throw new InputError(
      `${o.file}: fewer than two measured points lie in the simulated range ${simulated.x[0]}–${simulated.x[simulated.x.length - 1]}`,
    );
  }
  const shift = o.kind === 'sq' ? 1 : 0;
  let num = 0;
  let den = 0;
  for (let k = 0; k < x.length; k++) {
    num += (ye[k] - ys[k]) ** 2;
    den += (ye[k] - shift) ** 2;
  }
  return {
    file: o.file,
    kind: o.kind,
    simulated: o.simulated,
    x,
    y_exp: ye,
    y_sim: ys,
    n_points: x.length,
    n_outside: outside,
    r_factor: den > 0 ? Math.sqrt(num / den) : Number.NaN,
  };
}
