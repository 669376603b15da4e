/**
 * End to end with LAMMPS (issue 7): the Cu64Zr36 input with Mendelev's CuZr_mm.eam.fs from Debian's
 * lammps-data, a short melt-quench of a 432-atom cell with `lmp`, vibann's analysis of the final
 * frame, and the icosahedral fraction compared with LAMMPS's own compute voronoi/atom on that frame.
 * CI installs Debian's `lammps` (which brings `lammps-data`); without it this test fails, by design.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  findLmp,
  lammpsInput,
  resolvePotential,
  runLammps,
  runLmp,
  writeLammpsInput,
} from '../../src/structure/index.ts';

describe('LAMMPS round trip (needs Debian lammps + lammps-data)', () => {
  it('Cu64Zr36 melt-quench: vibann and compute voronoi/atom agree on the icosahedral fraction', {
    timeout: 240_000,
  }, async (t) => {
    const lmp = findLmp();
    assert.ok(
      lmp,
      "LAMMPS ('lmp') is not installed: install Debian's lammps package (apt-get install -y lammps, which brings lammps-data with CuZr_mm.eam.fs)",
    );
    let potential = '';
    assert.doesNotThrow(() => {
      potential = resolvePotential('CuZr_mm.eam.fs');
    }, "CuZr_mm.eam.fs not found: install Debian's lammps-data package (a dependency of lammps)");
    const dir = mkdtempSync(join(tmpdir(), 'vibann-lammps-e2e-'));
    // The paper's temperatures and 1 fs NPT, shortened: 2 ps heat, 2 ps hold at 4000 K, 6 ps quench,
    // 1 ps hold (~1e14 K/s). Tdamp 0.1 ps so the thermostat follows such short ramps.
    const inp = lammpsInput({
      composition: 'Cu64Zr36',
      atoms: 432,
      potential,
      seed: 7,
      protocol: {
        heatSteps: 2000,
        holdSteps: 2000,
        quenchSteps: 6000,
        finalSteps: 1000,
        tdamp: 0.1,
        pdamp: 1.0,
        thermoEvery: 1000,
      },
    });
    assert.deepEqual(inp.counts, { Cu: 276, Zr: 156 });
    await writeLammpsInput(dir, inp);
    const res = await runLammps(dir, { lmp: lmp!, timeoutMs: 200_000, analyze: { cutoff: 3.5 } });
    assert.ok(existsSync(res.final));
    const r = res.report;
    assert.equal(r.n_atoms, 432);
    assert.deepEqual(r.species_counts, { Cu: 276, Zr: 156 });
    // a glass at 50 K: density near 7.4 g/cm³, mean CN(3.5 Å) of a dense metallic liquid, few crystal-like cells
    assert.ok(r.mass_density! > 6.8 && r.mass_density! < 8.0, `density ${r.mass_density}`);
    const cn = (r.coordination!.all as { mean: number }).mean;
    assert.ok(cn > 11 && cn < 14, `mean CN ${cn}`);
    assert.ok(
      r.voronoi!.frac_crystal_like.all < 0.2,
      `crystal-like ${r.voronoi!.frac_crystal_like.all}`,
    );
    const c = res.voronoi_check!;
    // README tolerance for Voronoi fractions between implementations: ±0.002 (same frame, same tessellation)
    for (const k of ['all', 'Cu', 'Zr']) {
      assert.ok(
        Math.abs(c.vibann_frac_0_0_12_0[k] - c.lammps_frac_0_0_12_0[k]) <= 0.002,
        `${k}: vibann ${c.vibann_frac_0_0_12_0[k]} vs LAMMPS ${c.lammps_frac_0_0_12_0[k]}`,
      );
    }
    assert.equal(r.voronoi!.frac_0_0_12_0.all, c.vibann_frac_0_0_12_0.all);
    assert.ok(c.face_count_mismatches <= 1 && c.index_mismatches <= 1, JSON.stringify(c));
    assert.deepEqual(c.vibann_edge_histogram.slice(0, 10), c.lammps_edge_histogram.slice(0, 10));
    t.diagnostic(
      `# LAMMPS e2e: MD ${res.timings.md.toFixed(1)} s, check ${res.timings.voronoi_check.toFixed(1)} s; ` +
        `<0,0,12,0> Cu vibann ${c.vibann_frac_0_0_12_0.Cu.toFixed(4)} LAMMPS ${c.lammps_frac_0_0_12_0.Cu.toFixed(4)}`,
    );
    rmSync(dir, { recursive: true, force: true }); // kept for inspection when an assertion fails
  });

  it('a failing LAMMPS input is reported with its ERROR line', async () => {
    const lmp = findLmp();
    assert.ok(
      lmp,
      "LAMMPS ('lmp') is not installed: install Debian's lammps package (apt-get install -y lammps)",
    );
    const dir = mkdtempSync(join(tmpdir(), 'vibann-lammps-bad-'));
    writeFileSync(join(dir, 'in.bad'), 'units metal\nnot_a_command 1\n');
    await assert.rejects(
      runLmp(dir, 'in.bad', 'log.bad', 'bad.out', { lmp: lmp! }),
      /LAMMPS failed on in\.bad .*exit code 1.*ERROR: Unknown command: not_a_command/,
    );
    rmSync(dir, { recursive: true, force: true });
  });
});
