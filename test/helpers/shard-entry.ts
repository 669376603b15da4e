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
 *
 * Two guards keep one bad file from stalling the shard (Node 20 ignores --test-timeout outside
 * `node --test`): a file's suite fails when it runs longer than FILE_TIMEOUT_MS, and the shard
 * moves on to the next file; and when the last file has ended but something (a server, a timer, a
 * worker) still keeps the process alive after EXIT_GRACE_MS, the shard says so and exits with
 * status 1 (without node:test's summary, which test/run.ts then reports as a failed shard).
 */
import { resolve } from 'node:path';
import { after, describe } from 'node:test';
import { pathToFileURL } from 'node:url';

/** The longest one test file may run (ms); the slowest take ~1.5 min on a loaded 2-core machine. */
export const FILE_TIMEOUT_MS = 600_000;
/** How long the process may linger after its last file before it is ended (ms). */
export const EXIT_GRACE_MS = 30_000;

const files = process.argv.slice(2);
files.forEach((file, i) => {
  describe(file, { timeout: FILE_TIMEOUT_MS }, async () => {
    if (i === files.length - 1)
      after(() => {
        setTimeout(() => {
          process.stderr.write(
            `\nshard of ${files.length} files: open handles kept the process alive ${EXIT_GRACE_MS / 1000} s after its last file; ending it\n`,
          );
          process.exit(1);
        }, EXIT_GRACE_MS).unref();
      });
    await import(pathToFileURL(resolve(file)).href);
  });
});
