import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runCliInProcess } from '../helpers/cli.ts';
import { md, oracle } from './_fixtures.ts';

const tmp = mkdtempSync(join(tmpdir(), 'vibann-structure-cli-'));

const vibann = (args: string[], env: NodeJS.ProcessEnv = {}) => runCliInProcess(args, { env });

describe('vibann structure (CLI)', () => {
  it('analyze --json prints exactly one JSON document on stdout', async () => {
    const r = await vibann([
      'structure',
      'analyze',
      md('cuzr_quench.dump'),
      '--types',
      '1=Cu,2=Zr',
      '--cutoff',
      '3.5',
      '--area-filter',
      '0.01',
      '--json',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.equal(j.n_atoms, 2000);
    assert.deepEqual(j.species_counts, { Cu: 1280, Zr: 720 });
    assert.equal(j.coordination.cutoff, 3.5);
    assert.ok(Math.abs(j.coordination.all.mean - 12.302) < 1e-12);
    assert.ok(
      Math.abs(
        j.voronoi.frac_0_0_12_0.Cu -
          oracle().cuzr_quench.python.voronoi.plain_area_filter_1pct.frac_0_0_12_0_Cu,
      ) <= 0.002,
    );
    assert.ok(Array.isArray(j.rdf.partial['Cu-Zr']) && j.rdf.first_peak.r === 2.75);
    assert.ok(j.timings.voronoi >= 0);
    // S(Q) runs by default (the same frame's peak is checked against a brute-force sum in
    // sq.test.ts); here: present, at most --sq-vectors per shell, and in the descriptors
    assert.ok(j.sq.first_peak.q > 2.0 && j.sq.first_peak.q < 3.6, `S(Q) peak ${j.sq.first_peak.q}`);
    assert.ok(j.sq.n_vectors.every((m: number) => m >= 1 && m <= 400));
    assert.equal(j.descriptors.sq_peak_q, j.sq.first_peak.q);
    assert.equal(r.stderr.replace(/npm warn.*\n/g, ''), '');
  });

  it('analyze prints tables, and the reader warnings on stderr', async () => {
    // --no-sq: the tables do not show S(Q), and the full default run is the --json test above
    const r = await vibann([
      'structure',
      'analyze',
      md('A2.extxyz'),
      '--peak-window',
      '2.0:3.0',
      '--no-sq',
    ]);
    assert.equal(r.code, 0, r.stderr);
    for (const s of [
      'coordination, r_c = 3 Å',
      '<0,0,12,0>',
      'bonds below 3 Å',
      'first peak in [2, 3] Å',
      'B-Nb',
    ]) {
      assert.ok(r.stdout.includes(s), `stdout lacks '${s}'`);
    }
    assert.match(r.stderr, /declares 29488 atoms but the frame has 5488 atom lines/);
  });

  it('bad input exits 2 with the file, line and what was expected', async () => {
    const tri = join(tmp, 'tri.extxyz');
    writeFileSync(
      tri,
      '1\nLattice="10 0 0 1 10 0 0 0 10" Properties=species:S:1:pos:R:3\nCu 0 0 0\n',
    );
    let r = await vibann(['structure', 'analyze', tri]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /tri\.extxyz: line 2: Lattice has off-diagonal terms .*not supported/);
    r = await vibann(['structure', 'analyze', md('cuzr_quench.dump')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /pass a type map such as '1=Cu,2=Zr' \(--types\)/);
    r = await vibann(['structure', 'analyze', md('cuzr_quench.dump'), '--peak-window', '3:2']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--peak-window expects LO:HI with LO < HI/);
  });

  it('lammps-input writes the input folder; run without lmp fails with exit 1 and says what to install', async () => {
    const pot = join(tmp, 'CuZr_fake.eam.fs');
    writeFileSync(pot, 'a\nb\nc\n2 Cu Zr\n');
    const out = join(tmp, 'in1');
    let r = await vibann([
      'structure',
      'lammps-input',
      '--composition',
      'Cu64Zr36',
      '--atoms',
      '432',
      '--potential',
      pot,
      '--seed',
      '4',
      '--out',
      out,
      '--json',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.deepEqual(j.counts, { Cu: 276, Zr: 156 });
    assert.ok(existsSync(join(out, 'in.melt_quench.lmp')) && existsSync(join(out, 'start.data')));
    r = await vibann(['structure', 'lammps-input', '--composition', 'Cu64Zr36']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--potential is required/);
    r = await vibann(
      [
        'structure',
        'run',
        '--composition',
        'Cu64Zr36',
        '--potential',
        pot,
        '--out',
        join(tmp, 'in2'),
      ],
      {
        PATH: '/nonexistent',
        VIBANN_LMP: '',
      },
    );
    assert.equal(r.code, 1, r.stderr);
    assert.match(
      r.stderr,
      /LAMMPS \('lmp'\) was not found on PATH\. Install Debian's lammps package \(apt-get install lammps/,
    );
  });
});
