/**
 * `npm run bench`: the benchmarks, each side by side with its peer measured in the same run
 * (they print our figure, the peer's and the ratio). Not part of the tests.
 *
 *   npm run bench                 # nn (vs PyTorch) and structure
 *   npm run bench -- all          # + baselines vs scikit-learn (~8 min) and design timing
 *   npm run bench -- nn baselines # a selection: nn | structure | baselines | design
 *
 * Timings are wall times; on a shared machine compare only figures from the same run.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const ALL = ['nn', 'structure', 'baselines', 'design'] as const;
type Bench = (typeof ALL)[number];

const args = process.argv.slice(2);
const chosen: Bench[] = args.includes('all')
  ? [...ALL]
  : args.length > 0
    ? (args.filter((a) => (ALL as readonly string[]).includes(a)) as Bench[])
    : ['nn', 'structure'];

function run(title: string, cmd: string, cmdArgs: string[]): number {
  process.stdout.write(`\n=== ${title}\n$ ${cmd} ${cmdArgs.join(' ')}\n`);
  const t0 = performance.now();
  const r = spawnSync(cmd, cmdArgs, { cwd: ROOT, stdio: 'inherit' });
  process.stdout.write(
    `=== ${title}: ${((performance.now() - t0) / 1000).toFixed(1)} s, exit ${r.status}\n`,
  );
  return r.status ?? 1;
}

const tsx = join(ROOT, 'node_modules', '.bin', 'tsx');
let failed = 0;
for (const b of chosen) {
  if (b === 'nn')
    failed += run('network speed vs the PyTorch peer', tsx, ['bench/nn.ts']) === 0 ? 0 : 1;
  if (b === 'structure')
    failed += run('structure analysis speed', tsx, ['bench/structure.ts']) === 0 ? 0 : 1;
  if (b === 'baselines')
    failed += run('baselines vs scikit-learn', tsx, ['bench/baselines.ts']) === 0 ? 0 : 1;
  if (b === 'design') {
    // design after training: time `vibann design` on a trained default model
    const model = join(ROOT, 'models', 'default');
    if (!existsSync(join(model, 'manifest.json'))) {
      failed +=
        run('train the default model (needed by the design timing)', process.execPath, [
          'bin/vibann.js',
          'train',
        ]) === 0
          ? 0
          : 1;
    }
    const out = mkdtempSync(join(tmpdir(), 'vibann-bench-design-'));
    const status = run(
      'design on the default model (timings per stage in the manifest)',
      process.execPath,
      ['bin/vibann.js', 'design', '--out', out],
    );
    failed += status === 0 || status === 3 ? 0 : 1;
  }
}
process.exitCode = failed > 0 ? 1 : 0;
