/**
 * Runs `vibann bo` from its command module alone, with the CLI's exit-code mapping, until the
 * command is wired into src/cli/commands/index.ts (then `runCli(['bo', …])` does the same):
 *   node --import tsx test/bo/bo-cli.ts bo [options]
 */
import { Command, CommanderError } from 'commander';
import { register } from '../../src/cli/commands/bo.ts';
import { EXIT, VibannError } from '../../src/util/errors.ts';

const program = new Command('vibann').option('--traceback', 'print the full stack trace');
register(program);
program.exitOverride();
for (const c of program.commands) c.exitOverride();
try {
  await program.parseAsync(process.argv.slice(2), { from: 'user' });
} catch (e) {
  if (e instanceof CommanderError) {
    process.exitCode = e.code === 'commander.helpDisplayed' ? EXIT.ok : EXIT.input;
  } else {
    process.exitCode = e instanceof VibannError ? e.exitCode : EXIT.runtime;
    process.stderr.write(`vibann: error: ${e instanceof Error ? e.message : String(e)}\n`);
    if (process.argv.includes('--traceback') && e instanceof Error)
      process.stderr.write(`${e.stack}\n`);
  }
}
