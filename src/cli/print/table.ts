/** Tables declared column by column: header, alignment and a cell function per column. */
import { formatTable } from '../io.ts';

export type Col<T> = [header: string, align: 'left' | 'right', cell: (r: T) => string | number];

export const table = <T>(cols: Col<T>[], rows: readonly T[]): string =>
  formatTable(
    cols.map((c) => c[0]),
    rows.map((r) => cols.map((c) => c[2](r))),
    { align: cols.map((c) => c[1]) },
  );

/** A number with `d` decimals, '–' when missing or not finite. */
export const num = (v: number | null | undefined, d = 0): string =>
  v !== null && v !== undefined && Number.isFinite(v) ? v.toFixed(d) : '–';
