/**
 * Commands of the CLI contract (ARCHITECTURE.md) whose library part is not built yet. They are
 * registered, with their documented options, so `--help` shows them; running one says so and
 * exits with code 1.
 */
import type { Command } from 'commander';
import { NotImplementedError } from '../../util/errors.ts';

interface Pending {
  name: string;
  summary: string;
  options: [flags: string, description: string][];
}

const PENDING: Pending[] = [
  {
    name: 'serve',
    summary: 'local web page for predictions and design',
    options: [['--port <n>', 'port on 127.0.0.1']],
  },
];

export function registerPending(program: Command, names?: readonly string[]): void {
  for (const p of PENDING) {
    if (names && !names.includes(p.name)) continue;
    const cmd = program
      .command(p.name)
      .description(`${p.summary} [not built yet]`)
      .option('--json', 'print one JSON document on stdout');
    for (const [flags, desc] of p.options) cmd.option(flags, desc);
    cmd.action(() => {
      throw new NotImplementedError(`'vibann ${p.name}'`);
    });
  }
}

export const PENDING_NAMES = PENDING.map((p) => p.name);
