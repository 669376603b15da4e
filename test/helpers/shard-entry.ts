/**
 * One shard of the test suite in one process (started by test/run.ts): imports each test file
 * named on the command line inside a suite named after the file, so the node:test runner in this
 * process runs them one after another and reports every file as one top-level suite with its
 * duration. Sharing the process saves each file's Node start-up, TypeScript loading and tfjs
 * initialisation (about 0.7 s of CPU per file; the whole unit suite used 370 s of CPU with one
 * process per file and 205 s in two shards).
 *
 * Top-level hooks of a file (`before`/`after` outside any `describe`) belong to that file's suite.
 * Files must leave the process as they found it (working directory, environment, exit code,
 * servers and worker threads closed): test/helpers/cli.ts restores what an in-process CLI run
 * changes.
 */
import { resolve } from 'node:path';
import { describe } from 'node:test';
import { pathToFileURL } from 'node:url';

for (const file of process.argv.slice(2)) {
  describe(file, async () => {
    await import(pathToFileURL(resolve(file)).href);
  });
}
