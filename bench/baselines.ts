/**
 * Side-by-side comparison of our SPEC §7 baselines with the scikit-learn peer
 * (../shared/bench/baselines_sklearn.py), in one run on the same machine:
 *
 *   nice -n 10 npx tsx bench/baselines.ts                    # peer first (~4–6 min), then ours
 *   npx tsx bench/baselines.ts --peer-json peer.json         # reuse a saved peer result
 *   npx tsx bench/baselines.ts --models knn,gp --budget 10 --json out.json
 *
 * Prints, per model, test MAE and RMSE of both with the ratio ours / peer, the CV RMSE and the wall
 * time, and flags MAE gaps above 10 %. The peer is run with its defaults (30 random-search
 * candidates per model, seed 1) unless --peer-n-iter / --seed say otherwise; ours uses its default
 * TPE budgets unless --budget is given.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { BASELINE_KEYS, parseModels, runBaselines } from '../src/baselines/index.ts';
import { formatTable } from '../src/cli/io.ts';
import { loadDataset, selectSplit } from '../src/data/index.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SHARED = join(ROOT, '..', 'shared');

interface PeerRow {
  key: string;
  model: string;
  R2: number;
  MAE: number;
  RMSE: number;
  MAPE_pct: number;
  cv_rmse: number;
  search_s: number;
  final_fit_s: number;
  best_params: Record<string, unknown>;
}

const { values: a } = parseArgs({
  options: {
    models: { type: 'string', default: BASELINE_KEYS.join(',') },
    budget: { type: 'string' },
    seed: { type: 'string', default: '1' },
    'peer-json': { type: 'string' },
    'peer-n-iter': { type: 'string' },
    'skip-peer': { type: 'boolean', default: false },
    data: { type: 'string', default: join(SHARED, 'data', 'H_v_dataset.csv') },
    python: { type: 'string', default: process.env.PYTHON ?? '/usr/bin/python3' },
    json: { type: 'string' },
  },
});

const models = parseModels(a.models);
const seed = Number(a.seed);
const log = (s: string) => process.stderr.write(`${s}\n`);

// 1. The peer (first, so the two never compete for the CPU).
let peer: { results: PeerRow[]; wall_s: number; options?: unknown } | null = null;
if (a['peer-json']) {
  peer = JSON.parse(readFileSync(a['peer-json'], 'utf8'));
  log(`peer: read ${a['peer-json']}`);
} else if (!a['skip-peer']) {
  const out = join(mkdtempSync(join(tmpdir(), 'vibann-peer-')), 'peer.json');
  const args = [
    join(SHARED, 'bench', 'baselines_sklearn.py'),
    '--data',
    a.data,
    '--models',
    models.join(','),
    '--seed',
    String(seed),
    '--json',
    out,
  ];
  if (a['peer-n-iter']) args.push('--n-iter', a['peer-n-iter']);
  log(`peer: ${a.python} ${args.join(' ')}`);
  const r = spawnSync(a.python, args, { stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) {
    log(`peer failed (exit ${r.status ?? r.signal}); continuing with ours only`);
  } else {
    peer = JSON.parse(readFileSync(out, 'utf8'));
  }
}

// 2. Ours.
const ds = loadDataset(a.data);
const split = selectSplit(ds);
const ours = runBaselines(ds, split, {
  models,
  budget: a.budget === undefined ? undefined : Number(a.budget),
  seed,
  onProgress: log,
});

// 3. Side by side.
const byKey = new Map((peer?.results ?? []).map((r) => [r.key, r]));
const ratio = (x: number, y: number | undefined) => (y === undefined ? '–' : (x / y).toFixed(3));
const rows = ours.results.map((r) => {
  const p = byKey.get(r.key);
  const gap = p ? r.test.mae / p.MAE - 1 : 0;
  return [
    r.model,
    r.test.mae.toFixed(1),
    p ? p.MAE.toFixed(1) : '–',
    ratio(r.test.mae, p?.MAE),
    r.test.rmse.toFixed(1),
    p ? p.RMSE.toFixed(1) : '–',
    ratio(r.test.rmse, p?.RMSE),
    r.cv_rmse.toFixed(1),
    p ? p.cv_rmse.toFixed(1) : '–',
    (r.search_s + r.fit_s).toFixed(1),
    p ? (p.search_s + p.final_fit_s).toFixed(1) : '–',
    Math.abs(gap) > 0.1 ? `MAE gap ${(100 * gap).toFixed(0)} %` : '',
  ];
});
process.stdout.write(
  `Baselines, reference split, seed ${seed}: ours (TypeScript, TPE) vs scikit-learn peer; ours ${ours.wall_s.toFixed(0)} s` +
    (peer ? `, peer ${peer.wall_s.toFixed(0)} s` : '') +
    '\n\n',
);
process.stdout.write(
  `${formatTable(
    [
      'model',
      'MAE ours',
      'MAE peer',
      'ratio',
      'RMSE ours',
      'RMSE peer',
      'ratio',
      'CV RMSE ours',
      'CV RMSE peer',
      's ours',
      's peer',
      '',
    ],
    rows,
    {
      align: [
        'left',
        'right',
        'right',
        'right',
        'right',
        'right',
        'right',
        'right',
        'right',
        'right',
        'right',
        'left',
      ],
    },
  )}\n\n`,
);
for (const r of ours.results) {
  const p = byKey.get(r.key);
  process.stdout.write(
    `${r.model}: ours ${r.tuning}; ${JSON.stringify(r.gp ?? r.best_params)}` +
      (p ? ` | peer ${JSON.stringify(p.best_params)}` : '') +
      '\n',
  );
}
if (a.json) {
  writeFileSync(a.json, `${JSON.stringify({ ours, peer }, null, 1)}\n`);
  log(`JSON written to ${a.json}`);
}
