/**
 * `vibann report` (SPEC §14): one self-contained HTML page for a run directory — the manifest as
 * a header (command, dates, seeds, data checksum, versions, backend, timings), then a section per
 * kind of result found (accuracy and calibration, training, baselines, latent space,
 * interpretability, design), each with its tables and figures, then any other results and a list
 * of the files. Figures are inlined SVG (or base64 PNG when only a PNG exists); the CSS is inline;
 * nothing refers to the network and no script runs, so the page opens offline and prints cleanly.
 *
 * Figures are the `*.svg` files the commands wrote; when a known results file is present but its
 * figure is not (e.g. `metrics.json` without `reliability.svg`), the figure is drawn here from the
 * data (option `deriveFigures`, default on).
 *
 * Security (issue 14): a run directory may hold files that vibann did not write. Only figures the
 * run recorded in its manifest (`files`: name and SHA-256, util/manifest.ts `completeRun`) and that
 * still have that hash are inlined; every other file is listed by name only. Every inlined SVG also
 * goes through sanitize-html with an SVG allow-list (no scripts, event handlers, styles, foreign
 * objects or links other than same-document `#id` references), and the page carries a
 * Content-Security-Policy that forbids scripts and any network access.
 */
import { promises as fsp } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import sanitizeHtml from 'sanitize-html';
import type { TopLevelSpec } from 'vega-lite';
import type { z } from 'zod';
import { fmt } from '../plots/common.ts';
import { FIGURES, figureFor, type ReportTopic } from '../plots/names.ts';
import type { TrainingHistory } from '../plots/training.ts';
import { type BaselinesRunDocument, BaselinesRunSchema } from '../runs/baselines.ts';
import { BoRunSchema } from '../runs/bo.ts';
import { DesignRunSchema } from '../runs/design.ts';
import { EvaluateRunSchema } from '../runs/evaluate.ts';
import { ExplainRunSchema } from '../runs/explain.ts';
import { describeIssue, readRunManifest as readManifest } from '../runs/index.ts';
import { LatentRunSchema } from '../runs/latent.ts';
import { LofoRunSchema } from '../runs/lofo.ts';
import { StudiesRunSchema } from '../runs/studies.ts';
import { TuneRunSchema } from '../runs/tune.ts';
import { LCB_Z } from '../uq/lcb.ts';
import { InputError, VibannError } from '../util/errors.ts';
import { sha256, writeFileAtomic } from '../util/fs.ts';
import type { RunManifest } from '../util/manifest.ts';
import { VERSION } from '../version.ts';
import { structureSection } from './structure.ts';

export interface ReportOptions {
  /** Draw figures from known results files when their SVG is missing (default true). */
  deriveFigures?: boolean;
  /** Rows shown per table before the rest is summarised (default 60). */
  maxTableRows?: number;
  /** JSON files larger than this are listed but not tabulated (bytes, default 5 MB). */
  maxJsonBytes?: number;
}

// ---------------------------------------------------------------------------------------------
// Escaping and formatting
// ---------------------------------------------------------------------------------------------

const ESC: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escape text for HTML element content and attribute values. */
export function escapeHtml(s: unknown): string {
  return String(s).replace(/[&<>"']/g, (c) => ESC[c]);
}

type Scalar = string | number | boolean | null;

function isScalar(v: unknown): v is Scalar {
  return v === null || ['string', 'number', 'boolean'].includes(typeof v);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A number as a table shows it: integers whole, others to 4 significant digits. */
function num(x: number, digits = 4): string {
  if (!Number.isFinite(x)) return '–';
  if (Number.isInteger(x) && Math.abs(x) < 1e15) return String(x);
  const t = fmt(x, digits);
  // 0.5000 → 0.5, 113.0 → 113 (but keep exponents such as 1.200e-7 intact).
  return t.includes('e') ? t : t.replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '');
}

/** An argument as a shell would need it typed. */
function shellQuote(a: string): string {
  return /^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`;
}

/** An ISO timestamp as 'YYYY-MM-DD hh:mm:ss UTC'; anything else unchanged. */
function when(iso: string | undefined): string | undefined {
  if (iso === undefined) return undefined;
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(\.\d+)?Z$/.exec(iso);
  return m ? `${m[1]} ${m[2]} UTC` : iso;
}

/** One table cell (escaped), right-aligned when numeric. */
function td(v: unknown): string {
  if (typeof v === 'number') return `<td class="n">${escapeHtml(num(v))}</td>`;
  if (v === null || v === undefined) return '<td class="n">–</td>';
  if (typeof v === 'boolean') return `<td>${v ? 'yes' : 'no'}</td>`;
  if (isScalar(v)) return `<td>${escapeHtml(v)}</td>`;
  if (Array.isArray(v) && v.every((x) => typeof x === 'number'))
    return `<td class="arr">${escapeHtml(shortArray(v as number[]))}</td>`;
  return `<td><code>${escapeHtml(truncate(JSON.stringify(v), 160))}</code></td>`;
}

function truncate(s: string, n: number): string {
  return s.length <= n ? s : `${s.slice(0, n - 1)}…`;
}

function shortArray(v: number[]): string {
  const shown = v
    .slice(0, 10)
    .map((x) => num(x))
    .join(', ');
  return v.length <= 10 ? `[${shown}]` : `[${shown}, … (${v.length} values)]`;
}

/** Readable labels (with units) for the metric keys of docs/architecture.md's object M. */
const LABELS: Record<string, string> = {
  n: 'rows',
  r2: 'R²',
  mae: 'MAE (HV)',
  rmse: 'RMSE (HV)',
  mape: 'MAPE (%)',
  mse: 'MSE (HV²)',
  mean_signed_error: 'mean signed error μ − y (HV)',
  coverage_1sigma: '±1σ coverage',
  mean_sigma: 'mean σ (HV)',
  nll: 'NLL (nats)',
  mace: 'MACE',
  imce: 'IMCE',
  rmsce: 'RMSCE',
  miscal_area: 'miscalibration area',
  mace_toolbox: 'MACE (toolbox grid)',
  calibration_source: 'calibration from',
  sharpness: 'sharpness (HV)',
  mean_interval_width_95: 'mean 95 % interval width (HV)',
  sigma_scale: 'σ scale factor s',
  lcb: 'LCB (HV)',
  mean: 'μ (HV)',
  std: 'σ (HV)',
  load: 'load (N)',
  hv: 'HV',
  mae_sd: 'MAE sd (HV)',
  rmse_sd: 'RMSE sd (HV)',
  r2_pc1: 'R² of predicted HV on PC1',
  r2_pc2: 'R² of predicted HV on PC2',
  explained_variance: 'explained variance (fraction)',
  logpThreshold: 'support threshold (latent log p)',
  novelty: 'novelty threshold (composition distance)',
  sigmaRef: 'σ_ref (HV)',
  sigmaCapFactor: 'σ cap factor (× σ_ref)',
  lcbTarget: 'LCB target (HV)',
};

function label(key: string): string {
  return (
    LABELS[key] ??
    key
      .replace(/_/g, ' ')
      .replace(/\bhv\b/gi, 'HV')
      .replace(/\br2\b/gi, 'R²')
      .replace(/\bpc(\d+)\b/gi, 'PC$1')
  );
}

function table(head: string[] | null, rows: string[], cls = ''): string {
  const h = head
    ? `<thead><tr>${head.map((c) => `<th>${escapeHtml(c)}</th>`).join('')}</tr></thead>`
    : '';
  return `<div class="tw"><table${cls ? ` class="${cls}"` : ''}>${h}<tbody>${rows.join('')}</tbody></table></div>`;
}

function kvTable(entries: [string, unknown][], rawKeys = false): string {
  return table(
    null,
    entries.map(([k, v]) => `<tr><th>${escapeHtml(rawKeys ? k : label(k))}</th>${td(v)}</tr>`),
    'kv',
  );
}

function moreRows(shown: number, total: number, file: string): string {
  return total > shown
    ? `<p class="note">${shown} of ${total} rows shown; all of them are in <code>${escapeHtml(file)}</code>.</p>`
    : '';
}

// ---------------------------------------------------------------------------------------------
// Generic JSON → tables
// ---------------------------------------------------------------------------------------------

interface Ctx {
  file: string;
  maxRows: number;
}

/** Array of flat records → one table (columns = union of scalar keys in first-seen order). */
function recordsTable(rows: Record<string, unknown>[], ctx: Ctx): string {
  const cols: string[] = [];
  for (const r of rows)
    for (const [k, v] of Object.entries(r)) if (!cols.includes(k) && !isRecord(v)) cols.push(k);
  const shown = rows.slice(0, ctx.maxRows);
  return (
    table(
      cols.map(label),
      shown.map((r) => `<tr>${cols.map((c) => td(r[c])).join('')}</tr>`),
    ) + moreRows(shown.length, rows.length, ctx.file)
  );
}

/** Scalar leaves of an object, keyed by dotted path relative to it (arrays of numbers kept). */
function scalarLeaves(o: Record<string, unknown>): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const [k, v] of Object.entries(o)) if (isScalar(v)) out.set(k, v);
  return out;
}

/**
 * Render any JSON value as tables: scalars of an object in a key/value table; sibling objects that
 * share their scalar keys (e.g. `test` and `calibration` metric blocks) side by side in one table;
 * arrays of records as tables; everything else recursively under a sub-heading.
 */
function renderGeneric(value: unknown, ctx: Ctx, depth = 0, path = ''): string {
  if (depth > 5)
    return `<p class="note">(nested deeper than shown; see <code>${escapeHtml(ctx.file)}</code>)</p>`;
  if (isScalar(value)) return `<p>${escapeHtml(value === null ? '–' : String(value))}</p>`;
  if (Array.isArray(value)) {
    if (value.length === 0) return '<p class="note">(empty)</p>';
    if (value.every(isRecord)) return recordsTable(value as Record<string, unknown>[], ctx);
    if (value.every(isScalar))
      return `<p class="arr">${escapeHtml(value.every((x) => typeof x === 'number') ? shortArray(value as number[]) : truncate(value.join(', '), 400))}</p>`;
    return `<pre>${escapeHtml(truncate(JSON.stringify(value, null, 1), 2000))}</pre>`;
  }
  const o = value as Record<string, unknown>;
  let html = '';
  const scalars: [string, unknown][] = [];
  const objects: [string, Record<string, unknown>][] = [];
  const rest: [string, unknown][] = [];
  for (const [k, v] of Object.entries(o)) {
    if (
      isScalar(v) ||
      (Array.isArray(v) && v.length <= 12 && v.every((x) => typeof x === 'number'))
    )
      scalars.push([k, v]);
    else if (isRecord(v)) objects.push([k, v]);
    else rest.push([k, v]);
  }
  if (scalars.length > 0) html += kvTable(scalars);
  // Objects with mostly the same scalar keys go side by side (columns), e.g. test | calibration.
  const grouped = new Set<string>();
  const pending = objects
    .map(([k, v]) => [k, scalarLeaves(v)] as const)
    .filter(([, m]) => m.size >= 2);
  while (pending.length > 0) {
    const [k0, m0] = pending.shift()!;
    const group: (readonly [string, Map<string, unknown>])[] = [[k0, m0]];
    for (let i = 0; i < pending.length; ) {
      const m = pending[i][1];
      const common = [...m.keys()].filter((k) => m0.has(k)).length;
      if (common >= 0.5 * Math.max(m.size, m0.size)) group.push(...pending.splice(i, 1));
      else i++;
    }
    if (group.length < 2) continue;
    const keys: string[] = [];
    for (const [, m] of group) for (const k of m.keys()) if (!keys.includes(k)) keys.push(k);
    for (const [k] of group) grouped.add(k);
    html += table(
      ['', ...group.map(([k]) => (path ? `${path} › ${k}` : k))],
      keys.map(
        (k) =>
          `<tr><th>${escapeHtml(label(k))}</th>${group.map(([, m]) => td(m.get(k))).join('')}</tr>`,
      ),
      'matrix',
    );
  }
  for (const [k, v] of objects) {
    const sub = grouped.has(k)
      ? Object.fromEntries(Object.entries(v).filter(([, x]) => !isScalar(x)))
      : v;
    if (Object.keys(sub).length === 0) continue;
    const p = path ? `${path} › ${k}` : k;
    html += `<h4>${escapeHtml(p)}</h4>${renderGeneric(sub, ctx, depth + 1, p)}`;
  }
  for (const [k, v] of rest) {
    const p = path ? `${path} › ${k}` : k;
    html += `<h4>${escapeHtml(p)}</h4>${renderGeneric(v, ctx, depth + 1, p)}`;
  }
  return html || '<p class="note">(empty)</p>';
}

// ---------------------------------------------------------------------------------------------
// Known results files
// ---------------------------------------------------------------------------------------------

/** A metrics object M (docs/architecture.md): has accuracy numbers. */
function isMetricBlock(v: unknown): v is Record<string, unknown> {
  return isRecord(v) && (typeof v.mae === 'number' || typeof v.rmse === 'number');
}

const TAIL_LABELS: Record<string, string> = {
  q80: 'top 20 % (y ≥ q0.80)',
  q90: 'top 10 % (y ≥ q0.90)',
};

/** Every metric block below `v` with a readable label built from its path (tails included). */
function metricColumns(
  v: unknown,
  path: string[] = [],
): { label: string; m: Record<string, unknown> }[] {
  if (!isRecord(v)) return [];
  const out: { label: string; m: Record<string, unknown> }[] = [];
  if (isMetricBlock(v)) out.push({ label: path.length ? path.join(' · ') : 'all rows', m: v });
  for (const [k, x] of Object.entries(v)) {
    if (k === 'manifest') continue;
    if (k === 'tail' && isRecord(x)) {
      for (const [q, y] of Object.entries(x))
        out.push(...metricColumns(y, [...path, TAIL_LABELS[q] ?? `tail ${q}`]));
    } else out.push(...metricColumns(x, [...path, k]));
  }
  return out;
}

/** `v` without its metric blocks (and without objects that become empty). */
function withoutMetricBlocks(v: unknown): unknown {
  if (!isRecord(v)) return v;
  if (isMetricBlock(v)) return undefined;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    if (k === 'manifest') continue;
    const y = withoutMetricBlocks(x);
    if (y !== undefined && !(isRecord(y) && Object.keys(y).length === 0)) out[k] = y;
  }
  return out;
}

/**
 * `metrics.json` / `evaluate.json`: one table with a column per metric block (test, calibration,
 * their tails, raw/recalibrated …) and a row per metric; the rest (split, sizes, σ scale) as
 * key/value tables. Coverage curves and PIT histograms are left to the figures.
 */
function metricsTables(v: unknown, ctx: Ctx): string {
  const cols = metricColumns(v);
  if (cols.length === 0) return renderGeneric(v, ctx);
  const rest = withoutMetricBlocks(v);
  let html = isRecord(rest) && Object.keys(rest).length > 0 ? renderGeneric(rest, ctx) : '';
  const keys: string[] = [];
  for (const c of cols)
    for (const [k, x] of Object.entries(c.m)) if (isScalar(x) && !keys.includes(k)) keys.push(k);
  html += table(
    ['metric', ...cols.map((c) => c.label)],
    keys.map(
      (k) => `<tr><th>${escapeHtml(label(k))}</th>${cols.map((c) => td(c.m[k])).join('')}</tr>`,
    ),
    'matrix',
  );
  html +=
    '<p class="note">Coverage curves and PIT histograms are shown in the figures. R² of a tail can be low or negative: its HV range is narrow.</p>';
  return html;
}

function manifestHeader(m: RunManifest, runDir: string): string {
  const rows: [string, string][] = [];
  const add = (k: string, v: string | undefined) => {
    if (v !== undefined && v !== '') rows.push([k, v]);
  };
  add('command', `vibann ${m.argv?.length ? m.argv.map(shellQuote).join(' ') : m.command}`);
  add('run directory', runDir);
  add('started', when(m.started));
  add('finished', when(m.finished));
  if (m.started && m.finished) {
    const s = (Date.parse(m.finished) - Date.parse(m.started)) / 1000;
    if (Number.isFinite(s)) add('wall time', `${fmt(s, 3)} s`);
  }
  add(
    'seeds',
    Object.entries(m.seeds ?? {})
      .map(([k, v]) => `${k} = ${v}`)
      .join(', '),
  );
  if (m.data) {
    add('data', `${m.data.path} (${m.data.rows} rows)`);
    add('data SHA-256', m.data.sha256);
    if (m.data.split) {
      const z = m.data.split.sizes;
      add(
        'split',
        `${m.data.split.kind}: ${m.data.split.description}${z ? ` (train_fit ${z.train_fit}, calibration ${z.calibration}, test ${z.test})` : ''}`,
      );
    }
  }
  if (m.model) {
    add('model', m.model.dir + (m.model.created ? ` (created ${m.model.created})` : ''));
    add('model data SHA-256', m.model.data_sha256);
  }
  const v = m.versions ?? ({} as RunManifest['versions']);
  add(
    'versions',
    [`vibann ${v.vibann}`, `Node ${v.node}`, v.tfjs ? `tfjs ${v.tfjs}` : '']
      .filter((x) => x && !x.endsWith('undefined'))
      .join(', '),
  );
  add('platform', v.platform);
  add('backend', m.backend);
  const mono = new Set(['command', 'data SHA-256', 'model data SHA-256', 'run directory']);
  let html = table(
    null,
    rows.map(
      ([k, val]) =>
        `<tr><th>${escapeHtml(k)}</th><td>${mono.has(k) ? `<code>${escapeHtml(val)}</code>` : escapeHtml(val)}</td></tr>`,
    ),
    'kv',
  );
  const timings = Object.entries(m.timings ?? {}).filter(([, s]) => typeof s === 'number');
  const options = Object.entries(m.options ?? {});
  html += '<div class="cols">';
  if (options.length > 0) html += `<div><h3>Options</h3>${kvTable(options, true)}</div>`;
  if (timings.length > 0) {
    // A recorded 'total' (wall time of the whole run) is shown as the total row; otherwise the sum.
    const stages = timings.filter(([k]) => k !== 'total');
    const recorded = timings.find(([k]) => k === 'total')?.[1];
    const total = recorded ?? stages.reduce((a, [, s]) => a + s, 0);
    html += `<div><h3>Timings</h3>${table(
      ['stage', 'seconds'],
      [
        ...stages.map(([k, s]) => `<tr><td>${escapeHtml(k)}</td>${td(Number(fmt(s, 3)))}</tr>`),
        `<tr class="total"><td>total${recorded === undefined ? ' (sum)' : ' (wall)'}</td>${td(Number(fmt(total, 3)))}</tr>`,
      ],
    )}</div>`;
  }
  html += '</div>';
  return html;
}

function isTrainingHistory(v: unknown): v is TrainingHistory {
  return (
    isRecord(v) &&
    Array.isArray(v.networks) &&
    v.networks.every((n) => isRecord(n) && Array.isArray(n.epochs))
  );
}

function historyTable(h: TrainingHistory, ctx: Ctx): string {
  const rows = h.networks.map((n) => {
    const last = n.epochs[n.epochs.length - 1] ?? { epoch: 0 };
    const withVal = n.epochs.filter((e) => typeof e.val_mse === 'number');
    const best =
      n.best_epoch !== undefined
        ? n.epochs.find((e) => e.epoch === n.best_epoch)
        : withVal.reduce<(typeof withVal)[number] | undefined>(
            (b, e) => (b === undefined || (e.val_mse as number) < (b.val_mse as number) ? e : b),
            undefined,
          );
    const secs = n.epochs.reduce((a, e) => a + (e.seconds ?? 0), 0);
    return `<tr><td>${escapeHtml(n.name)}</td>${[
      n.epochs.length,
      best?.epoch ?? null,
      best?.val_mse ?? null,
      last.beta ?? null,
      last.kl_per_dim ?? null,
      secs > 0 ? Number(fmt(secs, 3)) : null,
    ]
      .map(td)
      .join('')}</tr>`;
  });
  const shown = rows.slice(0, ctx.maxRows);
  return (
    table(
      [
        'network',
        'epochs',
        'best epoch',
        'best validation MSE',
        'final β',
        'final KL/d (nats)',
        'time (s)',
      ],
      shown,
    ) + moreRows(shown.length, rows.length, ctx.file)
  );
}

/** Gate column headers: name and the comparison the threshold is used in (SPEC §9.7). */
const GATE_HEADS: Record<string, [string, string]> = {
  support: ['support', 'log p ≥'],
  novelty: ['novelty', 'd ≥'],
  uncertainty: ['uncertainty', 'σ (HV) ≤'],
  performance: ['performance', 'LCB (HV) ≥'],
};

interface DesignPrediction {
  load: number;
  mean: number;
  std: number;
  lcb?: number;
}
interface DesignCandidate {
  formula: string;
  predictions?: DesignPrediction[];
  gates?: Record<string, { value: number; threshold: number; pass: boolean }>;
  accepted?: boolean;
  nearest?: { formula?: string; distance?: number; hv?: number; load?: number };
  logp?: number;
}

function designCandidates(v: unknown): DesignCandidate[] | undefined {
  const list = Array.isArray(v)
    ? v
    : isRecord(v) && Array.isArray(v.candidates)
      ? v.candidates
      : undefined;
  if (!list?.every((c) => isRecord(c) && typeof c.formula === 'string')) return undefined;
  return list as DesignCandidate[];
}

function designTables(v: unknown, ctx: Ctx): string {
  const cands = designCandidates(v);
  if (!cands) return renderGeneric(v, ctx);
  let html = '';
  const obj = isRecord(v) ? v : {};
  if (isRecord(obj.thresholds))
    html += `<h3>Thresholds</h3>${kvTable(Object.entries(obj.thresholds))}`;
  const loads = [...new Set(cands.flatMap((c) => (c.predictions ?? []).map((p) => p.load)))].sort(
    (a, b) => a - b,
  );
  const designLoad = loads.includes(0.5) ? 0.5 : loads[0];
  const gateNames = [...new Set(cands.flatMap((c) => Object.keys(c.gates ?? {})))];
  // A gate's threshold is normally the run's, the same for every candidate: then it goes in the
  // column header and the cells stay narrow.
  const common = new Map<string, number | undefined>();
  for (const g of gateNames) {
    const t = [
      ...new Set(cands.map((c) => c.gates?.[g]?.threshold).filter((x) => x !== undefined)),
    ];
    common.set(g, t.length === 1 ? t[0] : undefined);
  }
  const gateHead = (g: string) => {
    const t = common.get(g);
    const [name, what] = GATE_HEADS[g] ?? [g, ''];
    return t === undefined ? name : `${name}: ${what ? `${what} ` : ''}${num(t, 3)}`.trimEnd();
  };
  const head = [
    '#',
    'formula',
    ...(designLoad !== undefined
      ? [`μ ± σ at ${designLoad} N (HV)`, `LCB at ${designLoad} N (HV)`]
      : []),
    ...gateNames.map(gateHead),
    'accepted',
    'nearest known alloy',
  ];
  const rows = cands.slice(0, ctx.maxRows).map((c, i) => {
    const p = (c.predictions ?? []).find((q) => q.load === designLoad);
    const gates = gateNames.map((g) => {
      const G = c.gates?.[g];
      if (!G) return '<td>–</td>';
      const cls = G.pass ? 'pass' : 'fail';
      const thr =
        common.get(g) === undefined
          ? ` <span class="thr">/ ${escapeHtml(num(G.threshold, 3))}</span>`
          : '';
      return `<td class="${cls}">${G.pass ? '✓' : '✗'} ${escapeHtml(num(G.value, 3))}${thr}</td>`;
    });
    const n = c.nearest;
    const nearest = n
      ? `${escapeHtml(n.formula ?? '')}<br><span class="thr">${escapeHtml(
          [
            n.distance !== undefined ? `d = ${num(n.distance, 3)}` : '',
            n.hv !== undefined
              ? `${num(n.hv, 4)} HV${n.load !== undefined ? ` at ${num(n.load, 3)} N` : ''}`
              : '',
          ]
            .filter(Boolean)
            .join(' · '),
        )}</span>`
      : '–';
    return `<tr>${td(i + 1)}<td><b>${escapeHtml(c.formula)}</b></td>${
      designLoad !== undefined
        ? p
          ? `<td class="n">${escapeHtml(num(p.mean, 4))} ± ${escapeHtml(num(p.std, 3))}</td>${td(Number(num(p.lcb ?? p.mean - LCB_Z * p.std, 4)))}`
          : '<td>–</td><td>–</td>'
        : ''
    }${gates.join('')}${td(c.accepted ?? null)}<td>${nearest}</td></tr>`;
  });
  html += `<h3>Candidates</h3>${table(head, rows)}${moreRows(rows.length, cands.length, ctx.file)}`;
  html +=
    '<p class="note">Gate cells: ✓ pass or ✗ fail, and the candidate\'s value; the threshold is in the column header (or after the slash when it differs between candidates). Support is the latent log-density log p of the re-encoded alloy; novelty the composition distance to the nearest training alloy.</p>';
  if (loads.length > 1) {
    const lrows = cands.slice(0, ctx.maxRows).map((c) => {
      const byLoad = new Map((c.predictions ?? []).map((p) => [p.load, p]));
      return `<tr><td>${escapeHtml(c.formula)}</td>${loads
        .map((l) => {
          const p = byLoad.get(l);
          return p
            ? `<td class="n">${escapeHtml(num(p.mean, 4))} ± ${escapeHtml(num(p.std, 3))}</td>`
            : '<td>–</td>';
        })
        .join('')}</tr>`;
    });
    html += `<h3>Predicted hardness across loads (μ ± σ, HV)</h3>${table(['formula', ...loads.map((l) => `${l} N`)], lrows)}`;
  }
  if (isRecord(obj.rejected) && Object.keys(obj.rejected).length > 0)
    html += `<h3>Rejected candidates by reason</h3>${kvTable(Object.entries(obj.rejected))}`;
  const rest = Object.fromEntries(
    Object.entries(obj).filter(
      ([k]) => !['candidates', 'thresholds', 'rejected', 'manifest'].includes(k),
    ),
  );
  if (Object.keys(rest).length > 0)
    html += `<h3>Other design results</h3>${renderGeneric(rest, ctx)}`;
  return html;
}

function baselineRows(v: unknown): Record<string, unknown>[] | undefined {
  if (Array.isArray(v) && v.every(isRecord)) return v as Record<string, unknown>[];
  if (isRecord(v) && Array.isArray(v.models) && v.models.every(isRecord))
    return v.models as Record<string, unknown>[];
  if (isRecord(v) && Object.values(v).length > 0 && Object.values(v).every(isRecord))
    return Object.entries(v).map(([model, m]) => ({ model, ...(m as Record<string, unknown>) }));
  return undefined;
}

/**
 * Run documents with a type and a schema in src/runs/: a results file that matches its schema is
 * read as that document; one that does not is still shown as read, with a note naming the first
 * field that differs.
 */
const DOCUMENT_SCHEMAS: Record<string, z.ZodType> = {
  'metrics.json': EvaluateRunSchema,
  'lofo.json': LofoRunSchema,
  'studies.json': StudiesRunSchema,
  'baselines.json': BaselinesRunSchema,
  'tuned.json': TuneRunSchema,
  'design.json': DesignRunSchema,
  'bo.json': BoRunSchema,
  'explain.json': ExplainRunSchema,
  'latent.json': LatentRunSchema,
};

/** `baselines.json` (runs/baselines.ts): one row per model, the VIBANN row, the protocol. */
function baselinesTables(doc: BaselinesRunDocument, ctx: Ctx): string {
  const o = doc.options;
  let html = kvTable([
    ['split', `${doc.split.kind}: ${doc.split.description}`],
    ['rows (train_fit / test)', `${doc.data.train_fit} / ${doc.data.test}`],
    ['tuning', `${doc.split.cv_folds}-fold CV over train_fit, seed ${o.seed}`],
    ['load transform', o.load_transform],
    ['wall time (s)', Number(fmt(doc.wall_s, 3))],
  ]);
  const rows = doc.results.map((r) => ({
    model: r.model,
    tuning: r.tuning,
    trials: r.trials,
    r2: r.test.r2,
    mae: r.test.mae,
    rmse: r.test.rmse,
    mape: r.test.mape,
    cv_rmse: r.cv_rmse,
    best_hyperparameters: r.gp
      ? `C=${num(r.gp.constant, 3)}, ℓ=${num(r.gp.length_scale, 3)}, noise=${num(r.gp.noise, 3)}`
      : Object.entries(r.best_params)
          .map(([k, v]) => `${k}=${typeof v === 'number' ? num(v, 3) : String(v)}`)
          .join(', ') || '–',
    'time (s)': Number(fmt(r.search_s + r.fit_s, 3)),
  }));
  html += `<h4>Test set</h4>${recordsTable(rows, ctx)}`;
  const v = doc.vibann;
  if (v) {
    html += `<h4>VIBANN (${escapeHtml(v.model_dir)}, ${v.networks} networks, same split)</h4>`;
    html += recordsTable(
      [
        { set: 'test', ...scalarsOf(v.test) },
        { set: `test, σ × ${num(v.sigma_scale, 3)}`, ...scalarsOf(v.recalibrated_test) },
      ],
      ctx,
    );
  }
  return html;
}

function scalarsOf(o: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, x]) => isScalar(x)));
}

// ---------------------------------------------------------------------------------------------
// Figures
// ---------------------------------------------------------------------------------------------

interface Figure {
  stem: string;
  topic: ReportTopic;
  caption: string;
  /** The figure's own title (from the SVG), shown in bold before the caption. */
  title?: string;
  /** Inline SVG markup, or a data: URL of a PNG. */
  svg?: string;
  png?: string;
  derived?: boolean;
}

/** SVG elements a figure may use (what vega draws, plus gradients and same-document `use`). */
const SVG_TAGS = [
  'svg',
  'g',
  'path',
  'rect',
  'line',
  'circle',
  'ellipse',
  'polyline',
  'polygon',
  'text',
  'tspan',
  'defs',
  'clipPath',
  'linearGradient',
  'radialGradient',
  'stop',
  'mask',
  'pattern',
  'marker',
  'symbol',
  'use',
  'title',
  'desc',
];
/** Presentation and geometry attributes (no `style`, no event handlers, no external links). */
const SVG_ATTRS = [
  'id',
  'class',
  'role',
  'version',
  'width',
  'height',
  'viewBox',
  'preserveAspectRatio',
  'transform',
  'd',
  'x',
  'y',
  'x1',
  'x2',
  'y1',
  'y2',
  'cx',
  'cy',
  'r',
  'rx',
  'ry',
  'dx',
  'dy',
  'points',
  'rotate',
  'textLength',
  'lengthAdjust',
  'fill',
  'fill-opacity',
  'fill-rule',
  'stroke',
  'stroke-width',
  'stroke-opacity',
  'stroke-dasharray',
  'stroke-dashoffset',
  'stroke-linecap',
  'stroke-linejoin',
  'stroke-miterlimit',
  'opacity',
  'display',
  'visibility',
  'pointer-events',
  'clip-path',
  'clip-rule',
  'clipPathUnits',
  'mask',
  'font-family',
  'font-size',
  'font-weight',
  'font-style',
  'font-variant',
  'text-anchor',
  'dominant-baseline',
  'alignment-baseline',
  'baseline-shift',
  'letter-spacing',
  'offset',
  'stop-color',
  'stop-opacity',
  'gradientUnits',
  'gradientTransform',
  'patternUnits',
  'patternTransform',
  'markerWidth',
  'markerHeight',
  'refX',
  'refY',
  'orient',
  'href',
  'xlink:href',
  'aria-label',
  'aria-hidden',
  'aria-roledescription',
  'aria-labelledby',
  'aria-describedby',
];
/** An attribute value that refers outside the document or runs code. */
const UNSAFE_VALUE = /url\(\s*['"]?\s*(?!#)|javascript:|vbscript:|data:|@import|expression\(/i;

function safeAttributes(attribs: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(attribs)) {
    if ((k === 'href' || k === 'xlink:href') && !/^#[\w.:-]+$/.test(v)) continue;
    if (UNSAFE_VALUE.test(v)) continue;
    out[k] = v;
  }
  return out;
}

/**
 * Sanitise SVG markup with sanitize-html (htmlparser2: a real parser, not a regex): only the SVG
 * allow-list above survives; scripts, styles, foreign objects, images, links and event handlers are
 * dropped with their content; attribute values that point outside the document are removed.
 */
export function sanitizeSvg(svg: string): string {
  return sanitizeHtml(svg, {
    allowedTags: SVG_TAGS,
    allowedAttributes: { '*': SVG_ATTRS },
    allowedSchemes: [],
    allowedSchemesByTag: {},
    allowProtocolRelative: false,
    allowVulnerableTags: false,
    disallowedTagsMode: 'discard',
    nonTextTags: ['script', 'style', 'textarea', 'option', 'noscript', 'foreignObject', 'iframe'],
    parser: { lowerCaseTags: false, lowerCaseAttributeNames: false, recognizeSelfClosing: true },
    transformTags: { '*': (tagName, attribs) => ({ tagName, attribs: safeAttributes(attribs) }) },
  });
}

/**
 * Make an SVG safe and self-contained for inlining: sanitised (`sanitizeSvg`), no XML prolog or
 * namespace URLs (HTML does not need them), and every id prefixed so clip paths and gradients of
 * different figures cannot collide.
 */
export function inlineSvg(svg: string, prefix: string): string {
  let s = sanitizeSvg(svg.replace(/<\?xml[^>]*\?>/g, '').replace(/<!DOCTYPE[^>]*>/gi, ''));
  s = s
    .replace(/\sid="([^"]+)"/g, ` id="${prefix}-$1"`)
    .replace(/url\(#([^)]+)\)/g, `url(#${prefix}-$1)`)
    .replace(/\s(xlink:)?href="#([^"]+)"/g, ` $1href="#${prefix}-$2"`);
  return s.trim();
}

/** The figure's own title, from vega's accessible label of the title mark. */
function svgTitle(svg: string): string | undefined {
  const m = /aria-label="Title text '([^']*)'"/.exec(svg);
  return m ? m[1].replace(/&#39;/g, "'").replace(/&amp;/g, '&') : undefined;
}

/**
 * Show an inline SVG 1.3 times its drawn size (vega draws 11–12 px text, small on a page), never
 * wider than the page: CSS max-width keeps it inside, the viewBox keeps the proportions.
 */
function sized(svg: string): string {
  const w = Number(/^<svg[^>]*?\swidth="([\d.]+)"/.exec(svg)?.[1]);
  if (!Number.isFinite(w) || w <= 0) return svg;
  return svg.replace(/^<svg/, `<svg style="width:${Math.round(1.3 * w)}px"`);
}

/** The files a run recorded as written (name → SHA-256), or undefined for manifests without a record. */
function recordedFiles(m: RunManifest): Map<string, string> | undefined {
  const files = (m as { files?: unknown }).files;
  if (!Array.isArray(files)) return undefined;
  const out = new Map<string, string>();
  for (const f of files) {
    if (isRecord(f) && typeof f.path === 'string' && typeof f.sha256 === 'string')
      out.set(f.path, f.sha256);
  }
  return out;
}

/**
 * The figures of the run directory that the run itself wrote (recorded in its manifest with this
 * SHA-256); `untrusted` collects the other SVG/PNG files, which are only listed by name.
 */
async function collectFigures(
  runDir: string,
  files: string[],
  recorded: Map<string, string> | undefined,
  untrusted: string[],
): Promise<Figure[]> {
  const figs: Figure[] = [];
  const names = new Set(files);
  for (const f of files.sort()) {
    const ext = extname(f).toLowerCase();
    if (ext !== '.svg' && ext !== '.png') continue;
    const stem = f.slice(0, -ext.length);
    if (ext === '.png' && names.has(`${stem}.svg`) && recorded?.has(`${stem}.svg`)) continue; // the SVG is used instead
    const b = await fsp.readFile(join(runDir, f));
    if (recorded?.get(f) !== sha256(b)) {
      untrusted.push(f);
      continue;
    }
    const reg = figureFor(basename(stem));
    const fig: Figure = { stem, topic: reg?.topic ?? 'other', caption: reg?.caption ?? '' };
    if (ext === '.svg') {
      const raw = b.toString('utf8');
      fig.svg = raw;
      fig.title = svgTitle(raw);
    } else {
      if (!isPng(b)) {
        untrusted.push(f);
        continue;
      }
      fig.png = `data:image/png;base64,${b.toString('base64')}`;
    }
    figs.push(fig);
  }
  return figs;
}

/** The PNG signature (so a data: URL is an image, whatever the file's name says). */
function isPng(b: Uint8Array): boolean {
  const sig = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  return b.length > 8 && sig.every((v, i) => b[i] === v);
}

/** Figures drawn here from known results when the run directory has no SVG of that name. */
async function deriveFigures(
  json: Map<string, unknown>,
  typed: Map<string, unknown>,
  have: Set<string>,
  warnings: string[],
): Promise<Figure[]> {
  const plots = await import('../plots/index.ts');
  const { renderSvg } = await import('../plots/render.ts');
  const out: Figure[] = [];
  const add = async (stem: string, topic: ReportTopic, spec: () => TopLevelSpec | undefined) => {
    if ([...have].some((h) => h === stem || h.startsWith(`${stem}_`))) return;
    try {
      const s = spec();
      if (!s) return;
      const svg = await renderSvg(s);
      out.push({
        stem,
        topic,
        caption: figureFor(stem)?.caption ?? '',
        title: svgTitle(svg),
        svg,
        derived: true,
      });
    } catch (e) {
      warnings.push(
        `could not draw ${stem} from the results: ${e instanceof Error ? e.message : String(e)}`,
      );
    }
  };
  const history = json.get('history.json');
  if (isTrainingHistory(history))
    await add('training', 'training', () => plots.trainingCurvesPlot(history));
  const metrics = json.get('metrics.json') ?? json.get('evaluate.json');
  if (isRecord(metrics)) {
    const blocks = metricBlocks(metrics);
    const withCurve = blocks.filter((b) => isRecord(b.m.coverage_curve));
    if (withCurve.length > 0)
      await add('reliability', 'accuracy', () =>
        plots.reliabilityPlot({
          curves: withCurve.map((b) => {
            const c = b.m.coverage_curve as { levels: number[]; observed: number[] };
            return {
              label: b.label,
              expected: c.levels,
              observed: c.observed,
              mace: b.m.mace as number,
            };
          }),
        }),
      );
    const withPit = blocks.filter((b) => Array.isArray(b.m.pit_histogram));
    if (withPit.length > 0)
      await add('pit', 'accuracy', () =>
        plots.pitHistogramPlot({
          series: withPit.map((b) => ({
            label: b.label,
            fractions: b.m.pit_histogram as number[],
            n: typeof b.m.n === 'number' ? b.m.n : undefined,
          })),
        }),
      );
  }
  const typedBaselines = typed.get('baselines.json') as BaselinesRunDocument | undefined;
  if (typedBaselines) {
    const models = typedBaselines.results.map((r) => ({
      model: r.model,
      mae: r.test.mae,
      rmse: r.test.rmse,
    }));
    const v = typedBaselines.vibann;
    if (v) models.push({ model: 'VIBANN', mae: v.test.mae, rmse: v.test.rmse });
    await add('baselines', 'baselines', () => plots.baselinesPlot({ models, set: 'test' }));
  }
  const baselines = typedBaselines ? undefined : baselineRows(json.get('baselines.json'));
  if (baselines?.every((r) => typeof r.mae === 'number' && typeof r.rmse === 'number'))
    await add('baselines', 'baselines', () =>
      plots.baselinesPlot({
        models: baselines.map((r) => ({
          model: String(r.model ?? r.name ?? '?'),
          mae: r.mae as number,
          rmse: r.rmse as number,
          mae_sd: typeof r.mae_sd === 'number' ? r.mae_sd : undefined,
          rmse_sd: typeof r.rmse_sd === 'number' ? r.rmse_sd : undefined,
        })),
      }),
    );
  const cands = designCandidates(json.get('design.json') ?? json.get('candidates.json'));
  if (cands?.some((c) => (c.predictions ?? []).length > 1))
    await add('load_curves', 'design', () =>
      plots.loadCurvesPlot({
        candidates: cands
          .filter((c) => c.accepted !== false)
          .slice(0, 10)
          .map((c) => ({ name: c.formula, predictions: c.predictions ?? [] })),
      }),
    );
  return out;
}

/** Metric blocks M (objects with `coverage_curve` or `pit_histogram`) with their paths, tails excluded. */
function metricBlocks(
  o: Record<string, unknown>,
  path = '',
): { label: string; m: Record<string, unknown> }[] {
  const out: { label: string; m: Record<string, unknown> }[] = [];
  if ('coverage_curve' in o || 'pit_histogram' in o) out.push({ label: path || 'all', m: o });
  for (const [k, v] of Object.entries(o)) {
    if (k === 'tail' || k === 'manifest' || !isRecord(v)) continue;
    out.push(...metricBlocks(v, path ? `${path}, ${k}` : k));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The page
// ---------------------------------------------------------------------------------------------

const TOPICS: { topic: ReportTopic; title: string; files: string[] }[] = [
  {
    topic: 'accuracy',
    title: 'Accuracy and uncertainty',
    files: ['metrics.json', 'evaluate.json', 'lofo.json', 'studies.json'],
  },
  { topic: 'training', title: 'Training', files: ['history.json'] },
  { topic: 'baselines', title: 'Baselines', files: ['baselines.json'] },
  { topic: 'latent', title: 'Latent space', files: ['latent.json'] },
  { topic: 'explain', title: 'Interpretability', files: ['explain.json'] },
  { topic: 'design', title: 'Design', files: ['design.json', 'candidates.json', 'bo.json'] },
];
const KNOWN_FILES = new Set(['manifest.json', ...TOPICS.flatMap((t) => t.files)]);

const CSS = `
:root{--fg:#1b1b1b;--muted:#5c5c5c;--line:#d9d9d9;--head:#f3f5f8;--accent:#1f5fb4}
*{box-sizing:border-box}
body{margin:0 auto;max-width:1120px;padding:24px 28px 60px;color:var(--fg);background:#fff;
 font:15px/1.45 "DejaVu Sans",system-ui,-apple-system,"Segoe UI",Helvetica,Arial,sans-serif}
h1{font-size:26px;margin:0 0 4px}
h2{font-size:21px;margin:36px 0 12px;padding-bottom:4px;border-bottom:2px solid var(--accent)}
h3{font-size:17px;margin:22px 0 8px}
h4{font-size:15px;margin:18px 0 6px;color:#333}
p.sub{color:var(--muted);margin:0 0 18px}
nav{background:var(--head);border:1px solid var(--line);border-radius:6px;padding:8px 14px;margin:12px 0 8px}
nav a{color:var(--accent);text-decoration:none;margin-right:16px;white-space:nowrap}
.tw{overflow-x:auto;margin:6px 0 10px}
table{border-collapse:collapse;font-size:13.5px}
th,td{border:1px solid var(--line);padding:4px 9px;text-align:left;vertical-align:top}
thead th{background:var(--head);font-weight:600}
table.kv th,table.matrix tbody th{background:#fafafa;font-weight:500;white-space:nowrap}
tbody tr:nth-child(even) td{background:#fcfcfd}
td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.arr,p.arr{font-family:"DejaVu Sans Mono",Menlo,Consolas,monospace;font-size:12px}
td.pass{color:#17643a;white-space:nowrap}td.fail{color:#a3261d;white-space:nowrap}
.thr{color:var(--muted)}
tr.total td{font-weight:600}
code,pre{font-family:"DejaVu Sans Mono",Menlo,Consolas,monospace;font-size:12.5px;word-break:break-all}
pre{background:#f7f7f7;border:1px solid var(--line);padding:8px;overflow-x:auto}
.cols{display:flex;flex-wrap:wrap;gap:10px 40px}
figure{margin:18px 0 26px;page-break-inside:avoid;break-inside:avoid}
figure .fig{overflow-x:auto}
figure svg,figure img{max-width:100%;height:auto;display:block}
figcaption{color:var(--muted);font-size:13.5px;margin-top:6px;max-width:900px}
figcaption b{color:var(--fg)}
.note{color:var(--muted);font-size:13px}
.warn{color:#8a4b00;background:#fff6e5;border:1px solid #f0d9a8;padding:6px 10px;border-radius:4px}
footer{margin-top:40px;color:var(--muted);font-size:12.5px;border-top:1px solid var(--line);padding-top:8px}
@media print{body{max-width:none;padding:0 8mm;font-size:11pt}nav{display:none}
 h2{page-break-after:avoid;break-after:avoid}table{font-size:9.5pt}a{color:inherit;text-decoration:none}}
`;

async function readJson(
  path: string,
  maxBytes: number,
): Promise<{ value?: unknown; error?: string }> {
  const st = await fsp.stat(path);
  if (st.size > maxBytes)
    return { error: `${basename(path)} is ${fmt(st.size / 1e6, 3)} MB; too large to tabulate` };
  try {
    return { value: JSON.parse(await fsp.readFile(path, 'utf8')) };
  } catch (e) {
    return {
      error: `${basename(path)} is not valid JSON (${e instanceof Error ? e.message : String(e)})`,
    };
  }
}

/**
 * Check that `runDir` is a run directory and read its manifest through the run-document reader
 * (runs/index.ts); InputError (exit 2) naming the path if not.
 */
export async function readRunManifest(runDir: string): Promise<RunManifest> {
  try {
    return readManifest(runDir);
  } catch (e) {
    if (e instanceof InputError) throw new InputError(`report: ${e.message}`);
    throw e;
  }
}

/** Build the self-contained HTML report of a run directory. */
export async function buildReport(runDir: string, options: ReportOptions = {}): Promise<string> {
  const dir = resolve(runDir);
  const manifest = await readRunManifest(dir);
  const maxRows = options.maxTableRows ?? 60;
  const maxJson = options.maxJsonBytes ?? 5e6;
  const entries = await fsp.readdir(dir, { withFileTypes: true });
  const files = entries.filter((e) => e.isFile() && !e.name.startsWith('.')).map((e) => e.name);
  const warnings: string[] = [];

  const json = new Map<string, unknown>();
  const jsonErrors = new Map<string, string>();
  for (const f of files.filter((n) => n.endsWith('.json') && n !== 'manifest.json').sort()) {
    const r = await readJson(join(dir, f), maxJson);
    if (r.error !== undefined) jsonErrors.set(f, r.error);
    else json.set(f, r.value);
  }

  // The known run documents, checked against their schemas (runs/*.ts).
  const typed = new Map<string, unknown>();
  const mismatch = new Map<string, string>();
  for (const [f, v] of json) {
    const schema = DOCUMENT_SCHEMAS[f];
    if (!schema) continue;
    const r = schema.safeParse(v);
    if (r.success) typed.set(f, v);
    else mismatch.set(f, describeIssue(r.error));
  }

  const recorded = recordedFiles(manifest);
  const untrusted: string[] = [];
  let figures = await collectFigures(dir, files, recorded, untrusted);
  if (untrusted.length > 0)
    warnings.push(
      recorded
        ? `not shown: ${untrusted.join(', ')} — not written by this run (not in its manifest, or changed since); listed by name only`
        : `not shown: ${untrusted.join(', ')} — this run's manifest records no written files (a run of an older vibann, or not a vibann run); re-run the command to see its figures here`,
    );
  if (manifest.complete === false)
    warnings.push(
      'this run is incomplete: it was interrupted (or is still running) after its manifest was written; its results may be partial',
    );
  if (options.deriveFigures !== false) {
    const have = new Set(figures.map((f) => basename(f.stem)));
    figures = [...figures, ...(await deriveFigures(json, typed, have, warnings))];
  }
  // Within a section: registry order (parity before reliability …), then file name.
  const rank = (f: Figure) => {
    const r = figureFor(basename(f.stem));
    return r ? FIGURES.indexOf(r) : FIGURES.length;
  };
  figures.sort((a, b) => rank(a) - rank(b) || a.stem.localeCompare(b.stem));
  let figNo = 0;
  const figureHtml = (f: Figure) => {
    figNo += 1;
    const body = f.svg
      ? sized(inlineSvg(f.svg, `f${figNo}`))
      : `<img alt="${escapeHtml(f.title ?? f.caption ?? f.stem)}" src="${f.png}">`;
    const src = f.derived
      ? 'drawn by the report from the results'
      : `${f.stem}.${f.svg ? 'svg' : 'png'}`;
    const head = f.title ? `Figure ${figNo}. ${f.title}.` : `Figure ${figNo}.`;
    const text = f.caption || (f.title ? '' : f.stem);
    return `<figure id="fig-${escapeHtml(f.stem)}"><div class="fig">${body}</div><figcaption><b>${escapeHtml(head)}</b> ${escapeHtml(text)} <span class="note">(${escapeHtml(src)})</span></figcaption></figure>`;
  };

  const sections: { id: string; title: string; html: string }[] = [];
  const ctxOf = (file: string): Ctx => ({ file, maxRows });
  for (const t of TOPICS) {
    let html = '';
    for (const f of t.files) {
      if (jsonErrors.has(f)) html += `<p class="warn">${escapeHtml(jsonErrors.get(f))}</p>`;
      if (!json.has(f)) continue;
      const v = json.get(f);
      const ctx = ctxOf(f);
      let body: string;
      if (f === 'history.json' && isTrainingHistory(v)) body = historyTable(v, ctx);
      else if (f === 'metrics.json' || f === 'evaluate.json') body = metricsTables(v, ctx);
      else if (f === 'design.json' || f === 'candidates.json') body = designTables(v, ctx);
      else if (f === 'baselines.json' && typed.has(f))
        body = baselinesTables(v as BaselinesRunDocument, ctx);
      else if (f === 'baselines.json' && baselineRows(v))
        body = recordsTable(baselineRows(v)!, ctx);
      else body = renderGeneric(isRecord(v) ? omit(v, ['manifest']) : v, ctx);
      const note = mismatch.has(f)
        ? `<p class="note">${escapeHtml(f)} does not follow its documented format (${escapeHtml(mismatch.get(f))}); shown as read.</p>`
        : '';
      html += `<h3>${escapeHtml(f)}</h3>${note}${body}`;
    }
    for (const fig of figures.filter((x) => x.topic === t.topic)) html += figureHtml(fig);
    if (html) sections.push({ id: t.topic, title: t.title, html });
  }
  const st = structureSection(json, figures, figureHtml); // report/structure.ts
  if (st) sections.push(st.section);
  const otherFigs = figures.filter((x) => x.topic === 'other' && !st?.stems.has(x.stem));
  if (otherFigs.length > 0)
    sections.push({
      id: 'figures',
      title: 'Other figures',
      html: otherFigs.map(figureHtml).join(''),
    });
  const otherJson = [...json.keys(), ...jsonErrors.keys()]
    .filter((f) => !KNOWN_FILES.has(f) && !st?.files.has(f))
    .sort();
  if (otherJson.length > 0) {
    sections.push({
      id: 'results',
      title: 'Other results',
      html: otherJson
        .map((f) =>
          jsonErrors.has(f)
            ? `<h3>${escapeHtml(f)}</h3><p class="warn">${escapeHtml(jsonErrors.get(f))}</p>`
            : `<h3>${escapeHtml(f)}</h3>${renderGeneric(json.get(f), ctxOf(f))}`,
        )
        .join(''),
    });
  }
  const sizes = await Promise.all(
    files.sort().map(async (f) => [f, (await fsp.stat(join(dir, f))).size] as const),
  );
  sections.push({
    id: 'files',
    title: 'Files in the run directory',
    html: table(
      ['file', 'size (kB)'],
      sizes.map(
        ([f, b]) =>
          `<tr><td><code>${escapeHtml(f)}</code></td>${td(Number(fmt(b / 1000, 3)))}</tr>`,
      ),
    ),
  });

  const title = `vibann report: ${manifest.command}`;
  const date = when(manifest.finished ?? manifest.started) ?? '';
  const nav = [{ id: 'run', title: 'Run' }, ...sections]
    .map((s) => `<a href="#${s.id}">${escapeHtml(s.title)}</a>`)
    .join(' ');
  const warn = warnings.map((w) => `<p class="warn">${escapeHtml(w)}</p>`).join('');
  return neutralise(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${REPORT_CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="vibann ${escapeHtml(VERSION)}">
<title>${escapeHtml(title)}</title>
<style>${CSS}</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<p class="sub">Vickers hardness of bulk metallic glasses · run of ${escapeHtml(date)} · ${figNo} figure${figNo === 1 ? '' : 's'}</p>
<nav>${nav}</nav>
${warn}
<section id="run"><h2>Run</h2>${manifestHeader(manifest, dir)}</section>
${sections.map((s) => `<section id="${s.id}"><h2>${escapeHtml(s.title)}</h2>${s.html}</section>`).join('\n')}
<footer>Generated by vibann ${escapeHtml(VERSION)} from <code>${escapeHtml(dir)}</code>. Self-contained: no scripts, no network.</footer>
</body>
</html>
`);
}

/**
 * The report's Content-Security-Policy: no scripts, no network (images only as data: URLs, styles
 * only inline), no forms, no base URL, no plugins.
 */
export const REPORT_CSP =
  "default-src 'none'; script-src 'none'; object-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src 'none'; connect-src 'none'; frame-src 'none'; base-uri 'none'; form-action 'none'";

/**
 * Last line of defence: text that merely looks like a handler or a javascript: URL (a file name,
 * a JSON string) is neutralised, and a `<script` anywhere is a bug (VibannError, exit 1).
 */
function neutralise(html: string): string {
  const out = html
    .replace(/javascript:/gi, (m) => `${m.slice(0, -1)}&#58;`)
    .replace(/(\son[a-z]+)(\s*)=/gi, '$1$2&#61;');
  if (/<script/i.test(out)) throw new VibannError('report: a <script> element reached the page');
  return out;
}

function omit(o: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([k]) => !keys.includes(k)));
}

/** Build the report and write it atomically; default `<runDir>/report.html`. Returns the path. */
export async function writeReport(
  runDir: string,
  outFile?: string,
  options: ReportOptions = {},
): Promise<string> {
  const html = await buildReport(runDir, options);
  const out = outFile ?? join(runDir, 'report.html');
  await writeFileAtomic(out, html);
  return out;
}
