/**
 * Output conventions shared by every command (docs/architecture.md, CLI contract): with `--json` one
 * JSON document goes to stdout and nothing else does; progress, logs and warnings go to stderr.
 */
import pc from 'picocolors';

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Print lines to stdout (no argument: one empty line). */
export function out(...lines: string[]): void {
  process.stdout.write(`${(lines.length > 0 ? lines : ['']).join('\n')}\n`);
}

export function info(line: string): void {
  process.stderr.write(`${line}\n`);
}

export function warn(line: string): void {
  process.stderr.write(`${pc.yellow('warning:')} ${line}\n`);
}

export interface TableOptions {
  /** Column alignment; default: numbers right, text left. */
  align?: ('left' | 'right')[];
}

/** A plain-text table with a header rule, for terminals and logs. */
export function formatTable(
  header: string[],
  rows: (string | number)[][],
  o: TableOptions = {},
): string {
  const cells = rows.map((r) => r.map((c) => String(c)));
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length)));
  const align =
    o.align ??
    header.map((_, i) => (rows.length > 0 && typeof rows[0][i] === 'number' ? 'right' : 'left'));
  const fmt = (r: string[]) =>
    r
      .map((c, i) => (align[i] === 'right' ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [fmt(header), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(fmt)].join('\n');
}
