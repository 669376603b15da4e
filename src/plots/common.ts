/**
 * Shared pieces of the figure specs (SPEC §14): one look for every plot (DejaVu Sans, which resvg
 * finds on the system — docs/dependencies.md pitfall 9), titles with subtitles, number formatting, and
 * small helpers for domains and top-N selection. Everything here is pure and cheap: only *types*
 * come from vega-lite, so importing a plot module never loads the plotting libraries.
 */
import type { Config, TopLevelSpec } from 'vega-lite';

export type { TopLevelSpec };

/** The Vega-Lite schema the specs are written against (vega-lite 6.4). */
export const VL_SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

/** The font every figure uses; DejaVu Sans is what resvg finds on Debian (`fonts-dejavu-core`). */
export const FONT_FAMILY = 'DejaVu Sans';

/** Colours of the data sets, fixed so train/calibration/test look the same in every figure. */
export const SET_COLOURS: Record<'train' | 'calibration' | 'test', string> = {
  train: '#9a9a9a',
  calibration: '#e08a2c',
  test: '#1f5fb4',
};

/** A categorical palette (Tableau 10, colour-blind friendlier order) for networks and candidates. */
export const CATEGORY_COLOURS = [
  '#1f77b4',
  '#ff7f0e',
  '#2ca02c',
  '#d62728',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#7f7f7f',
  '#bcbd22',
  '#17becf',
];

export const BASE_CONFIG: Config = {
  font: FONT_FAMILY,
  background: 'white',
  padding: 8,
  title: {
    fontSize: 15,
    fontWeight: 'bold',
    anchor: 'start',
    subtitleFontSize: 11,
    subtitleColor: '#555555',
    subtitlePadding: 4,
    offset: 10,
  },
  axis: {
    labelFontSize: 11,
    titleFontSize: 12,
    titleFontWeight: 'normal',
    gridColor: '#e8e8e8',
    domainColor: '#888888',
    tickColor: '#888888',
    labelOverlap: true,
    titlePadding: 8,
  },
  legend: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 'normal', labelLimit: 220 },
  header: { labelFontSize: 12, titleFontSize: 12 },
  view: { stroke: '#cccccc' },
};

/** Options every plot function accepts. */
export interface CommonPlotOptions {
  /** Replaces the default title. */
  title?: string;
  /** Extra subtitle line(s), shown under the title after the plot's own summary line. */
  subtitle?: string | string[];
  /** Width of the plotting area in px (not counting axes and legend). */
  width?: number;
  /** Height of the plotting area in px. */
  height?: number;
}

/** The title block: `text` plus the plot's own subtitle lines and the caller's extra ones. */
export function titleBlock(
  text: string,
  own: readonly string[],
  extra?: string | string[],
): { text: string; subtitle?: string[] } {
  const lines = [...own, ...(extra === undefined ? [] : Array.isArray(extra) ? extra : [extra])];
  return lines.length > 0 ? { text, subtitle: lines } : { text };
}

/** True for a finite number. */
export function isFiniteNumber(x: unknown): x is number {
  return typeof x === 'number' && Number.isFinite(x);
}

/** [min, max] of the finite values; [0, 1] when there are none. */
export function extent(values: Iterable<number>): [number, number] {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo > hi) return [0, 1];
  if (lo === hi) return [lo - 0.5, hi + 0.5];
  return [lo, hi];
}

/** Widen [lo, hi] by `frac` of its span on each side. */
export function pad([lo, hi]: [number, number], frac = 0.04): [number, number] {
  const d = (hi - lo) * frac;
  return [lo - d, hi + d];
}

/** A number with `digits` significant digits, without trailing exponent noise for HV-sized values. */
export function fmt(x: number | null | undefined, digits = 3): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '–';
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 1e-3 && a < 1e6) {
    const decimals = Math.max(0, digits - 1 - Math.floor(Math.log10(a)));
    return x.toFixed(Math.min(decimals, 6));
  }
  return x.toExponential(digits - 1);
}

/** Like `fmt`, without trailing zeros: 95 not 95.0, -6 not -6.00, 0.08 not 0.0800. */
export function short(x: number | null | undefined, digits = 3): string {
  const t = fmt(x, digits);
  return t.includes('e') || !t.includes('.') ? t : t.replace(/0+$/, '').replace(/\.$/, '');
}

/**
 * The `n` items with the largest `key` (by absolute value when `absolute`), in that order; `n`
 * ≤ 0 or ≥ length keeps them all (sorted). Stable for ties (input order).
 */
export function topN<T>(
  items: readonly T[],
  key: (t: T) => number,
  n: number,
  absolute = false,
): T[] {
  const score = (t: T) => {
    const v = key(t);
    if (!Number.isFinite(v)) return Number.NEGATIVE_INFINITY;
    return absolute ? Math.abs(v) : v;
  };
  const sorted = items
    .map((t, i) => ({ t, i, s: score(t) }))
    .sort((a, b) => b.s - a.s || a.i - b.i)
    .map((e) => e.t);
  return n > 0 && n < sorted.length ? sorted.slice(0, n) : sorted;
}

/** Coefficient of determination 1 − SSE/SST (NaN when y is constant or empty). */
export function r2(y: readonly number[], yhat: readonly number[]): number {
  const n = y.length;
  if (n === 0) return Number.NaN;
  const mean = y.reduce((a, b) => a + b, 0) / n;
  let sse = 0;
  let sst = 0;
  for (let i = 0; i < n; i++) {
    sse += (y[i] - yhat[i]) ** 2;
    sst += (y[i] - mean) ** 2;
  }
  return sst > 0 ? 1 - sse / sst : Number.NaN;
}

/** One layer of a layered spec (a unit or a nested layer), derived from vega-lite's own types. */
export type LayerItem = Extract<TopLevelSpec, { layer: unknown }>['layer'][number];
