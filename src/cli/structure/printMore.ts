/** The readable form of the issue-17 parts of a structure report: S(Q), clusters, packing, averages. */
import type { AnalyzeReport } from '../../runs/structure.ts';
import type * as S from '../../structure/index.ts';
import { formatTable, out } from '../io.ts';

const f = (x: number | null | undefined, d = 4) =>
  x === null || x === undefined || Number.isNaN(x) ? '–' : x.toFixed(d);

export function printMore(r: S.StructureReport & Partial<AnalyzeReport>): void {
  if (r.angles)
    out(
      `icosahedral peak index  ${f(r.angles.ico_peak_index)}  (N[55,65)° / (N[50,70)° + N[100,120)°))`,
    );
  if (r.clusters) {
    out('');
    for (const c of Object.values(r.clusters)) {
      const top = c.voronoi_indices.slice(0, 3).map((t) => `${t.index} ${f(t.fraction, 3)}`);
      out(
        `${c.centre}-centred clusters: ${c.n_centres} centres, mean CN ${f(c.mean_cn, 3)}, <0,0,12,0> ${f(c.frac_0_0_12_0)}; top ${top.join(', ')}`,
      );
    }
  }
  if (r.packing) {
    const p = r.packing;
    out(
      `packing fraction ${f(p.packing_fraction)} (free volume ${f(p.free_volume_fraction)}), radii ${Object.entries(
        p.radii,
      )
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')} Å`,
    );
  }
  if (r.sq) {
    const q = r.sq;
    out('');
    out(
      `S(Q) direct sum: ${q.q.length} shells of ${q.dq} Å⁻¹ to ${q.qmax} Å⁻¹ (≤ ${q.max_vectors_per_shell} vectors each): first peak Q = ${f(q.first_peak.q, 3)} Å⁻¹, S = ${f(q.first_peak.height, 3)}`,
    );
    if (q.ft)
      out(
        `S(Q) FT of g(r) (Lorch, R = ${q.ft.r_max} Å): first peak Q = ${f(q.ft.first_peak.q, 3)} Å⁻¹, S = ${f(q.ft.first_peak.height, 3)}`,
      );
    const xm = q.s_xray ? Math.max(...q.s_xray) : null;
    const nm = q.s_neutron ? Math.max(...q.s_neutron) : null;
    out(
      `X-ray S(Q) max ${f(xm, 3)}, neutron S(Q) max ${f(nm, 3)}; ${f(q.seconds.direct, 2)} s direct, ${f(q.seconds.ft, 2)} s FT`,
    );
  }
  if (r.experiment) {
    const e = r.experiment;
    out(
      `experiment ${e.file}: R-factor ${f(e.r_factor)} against ${e.simulated} on ${e.n_points} points (${e.n_outside} outside the simulated range)`,
    );
  }
  if (r.trajectory) {
    out('');
    out(`averaged over ${r.trajectory.n_frames} frames (mean ± sd):`);
    out(
      formatTable(
        ['descriptor', 'mean', 'sd'],
        Object.entries(r.trajectory.descriptors).map(([k, v]) => [k, f(v.mean), f(v.sd)]),
      ),
    );
  }
}
