#!/usr/bin/env node
// Entry point: runs the TypeScript sources through tsx's loader, so a fresh clone works after
// `npm ci` without a build step.
import { register } from 'tsx/esm/api';

// A closed pipe (`vibann … | head`) is not an error: stop quietly.
for (const s of [process.stdout, process.stderr]) {
  s.on('error', (e) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
}
register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
