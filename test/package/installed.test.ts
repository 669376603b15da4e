/**
 * End to end through the package a user installs: `npm pack` the repository, install the tarball
 * into an empty prefix, and run the installed `vibann` binary (the compiled dist/, the wasm
 * binaries found in the installed @tensorflow/tfjs-backend-wasm): --version, a quick training and
 * a predict --json; and import the installed library entry.
 *
 * dist/ is built by `npm ci` (the `prepare` script); it is rebuilt here only when a source file is
 * newer than it (a local edit), so on a fresh clone this test costs the pack, the install and a
 * quick training (~35 s on 2 busy cores).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { REPO_ROOT, sharedData } from '../helpers/paths.ts';
import { PUBLIC_API_NAMES } from './api-names.ts';

const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
};

/** The environment of the npm and vibann children: without `npm test`'s lifecycle variables. */
function cleanEnv(): NodeJS.ProcessEnv {
  const keep = new Set(['npm_config_cache', 'npm_config_userconfig', 'npm_config_registry']);
  const env: NodeJS.ProcessEnv = { NO_COLOR: '1' };
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.toLowerCase().startsWith('npm_') || keep.has(k.toLowerCase())) env[k] = v;
  }
  delete env.VIBANN_DATA;
  delete env.VIBANN_BACKEND;
  return env;
}

function run(cmd: string, args: string[], cwd: string, timeout = 180_000) {
  const r = spawnSync(cmd, args, { cwd, env: cleanEnv(), encoding: 'utf8', timeout });
  return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

function newestMtime(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return t;
}

describe('the installed package', { timeout: 300_000 }, () => {
  const tmp = mkdtempSync(join(tmpdir(), 'vibann-installed-'));
  const prefix = join(tmp, 'prefix');
  const work = join(tmp, 'work');
  const bin = join(prefix, 'bin', 'vibann');
  const installed = join(prefix, 'lib', 'node_modules', pkg.name);
  let packed: { entryCount: number; size: number; files: { path: string }[] };

  before(() => {
    const distEntry = join(REPO_ROOT, 'dist', 'cli', 'main.js');
    const fresh =
      existsSync(distEntry) &&
      statSync(join(REPO_ROOT, 'dist', 'index.js')).mtimeMs >=
        Math.max(
          newestMtime(join(REPO_ROOT, 'src')),
          statSync(join(REPO_ROOT, 'tsconfig.build.json')).mtimeMs,
        );
    if (!fresh) {
      const b = run('npm', ['run', 'build'], REPO_ROOT);
      assert.equal(b.code, 0, `npm run build failed:\n${b.stdout}\n${b.stderr}`);
    }
    // dist/ is fresh: skip `prepare` (it would rebuild the same files).
    const p = run(
      'npm',
      ['pack', '--json', '--ignore-scripts', '--pack-destination', tmp],
      REPO_ROOT,
    );
    assert.equal(p.code, 0, p.stderr);
    [packed] = JSON.parse(p.stdout) as (typeof packed)[];
    const tgz = join(tmp, `${pkg.name}-${pkg.version}.tgz`);
    const i = run(
      'npm',
      ['install', '-g', '--prefix', prefix, tgz, '--no-audit', '--no-fund', '--prefer-offline'],
      tmp,
    );
    assert.equal(i.code, 0, `npm install of the tarball failed:\n${i.stderr}`);
    mkdirSync(work);
  });

  after(() => rmSync(tmp, { recursive: true, force: true }));

  it('the tarball holds the compiled CLI and library, the licence, and no sources or tests', () => {
    const files = packed.files.map((f) => f.path);
    for (const f of [
      'LICENSE',
      'README.md',
      'package.json',
      'bin/vibann.js',
      'dist/cli/main.js',
      'dist/index.js',
      'dist/index.d.ts',
    ]) {
      assert.ok(files.includes(f), `${f} is missing from the tarball`);
    }
    const stray = files.filter(
      (f) => !/^(bin|dist)\/|^(LICENSE|README\.md|package\.json)$/.test(f),
    );
    assert.deepEqual(stray, []);
  });

  it('vibann --version prints the package version', () => {
    const r = run(bin, ['--version'], work);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), pkg.version);
    assert.equal(r.stderr, '');
  });

  it('a closed pipe is not an error (EPIPE)', () => {
    // `true` exits without reading, so vibann writes its help into a closed pipe; without the
    // handler in bin/vibann.js node dies with "Unhandled 'error' event" and exit code 1.
    const r = run('bash', ['-c', `set -o pipefail; "${bin}" --help | true`], work);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
  });

  it('train --quick and predict --json run on the wasm backend', () => {
    const data = sharedData('H_v_dataset.csv');
    const t = run(bin, ['train', '--quick', '--out', 'M', '--data', data], work);
    assert.equal(t.code, 0, t.stderr);
    // The installed package finds tfjs-backend-wasm's .wasm files: no fallback to cpu.
    assert.doesNotMatch(t.stderr, /wasm backend unavailable/);
    const manifest = readFileSync(join(work, 'M', 'manifest.json'), 'utf8');
    assert.match(manifest, /"backend": "wasm"/);

    const p = run(
      bin,
      ['predict', '--model', 'M', '--composition', 'B68Nb24Fe4W4', '--load', '0.5', '--json'],
      work,
    );
    assert.equal(p.code, 0, p.stderr);
    const rows = JSON.parse(p.stdout) as {
      composition: string;
      load: number;
      mean: number;
      std: number;
    }[];
    assert.equal(rows.length, 1);
    assert.equal(rows[0].composition, 'B68Nb24Fe4W4');
    assert.equal(rows[0].load, 0.5);
    // A quick model is rough, but any trained model predicts a positive, finite hardness with a
    // positive spread across its MC passes and members.
    assert.ok(Number.isFinite(rows[0].mean) && rows[0].mean > 0, `mean ${rows[0].mean}`);
    assert.ok(Number.isFinite(rows[0].std) && rows[0].std > 0, `std ${rows[0].std}`);
  });

  it("the installed library entry exports the curated API (import 'vibann')", () => {
    const r = run(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        "const m = await import('vibann'); console.log(JSON.stringify(Object.keys(m).sort())); console.log(m.Composition.parse('Cu50Zr50').toFormula());",
      ],
      installed,
    );
    assert.equal(r.code, 0, r.stderr);
    const [names, formula] = r.stdout.trim().split('\n');
    assert.deepEqual(JSON.parse(names), [...PUBLIC_API_NAMES].sort());
    assert.equal(formula, 'Cu50Zr50');
  });
});
