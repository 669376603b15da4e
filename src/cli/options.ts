/**
 * Parsers for option values shared by several commands; each names the option in its error.
 * Numbers are plain decimals only: `0x10`, `0b1`, `0o7`, `1_000`, `Infinity` are refused (the
 * same rule as CSV cells, data/csv.ts `parseDecimal`).
 */
import { type Command, InvalidArgumentError, Option } from 'commander';
import { parseDecimal } from '../data/csv.ts';
import { checkSeed, SEED_MAX } from '../util/rng.ts';

/**
 * An integer option ≥ `min` (and ≤ `max`). `--seed` is always parsed as a seed (`seedOption`):
 * every command's seed goes through this one parser.
 */
export function intOption(
  name: string,
  min = 0,
  max = Number.MAX_SAFE_INTEGER,
): (v: string) => number {
  if (name === '--seed') return seedOption(name);
  return (v: string) => {
    const n = Number(v.trim());
    if (!/^[+-]?\d+$/.test(v.trim()) || n < min || n > max)
      throw new InvalidArgumentError(
        `${name} expects an integer ≥ ${min}${max < Number.MAX_SAFE_INTEGER ? ` and ≤ ${max}` : ''}, got '${v}'`,
      );
    return n;
  };
}

/** A seed: an integer 0 … 2^32 − 1 (larger values would wrap and repeat other seeds' results). */
export function seedOption(name = '--seed'): (v: string) => number {
  return (v: string) => {
    const t = v.trim();
    const n = Number(t);
    if (!/^\+?\d+$/.test(t) || n > SEED_MAX)
      throw new InvalidArgumentError(
        `${name} expects an integer from 0 to ${SEED_MAX}, got '${v}'`,
      );
    checkSeed(n, name);
    return n;
  };
}

export function numberOption(
  name: string,
  opts: { positive?: boolean } = {},
): (v: string) => number {
  return (v: string) => {
    const n = parseDecimal(v);
    if (n === undefined || (opts.positive && n <= 0)) {
      throw new InvalidArgumentError(
        `${name} expects a ${opts.positive ? 'positive ' : ''}number, got '${v}'`,
      );
    }
    return n;
  };
}

/**
 * '0.5,1,2' → [0.5, 1, 2]; every value a positive plain decimal (loads in N). Whether a load is
 * within the model's range is decided later, by the load rule (data/loads.ts `checkLoad`).
 */
export function loadListOption(v: string, prev?: number[]): number[] {
  const vals = v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (vals.length === 0)
    throw new InvalidArgumentError(`--load expects loads in N such as 0.5 or 0.5,1,2; got '${v}'`);
  const out = vals.map((s) => {
    const n = parseDecimal(s);
    if (n === undefined || n <= 0)
      throw new InvalidArgumentError(
        `--load expects positive loads in N; got '${s}' (load must be > 0; plain decimals only)`,
      );
    return n;
  });
  return [...(prev ?? []), ...out];
}

/** 'B,Si' → ['B', 'Si']. */
export function listOption(v: string): string[] {
  return v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/**
 * Options that several commands declare: one definition each (flags, help, parser). Use with
 * `cmd.addOption(opt.json())`; the help text varies only where a command means something else.
 */
export const opt = {
  model: (def?: string, help = 'model directory') => new Option('--model <dir>', help).default(def),
  /** `reference`: the reference dataset; `trained`: the one the model was trained on; `resolved`. */
  data: (help: 'reference' | 'trained' | 'resolved' | (string & {}) = 'reference') =>
    new Option('--data <file>', DATA_HELP[help as keyof typeof DATA_HELP] ?? help),
  split: (help = 'reference | cluster | FILE') => new Option('--split <spec>', help),
  preset: (help: string, def: string) => new Option('--preset <name>', help).default(def),
  seed: (help: string, def?: number) =>
    new Option('--seed <n>', help).argParser(seedOption()).default(def),
  mc: (help = 'Monte Carlo dropout passes per network (default 100)') =>
    new Option('--mc <S>', help).argParser(intOption('--mc', 2)),
  load: (help: string) =>
    new Option('--load <N>', help).argParser(numberOption('--load', { positive: true })),
  quick: (help: string) => new Option('--quick', help),
  out: (help: string) => new Option('--out <dir>', help),
  noPlots: (what = 'the figures') => new Option('--no-plots', `skip ${what}`),
  json: (help = 'print one JSON document on stdout') => new Option('--json', help),
  force: (what = 'run') =>
    new Option('--force', `replace --out even if it holds files that are not a vibann ${what}`),
};

const DATA_HELP = {
  reference: 'dataset CSV (default: the reference dataset)',
  trained: 'dataset CSV the model was trained on (default: the reference dataset)',
  resolved: 'dataset CSV (default: VIBANN_DATA, ./data/H_v_dataset.csv, ../shared/data/)',
};

/** `--out DIR`, `--json` and `--force`: the tail of every command that writes a run directory. */
export function runDirOptions(cmd: Command, outHelp: string, o: { plots?: string } = {}): Command {
  cmd.addOption(opt.out(outHelp));
  if (o.plots) cmd.addOption(opt.noPlots(o.plots));
  return cmd.addOption(opt.json()).addOption(opt.force());
}

/** Where a multi-job command runs its jobs (docs/scaling.md). */
export interface ParallelCliOptions {
  workers?: number;
  queue?: string;
  jobTimeout?: number;
}

/** Add --workers, --queue and --job-timeout to a command that runs jobs (src/jobs). */
export function parallelOptions(cmd: Command): Command {
  return cmd
    .option(
      '--workers <n>',
      'jobs: worker threads on this machine (default: one per core; 0 = in this process)',
      intOption('--workers', 0),
    )
    .option(
      '--queue <url>',
      'jobs: send them to vibann worker processes via Redis (redis://HOST:PORT)',
    )
    .option(
      '--job-timeout <s>',
      'jobs on a queue: fail a job running longer (default 21600 s)',
      intOption('--job-timeout', 1),
    );
}
