/**
 * MD on LAMMPS's parallel engine (issue 17): `structure run --np 2` (mpirun -np 2 lmp) against the
 * single-process run of the same input (same seed, same atoms), the mpirun command line, the Slurm
 * script, and progress from the LAMMPS log. Needs Debian's lammps (+ lammps-data, openmpi-bin).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  lmpCommand,
  resolvePotential,
  slurmScript,
  thermoStep,
} from '../../src/structure/index.ts';
import { runStructureMd } from '../../src/workflows/structure.ts';

describe('structure run on several MPI ranks', () => {
  it('lmpCommand: mpirun -np N, --allow-run-as-root as root, --oversubscribe beyond the cores', () => {
    assert.deepEqual(lmpCommand('lmp', ['-in', 'x']), ['lmp', '-in', 'x']);
    const c = lmpCommand('lmp', ['-in', 'x'], 2, 'mpirun');
    assert.equal(c[0], 'mpirun');
    assert.deepEqual(c.slice(-5), ['-np', '2', 'lmp', '-in', 'x']);
    assert.equal(c.includes('--allow-run-as-root'), process.getuid?.() === 0);
    assert.equal(c.includes('--oversubscribe'), 2 > availableParallelism());
    const many = lmpCommand('lmp', [], availableParallelism() + 1, 'mpirun');
    assert.ok(many.includes('--oversubscribe'));
    assert.throws(() => lmpCommand('lmp', [], 0), /--np/);
  });

  it('slurmScript and thermoStep', () => {
    const s = slurmScript({ np: 64, time: '02:00:00', extra: ['--partition=short'] });
    assert.match(s, /^#!\/bin\/bash\n/);
    assert.match(s, /#SBATCH --ntasks=64\n/);
    assert.match(s, /#SBATCH --time=02:00:00\n/);
    assert.match(s, /#SBATCH --partition=short\n/);
    assert.match(s, /srun lmp -in in\.melt_quench\.lmp -log log\.lammps/);
    assert.throws(() => slurmScript({ np: 2, time: '2h' }), /HH:MM:SS/);
    assert.equal(thermoStep('    1300    66.417332    -8717.464    747.15358'), 1300);
    assert.equal(thermoStep('Step Temp PotEng Press'), null);
    assert.equal(thermoStep('Loop time of 1.2 on 2 procs for 100 steps'), null);
  });

  it('--slurm writes the batch script and md.json without running', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vibann-slurm-'));
    try {
      const doc = await runStructureMd({
        input: { composition: 'Cu64Zr36', atoms: 27648, potential: 'CuZr_mm.eam.fs' },
        out: dir,
        np: 128,
        slurm: { time: '12:00:00' },
      });
      assert.equal(doc.report, null);
      assert.equal(doc.input.n_atoms, 27648, "the paper's 24³ BCC block");
      assert.match(readFileSync(join(dir, 'submit.slurm'), 'utf8'), /#SBATCH --ntasks=128/);
      assert.equal(
        JSON.parse(readFileSync(join(dir, 'md.json'), 'utf8')).slurm_script,
        join(dir, 'submit.slurm'),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('Cu64Zr36 quench: --np 2 matches the single-process run (g(r) peak, <0,0,12,0>, mean CN)', {
    timeout: 300_000,
  }, async (t) => {
    const base = mkdtempSync(join(tmpdir(), 'vibann-mpi-'));
    try {
      // 432 atoms (6³ BCC), 1.6 ps in all: short enough for CI, long enough to melt and quench
      // the potential given explicitly through pair_style / pair_coeff (as for an ML potential),
      // with Debian's Mendelev Cu–Zr file from lammps-data
      const pot = resolvePotential('CuZr_mm.eam.fs');
      const input = {
        composition: 'Cu64Zr36',
        atoms: 432,
        potential: pot,
        pairStyle: 'eam/fs',
        pairCoeff: `* * ${pot} Cu Zr`,
        seed: 11,
        protocol: {
          heatSteps: 400,
          holdSteps: 400,
          quenchSteps: 600,
          finalSteps: 200,
          tLow: 50,
          tHigh: 2000,
          tdamp: 0.1,
        },
      };
      const runs = [];
      for (const np of [1, 2]) {
        const steps: number[] = [];
        const t0 = performance.now();
        const doc = await runStructureMd(
          {
            input,
            out: join(base, `np${np}`),
            np,
            voronoiCheck: false,
            analyze: { skip: { sq: true }, cutoff: 3.5 },
          },
          { onProgress: (e) => steps.push(e.done) },
        );
        const wall = (performance.now() - t0) / 1000;
        t.diagnostic(
          `np ${np}: wall ${wall.toFixed(1)} s, MD ${doc.timings.md.toFixed(1)} s, command ${doc.command.join(' ')}`,
        );
        assert.ok(
          steps.some((s) => s > 0 && s < 1600),
          'progress from the LAMMPS thermo lines',
        );
        assert.equal(steps[steps.length - 1], 1600);
        assert.match(
          readFileSync(join(base, `np${np}`, 'log.lammps'), 'utf8'),
          new RegExp(`on ${np} procs`),
        );
        runs.push(doc);
      }
      const [a, b] = runs.map((d) => d.report!);
      t.diagnostic(
        `g(r) peak ${a.rdf!.first_peak.r} / ${b.rdf!.first_peak.r} Å; ico Cu ${a.voronoi!.frac_0_0_12_0.Cu} / ${b.voronoi!.frac_0_0_12_0.Cu}; CN ${a.coordination!.all.mean} / ${b.coordination!.all.mean}`,
      );
      // the tolerances: the two runs differ only in the order of floating-point sums
      const ra = a.rdf!.first_peak.r ?? Number.NaN;
      const rb = b.rdf!.first_peak.r ?? Number.NaN;
      assert.ok(Math.abs(ra - rb) <= 0.02 + 1e-9, `${ra} vs ${rb}`);
      assert.ok(Math.abs(a.voronoi!.frac_0_0_12_0.Cu - b.voronoi!.frac_0_0_12_0.Cu) <= 0.02);
      assert.ok(Math.abs(a.coordination!.all.mean - b.coordination!.all.mean) <= 0.1);
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });
});
