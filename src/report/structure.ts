/**
 * The structure section of the HTML report (issue 17): for a `structure compare` run the table of
 * descriptors per alloy with their correlation with hardness, for a `structure analyze` run the
 * headline numbers (density, first peaks of g(r) and S(Q), CN, icosahedral fraction, packing,
 * experiment R-factor); then the run's structure figures (`structure_*.svg`).
 */
import {
  parseStructureAnalyzeRun,
  parseStructureCompareRun,
  STRUCTURE_ANALYZE_FILE,
  STRUCTURE_COMPARE_FILE,
} from '../runs/structure.ts';

const esc = (s: unknown) =>
  String(s)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');

const f = (x: number | null | undefined, d = 4) =>
  x === null || x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(d);

const CAPTIONS: Record<string, string> = {
  structure_rdf:
    'Radial distribution function g(r), total and (for one frame) the Faber–Ziman partials g_ab(r).',
  structure_sq:
    'Structure factor S(Q): number-weighted direct k-space sum over the cell’s wave vectors (shell-averaged), X-ray (Cromer–Mann) and neutron (Sears) Faber–Ziman totals, and the Lorch-windowed FT of g(r) (dashed).',
  structure_sq_partials: 'Faber–Ziman partial structure factors S_ab(Q) from the direct sum.',
  structure_cn: 'Coordination-number distribution (all centres, and species-centred clusters).',
  structure_voronoi: 'The most frequent Voronoi indices <n3,n4,n5,n6> and their fractions.',
  structure_angles: 'Bond-angle distribution (1° bins) of neighbour pairs within the cutoff.',
  structure_bonds: 'Bond-length distribution (0.02 Å bins), total and per species pair.',
  structure_experiment:
    'Measured curve against the simulated one on the measured grid, with the R-factor.',
  structure_descriptors:
    'Fig. 5-style panels: each descriptor against hardness (with Pearson r) or per alloy; bars ±1 sd over frames.',
};

function table(head: string[], rows: string[][]): string {
  return `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map(
      (r) =>
        `<tr>${r.map((c, k) => (k === 0 ? `<td>${esc(c)}</td>` : `<td class="num">${esc(c)}</td>`)).join('')}</tr>`,
    )
    .join('')}</tbody></table>`;
}

/**
 * The section, or null when the run has no structure document. `files`/`stems` are the results
 * files and figure stems it rendered (the caller leaves them out of the generic sections).
 */
export function structureSection<F extends { stem: string; caption?: string }>(
  json: Map<string, unknown>,
  figures: F[],
  figureHtml: (fig: F) => string,
): {
  section: { id: string; title: string; html: string };
  files: Set<string>;
  stems: Set<string>;
} | null {
  let html = '';
  const files = new Set<string>();
  if (json.has(STRUCTURE_COMPARE_FILE)) {
    const d = parseStructureCompareRun(json.get(STRUCTURE_COMPARE_FILE));
    files.add(STRUCTURE_COMPARE_FILE);
    const head = [
      'descriptor',
      ...d.alloys.map((a) => a.label),
      ...(d.correlations ? ['Pearson r (HV)', 'Spearman ρ (HV)'] : []),
    ];
    const rows = d.descriptor_names.map((n) => [
      n,
      ...d.alloys.map((a) =>
        a.descriptors[n]
          ? `${f(a.descriptors[n].mean)}${a.descriptors[n].sd > 0 ? ` ± ${f(a.descriptors[n].sd)}` : ''}`
          : '–',
      ),
      ...(d.correlations
        ? [f(d.correlations[n]?.pearson, 2), f(d.correlations[n]?.spearman, 2)]
        : []),
    ]);
    if (d.alloys.some((a) => a.hardness !== null))
      rows.unshift([
        'hardness (HV)',
        ...d.alloys.map((a) => f(a.hardness, 0)),
        ...(d.correlations ? ['', ''] : []),
      ]);
    html += `<h3>Descriptors per alloy</h3><p class="note">${d.alloys.length} alloys; ${d.hardness_file ? `hardness from ${esc(d.hardness_file)}` : 'no hardness table (no correlations)'}; frames per alloy: ${d.alloys.map((a) => a.n_frames).join(', ')}.</p>${table(head, rows)}`;
  }
  if (json.has(STRUCTURE_ANALYZE_FILE)) {
    const d = parseStructureAnalyzeRun(json.get(STRUCTURE_ANALYZE_FILE));
    files.add(STRUCTURE_ANALYZE_FILE);
    const r = d.report;
    const rows: string[][] = [
      ['file', r.source],
      [
        'atoms',
        `${r.n_atoms} (${Object.entries(r.species_counts)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')})`,
      ],
      ['number density (Å⁻³)', f(r.number_density, 5)],
      ...Object.entries(r.descriptors).map(([k, v]) => [k, f(v)]),
    ];
    if (r.experiment) rows.push([`R-factor vs ${r.experiment.file}`, f(r.experiment.r_factor)]);
    if (r.trajectory) rows.push(['frames averaged', String(r.trajectory.n_frames)]);
    html += `<h3>Structure of one frame</h3>${table(['quantity', 'value'], rows)}`;
  }
  const mine = figures.filter((x) => x.stem.replace(/^.*[\\/]/, '').startsWith('structure_'));
  for (const fig of mine) {
    const stem = fig.stem.replace(/^.*[\\/]/, '');
    if (!fig.caption && CAPTIONS[stem]) fig.caption = CAPTIONS[stem];
    html += figureHtml(fig);
  }
  if (!html) return null;
  return {
    section: { id: 'structure', title: 'Atomic structure', html },
    files,
    stems: new Set(mine.map((x) => x.stem)),
  };
}
