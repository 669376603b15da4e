/**
 * `vibann report` as a command: registered on a fresh commander program (the lead wires it into
 * the CLI), errors as InputError (exit 2) or commander usage errors (exit 2 in main).
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Command, CommanderError } from 'commander';
import { register } from '../../src/cli/commands/report.ts';
import { InputError } from '../../src/util/errors.ts';
import * as F from './fixtures.ts';

const root = mkdtempSync(join(tmpdir(), 'vibann-report-cli-'));

function program(): Command {
  const p = new Command('vibann')
    .exitOverride()
    .configureOutput({ writeErr: () => {}, writeOut: () => {} });
  register(p);
  for (const c of p.commands)
    c.exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
  return p;
}

/**
 * Run the command, capturing what it prints on stdout. Only string writes are captured: the test
 * runner's own messages to its parent process (binary) pass through untouched.
 */
async function run(args: string[]): Promise<string> {
  const chunks: string[] = [];
  const orig = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((s: string | Uint8Array, ...rest: unknown[]) => {
    if (typeof s !== 'string') return (orig as (...a: unknown[]) => boolean)(s, ...rest);
    chunks.push(s);
    return true;
  }) as typeof process.stdout.write;
  try {
    await program().parseAsync(args, { from: 'user' });
  } finally {
    process.stdout.write = orig;
  }
  return chunks.join('');
}

describe('vibann report', () => {
  it('writes <run>/report.html by default, or --out; --json prints one document', async () => {
    const dir = join(root, 'run');
    mkdirSync(dir);
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(F.manifest()));
    writeFileSync(join(dir, 'latent.json'), JSON.stringify(F.LATENT_JSON));
    const text = await run(['report', '--run', dir]);
    assert.match(text, /report written to .*report\.html/);
    assert.match(readFileSync(join(dir, 'report.html'), 'utf8'), /<section id="latent">/);
    const out = join(root, 'out', 'r.html');
    const j = JSON.parse(await run(['report', '--run', dir, '--out', out, '--json']));
    assert.equal(j.report, out);
    assert.ok(j.bytes > 1000);
  });

  it('a missing run directory or manifest is an input error (exit 2) with a clear message', async () => {
    await assert.rejects(run(['report', '--run', join(root, 'missing')]), (e: unknown) => {
      assert.ok(e instanceof InputError);
      assert.equal(e.exitCode, 2);
      assert.match(e.message, /run directory '.*missing' does not exist/);
      return true;
    });
    const empty = join(root, 'empty');
    mkdirSync(empty);
    await assert.rejects(
      run(['report', '--run', empty]),
      (e: unknown) => e instanceof InputError && /manifest\.json' not found/.test(e.message),
    );
  });

  it('--out naming a directory is an input error; --run is required', async () => {
    const dir = join(root, 'run2');
    mkdirSync(dir);
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(F.manifest()));
    await assert.rejects(run(['report', '--run', dir, '--out', root]), /is a directory/);
    await assert.rejects(
      run(['report']),
      (e: unknown) =>
        e instanceof CommanderError && e.code === 'commander.missingMandatoryOptionValue',
    );
  });
});
