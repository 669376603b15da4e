/** Test data shared by the shift CLI test and the grouped-CV tests. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A tiny dataset (84 rows, 14 families of 6 rows, loads 0.5/1/2 N) with a smooth made-up hardness
 * surface: enough rows for a split, a grouped CV and a GP, small enough for a few-second run.
 */
export function tinyCsv(dir: string): { file: string; rows: { els: string[]; hv: number }[] } {
  const families = [
    ['Fe', 'B'],
    ['Fe', 'B', 'Nb'],
    ['Co', 'B'],
    ['Co', 'B', 'Fe'],
    ['Co', 'B', 'Nb'],
    ['Cu', 'Zr'],
    ['Cu', 'Zr', 'Al'],
    ['Zr', 'Al'],
    ['Fe', 'Nb'],
    ['Cu', 'Al'],
    ['Fe', 'Zr', 'B'],
    ['Co', 'Zr'],
    ['Nb', 'Zr', 'Cu'],
    ['Fe', 'Co', 'Nb'],
  ];
  const weight: Record<string, number> = {
    Fe: 900,
    B: 1500,
    Nb: 700,
    Co: 1000,
    Cu: 400,
    Zr: 500,
    Al: 300,
  };
  const lines = ['composition,Load,HV'];
  const rows: { els: string[]; hv: number }[] = [];
  const loads = [0.5, 1, 2];
  families.forEach((els, f) => {
    for (let k = 0; k < 6; k++) {
      // fractions: the first element dominant, shifted deterministically per row
      const raw = els.map((_, j) => (j === 0 ? 60 + 3 * k : 40 / (els.length - 1) - k + 2 * j));
      const s = raw.reduce((a, b) => a + b, 0);
      const frac = raw.map((v) => v / s);
      const load = loads[(f + k) % 3];
      const hv =
        els.reduce((a, e, j) => a + weight[e] * frac[j], 0) * (1 + 0.05 * Math.log(1 / load)) +
        10 * Math.sin(7 * f + k);
      const formula = els.map((e, j) => `${e}${(100 * frac[j]).toFixed(3)}`).join('');
      lines.push(`${formula},${load},${hv.toFixed(2)}`);
      rows.push({ els, hv });
    }
  });
  const file = join(dir, 'tiny.csv');
  writeFileSync(file, `${lines.join('\n')}\n`);
  return { file, rows };
}
