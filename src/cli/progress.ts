/**
 * Progress for long runs (training, design): a bar on a terminal, plain periodic lines otherwise
 * (CI logs, pipes). Always on stderr, so `--json` output on stdout stays clean.
 */
import cliProgress from 'cli-progress';

export interface Progress {
  /** Start a task of `total` units. */
  start(label: string, total: number): void;
  /** Set the completed units and a short status text. */
  update(done: number, status?: string): void;
  /** Finish the current task with a final line. */
  stop(summary?: string): void;
}

export interface ProgressOptions {
  /** Force plain lines (default: when stderr is not a TTY). */
  plain?: boolean;
  /** Plain mode: print at most one line per this many milliseconds (default 5000). */
  intervalMs?: number;
  /** Print nothing at all. */
  silent?: boolean;
}

export function createProgress(o: ProgressOptions = {}): Progress {
  if (o.silent) return { start() {}, update() {}, stop() {} };
  const plain = o.plain ?? !process.stderr.isTTY;
  if (plain) return new LineProgress(o.intervalMs ?? 5000);
  return new BarProgress();
}

class LineProgress implements Progress {
  private label = '';
  private total = 0;
  private t0 = 0;
  private last = 0;
  constructor(private readonly interval: number) {}
  start(label: string, total: number): void {
    this.label = label;
    this.total = total;
    this.t0 = Date.now();
    this.last = 0;
    process.stderr.write(`${label}: started (${total} steps max)\n`);
  }
  update(done: number, status = ''): void {
    const now = Date.now();
    if (now - this.last < this.interval) return;
    this.last = now;
    const el = (now - this.t0) / 1000;
    process.stderr.write(`${this.label}: ${done}/${this.total}  ${status}  ${el.toFixed(1)} s\n`);
  }
  stop(summary = ''): void {
    const el = (Date.now() - this.t0) / 1000;
    process.stderr.write(`${this.label}: done in ${el.toFixed(1)} s  ${summary}\n`);
  }
}

class BarProgress implements Progress {
  private bar: cliProgress.SingleBar | null = null;
  private label = '';
  private t0 = 0;
  start(label: string, total: number): void {
    this.label = label;
    this.t0 = Date.now();
    this.bar = new cliProgress.SingleBar(
      {
        format: `${label} [{bar}] {value}/{total} | ETA {eta_formatted} | {status}`,
        stream: process.stderr,
        hideCursor: true,
        etaBuffer: 50,
      },
      cliProgress.Presets.shades_classic,
    );
    this.bar.start(total, 0, { status: '' });
  }
  update(done: number, status = ''): void {
    this.bar?.update(done, { status });
  }
  stop(summary = ''): void {
    this.bar?.stop();
    this.bar = null;
    process.stderr.write(
      `${this.label}: done in ${((Date.now() - this.t0) / 1000).toFixed(1)} s  ${summary}\n`,
    );
  }
}
