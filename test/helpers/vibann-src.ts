/**
 * The `vibann` command run from the TypeScript sources (through tsx), for the child-process tests:
 * the same as bin/vibann.js, which runs the compiled dist/, without needing a fresh build.
 */
import { main } from '../../src/cli/main.ts';

for (const s of [process.stdout, process.stderr]) {
  s.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
}
process.exitCode = await main(process.argv.slice(2));
