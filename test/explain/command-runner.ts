/**
 * Runs the `latent`, `explain` and `lofo` command modules in a child process, as `vibann` would
 * once they are registered in src/cli/commands/index.ts (until then `bin/vibann.js` still has the
 * pending placeholders). Run as a script it is that CLI; imported, `runCommand` spawns it.
 * Exit codes follow src/cli/main.ts: 0 success, 2 usage/input error, VibannError's own code.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { REPO_ROOT } from '../helpers/paths.ts';

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

const SELF = fileURLToPath(import.meta.url);

export function runCommand(args: string[], timeoutMs = 120_000): CommandResult {
  const r = spawnSync(process.execPath, ['--import', 'tsx', SELF, ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, NO_COLOR: '1' },
    encoding: 'utf8',
    timeout: timeoutMs,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

async function cli(argv: string[]): Promise<number> {
  const { Command, CommanderError } = await import('commander');
  const { VibannError } = await import('../../src/util/errors.ts');
  const program = new Command('vibann');
  (await import('../../src/cli/commands/latent.ts')).register(program);
  (await import('../../src/cli/commands/explain.ts')).register(program);
  (await import('../../src/cli/commands/lofo.ts')).register(program);
  program.exitOverride();
  for (const c of program.commands) c.exitOverride();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.code === 'commander.helpDisplayed' ? 0 : 2;
    process.stderr.write(`vibann: error: ${e instanceof Error ? e.message : String(e)}\n`);
    return e instanceof VibannError ? e.exitCode : 1;
  }
}

if (process.argv[1] && pathToFileURL(process.argv[1]).href === import.meta.url) {
  process.exitCode = await cli(process.argv.slice(2));
}
