/**
 * Speed of the structure analysis (issue 7 targets, one core): the whole analysis — g(r) to 10 Å,
 * neighbours, CN, bonds, angles, periodic Voronoi with the 1 % filter — of a 5488-atom fixture in
 * ≤ 10 s and of a ~30 000-atom cell (A1 replicated 3×2×1 = 32 928 atoms) in ≤ 60 s. Prints the time
 * of every stage. Run: npx tsx bench/structure.ts [--repeat N]
 */
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { analyzeStructure, type Frame, readStructure, replicate } from '../src/structure/index.ts';

const root = resolve(fileURLToPath(import.meta.url), '..', '..');
const MD = join(root, '..', 'shared', 'data', 'md');
const repeat = Number(process.argv[process.argv.indexOf('--repeat') + 1]) || 3;

function bench(label: string, frame: Frame, limit: number): boolean {
  const runs: Record<string, number>[] = [];
  for (let k = 0; k < repeat; k++) {
    const r = analyzeStructure(frame, { areaFilter: 0.01 });
    runs.push(r.timings);
  }
  const stages = Object.keys(runs[0]);
  const best = runs.reduce((a, b) => (b.total < a.total ? b : a));
  const first = runs[0];
  console.log(
    `\n${label}: ${frame.n} atoms, box ${frame.cell.lengths.map((l) => l.toFixed(1)).join(' × ')} Å, ${repeat} runs`,
  );
  console.log(
    `${'stage'.padEnd(14)}${'best run (s)'.padStart(14)}${'share'.padStart(8)}${'first run (s)'.padStart(15)}`,
  );
  for (const s of stages) {
    const share = s === 'total' ? '' : `${((100 * best[s]) / best.total).toFixed(0)} %`;
    console.log(
      `${s.padEnd(14)}${best[s].toFixed(3).padStart(14)}${share.padStart(8)}${first[s].toFixed(3).padStart(15)}`,
    );
  }
  const ok = first.total <= limit;
  console.log(
    `target ≤ ${limit} s: ${ok ? 'met' : 'MISSED'} (first run ${first.total.toFixed(2)} s, best ${best.total.toFixed(2)} s)`,
  );
  return ok;
}

const t = performance.now();
const a1 = readStructure(join(MD, 'A1.extxyz'));
console.log(`read A1.extxyz: ${((performance.now() - t) / 1000).toFixed(3)} s`);
const big = replicate(a1, 3, 2, 1);
const ok = [bench('A1 (5488 atoms)', a1, 10), bench('A1 ×3×2×1', big, 60)];
process.exitCode = ok.every(Boolean) ? 0 : 1;
