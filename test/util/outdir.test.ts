/**
 * Issue 14, items 1 and 10: output directories are replaced only when they hold a model or run of
 * ours (or are empty/absent); anything else is an InputError naming the path unless `force`; the
 * working directory is never replaced (no `.…PID.tmp` left behind); stale temporaries of a killed
 * save are removed on the next save (only when their process is gone); runs are marked complete
 * only at the end, with every written file's SHA-256.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { InputError } from '../../src/util/errors.ts';
import {
  claimOutputDir,
  cleanStaleTemps,
  inspectOutputDir,
  pidAlive,
  replaceDirAtomic,
  sha256,
  writeFileAtomic,
} from '../../src/util/fs.ts';
import { completeRun, newManifest, writeManifest } from '../../src/util/manifest.ts';
import { runCliInProcess } from '../helpers/cli.ts';
import { quickModel } from '../helpers/model-cache.ts';

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'vibann-outdir-'));
}

/** A PID that is certainly not alive: a child process that has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
    encoding: 'utf8',
  });
  const pid = Number(r.stdout);
  assert.ok(Number.isInteger(pid) && pid > 0);
  assert.equal(pidAlive(pid), false);
  return pid;
}

describe('output directories (issue 14 item 1)', () => {
  test('a folder with other files is refused, naming the path; nothing is deleted', async () => {
    const root = tmp();
    const v = join(root, 'v');
    mkdirSync(join(v, 'sub'), { recursive: true });
    writeFileSync(join(v, 'important.txt'), 'precious\n');
    await assert.rejects(
      claimOutputDir(v, { kind: 'model' }),
      (e: unknown) => e instanceof InputError && e.message.includes(v) && /--force/.test(e.message),
    );
    await assert.rejects(
      replaceDirAtomic(v, async (d) => writeFileAtomic(join(d, 'x'), 'x')),
      InputError,
    );
    assert.equal(readFileSync(join(v, 'important.txt'), 'utf8'), 'precious\n');
    assert.ok(existsSync(join(v, 'sub')));
    assert.deepEqual(
      readdirSync(root).filter((n) => n.endsWith('.tmp')),
      [],
      'no temporary left beside it',
    );
  });

  test('an existing regular file is refused', async () => {
    const root = tmp();
    const f = join(root, 'f.txt');
    writeFileSync(f, 'keep');
    await assert.rejects(claimOutputDir(f, { kind: 'model' }), /is a file/);
    await assert.rejects(claimOutputDir(f, { kind: 'run' }), /is a file/);
    assert.equal(readFileSync(f, 'utf8'), 'keep');
  });

  test('absent, empty, a model or a run of ours may be replaced; --force replaces anything', async () => {
    const root = tmp();
    assert.equal(await claimOutputDir(join(root, 'new'), { kind: 'model' }), 'absent');
    mkdirSync(join(root, 'empty'));
    assert.equal(await claimOutputDir(join(root, 'empty'), { kind: 'model' }), 'empty');
    const model = join(root, 'model');
    mkdirSync(model);
    writeFileSync(join(model, 'manifest.json'), JSON.stringify({ format: 'vibann-model' }));
    writeFileSync(join(model, 'weights.bin'), 'w');
    assert.equal(await claimOutputDir(model, { kind: 'model' }), 'model');
    await replaceDirAtomic(model, async (d) => writeFileAtomic(join(d, 'manifest.json'), '{}'));
    assert.deepEqual(readdirSync(model), ['manifest.json']);
    const run = join(root, 'run');
    mkdirSync(run);
    writeFileSync(join(run, 'manifest.json'), JSON.stringify({ schema: 'vibann-run/1' }));
    writeFileSync(join(run, 'old.json'), '{}');
    assert.equal(await claimOutputDir(run, { kind: 'run' }), 'run');
    assert.deepEqual(readdirSync(run), [], "a previous run's files are removed");
    writeFileSync(join(run, 'manifest.json'), JSON.stringify({ schema: 'vibann-run/1' }));
    writeFileSync(join(run, 'study.json'), '{}');
    writeFileSync(join(run, 'old.json'), '{}');
    await claimOutputDir(run, { kind: 'run', keep: ['study.json'] });
    assert.deepEqual(readdirSync(run), ['study.json'], 'kept entries survive the clearing');
    const foreign = join(root, 'foreign');
    mkdirSync(foreign);
    writeFileSync(join(foreign, 'a.txt'), 'a');
    assert.equal(await claimOutputDir(foreign, { kind: 'model', force: true }), 'foreign');
    await replaceDirAtomic(foreign, async (d) => writeFileAtomic(join(d, 'b'), 'b'));
    assert.deepEqual(readdirSync(foreign), ['b']);
  });

  test("the working directory ('--out .') is refused before any temporary is made", async () => {
    const root = tmp();
    const cwd = process.cwd();
    process.chdir(root);
    try {
      await assert.rejects(claimOutputDir('.', { kind: 'model' }), /working directory/);
      await assert.rejects(
        replaceDirAtomic('.', async () => {}),
        /working directory/,
      );
      await assert.rejects(claimOutputDir('..', { kind: 'run' }), /working directory/);
    } finally {
      process.chdir(cwd);
    }
    assert.deepEqual(readdirSync(root), [], 'no …PID.tmp directory left');
  });

  test('CLI: train --out DIR with other files exits 2 naming DIR and keeps the files', async () => {
    const root = tmp();
    const v = join(root, 'v');
    mkdirSync(join(v, 'sub'), { recursive: true });
    writeFileSync(join(v, 'important.txt'), 'precious\n');
    const r = await runCliInProcess(['train', '--quick', '--out', v]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, new RegExp(v.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')));
    assert.equal(readFileSync(join(v, 'important.txt'), 'utf8'), 'precious\n');
    const f = join(root, 'f.txt');
    writeFileSync(f, 'x');
    const r2 = await runCliInProcess(['train', '--quick', '--out', f]);
    assert.equal(r2.code, 2, r2.stderr);
    assert.equal(readFileSync(f, 'utf8'), 'x');
    const r3 = await runCliInProcess(['train', '--quick', '--out', '.'], { cwd: root });
    assert.equal(r3.code, 2, r3.stderr);
    assert.deepEqual(
      readdirSync(root).filter((n) => n.endsWith('.tmp')),
      [],
    );
  });

  test('CLI: a run directory with other files is refused (evaluate --out)', async () => {
    const root = tmp();
    writeFileSync(join(root, 'notes.txt'), 'mine');
    const r = await runCliInProcess(['evaluate', '--model', await quickModel(), '--out', root]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /not a vibann model or run/);
    assert.equal(readFileSync(join(root, 'notes.txt'), 'utf8'), 'mine');
  });
});

describe('interrupted saves and runs (issue 14 item 10)', () => {
  test('stale temporaries of a dead process are removed on the next save; live ones kept', async () => {
    const root = tmp();
    const target = join(root, 'model');
    const dead = deadPid();
    const staleDir = join(root, `.model.${dead}.0a1b2c3d.tmp`);
    const staleOld = join(root, `.model.${dead}.0a1b2c3d.tmp.old`);
    const live = join(root, `.model.${process.pid}.deadbeef.tmp`);
    const other = join(root, `.other.${dead}.0a1b2c3d.tmp`);
    for (const d of [staleDir, staleOld, live, other]) mkdirSync(d);
    await replaceDirAtomic(target, async (d) => writeFileAtomic(join(d, 'manifest.json'), '{}'));
    assert.equal(existsSync(staleDir), false);
    assert.equal(existsSync(staleOld), false);
    assert.equal(existsSync(live), true, "this process's temporary is in use");
    assert.equal(existsSync(other), true, 'temporaries of another target are not touched');
    const f = join(root, 'a.json');
    writeFileSync(join(root, `.a.json.${dead}.00000000.tmp`), 'half');
    await writeFileAtomic(f, '{}');
    assert.deepEqual(await cleanStaleTemps(f), []);
    assert.equal(existsSync(join(root, `.a.json.${dead}.00000000.tmp`)), false);
  });

  test('a run is incomplete until completeRun, which records every file with its SHA-256', async () => {
    const dir = tmp();
    const m = newManifest('evaluate', [], {}, {});
    await writeManifest(dir, m);
    let read = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    assert.equal(read.complete, false);
    await writeFileAtomic(join(dir, 'metrics.json'), '{"a":1}');
    await writeFileAtomic(join(dir, 'fig.svg'), '<svg/>');
    await completeRun(dir, m);
    read = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    assert.equal(read.complete, true);
    assert.deepEqual(read.files, [
      { path: 'fig.svg', bytes: 6, sha256: sha256('<svg/>') },
      { path: 'metrics.json', bytes: 7, sha256: sha256('{"a":1}') },
    ]);
    assert.equal(await inspectOutputDir(dir), 'run');
  });
});
