/**
 * The structure workflows (SPEC §13, issue 17) behind `vibann structure analyze | compare |
 * lammps-input | run`: read frames, analyse them (one frame or every frame of a trajectory, mean ±
 * sd), compare with a measured S(Q)/G(r), compare alloys against hardness, write run directories
 * with figures, and drive LAMMPS (serial or `mpirun -np N`, or a Slurm script).
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import type { Series } from '../plots/structure.ts';
import {
  type AnalyzeReport,
  type CompareAlloy,
  STRUCTURE_ANALYZE_FILE,
  STRUCTURE_COMPARE_FILE,
  STRUCTURE_MD_FILE,
  type StructureAnalyzeRunDocument,
  type StructureCompareRunDocument,
  type StructureMdRunDocument,
} from '../runs/structure.ts';
import type * as S from '../structure/index.ts';
import { InputError, VibannError } from '../util/errors.ts';
import { writeFileAtomic, writeJsonAtomic } from '../util/fs.ts';
import { completeRun, newManifest, type RunManifest, writeManifest } from '../util/manifest.ts';
import { runDirName, throwIfCancelled, type WorkflowHooks } from './common.ts';

export interface ReadSelection {
  format?: S.StructureFormat;
  /** LAMMPS type map, e.g. '1=Cu,2=Zr'. */
  types?: string;
  /** Frame to analyse, or 'all' to average every frame of the file. Default 'last'. */
  frame?: 'first' | 'last' | 'all' | number;
}

export interface StructureAnalyzeOptions extends ReadSelection {
  file: string;
  analyze?: S.AnalyzeOptions;
  /** A measured curve to compare with. */
  experiment?: { file: string; kind: S.ExperimentKind; radiation: 'xray' | 'neutron' | 'number' };
  /** Write a run directory (structure.json, figures, manifest) here. */
  out?: string;
  argv?: string[];
}

export interface StructureAnalyzeResult {
  report: AnalyzeReport;
  out: string | null;
  figures: string[];
}

async function readFrames(file: string, sel: ReadSelection): Promise<S.Frame[]> {
  const s = await import('../structure/index.ts');
  const types = sel.types ? s.parseTypeMap(sel.types) : undefined;
  if (sel.frame === 'all') return s.readAllFrames(file, { format: sel.format, types });
  return [s.readStructure(file, { format: sel.format, types, frame: sel.frame })];
}

/** Analyse every frame selected; the last frame's full report carries the trajectory average. */
async function analyzeFile(
  file: string,
  sel: ReadSelection,
  options: S.AnalyzeOptions,
  hooks: WorkflowHooks,
): Promise<{ report: AnalyzeReport; nFrames: number; stats: Record<string, S.DescriptorStat> }> {
  const s = await import('../structure/index.ts');
  const frames = await readFrames(file, sel);
  const descriptors: S.Descriptors[] = [];
  let last: S.StructureReport | null = null;
  frames.forEach((f, k) => {
    throwIfCancelled(hooks, 'the structure analysis');
    if (frames.length > 1)
      hooks.onProgress?.({ stage: `frames of ${basename(file)}`, done: k, total: frames.length });
    last = s.analyzeStructure(f, options);
    descriptors.push(last.descriptors);
  });
  if (frames.length > 1)
    hooks.onStageEnd?.(`frames of ${basename(file)}`, `${frames.length} frames`);
  const report = last as unknown as AnalyzeReport;
  const stats = s.averageDescriptors(descriptors);
  if (frames.length > 1) report.trajectory = { n_frames: frames.length, descriptors: stats };
  return { report, nFrames: frames.length, stats };
}

function simulatedCurve(
  r: AnalyzeReport,
  kind: S.ExperimentKind,
  radiation: 'xray' | 'neutron' | 'number',
): { curve: S.Curve; name: string } {
  const sq = r.sq;
  if (!sq) throw new InputError('--experiment needs S(Q); do not skip it');
  if (kind === 'sq') {
    const y =
      radiation === 'xray' ? sq.s_xray : radiation === 'neutron' ? sq.s_neutron : sq.s_total;
    if (!y)
      throw new InputError(
        `no ${radiation} weights for the species ${Object.keys(r.species_counts).join(', ')}`,
      );
    return { curve: { x: sq.q, y }, name: radiation === 'number' ? 's_total' : `s_${radiation}` };
  }
  const p = sq.pdf;
  if (!p) throw new InputError('--experiment with a G(r) needs the g(r) stage');
  const y = radiation === 'xray' ? p.g_xray : radiation === 'neutron' ? p.g_neutron : p.g_number;
  if (!y)
    throw new InputError(
      `no ${radiation} weights for the species ${Object.keys(r.species_counts).join(', ')}`,
    );
  return { curve: { x: p.r, y }, name: `g_${radiation}` };
}

/** `vibann structure analyze`: one file (one frame or all), optional experiment and run directory. */
export async function runStructureAnalyze(
  o: StructureAnalyzeOptions,
  hooks: WorkflowHooks = {},
): Promise<StructureAnalyzeResult> {
  const s = await import('../structure/index.ts');
  const manifest = newManifest(
    'structure analyze',
    o.argv ?? [],
    { ...o, argv: undefined },
    {
      sq_subset: o.analyze?.sq?.seed ?? 1,
    },
  );
  const t0 = performance.now();
  const { report } = await analyzeFile(o.file, o, o.analyze ?? {}, hooks);
  manifest.timings.analysis = (performance.now() - t0) / 1000;
  for (const w of report.warnings) hooks.onWarn?.(w);
  if (o.experiment) {
    const { curve, name } = simulatedCurve(report, o.experiment.kind, o.experiment.radiation);
    report.experiment = s.compareCurves(s.readCurve(o.experiment.file), curve, {
      file: o.experiment.file,
      kind: o.experiment.kind,
      simulated: name,
    });
  }
  if (!o.out) return { report, out: null, figures: [] };
  const t1 = performance.now();
  const figures = await writeStructureFigures(
    o.out,
    [{ label: basename(o.file), report }],
    report.experiment,
  );
  manifest.timings.figures = (performance.now() - t1) / 1000;
  await writeManifest(o.out, manifest);
  const doc: StructureAnalyzeRunDocument = { kind: 'structure-analyze', report, figures, manifest };
  await writeJsonAtomic(join(o.out, STRUCTURE_ANALYZE_FILE), doc);
  await completeRun(o.out, manifest);
  return { report, out: o.out, figures };
}

/** Figures of one or more analysed frames; returns the stems written. */
export async function writeStructureFigures(
  dir: string,
  entries: { label: string; report: AnalyzeReport }[],
  experiment?: S.ExperimentComparison,
): Promise<string[]> {
  const p = await import('../plots/structure.ts');
  const { writePlot } = await import('../plots/render.ts');
  const written: string[] = [];
  const put = async (name: string, spec: TopLevelSpec) => {
    await writePlot(dir, name, spec);
    written.push(name);
  };
  const one = entries.length === 1;
  const lab = (e: { label: string }, what: string) => (one ? what : e.label);
  const rdf: Series[] = [];
  const sq: Series[] = [];
  const dashed: string[] = [];
  for (const e of entries) {
    const r = e.report;
    if (r.rdf) {
      rdf.push({ label: lab(e, 'total'), x: r.rdf.r, y: r.rdf.g_total });
      if (one)
        for (const [k, g] of Object.entries(r.rdf.partial))
          rdf.push({ label: k, x: r.rdf.r, y: g });
    }
    if (r.sq) {
      sq.push({ label: lab(e, 'number (direct sum)'), x: r.sq.q, y: r.sq.s_total });
      if (one) {
        if (r.sq.s_xray) sq.push({ label: 'X-ray', x: r.sq.q, y: r.sq.s_xray });
        if (r.sq.s_neutron) sq.push({ label: 'neutron', x: r.sq.q, y: r.sq.s_neutron });
        if (r.sq.ft) {
          sq.push({ label: 'FT of g(r), Lorch', x: r.sq.ft.q, y: r.sq.ft.s_total });
          dashed.push('FT of g(r), Lorch');
        }
      }
    }
  }
  const sub = one ? [entries[0].report.source] : [`${entries.length} alloys`];
  if (rdf.length > 0)
    await put(
      'structure_rdf',
      p.linesPlot(one ? 'g(r) and partials' : 'Total g(r)', rdf, {
        xTitle: 'r (Å)',
        yTitle: 'g(r)',
        subtitle: sub,
      }),
    );
  if (sq.length > 0)
    await put(
      'structure_sq',
      p.linesPlot(one ? 'Structure factor S(Q)' : 'S(Q), number-weighted (direct sum)', sq, {
        xTitle: 'Q (Å⁻¹)',
        yTitle: 'S(Q)',
        dashed,
        subtitle: [...sub, 'Faber–Ziman totals; X-ray: Cromer–Mann f0(Q); neutron: Sears lengths'],
      }),
    );
  const first = entries[0].report;
  if (one && first.sq) {
    const parts = Object.entries(first.sq.partials).map(([k, y]) => ({
      label: k,
      x: first.sq!.q,
      y,
    }));
    await put(
      'structure_sq_partials',
      p.linesPlot('Faber–Ziman partial S(Q)', parts, {
        xTitle: 'Q (Å⁻¹)',
        yTitle: 'S_ab(Q)',
        subtitle: sub,
      }),
    );
  }
  const cnRows: { category: string; series: string; value: number }[] = [];
  const vorRows: { category: string; series: string; value: number }[] = [];
  const angles: Series[] = [];
  const bonds: Series[] = [];
  for (const e of entries) {
    const r = e.report;
    if (r.coordination) {
      const h = r.coordination.all.histogram;
      const n = r.coordination.all.n_atoms;
      for (const [cn, c] of Object.entries(h))
        cnRows.push({ category: cn, series: lab(e, 'all'), value: c / n });
      if (one && r.clusters)
        for (const cl of Object.values(r.clusters))
          for (const [cn, f] of Object.entries(cl.cn_distribution))
            cnRows.push({ category: cn, series: `${cl.centre}-centred`, value: f });
    }
    if (r.voronoi)
      for (const t of r.voronoi.top_indices.slice(0, 10))
        vorRows.push({ category: t.index, series: lab(e, 'all'), value: t.fraction });
    if (r.angles) {
      const tot = r.angles.n_triplets || 1;
      angles.push({
        label: lab(e, 'all'),
        x: r.angles.histogram.map((_, k) => k + 0.5),
        y: r.angles.histogram.map((c) => c / tot),
      });
    }
    if (r.bond_lengths) {
      const bl = r.bond_lengths;
      const tot = bl.total.reduce((a, b) => a + b, 0) || 1;
      bonds.push({
        label: lab(e, 'all'),
        x: bl.edges.map((x) => x + bl.bin / 2),
        y: bl.total.map((c) => c / tot),
      });
      if (one)
        for (const [k, h] of Object.entries(bl.partial))
          if (h.some((c) => c > 0))
            bonds.push({
              label: k,
              x: bl.edges.map((x) => x + bl.bin / 2),
              y: h.map((c) => c / tot),
            });
    }
  }
  const cnCats = [...new Set(cnRows.map((r) => r.category))].sort((a, b) => Number(a) - Number(b));
  if (cnRows.length > 0)
    await put(
      'structure_cn',
      p.barsPlot('Coordination numbers', cnRows, {
        xTitle: 'CN',
        yTitle: 'fraction of centres',
        categories: cnCats,
        subtitle: sub,
      }),
    );
  if (vorRows.length > 0)
    await put(
      'structure_voronoi',
      p.barsPlot('Most frequent Voronoi indices', vorRows, {
        xTitle: 'Voronoi index',
        yTitle: 'fraction of cells',
        subtitle: sub,
      }),
    );
  if (angles.length > 0)
    await put(
      'structure_angles',
      p.linesPlot('Bond-angle distribution', angles, {
        xTitle: 'angle (°)',
        yTitle: 'fraction per 1°',
        subtitle: sub,
      }),
    );
  if (bonds.length > 0)
    await put(
      'structure_bonds',
      p.linesPlot('Bond-length distribution', bonds, {
        xTitle: 'bond length (Å)',
        yTitle: 'fraction of bonds per bin',
        subtitle: sub,
      }),
    );
  if (experiment) {
    const xl = experiment.kind === 'sq' ? 'Q (Å⁻¹)' : 'r (Å)';
    const yl = experiment.kind === 'sq' ? 'S(Q)' : 'G(r) (Å⁻²)';
    await put(
      'structure_experiment',
      p.linesPlot(
        'Measured against simulated',
        [
          {
            label: `measured (${basename(experiment.file)})`,
            x: experiment.x,
            y: experiment.y_exp,
          },
          { label: `simulated ${experiment.simulated}`, x: experiment.x, y: experiment.y_sim },
        ],
        {
          xTitle: xl,
          yTitle: yl,
          subtitle: [`R-factor ${experiment.r_factor.toFixed(4)} on ${experiment.n_points} points`],
        },
      ),
    );
  }
  return written;
}

/** Hardness table: a header naming a file/alloy/label column and an hv/hardness column. */
export function readHardnessCsv(path: string): Map<string, number> {
  if (!existsSync(path)) throw new InputError(`--hardness: ${path} does not exist`);
  const lines = readFileSync(path, 'utf8')
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '' && !l.startsWith('#'));
  if (lines.length < 2) throw new InputError(`${path}: expected a header and at least one row`);
  const head = lines[0].split(',').map((h) => h.trim().toLowerCase());
  const ki = head.findIndex((h) => ['file', 'alloy', 'label', 'name'].includes(h));
  const vi = head.findIndex((h) => ['hv', 'hardness', 'hardness_hv'].includes(h));
  if (ki < 0 || vi < 0)
    throw new InputError(
      `${path}: line 1: expected columns 'file' (or alloy/label) and 'hv' (or hardness), got '${lines[0]}'`,
    );
  const out = new Map<string, number>();
  lines.slice(1).forEach((l, k) => {
    const t = l.split(',').map((x) => x.trim());
    const v = Number(t[vi]);
    if (!Number.isFinite(v))
      throw new InputError(
        `${path}: line ${k + 2}, column '${head[vi]}': expected a number, got '${t[vi] ?? ''}'`,
      );
    out.set(t[ki], v);
  });
  return out;
}

function pearson(x: number[], y: number[]): number | null {
  const n = x.length;
  if (n < 3) return null;
  const mx = x.reduce((a, b) => a + b, 0) / n;
  const my = y.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
    syy += (y[i] - my) ** 2;
  }
  return sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : null;
}

function ranks(v: number[]): number[] {
  const idx = v.map((x, i) => [x, i] as const).sort((a, b) => a[0] - b[0]);
  const r = new Array<number>(v.length);
  for (let i = 0; i < idx.length; ) {
    let j = i;
    while (j + 1 < idx.length && idx[j + 1][0] === idx[i][0]) j++;
    for (let k = i; k <= j; k++) r[idx[k][1]] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return r;
}

/** Pearson and Spearman correlation of x with y (null below 3 points or for a constant). */
export function correlation(
  x: number[],
  y: number[],
): { pearson: number | null; spearman: number | null; n: number } {
  return { pearson: pearson(x, y), spearman: pearson(ranks(x), ranks(y)), n: x.length };
}

export interface StructureCompareOptions extends ReadSelection {
  files: string[];
  /** CSV of hardness per file (see readHardnessCsv). */
  hardness?: string;
  analyze?: S.AnalyzeOptions;
  /** Run directory; default runs/structure-compare-<time>. */
  out?: string;
  argv?: string[];
}

/** Descriptors shown in the Fig. 5-style panels (when present). */
export const PANEL_DESCRIPTORS = [
  'rdf_peak_area',
  'rdf_peak_sharpness',
  'rdf_h1_h2',
  'rdf_peak_separation',
  'cn_frac_12_13',
  'cn_frac_12_13_B',
  'cn_frac_12_13_Nb',
  'ico_frac',
  'crystal_like_frac',
  'bond_mean',
  'bond_std',
  'ico_peak_index',
  'packing_fraction',
  'sq_peak_q',
  'cn_mean',
  'number_density',
];

/** `vibann structure compare`: one descriptor table over alloys, correlations with HV, figures. */
export async function runStructureCompare(
  o: StructureCompareOptions,
  hooks: WorkflowHooks = {},
): Promise<StructureCompareRunDocument & { out: string }> {
  if (o.files.length === 0) throw new InputError('structure compare: give at least one file');
  const out = o.out ?? runDirName('structure-compare');
  const manifest: RunManifest = newManifest(
    'structure compare',
    o.argv ?? [],
    { ...o, argv: undefined },
    {
      sq_subset: o.analyze?.sq?.seed ?? 1,
    },
  );
  const hv = o.hardness ? readHardnessCsv(o.hardness) : null;
  const labels = o.files.map((f) => basename(f, extname(f)));
  if (new Set(labels).size !== labels.length)
    throw new InputError(`structure compare: file names must differ (${labels.join(', ')})`);
  const alloys: CompareAlloy[] = [];
  const reports: { label: string; report: AnalyzeReport }[] = [];
  const t0 = performance.now();
  for (const [k, file] of o.files.entries()) {
    throwIfCancelled(hooks, 'structure compare');
    hooks.onProgress?.({
      stage: 'analyse alloys',
      done: k,
      total: o.files.length,
      status: basename(file),
    });
    const { report, nFrames, stats } = await analyzeFile(file, o, o.analyze ?? {}, hooks);
    for (const w of report.warnings) hooks.onWarn?.(`${basename(file)}: ${w}`);
    const label = labels[k];
    const h = hv ? (hv.get(label) ?? hv.get(basename(file)) ?? hv.get(file) ?? null) : null;
    if (hv && h === null) hooks.onWarn?.(`${o.hardness}: no row for '${label}'`);
    reports.push({ label, report });
    const cn: Record<string, number> = {};
    if (report.coordination)
      for (const [c, n] of Object.entries(report.coordination.all.histogram))
        cn[c] = n / report.n_atoms;
    alloys.push({
      label,
      file,
      n_atoms: report.n_atoms,
      species_counts: report.species_counts,
      hardness: h,
      n_frames: nFrames,
      descriptors: stats,
      curves: {
        rdf: report.rdf ? { r: report.rdf.r, g: report.rdf.g_total } : null,
        sq: report.sq ? { q: report.sq.q, s: report.sq.s_total, s_xray: report.sq.s_xray } : null,
        cn,
        voronoi: (report.voronoi?.top_indices ?? []).map((t) => ({
          index: t.index,
          fraction: t.fraction,
        })),
        angles: report.angles?.histogram ?? null,
        bonds: report.bond_lengths
          ? { edges: report.bond_lengths.edges, total: report.bond_lengths.total }
          : null,
      },
    });
  }
  hooks.onProgress?.({ stage: 'analyse alloys', done: o.files.length, total: o.files.length });
  hooks.onStageEnd?.('analyse alloys');
  manifest.timings.analysis = (performance.now() - t0) / 1000;
  const names = [...new Set(alloys.flatMap((a) => Object.keys(a.descriptors)))];
  let correlations: StructureCompareRunDocument['correlations'] = null;
  if (hv) {
    correlations = {};
    for (const d of names) {
      const pts = alloys.filter((a) => a.hardness !== null && a.descriptors[d]);
      correlations[d] = correlation(
        pts.map((a) => a.descriptors[d].mean),
        pts.map((a) => a.hardness as number),
      );
    }
  }
  const t1 = performance.now();
  const figures = await writeStructureFigures(out, reports);
  const p = await import('../plots/structure.ts');
  const { writePlot } = await import('../plots/render.ts');
  const panelRows = PANEL_DESCRIPTORS.filter((d) => alloys.some((a) => a.descriptors[d])).flatMap(
    (d) =>
      alloys
        .filter((a) => a.descriptors[d])
        .map((a) => ({
          alloy: a.label,
          descriptor: d,
          value: a.descriptors[d].mean,
          sd: a.descriptors[d].sd,
          hardness: a.hardness,
        })),
  );
  if (panelRows.length > 0) {
    const corr = correlations
      ? Object.fromEntries(Object.entries(correlations).map(([k, c]) => [k, c.pearson]))
      : undefined;
    await writePlot(
      out,
      'structure_descriptors',
      p.descriptorPanels(panelRows, { correlations: corr }),
    );
    figures.push('structure_descriptors');
  }
  manifest.timings.figures = (performance.now() - t1) / 1000;
  await writeManifest(out, manifest);
  const doc: StructureCompareRunDocument = {
    kind: 'structure-compare',
    alloys,
    descriptor_names: names,
    hardness_file: o.hardness ?? null,
    correlations,
    figures,
    manifest,
  };
  await writeJsonAtomic(join(out, STRUCTURE_COMPARE_FILE), doc);
  await completeRun(out, manifest);
  return { ...doc, out };
}

export interface StructureMdOptions {
  input: S.LammpsInputOptions;
  /** Output folder; default md/<composition>. */
  out?: string;
  /** MPI ranks. Default 1 (plain `lmp`). */
  np?: number;
  lmp?: string;
  mpirun?: string;
  /** Write a Slurm batch script instead of running. */
  slurm?: { time?: string; jobName?: string; extra?: string[] };
  analyze?: S.AnalyzeOptions;
  voronoiCheck?: boolean;
  timeoutMs?: number;
}

/** Folder name for a composition: md/<composition>. */
export function defaultMdDir(composition: string): string {
  return `md/${composition.replace(/[^A-Za-z0-9._-]+/g, '_')}`;
}

/** `vibann structure lammps-input`: build and write the input files. */
export async function runStructureInput(
  input: S.LammpsInputOptions,
  out?: string,
): Promise<{
  out: string;
  files: string[];
  input: S.LammpsInput;
  manifest: Record<string, unknown>;
}> {
  const s = await import('../structure/index.ts');
  const inp = s.lammpsInput(input);
  const dir = out ?? defaultMdDir(String(input.composition));
  const files = await s.writeLammpsInput(dir, inp);
  return { out: dir, files, input: inp, manifest: s.inputManifest(inp) };
}

/** `vibann structure run`: write the input; run LAMMPS (np ranks) with progress, or write a Slurm script. */
export async function runStructureMd(
  o: StructureMdOptions,
  hooks: WorkflowHooks = {},
): Promise<StructureMdRunDocument> {
  const s = await import('../structure/index.ts');
  const np = o.np ?? 1;
  const { out, input: inp, manifest } = await runStructureInput(o.input, o.out);
  for (const w of inp.warnings) hooks.onWarn?.(w);
  const lmpName = o.lmp ?? (o.slurm ? 'lmp' : s.findLmp());
  if (!lmpName) throw new VibannError(s.LMP_MISSING);
  const command = s.lmpCommand(
    lmpName,
    ['-in', s.INPUT_SCRIPT, '-log', 'log.lammps'],
    np,
    o.mpirun,
  );
  if (o.slurm) {
    const script = s.slurmScript({ np, lmp: o.lmp ?? 'lmp', ...o.slurm });
    await writeFileAtomic(join(out, s.SLURM_SCRIPT), script);
    const doc: StructureMdRunDocument = {
      kind: 'structure-md',
      out,
      np,
      command: ['srun', o.lmp ?? 'lmp', '-in', s.INPUT_SCRIPT, '-log', 'log.lammps'],
      input: manifest,
      timings: {},
      report: null,
      voronoi_check: null,
      slurm_script: join(out, s.SLURM_SCRIPT),
    };
    await writeJsonAtomic(join(out, STRUCTURE_MD_FILE), doc);
    return doc;
  }
  const p = inp.protocol;
  const total = p.heatSteps + p.holdSteps + p.quenchSteps + p.finalSteps;
  hooks.onInfo?.(
    `running ${command.join(' ')} in ${out}: ${inp.nAtoms} atoms, ${total} MD steps; log in ${out}/log.lammps`,
  );
  // thermo steps restart at 0 after the minimisation and count up through the four stages
  let buf = '';
  let afterMin = false;
  const res = await s.runLammps(out, {
    lmp: lmpName,
    np,
    mpirun: o.mpirun,
    timeoutMs: o.timeoutMs,
    voronoiCheck: o.voronoiCheck,
    analyze: o.analyze,
    onOutput: (text) => {
      buf += text;
      const lines = buf.split('\n');
      buf = lines.pop() ?? '';
      for (const l of lines) {
        if (/^\s*(Minimization stats|reset_timestep)/.test(l) || /Loop time .* 0 steps/.test(l))
          afterMin = true;
        if (/Stopping criterion/.test(l)) afterMin = true;
        const step = s.thermoStep(l);
        if (step !== null && afterMin)
          hooks.onProgress?.({ stage: 'LAMMPS melt-quench', done: Math.min(step, total), total });
      }
    },
  });
  hooks.onProgress?.({ stage: 'LAMMPS melt-quench', done: total, total });
  hooks.onStageEnd?.('LAMMPS melt-quench', `MD ${res.timings.md.toFixed(1)} s on ${np} rank(s)`);
  const doc: StructureMdRunDocument = {
    kind: 'structure-md',
    out,
    np,
    command,
    input: manifest,
    timings: res.timings,
    report: res.report,
    voronoi_check: res.voronoi_check,
    slurm_script: null,
  };
  await writeJsonAtomic(join(out, STRUCTURE_MD_FILE), doc);
  // the file name of the previous versions of `structure run`
  await writeJsonAtomic(join(out, 'analysis.json'), {
    out,
    input: manifest,
    timings: res.timings,
    report: res.report,
    voronoi_check: res.voronoi_check,
  });
  return doc;
}
