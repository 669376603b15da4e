/**
 * The `vibann` command line. Every command lives in its own module under ./commands and loads its
 * heavy dependencies lazily; all logic is in the library, so the CLI, the web page and the tests
 * share it. Exit codes: 0 success, 1 runtime failure, 2 usage or input error, 3 a design run in
 * which no candidate passed the gates.
 */
import { Command, CommanderError } from 'commander';
import pc from 'picocolors';
import { EXIT, VibannError } from '../util/errors.ts';
import { VERSION } from '../version.ts';

export async function buildProgram(): Promise<Command> {
  // The command modules load the run-document schemas (zod) and more: not needed for --version.
  const { registerAll } = await import('./commands/index.ts');
  const program = new Command('vibann')
    .description(
      'Vickers hardness of bulk metallic glasses: predict with calibrated uncertainty, and design new hard glasses.',
    )
    .version(VERSION, '-V, --version')
    .option('--traceback', 'print the full stack trace on errors')
    .showHelpAfterError('(run with --help for usage)')
    .configureHelp({ sortSubcommands: false, showGlobalOptions: true });
  registerAll(program);
  // Usage errors (unknown option, bad value) become exceptions so we can map exit codes ourselves.
  const override = (cmd: Command) => {
    cmd.exitOverride();
    for (const c of cmd.commands) override(c);
  };
  override(program);
  return program;
}

/** Run the CLI with `argv` (without node and script); resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  // `vibann --version` alone is answered without loading the command modules (start-up time).
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
    process.stdout.write(`${VERSION}\n`);
    return EXIT.ok;
  }
  const traceback = argv.includes('--traceback');
  try {
    const program = await buildProgram();
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (
        e.code === 'commander.helpDisplayed' ||
        e.code === 'commander.help' ||
        e.code === 'commander.version'
      ) {
        return EXIT.ok;
      }
      // commander already printed its message
      return e.code === 'commander.executeSubCommandAsync' ? EXIT.runtime : EXIT.input;
    }
    const code = e instanceof VibannError ? e.exitCode : EXIT.runtime;
    const msg = e instanceof Error ? e.message : String(e);
    process.stderr.write(`${pc.red('vibann: error:')} ${msg}\n`);
    if (traceback && e instanceof Error && e.stack) process.stderr.write(`${e.stack}\n`);
    else if (!(e instanceof VibannError))
      process.stderr.write('(run with --traceback for the stack trace)\n');
    return code;
  }
}
