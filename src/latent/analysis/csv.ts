/**
 * The CSV files of the latent and explain runs (latent_points.csv, traversal.csv,
 * sensitivity.csv, ig_rows.csv): numbers to 7 significant digits, NaN/±Infinity as empty cells,
 * text quoted when it holds a comma, quote or newline (RFC 4180).
 */

function csvCell(v: unknown): string {
  const s =
    typeof v === 'number' ? (Number.isFinite(v) ? String(+v.toPrecision(7)) : '') : String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** A header and rows as CSV text (one trailing newline). */
export function csv(header: readonly string[], rows: readonly (readonly unknown[])[]): string {
  return `${[header, ...rows].map((r) => r.map(csvCell).join(',')).join('\n')}\n`;
}
