/**
 * `vibann structure analyze FILE` — g(r), coordination, bonds, angles and Voronoi indices of an MD
 * frame (SPEC §13), as tables or one JSON document (`--json`, docs/architecture.md contract).
 * `vibann structure lammps-input --composition F` — the paper's melt-quench input for LAMMPS.
 * `vibann structure run --composition F` — write the input, run `lmp`, analyse the final frame and
 * cross-check the icosahedral fraction with LAMMPS's compute voronoi/atom.
 */
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import type * as S from '../../structure/index.ts';
import { InputError } from '../../util/errors.ts';
import { formatTable, info, out, printJson, warn } from '../io.ts';
import { intOption, numberOption } from '../options.ts';

const FORMATS = ['extxyz', 'lammps-dump', 'lammps-data'];

function formatOption(v: string): string {
  if (!FORMATS.includes(v))
    throw new InvalidArgumentError(`--format expects one of ${FORMATS.join(', ')}; got '${v}'`);
  return v;
}

function rangeOption(name: string): (v: string) => [number, number] {
  return (v: string) => {
    const m = /^\s*([0-9.eE+-]+)\s*:\s*([0-9.eE+-]+)\s*$/.exec(v);
    const a = m ? Number(m[1]) : Number.NaN;
    const b = m ? Number(m[2]) : Number.NaN;
    if (!Number.isFinite(a) || !Number.isFinite(b) || !(a < b)) {
      throw new InvalidArgumentError(
        `${name} expects LO:HI with LO < HI, such as 2.0:3.0; got '${v}'`,
      );
    }
    return [a, b];
  };
}

function fractionOption(name: string): (v: string) => number {
  return (v: string) => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || n < 0 || n >= 1) {
      throw new InvalidArgumentError(
        `${name} expects a fraction in [0, 1), such as 0.01; got '${v}'`,
      );
    }
    return n;
  };
}

function typesOption(v: string): string {
  if (
    !/^\s*(\d+\s*[=:]\s*[A-Za-z]\w*|[A-Za-z]\w*)(\s*,\s*(\d+\s*[=:]\s*[A-Za-z]\w*|[A-Za-z]\w*))*\s*$/.test(
      v,
    )
  ) {
    throw new InvalidArgumentError(
      `--types expects TYPE=ELEMENT pairs such as 1=Cu,2=Zr; got '${v}'`,
    );
  }
  return v;
}

function pairCutoffsOption(v: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')) {
    const m = /^([A-Za-z]\w*)-([A-Za-z]\w*)\s*=\s*([0-9.eE+]+)$/.exec(part);
    if (!m || !(Number(m[3]) > 0)) {
      throw new InvalidArgumentError(
        `--pair-cutoff expects A-B=R pairs such as B-B=2.2,Cu-Zr=3.3; got '${part}'`,
      );
    }
    out[`${m[1]}-${m[2]}`] = Number(m[3]);
  }
  return out;
}

function crystalLikeOption(v: string): string[] {
  const parts = v.match(/<[^>]*>(?:\+\d+(?:\(n>=7\))?)?|[^;\s]+/g) ?? [];
  if (parts.length === 0)
    throw new InvalidArgumentError(
      `--crystal-like expects indices such as '<0,12,0,0>;<0,6,0,8>'; got '${v}'`,
    );
  return parts;
}

function frameOption(v: string): 'first' | 'last' | number {
  if (v === 'first' || v === 'last') return v;
  if (/^\d+$/.test(v)) return Number(v);
  throw new InvalidArgumentError(
    `--frame expects first, last or a 0-based frame number; got '${v}'`,
  );
}

function stepsOption(v: string): number[] {
  const t = v.split(',').map((s) => s.trim());
  if (t.length !== 4 || t.some((s) => !/^\d+$/.test(s))) {
    throw new InvalidArgumentError(
      `--steps expects HEAT,HOLD,QUENCH,FINAL step counts such as 40000,40000,40000,40000; got '${v}'`,
    );
  }
  return t.map(Number);
}

interface AnalyzeCliOptions {
  format?: S.StructureFormat;
  types?: string;
  frame?: 'first' | 'last' | number;
  cutoff: number;
  pairCutoff?: Record<string, number>;
  rmax?: number;
  bin: number;
  peakWindow: [number, number];
  areaFilter: number;
  crystalLike?: string[];
  json?: boolean;
}

interface InputCliOptions {
  composition?: string;
  atoms: number;
  potential?: string;
  pairStyle?: string;
  pairCoeff?: string;
  lattice?: number;
  seed: number;
  steps?: number[];
  temperatures?: [number, number];
  tdamp?: number;
  pdamp?: number;
  pressure?: number;
  out?: string;
  json?: boolean;
}

interface RunCliOptions
  extends InputCliOptions,
    Omit<AnalyzeCliOptions, 'format' | 'types' | 'frame' | 'json'> {
  lmp?: string;
  voronoiCheck: boolean;
  timeout?: number;
}

const f4 = (x: number | null | undefined, d = 4) =>
  x === null || x === undefined || Number.isNaN(x) ? '–' : x.toFixed(d);

function sparkline(g: number[]): string {
  const blocks = '▁▂▃▄▅▆▇█';
  const max = Math.max(...g, 1e-12);
  return g.map((v) => blocks[Math.min(7, Math.max(0, Math.round((v / max) * 7)))]).join('');
}

/** The readable form of a StructureReport. */
function printReport(r: S.StructureReport): void {
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
  out('');
  out(
    `time       ${Object.entries(r.timings)
      .map(([k, t]) => `${k} ${t.toFixed(2)} s`)
      .join(', ')}`,
  );
}

function analyzeOptions(
  o: Omit<AnalyzeCliOptions, 'format' | 'types' | 'frame' | 'json'>,
): S.AnalyzeOptions {
  return {
    cutoff: o.cutoff,
    pairCutoffs: o.pairCutoff,
    rmax: o.rmax,
    bin: o.bin,
    peakWindow: o.peakWindow,
    areaFilter: o.areaFilter,
    crystalLike: o.crystalLike,
  };
}

function addAnalysisOptions(cmd: Command): Command {
  return cmd
    .option(
      '--cutoff <A>',
      'neighbour cutoff for CN, bonds and angles, Å',
      numberOption('--cutoff', { positive: true }),
      3.0,
    )
    .option(
      '--pair-cutoff <A-B=R,...>',
      'per-pair cutoffs overriding --cutoff, e.g. B-B=2.2',
      pairCutoffsOption,
    )
    .option(
      '--rmax <A>',
      'g(r) range, Å (default 10, or half the box if smaller)',
      numberOption('--rmax', { positive: true }),
    )
    .option('--bin <A>', 'g(r) bin width, Å', numberOption('--bin', { positive: true }), 0.1)
    .option(
      '--peak-window <LO:HI>',
      'window for the first g(r) peak, Å',
      rangeOption('--peak-window'),
      [2.0, 3.0],
    )
    .option(
      '--area-filter <F>',
      "drop Voronoi faces smaller than F × the cell's face area (0.01 = 1 %)",
      fractionOption('--area-filter'),
      0,
    )
    .option(
      '--crystal-like <LIST>',
      "crystal-like Voronoi indices, e.g. '<0,12,0,0>;<0,6,0,8>'",
      crystalLikeOption,
    );
}

function addInputOptions(cmd: Command): Command {
  return cmd
    .option('--composition <F>', 'alloy formula, e.g. Cu64Zr36')
    .option(
      '--atoms <N>',
      'number of atoms (rounded to a 2·n³ BCC block)',
      intOption('--atoms', 2),
      2000,
    )
    .option(
      '--potential <FILE>',
      'interatomic potential file (path, or a name in /usr/share/lammps/potentials)',
    )
    .option(
      '--pair-style <STYLE>',
      'LAMMPS pair_style (default from the potential: .eam.fs → eam/fs, .eam.alloy → eam/alloy)',
    )
    .option(
      '--pair-coeff <ARGS>',
      "everything after pair_coeff (default '* * POTENTIAL El1 El2 …')",
    )
    .option(
      '--lattice <A>',
      'BCC lattice constant, Å (default from metallic radii)',
      numberOption('--lattice', { positive: true }),
    )
    .option(
      '--seed <N>',
      'seed of the random site assignment and velocities',
      intOption('--seed', 0),
      1,
    )
    .option(
      '--steps <H,H,Q,F>',
      'steps of heat, hold, quench, final hold (paper: 40000 each)',
      stepsOption,
    )
    .option(
      '--temperatures <LOW:HIGH>',
      'low and melt temperatures, K (paper: 50:4000)',
      rangeOption('--temperatures'),
    )
    .option(
      '--tdamp <PS>',
      'thermostat damping, ps (paper: 1)',
      numberOption('--tdamp', { positive: true }),
    )
    .option(
      '--pdamp <PS>',
      'barostat damping, ps (paper: 5)',
      numberOption('--pdamp', { positive: true }),
    )
    .option('--pressure <BAR>', 'NPT pressure, bar (paper: 0)', numberOption('--pressure'))
    .option('--out <DIR>', 'output folder (default md/<composition>)');
}

function inputFrom(s: typeof S, o: InputCliOptions): S.LammpsInput {
  if (!o.composition)
    throw new InputError('--composition is required, e.g. --composition Cu64Zr36');
  if (!o.potential) {
    throw new InputError(
      "--potential is required: name the interatomic potential file, e.g. --potential CuZr_mm.eam.fs (Debian's lammps-data)",
    );
  }
  const protocol: Partial<S.MeltQuenchProtocol> = {};
  if (o.steps)
    [protocol.heatSteps, protocol.holdSteps, protocol.quenchSteps, protocol.finalSteps] = o.steps;
  if (o.temperatures) [protocol.tLow, protocol.tHigh] = o.temperatures;
  if (o.tdamp !== undefined) protocol.tdamp = o.tdamp;
  if (o.pdamp !== undefined) protocol.pdamp = o.pdamp;
  if (o.pressure !== undefined) protocol.pressure = o.pressure;
  return s.lammpsInput({
    composition: o.composition,
    atoms: o.atoms,
    potential: o.potential,
    pairStyle: o.pairStyle,
    pairCoeff: o.pairCoeff,
    lattice: o.lattice,
    seed: o.seed,
    protocol,
  });
}

const defaultOut = (composition: string) => `md/${composition.replace(/[^A-Za-z0-9._-]+/g, '_')}`;

export function register(program: Command): void {
  const st = program
    .command('structure')
    .description(
      'atomistic structure of MD glasses: g(r), coordination, bonds, Voronoi; LAMMPS melt-quench inputs',
    );

  addAnalysisOptions(
    st
      .command('analyze')
      .description(
        'analyse one MD frame: g(r) and peaks, coordination, bond lengths and angles, Voronoi indices',
      )
      .argument('<file>', 'extended XYZ, LAMMPS dump (custom) or LAMMPS data file')
      .option(
        '--format <FMT>',
        `file format: ${FORMATS.join('|')} (default: from the name and content)`,
        formatOption,
      )
      .option('--types <MAP>', 'LAMMPS type → element, e.g. 1=Cu,2=Zr', typesOption)
      .option('--frame <first|last|N>', 'frame of a multi-frame file (default last)', frameOption),
  )
    .option('--json', 'print one JSON document on stdout')
    .action(async (file: string, o: AnalyzeCliOptions) => {
      const s = await import('../../structure/index.ts');
      const frame = s.readStructure(file, {
        format: o.format,
        types: o.types ? s.parseTypeMap(o.types) : undefined,
        frame: o.frame,
      });
      const report = s.analyzeStructure(frame, analyzeOptions(o));
      for (const w of report.warnings) warn(w);
      if (o.json) printJson(report);
      else printReport(report);
    });

  addInputOptions(
    st
      .command('lammps-input')
      .description("write a LAMMPS melt-quench input (the paper's protocol) for a composition"),
  )
    .option('--json', 'print one JSON document on stdout')
    .action(async (o: InputCliOptions) => {
      const s = await import('../../structure/index.ts');
      const inp = inputFrom(s, o);
      const dir = o.out ?? defaultOut(o.composition!);
      const files = await s.writeLammpsInput(dir, inp);
      for (const w of inp.warnings) warn(w);
      if (o.json) {
        printJson({ out: dir, files, ...s.inputManifest(inp) });
        return;
      }
      out(`wrote ${files.join(', ')}`);
      out(
        `${inp.nAtoms} atoms (${Object.entries(inp.counts)
          .map(([e, c]) => `${e} ${c}`)
          .join(', ')}), BCC a = ${inp.lattice} Å, box ${inp.box.toFixed(3)} Å, seed ${inp.seed}`,
      );
      out(`pair_style ${inp.pairStyle}; pair_coeff ${inp.pairCoeff}`);
      out(
        `run it with: (cd ${dir} && lmp -in ${s.INPUT_SCRIPT})   or: vibann structure run … --out ${dir}`,
      );
    });

  addAnalysisOptions(
    addInputOptions(
      st
        .command('run')
        .description(
          "write the melt-quench input, run LAMMPS ('lmp'), analyse the final frame and cross-check with LAMMPS's Voronoi",
        ),
    ),
  )
    .option('--lmp <PATH>', 'LAMMPS executable (default: $VIBANN_LMP, or lmp on PATH)')
    .option('--no-voronoi-check', "skip the cross-check with LAMMPS's compute voronoi/atom")
    .option(
      '--timeout <S>',
      'stop LAMMPS after this many seconds',
      numberOption('--timeout', { positive: true }),
    )
    .option('--json', 'print one JSON document on stdout')
    .action(async (o: RunCliOptions) => {
      const s = await import('../../structure/index.ts');
      const { VibannError } = await import('../../util/errors.ts');
      const lmp = o.lmp ?? s.findLmp();
      if (!lmp) throw new VibannError(s.LMP_MISSING);
      const inp = inputFrom(s, o);
      const dir = o.out ?? defaultOut(o.composition!);
      await s.writeLammpsInput(dir, inp);
      for (const w of inp.warnings) warn(w);
      info(`running LAMMPS (${lmp}) in ${dir}: ${inp.nAtoms} atoms; log in ${dir}/log.lammps`);
      let buf = '';
      const res = await s.runLammps(dir, {
        lmp,
        timeoutMs: o.timeout ? o.timeout * 1000 : undefined,
        voronoiCheck: o.voronoiCheck,
        analyze: analyzeOptions(o),
        onOutput: (text) => {
          buf += text;
          const lines = buf.split('\n');
          buf = lines.pop() ?? '';
          for (const l of lines) if (/^\s+\d+\s+[-\d.]/.test(l)) info(`  ${l.trim()}`);
        },
      });
      const { writeJsonAtomic } = await import('../../util/fs.ts');
      const result = {
        out: dir,
        input: s.inputManifest(inp),
        timings: res.timings,
        report: res.report,
        voronoi_check: res.voronoi_check,
      };
      await writeJsonAtomic(`${dir}/analysis.json`, result);
      for (const w of res.report.warnings) warn(w);
      if (o.json) {
        printJson(result);
        return;
      }
      printReport(res.report);
      const c = res.voronoi_check;
      if (c) {
        out('');
        out('icosahedral <0,0,12,0> fraction, vibann vs LAMMPS compute voronoi/atom (same frame):');
        out(
          formatTable(
            ['centre', 'vibann', 'LAMMPS'],
            Object.keys(c.vibann_frac_0_0_12_0).map((k) => [
              k,
              f4(c.vibann_frac_0_0_12_0[k]),
              f4(c.lammps_frac_0_0_12_0[k]),
            ]),
          ),
        );
        out(
          `per-atom: ${c.face_count_mismatches} face-count and ${c.index_mismatches} index mismatches (${c.n_candidates} 12-faced cells checked)`,
        );
      }
      out(`MD ${res.timings.md.toFixed(1)} s; results in ${dir}/analysis.json`);
    });
}
