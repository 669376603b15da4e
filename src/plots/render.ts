/**
 * Vega-Lite spec → SVG (vega, headless: renderer 'none') → PNG (resvg). The plotting libraries are
 * heavy (about a second to import), so they are loaded inside the functions, never at module load:
 * a CLI command that does not draw anything does not pay for them.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import { InputError, VibannError } from '../util/errors.ts';
import { writeFileAtomic } from '../util/fs.ts';
import { FONT_FAMILY } from './common.ts';

type VegaModule = typeof import('vega');
type VegaView = InstanceType<VegaModule['View']>;

export interface RenderOptions {
  /** Receives every warning vega-lite or vega logs while compiling and rendering the spec. */
  onWarning?: (message: string) => void;
}

/** A logger for vega-lite's compile and vega's View that forwards warnings and throws on errors. */
function makeLogger(onWarning?: (message: string) => void) {
  let lvl = 2; // vega-util: 0 none, 1 error, 2 warn, 3 info, 4 debug
  const text = (args: unknown[]) =>
    args.map((a) => (a instanceof Error ? a.message : String(a))).join(' ');
  const logger = {
    level(l?: number) {
      if (l === undefined) return lvl;
      lvl = l;
      return logger;
    },
    error(...args: unknown[]) {
      throw new VibannError(`plot: ${text(args)}`);
    },
    warn(...args: unknown[]) {
      onWarning?.(text(args));
      return logger;
    },
    info() {
      return logger;
    },
    debug() {
      return logger;
    },
  };
  return logger;
}

/**
 * The plotting libraries (vega-lite, vega), loaded on first use (about a second to import); call
 * it ahead of the first figure to report the loading as a step of its own.
 */
export function loadPlotting(): Promise<[typeof import('vega-lite'), VegaModule]> {
  return Promise.all([import('vega-lite'), import('vega')]);
}

async function viewOf(spec: TopLevelSpec, options: RenderOptions = {}): Promise<VegaView> {
  const [vl, vega] = await loadPlotting();
  const logger = makeLogger(options.onWarning);
  // biome-ignore lint/suspicious/noExplicitAny: the vega-lite and vega logger interfaces differ only in return types
  const compiled = vl.compile(spec, { logger: logger as any }).spec;
  // biome-ignore lint/suspicious/noExplicitAny: see above
  const view = new vega.View(vega.parse(compiled), { renderer: 'none', logger: logger as any });
  await view.runAsync();
  return view;
}

/** Render a Vega-Lite spec to an SVG document (string). */
export async function renderSvg(spec: TopLevelSpec, options: RenderOptions = {}): Promise<string> {
  const view = await viewOf(spec, options);
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

interface SceneItem {
  mark?: SceneMark;
  items?: SceneItem[];
}
interface SceneMark {
  marktype: string;
  name?: string;
  role?: string;
  items: SceneItem[];
}

/**
 * Items per named mark in the rendered scenegraph (e.g. `{ points_marks: 120, diagonal_marks: 1 }`),
 * summed over facets. Vega-Lite names a layer's marks `<layer name>_marks`; unnamed marks are
 * counted as `<marktype>:<role>`. Meant for tests that check what a figure draws.
 */
export async function markCounts(
  spec: TopLevelSpec,
  options: RenderOptions = {},
): Promise<Record<string, number>> {
  const view = await viewOf(spec, options);
  const counts: Record<string, number> = {};
  const visitMark = (m: SceneMark) => {
    const key = m.name ?? `${m.marktype}:${m.role ?? ''}`;
    if (m.marktype !== 'group') counts[key] = (counts[key] ?? 0) + m.items.length;
    for (const it of m.items) visitItem(it);
  };
  const visitItem = (it: SceneItem) => {
    for (const child of it.items ?? []) {
      // A group item's children are marks (they carry `marktype`).
      if ((child as unknown as SceneMark).marktype !== undefined)
        visitMark(child as unknown as SceneMark);
    }
  };
  try {
    visitMark((view.scenegraph() as unknown as { root: SceneMark }).root);
    return counts;
  } finally {
    view.finalize();
  }
}

export interface PngOptions {
  /** Output width in px; default twice the SVG's own width (sharp on screens and in print). */
  width?: number;
  /** Background colour; default white. */
  background?: string;
}

type ResvgModule = typeof import('@resvg/resvg-js');
let resvg: ResvgModule | undefined;

/** Rasterise an SVG with resvg, text in DejaVu Sans from the system fonts (docs/dependencies.md pitfall 9). */
export function renderPng(svg: string, options: PngOptions = {}): Uint8Array {
  // resvg-js is a CommonJS native addon: require() loads it synchronously, and only on first use.
  resvg ??= createRequire(import.meta.url)('@resvg/resvg-js') as ResvgModule;
  const intrinsic = Number(/<svg[^>]*\swidth="([\d.]+)"/.exec(svg)?.[1] ?? Number.NaN);
  const width = Math.round(options.width ?? (Number.isFinite(intrinsic) ? 2 * intrinsic : 1200));
  if (!(width > 0 && width <= 20000))
    throw new InputError(`renderPng: width ${width} px; expected 1 … 20000`);
  const r = new resvg.Resvg(svg, {
    background: options.background ?? 'white',
    fitTo: { mode: 'width', value: width },
    font: { loadSystemFonts: true, defaultFontFamily: FONT_FAMILY, sansSerifFamily: FONT_FAMILY },
  });
  return new Uint8Array(r.render().asPng());
}

export interface WrittenPlot {
  svg: string;
  png: string;
}

/**
 * Render `spec` and write `<dir>/<name>.svg` and `<dir>/<name>.png`, each atomically.
 * `name` is a plain file stem such as `parity_test` (letters, digits, `_`, `-`, `.`).
 */
export async function writePlot(
  dir: string,
  name: string,
  spec: TopLevelSpec,
  options: PngOptions & RenderOptions = {},
): Promise<WrittenPlot> {
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(name))
    throw new InputError(
      `writePlot: bad plot name '${name}'; expected letters, digits, '_', '-', '.'`,
    );
  const svg = await renderSvg(spec, options);
  const png = renderPng(svg, options);
  const out = { svg: join(dir, `${name}.svg`), png: join(dir, `${name}.png`) };
  await writeFileAtomic(out.svg, svg);
  await writeFileAtomic(out.png, png);
  return out;
}
