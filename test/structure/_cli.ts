/**
 * Runs `vibann structure …` through the command module alone (the lead wires `register` into the
 * main program), with the exit-code mapping of src/cli/main.ts: 2 for usage and input errors, the
 * VibannError's code otherwise. Used by cli.test.ts in a child process.
 */
import { Command, CommanderError } from 'commander';
import { register } from '../../src/cli/commands/structure.ts';
import { EXIT, VibannError } from '../../src/util/errors.ts';

const program = new Command('vibann');
register(program);
const override = (c: Command) => {
  c.exitOverride();
  for (const s of c.commands) override(s);
};
override(program);
try {
  await program.parseAsync(process.argv.slice(2), { from: 'user' });
  process.exitCode = EXIT.ok;
} catch (e) {
  if (e instanceof CommanderError) process.exitCode = e.exitCode === 0 ? EXIT.ok : EXIT.input;
  else {
    process.stderr.write(`vibann: error: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = e instanceof VibannError ? e.exitCode : EXIT.runtime;
  }
}
