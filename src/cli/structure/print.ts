/** The readable (non-JSON) form of a structure report. */
import type * as S from '../../structure/index.ts';
import { formatTable, out } from '../io.ts';
import { printMore } from './printMore.ts';

export const f4 = (x: number | null | undefined, d = 4) =>
  x === null || x === undefined || Number.isNaN(x) ? '–' : x.toFixed(d);

function sparkline(g: number[]): string {
  const blocks = '▁▂▃▄▅▆▇█';
  const max = Math.max(...g, 1e-12);
  return g.map((v) => blocks[Math.min(7, Math.max(0, Math.round((v / max) * 7)))]).join('');
}

/** The readable form of a StructureReport. */
export function printReport(r: S.StructureReport): void {
  const counts = Object.entries(r.species_counts)
    .map(([s, c]) => `${s} ${c}`)
    .join(', ');
  out(`file       ${r.source} (${r.n_atoms} atoms: ${counts})`);
  out(
    `cell       ${r.cell.lengths.map((l) => f4(l)).join(' × ')} Å, origin (${r.cell.origin.map((o) => f4(o)).join(', ')})`,
  );
  out(
    `density    ${r.number_density.toFixed(6)} atoms/Å³` +
      `${r.mass_density !== null ? `, ${r.mass_density.toFixed(4)} g/cm³` : ''}`,
  );
  if (r.rdf) {
    const p = r.rdf.first_peak;
    out('');
    out(`g(r)       0–${f4(r.rdf.rmax, 2)} Å, bin ${r.rdf.bin} Å   ${sparkline(r.rdf.g_total)}`);
    out(
      `first peak in [${p.window[0]}, ${p.window[1]}] Å: r = ${f4(p.r, 2)} Å, g = ${f4(p.height)}, FWHM ${f4(p.fwhm, 3)} Å, ` +
        `area ${f4(p.area, 3)}, h1/h2 ${f4(p.h1_h2, 3)}, r2 − r1 ${f4(p.separation, 2)} Å`,
    );
    out(
      formatTable(
        ['pair', 'peak r (Å)', 'g', 'FWHM (Å)', 'area', 'h1/h2'],
        Object.entries(r.rdf.partial_first_peaks).map(([k, q]) => [
          k,
          f4(q.r, 2),
          f4(q.height),
          f4(q.fwhm, 3),
          f4(q.area, 3),
          f4(q.h1_h2, 3),
        ]),
        { align: ['left', 'right', 'right', 'right', 'right', 'right'] },
      ),
    );
  }
  if (r.coordination) {
    const c = r.coordination;
    out('');
    const pc = Object.entries(c.pair_cutoffs)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
    out(`coordination, r_c = ${c.cutoff} Å${pc ? ` (pairs: ${pc})` : ''}`);
    const rows = ['all', ...Object.keys(r.species_counts)].map((s) => {
      const x = c[s] as S.CoordinationStats;
      return [s, x.n_atoms, f4(x.mean, 3), f4(x.std, 3), x.min, x.max, f4(x.frac_cn_12_or_13, 4)];
    });
    out(formatTable(['centre', 'atoms', 'mean CN', 'sd', 'min', 'max', 'CN∈{12,13}'], rows));
  }
  if (r.bonds) {
    const b = r.bonds;
    out('');
    const rows = Object.entries(b)
      .filter(([k]) => k !== 'cutoff')
      .map(([k, v]) => {
        const x = v as S.BondStats;
        return [k, x.n, f4(x.mean), f4(x.std), f4(x.min), f4(x.max)];
      });
    out(`bonds below ${b.cutoff} Å`);
    out(formatTable(['pair', 'n', 'mean (Å)', 'sd', 'min', 'max'], rows));
  }
  if (r.angles) {
    const a = r.angles;
    const top = a.histogram.indexOf(Math.max(...a.histogram));
    out('');
    out(
      `bond angles  ${a.n_triplets} triplets, mean ${f4(a.mean, 2)}° ± ${f4(a.std, 2)}°, most frequent bin [${top}, ${top + 1})°`,
    );
    out(
      `             ${sparkline(a.histogram.filter((_, k) => k % 2 === 0).map((v, k) => v + (a.histogram[2 * k + 1] ?? 0)))}  (0–180°)`,
    );
  }
  if (r.voronoi) {
    const v = r.voronoi;
    out('');
    out(
      `Voronoi (plain${v.area_filter > 0 ? `, faces < ${v.area_filter * 100} % of the cell's area dropped` : ''}): ` +
        `${f4(v.mean_faces, 2)} faces per cell, ${v.n_distinct_indices} distinct indices`,
    );
    const rows = ['all', ...Object.keys(r.species_counts)].map((s) => [
      s,
      f4(v.frac_0_0_12_0[s]),
      f4(v.frac_crystal_like[s]),
      f4(v.mean_volume[s], 3),
    ]);
    out(
      formatTable(
        [
          'centre',
          '<0,0,12,0>',
          `crystal-like ${v.crystal_like_indices.join(' ')}`,
          'mean volume (Å³)',
        ],
        rows,
      ),
    );
    out('');
    out(
      formatTable(
        ['index', 'cells', 'fraction'],
        v.top_indices.map((t) => [t.index, t.count, f4(t.fraction)]),
      ),
    );
  }
  printMore(r);
  out('');
  out(
    `time       ${Object.entries(r.timings)
      .map(([k, t]) => `${k} ${t.toFixed(2)} s`)
      .join(', ')}`,
  );
}
