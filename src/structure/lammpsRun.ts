/**
 * Driver for LAMMPS (SPEC §13): runs `lmp` on an input directory written by `writeLammpsInput`, reads
 * the final frame, analyses it, and cross-checks the icosahedral <0,0,12,0> fraction with LAMMPS's
 * own `compute voronoi/atom` on the same frame.
 *
 * `compute voronoi/atom` gives per-atom volume and face count but only a global face-edge histogram,
 * so per-atom indices are taken, as for the md oracles, from the histogram of a one-atom dynamic
 * group stepped through the atoms on a frozen frame (`pair_style zero`, no integrator). Only cells
 * with 12 faces can be <0,0,12,0>, so only those (by LAMMPS's own face count) are stepped through.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, createWriteStream, existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { delimiter, join } from 'node:path';
import { InputError, VibannError } from '../util/errors.ts';
import { writeFileAtomic } from '../util/fs.ts';
import { type AnalyzeOptions, analyzeStructure, type StructureReport } from './analyze.ts';
import type { Frame } from './frame.ts';
import { FINAL_DATA, INPUT_SCRIPT, MANIFEST } from './lammpsInput.ts';
import { readLammpsData } from './readers/lammpsData.ts';
import { splitLines, type TypeMap, tokens } from './readers/text.ts';
import { voronoiTessellation } from './voronoi.ts';

export const LMP_MISSING =
  "LAMMPS ('lmp') was not found on PATH. Install Debian's lammps package (apt-get install lammps; " +
  'it brings lammps-data with CuZr_mm.eam.fs) or set VIBANN_LMP to the LAMMPS executable.';

/** Path of the LAMMPS executable: $VIBANN_LMP, else `lmp`, `lmp_serial` or `lmp_mpi` on PATH; null if none. */
export function findLmp(): string | null {
  const env = process.env.VIBANN_LMP;
  if (env) return env;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    for (const name of ['lmp', 'lmp_serial', 'lmp_mpi']) {
      const p = join(dir, name);
      try {
        accessSync(p, constants.X_OK);
        return p;
      } catch {
        // not here
      }
    }
  }
  return null;
}

export interface LmpRunOptions {
  /** LAMMPS executable; default `findLmp()`. */
  lmp?: string;
  /** Extra command-line arguments (e.g. ['-sf', 'opt'] or ['-var', 'nheat', '1000']). */
  args?: string[];
  /** Kill LAMMPS after this many ms (default: no limit). */
  timeoutMs?: number;
  /** Called with each chunk of LAMMPS's screen output (progress). */
  onOutput?: (text: string) => void;
  /** MPI ranks: above 1, LAMMPS is started through `mpirun -np N` (Debian's lmp is built with Open MPI). */
  np?: number;
  /** The mpirun executable. Default $VIBANN_MPIRUN or `mpirun`. */
  mpirun?: string;
}

/**
 * The command line that starts LAMMPS: `lmp ARGS` for one rank; for N > 1
 * `mpirun [--allow-run-as-root] [--oversubscribe] -np N lmp ARGS` — Open MPI refuses to run as root
 * without the first flag, and more ranks than cores without the second.
 */
export function lmpCommand(lmp: string, args: string[], np = 1, mpirun?: string): string[] {
  if (!Number.isInteger(np) || np < 1)
    throw new InputError(`--np must be an integer ≥ 1, got ${np}`);
  if (np === 1) return [lmp, ...args];
  const cmd = [mpirun ?? process.env.VIBANN_MPIRUN ?? 'mpirun'];
  if (typeof process.getuid === 'function' && process.getuid() === 0)
    cmd.push('--allow-run-as-root');
  if (np > availableParallelism()) cmd.push('--oversubscribe');
  return [...cmd, '-np', String(np), lmp, ...args];
}

/** Run `lmp -in INPUT -log LOG` in `dir`; screen output goes to `screenFile`. Rejects with VibannError on failure. */
export function runLmp(
  dir: string,
  input: string,
  log: string,
  screenFile: string,
  o: LmpRunOptions = {},
): Promise<void> {
  const lmp = o.lmp ?? findLmp();
  if (!lmp) return Promise.reject(new VibannError(LMP_MISSING));
  return new Promise((resolvePromise, reject) => {
    const out = createWriteStream(join(dir, screenFile));
    const [exe, ...argv] = lmpCommand(
      lmp,
      ['-in', input, '-log', log, ...(o.args ?? [])],
      o.np,
      o.mpirun,
    );
    const child = spawn(exe, argv, {
      cwd: dir,
      env: { ...process.env, OMP_NUM_THREADS: process.env.OMP_NUM_THREADS ?? '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let tail = '';
    const onData = (b: Buffer) => {
      const s = b.toString();
      out.write(s);
      tail = (tail + s).slice(-4000);
      o.onOutput?.(s);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    let timer: NodeJS.Timeout | undefined;
    if (o.timeoutMs) {
      timer = setTimeout(() => {
        child.kill('SIGTERM');
      }, o.timeoutMs);
    }
    child.on('error', (e) => {
      if (timer) clearTimeout(timer);
      out.end();
      const code = (e as NodeJS.ErrnoException).code;
      reject(
        new VibannError(
          code === 'ENOENT'
            ? exe === lmp
              ? LMP_MISSING
              : `'${exe}' not found: install Open MPI (Debian: openmpi-bin, pulled in by lammps) or run with --np 1`
            : `cannot start LAMMPS (${exe}): ${e.message}`,
          undefined,
          { cause: e },
        ),
      );
    });
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      out.end();
      if (code === 0) resolvePromise();
      else {
        const err = /ERROR[^\n]*/.exec(tail)?.[0];
        reject(
          new VibannError(
            `LAMMPS failed on ${input} in ${dir} (${signal ? `killed by ${signal}` : `exit code ${code}`})` +
              `${err ? `: ${err}` : ''}; see ${join(dir, screenFile)}`,
          ),
        );
      }
    });
  });
}

export interface LammpsVoronoiCheck {
  /** Cells LAMMPS gives 12 faces (the only candidates for <0,0,12,0>). */
  n_candidates: number;
  /** <0,0,12,0> counts and fractions by LAMMPS's compute voronoi/atom: 'all' and per species. */
  lammps_n_0_0_12_0: Record<string, number>;
  lammps_frac_0_0_12_0: Record<string, number>;
  /** The same from vibann's tessellation of the same frame. */
  vibann_n_0_0_12_0: Record<string, number>;
  vibann_frac_0_0_12_0: Record<string, number>;
  /** Atoms whose face count differs between LAMMPS and vibann. */
  face_count_mismatches: number;
  /** Candidate cells whose full index differs. */
  index_mismatches: number;
  /** Global face-edge histogram (faces with 1..10 edges, then more), LAMMPS and vibann. */
  lammps_edge_histogram: number[];
  vibann_edge_histogram: number[];
  seconds: number;
}

const VOR_SCRIPT = 'in.voronoi_check.lmp';

/**
 * Compare vibann's icosahedral fraction on `dataFile` (inside `dir`) with LAMMPS's compute
 * voronoi/atom. `types` maps LAMMPS types to elements.
 */
export async function lammpsVoronoiCheck(
  dir: string,
  dataFile: string,
  types: TypeMap,
  o: LmpRunOptions = {},
): Promise<LammpsVoronoiCheck> {
  const t0 = performance.now();
  const frame = readLammpsData(join(dir, dataFile), { types });
  const ghost = 8.0;
  // pass 1: per-atom face counts and the global edge histogram
  const hist = Array.from({ length: 11 }, (_, k) => `$(c_vor[${k + 1}]:%.0f)`).join(' ');
  const pass1 = [
    'units metal',
    'atom_style atomic',
    'boundary p p p',
    `read_data ${dataFile}`,
    'pair_style zero 4.0',
    'pair_coeff * *',
    `comm_modify cutoff ${ghost}`,
    'compute vor all voronoi/atom edge_histo 10',
    'dump pa all custom 1 voronoi_faces.dump id type c_vor[1] c_vor[2]',
    'dump_modify pa sort id format float %.10g',
    'thermo_style custom step c_vor[5]',
    'run 0',
    'undump pa',
    `print "edges ${hist}" file voronoi_edges.txt screen no`,
    '',
  ].join('\n');
  await writeFileAtomic(join(dir, VOR_SCRIPT), pass1);
  await runLmp(dir, VOR_SCRIPT, 'log.voronoi_check', 'voronoi_check.out', o);
  const faces = parseFacesDump(readFileSync(join(dir, 'voronoi_faces.dump'), 'utf8'));
  const edgesLine = splitLines(readFileSync(join(dir, 'voronoi_edges.txt'), 'utf8')).find((l) =>
    l.startsWith('edges'),
  );
  const lammpsEdges = tokens(edgesLine ?? '')
    .slice(1)
    .map(Number);
  // pass 2: the full index of each 12-faced cell, one atom per step
  const candidates = [...faces.entries()]
    .filter(([, f]) => f === 12)
    .map(([id]) => id)
    .sort((a, b) => a - b);
  const lammpsIndex = new Map<number, number[]>();
  if (candidates.length > 0) {
    const ranks = [
      `# candidate rank per atom id`,
      String(candidates.length),
      ...candidates.map((id, r) => `${id} ${r + 1}`),
    ];
    await writeFileAtomic(join(dir, 'voronoi_candidates.txt'), `${ranks.join('\n')}\n`);
    const cols = Array.from({ length: 11 }, (_, k) => `$(c_v1[${k + 1}]:%.0f)`).join(' ');
    const pass2 = [
      'units metal',
      'atom_style atomic',
      'atom_modify map array',
      'boundary p p p',
      `read_data ${dataFile}`,
      'pair_style zero 4.0',
      'pair_coeff * *',
      `comm_modify cutoff ${ghost}`,
      'variable rank atomfile voronoi_candidates.txt',
      'variable sel atom v_rank==step',
      'group one dynamic all var sel every 1',
      'compute v1 one voronoi/atom edge_histo 10',
      'reset_timestep 1',
      'print "# rank n1 ... n10 n>10" file voronoi_candidates_lammps.txt screen no',
      `fix vl all print 1 "$(step) ${cols}" append voronoi_candidates_lammps.txt screen no`,
      'thermo_style custom step c_v1[5]',
      `thermo ${Math.max(1, candidates.length)}`,
      `run ${candidates.length - 1}`,
      '',
    ].join('\n');
    await writeFileAtomic(join(dir, 'in.voronoi_candidates.lmp'), pass2);
    await runLmp(
      dir,
      'in.voronoi_candidates.lmp',
      'log.voronoi_candidates',
      'voronoi_candidates.out',
      o,
    );
    for (const line of splitLines(
      readFileSync(join(dir, 'voronoi_candidates_lammps.txt'), 'utf8'),
    )) {
      if (line.startsWith('#')) continue;
      const t = tokens(line).map(Number);
      if (t.length < 12) continue;
      const id = candidates[t[0] - 1];
      if (id !== undefined) lammpsIndex.set(id, t.slice(1));
    }
    if (lammpsIndex.size !== candidates.length) {
      throw new VibannError(
        `LAMMPS Voronoi check: got ${lammpsIndex.size} of ${candidates.length} candidate cells; see ${dir}`,
      );
    }
  }
  // vibann on the same frame
  const cells = voronoiTessellation(frame, { keepFaces: true });
  const ours = tally(frame, (i) => {
    const r = 5 * i;
    return cells.nFaces[i] === 12 && cells.index[r + 2] === 12;
  });
  const idOf = (i: number) => (frame.ids ? frame.ids[i] : i + 1);
  let faceMismatch = 0;
  let indexMismatch = 0;
  const ourEdges = new Array<number>(11).fill(0);
  const theirs = tally(frame, (i) => {
    const h = lammpsIndex.get(idOf(i));
    return h !== undefined && h[4] === 12 && h.reduce((s, v) => s + v, 0) === 12;
  });
  for (let i = 0; i < frame.n; i++) {
    const id = idOf(i);
    if (faces.get(id) !== cells.nFaces[i]) faceMismatch++;
    const h = lammpsIndex.get(id);
    if (h) {
      const r = 5 * i;
      const seven = h.slice(6).reduce((s, v) => s + v, 0);
      const same =
        h[2] === cells.index[r] &&
        h[3] === cells.index[r + 1] &&
        h[4] === cells.index[r + 2] &&
        h[5] === cells.index[r + 3] &&
        seven === cells.index[r + 4];
      if (!same) indexMismatch++;
    }
  }
  for (const list of cells.faces ?? []) for (const f of list) ourEdges[Math.min(f.edges, 11) - 1]++;
  return {
    n_candidates: candidates.length,
    lammps_n_0_0_12_0: theirs.counts,
    lammps_frac_0_0_12_0: theirs.fractions,
    vibann_n_0_0_12_0: ours.counts,
    vibann_frac_0_0_12_0: ours.fractions,
    face_count_mismatches: faceMismatch,
    index_mismatches: indexMismatch,
    lammps_edge_histogram: lammpsEdges,
    vibann_edge_histogram: ourEdges,
    seconds: (performance.now() - t0) / 1000,
  };
}

function tally(
  frame: Frame,
  pick: (i: number) => boolean,
): { counts: Record<string, number>; fractions: Record<string, number> } {
  const ns = frame.species.length;
  const c = new Float64Array(ns);
  const n = new Float64Array(ns);
  for (let i = 0; i < frame.n; i++) {
    n[frame.speciesIndex[i]]++;
    if (pick(i)) c[frame.speciesIndex[i]]++;
  }
  const total = c.reduce((s, v) => s + v, 0);
  const counts: Record<string, number> = { all: total };
  const fractions: Record<string, number> = { all: total / frame.n };
  frame.species.forEach((s, k) => {
    counts[s] = c[k];
    fractions[s] = c[k] / n[k];
  });
  return { counts, fractions };
}

/** id → face count from the `dump custom … id type c_vor[1] c_vor[2]` of pass 1. */
function parseFacesDump(text: string): Map<number, number> {
  const lines = splitLines(text);
  const h = lines.findIndex((l) => l.startsWith('ITEM: ATOMS'));
  if (h < 0) throw new VibannError('LAMMPS Voronoi check: no ITEM: ATOMS in voronoi_faces.dump');
  const names = tokens(lines[h].slice('ITEM: ATOMS'.length));
  const idc = names.indexOf('id');
  const fc = names.indexOf('c_vor[2]');
  const out = new Map<number, number>();
  for (let k = h + 1; k < lines.length; k++) {
    const t = tokens(lines[k]);
    if (t.length < names.length) continue;
    out.set(Number(t[idc]), Math.round(Number(t[fc])));
  }
  return out;
}

export interface RunOptions extends LmpRunOptions {
  /** Analysis settings for the final frame. */
  analyze?: AnalyzeOptions;
  /** Also cross-check the icosahedral fraction with LAMMPS's compute voronoi/atom. Default true. */
  voronoiCheck?: boolean;
}

export interface RunResult {
  dir: string;
  final: string;
  report: StructureReport;
  voronoi_check: LammpsVoronoiCheck | null;
  /** Seconds: md, analysis, voronoi_check. */
  timings: Record<string, number>;
}

/** Run the melt-quench in `dir` (written by writeLammpsInput), then analyse its final frame. */
export async function runLammps(dir: string, o: RunOptions = {}): Promise<RunResult> {
  const manifestPath = join(dir, MANIFEST);
  if (!existsSync(manifestPath) || !existsSync(join(dir, INPUT_SCRIPT))) {
    throw new InputError(
      `${dir}: no ${INPUT_SCRIPT} and ${MANIFEST}; write them first (vibann structure lammps-input)`,
    );
  }
  if (!(o.lmp ?? findLmp())) throw new VibannError(LMP_MISSING);
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
    types: Record<string, number>;
  };
  const types: TypeMap = {};
  for (const [el, t] of Object.entries(manifest.types)) types[t] = el;
  const timings: Record<string, number> = {};
  let t = performance.now();
  await runLmp(dir, INPUT_SCRIPT, 'log.lammps', 'lammps.out', o);
  timings.md = (performance.now() - t) / 1000;
  t = performance.now();
  const final = join(dir, FINAL_DATA);
  const frame = readLammpsData(final, { types });
  const report = analyzeStructure(frame, o.analyze ?? {});
  timings.analysis = (performance.now() - t) / 1000;
  let check: LammpsVoronoiCheck | null = null;
  if (o.voronoiCheck ?? true) {
    check = await lammpsVoronoiCheck(dir, FINAL_DATA, types, {
      ...o,
      args: [],
      np: 1,
      onOutput: undefined,
    });
    timings.voronoi_check = check.seconds;
  }
  return { dir, final, report, voronoi_check: check, timings };
}

export interface SlurmOptions {
  /** MPI ranks (SBATCH --ntasks). */
  np: number;
  /** LAMMPS executable on the cluster. Default 'lmp'. */
  lmp?: string;
  /** Wall-time limit, HH:MM:SS. Default 24:00:00. */
  time?: string;
  jobName?: string;
  /** Extra `#SBATCH` lines (e.g. '--partition=compute'). */
  extra?: string[];
}

export const SLURM_SCRIPT = 'submit.slurm';

/** A Slurm batch script that runs the melt-quench of an input directory with `srun` (MPI ranks = np). */
export function slurmScript(o: SlurmOptions): string {
  if (!Number.isInteger(o.np) || o.np < 1)
    throw new InputError(`--np must be an integer ≥ 1, got ${o.np}`);
  const time = o.time ?? '24:00:00';
  if (!/^\d+:\d\d:\d\d$/.test(time))
    throw new InputError(`Slurm time must be HH:MM:SS, got '${time}'`);
  return [
    '#!/bin/bash',
    `#SBATCH --job-name=${o.jobName ?? 'vibann-md'}`,
    `#SBATCH --ntasks=${o.np}`,
    '#SBATCH --cpus-per-task=1',
    `#SBATCH --time=${time}`,
    '#SBATCH --output=slurm-%j.out',
    ...(o.extra ?? []).map((e) => `#SBATCH ${e}`),
    '',
    '# written by vibann structure run --slurm; submit from this directory with: sbatch submit.slurm',
    'cd "$SLURM_SUBMIT_DIR"',
    'export OMP_NUM_THREADS=1',
    `srun ${o.lmp ?? 'lmp'} -in ${INPUT_SCRIPT} -log log.lammps`,
    '# then, on any machine: vibann structure analyze final.data --types <from manifest.json>',
    '',
  ].join('\n');
}

/** The step of a LAMMPS thermo line (`step temp pe …`), or null for other lines. */
export function thermoStep(line: string): number | null {
  const m = /^\s*(\d+)\s+-?[\d.]+(?:[eE][-+]?\d+)?\s+-?[\d.]/.exec(line);
  return m ? Number(m[1]) : null;
}
