#!/usr/bin/env node
// Entry point of the installed command: runs the compiled CLI from dist/ (built by `npm run build`,
// which the `prepare` and `prepack` scripts run, so `npm ci` on a clone and `npm pack` both have it).

// A closed pipe (`vibann … | head`) is not an error: stop quietly.
for (const s of [process.stdout, process.stderr]) {
  s.on('error', (e) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
}

let cli;
try {
  cli = await import('../dist/cli/main.js');
} catch (e) {
  if (e?.code === 'ERR_MODULE_NOT_FOUND' && String(e.message).includes('dist/cli/main.js')) {
    process.stderr.write(
      "vibann: error: the compiled CLI (dist/) is missing; run 'npm run build' in the package folder\n",
    );
    process.exit(1);
  }
  throw e;
}
process.exitCode = await cli.main(process.argv.slice(2));
