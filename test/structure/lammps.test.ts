import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  FINAL_DATA,
  INPUT_SCRIPT,
  inferPairStyle,
  labelsOf,
  lammpsInput,
  MANIFEST,
  readLammpsData,
  START_DATA,
  speciesCounts,
  writeLammpsInput,
} from '../../src/structure/index.ts';

const tmp = mkdtempSync(join(tmpdir(), 'vibann-lammps-'));
// a stand-in setfl/FS header (line 4 lists the elements); the unit tests need no LAMMPS install
const pot = join(tmp, 'CuZrAl_test.eam.fs');
writeFileSync(pot, 'c1\nc2\nc3\n3 Cu Zr Al\n');

describe('LAMMPS melt-quench input (SPEC §13)', () => {
  it('exact stoichiometry on a BCC block, types in alphabetical order, the paper protocol', () => {
    const inp = lammpsInput({ composition: 'Cu64Zr36', atoms: 2000, potential: pot, seed: 3 });
    assert.equal(inp.nAtoms, 2000);
    assert.deepEqual(inp.counts, { Cu: 1280, Zr: 720 });
    assert.deepEqual(inp.types, { Cu: 1, Zr: 2 });
    assert.equal(inp.pairStyle, 'eam/fs');
    assert.equal(inp.pairCoeff, `* * ${pot} Cu Zr`);
    // 4·(0.64·1.28 + 0.36·1.60)/√3 Å
    assert.ok(Math.abs(inp.lattice - (4 * (0.64 * 1.28 + 0.36 * 1.6)) / Math.sqrt(3)) < 1e-4);
    const s = inp.files[INPUT_SCRIPT];
    for (const line of [
      'timestep        0.001',
      'fix md all npt temp 50 4000 1 iso 0 0 5',
      'fix md all npt temp 4000 4000 1 iso 0 0 5',
      'fix md all npt temp 4000 50 1 iso 0 0 5',
      'fix md all npt temp 50 50 1 iso 0 0 5',
      'variable nheat   index 40000',
      'min_style       fire',
      `read_data       ${START_DATA}`,
      `write_data      ${FINAL_DATA} nocoeff`,
      'pair_style      eam/fs',
    ]) {
      assert.ok(s.includes(line), `missing '${line}'`);
    }
    assert.match(s, /velocity +all create 50 \d+ mom yes rot yes dist gaussian/);
  });

  it('largest-remainder counts for awkward fractions, and the atom count rounded to 2·n³', () => {
    const inp = lammpsInput({ composition: { Cu: 1, Zr: 1, Al: 1 }, atoms: 500, potential: pot });
    assert.equal(inp.nAtoms, 432); // 6³ × 2
    assert.deepEqual(inp.counts, { Al: 144, Cu: 144, Zr: 144 });
    assert.ok(inp.warnings.some((w) => /500 atoms requested; a 6³ BCC block holds 432/.test(w)));
    const odd = lammpsInput({ composition: 'Cu46Zr46Al8', atoms: 250, potential: pot });
    assert.equal(odd.nAtoms, 250);
    assert.deepEqual(odd.counts, { Al: 20, Cu: 115, Zr: 115 });
  });

  it('seeded: the same seed gives the same files, another seed another arrangement', () => {
    const a = lammpsInput({ composition: 'Cu64Zr36', atoms: 432, potential: pot, seed: 11 });
    const b = lammpsInput({ composition: 'Cu64Zr36', atoms: 432, potential: pot, seed: 11 });
    const c = lammpsInput({ composition: 'Cu64Zr36', atoms: 432, potential: pot, seed: 12 });
    assert.deepEqual(a.files, b.files);
    assert.notEqual(a.files[START_DATA], c.files[START_DATA]);
    assert.notEqual(a.velocitySeed, c.velocitySeed);
  });

  it('the start file reads back: N atoms on BCC sites with the exact counts', async () => {
    const inp = lammpsInput({
      composition: 'Cu64Zr36',
      atoms: 432,
      potential: pot,
      seed: 5,
      protocol: { heatSteps: 10 },
    });
    const dir = join(tmp, 'run1');
    const files = await writeLammpsInput(dir, inp);
    assert.deepEqual(
      files.map((p) => p.slice(dir.length + 1)).sort(),
      [INPUT_SCRIPT, MANIFEST, START_DATA].sort(),
    );
    const f = readLammpsData(join(dir, START_DATA));
    assert.equal(f.n, 432);
    assert.deepEqual(speciesCounts(f), inp.counts);
    assert.equal(f.warnings.length, 0, 'types come from the # Cu comments');
    const a = inp.lattice;
    for (let i = 0; i < f.n; i++) {
      const u = f.positions.subarray(3 * i, 3 * i + 3).map((x) => (x / a) * 2);
      assert.ok(
        u.every((x) => Math.abs(x - Math.round(x)) < 1e-9),
        'on the lattice',
      );
      assert.ok(
        u.every((x) => Math.round(x) % 2 === Math.round(u[0]) % 2),
        'corner or centre site',
      );
    }
    assert.ok(labelsOf(f).includes('Zr'));
    const m = JSON.parse(readFileSync(join(dir, MANIFEST), 'utf8'));
    assert.deepEqual(m.types, { Cu: 1, Zr: 2 });
    assert.equal(m.protocol.heatSteps, 10);
    assert.match(readFileSync(join(dir, INPUT_SCRIPT), 'utf8'), /variable nheat {3}index 10\n/);
  });

  it('clear errors: unknown potential, element not in the potential, unknown pair style, bad formula', () => {
    assert.throws(
      () => lammpsInput({ composition: 'Cu64Zr36', potential: 'nope.eam.fs' }),
      /potential file 'nope\.eam\.fs' not found/,
    );
    assert.throws(
      () => lammpsInput({ composition: 'Cu50Ni50', potential: pot }),
      /CuZrAl_test\.eam\.fs has elements Cu, Zr, Al; it lacks Ni/,
    );
    const other = join(tmp, 'model.pt');
    writeFileSync(other, '');
    assert.throws(
      () => lammpsInput({ composition: 'Cu64Zr36', potential: other }),
      /cannot infer pair_style from 'model\.pt': pass --pair-style/,
    );
    const ok = lammpsInput({
      composition: 'Cu64Zr36',
      potential: other,
      pairStyle: 'e3gnn',
      pairCoeff: `* * ${other} Cu Zr`,
    });
    assert.match(ok.files[INPUT_SCRIPT], /pair_style +e3gnn/);
    assert.throws(() => lammpsInput({ composition: 'Qq50Zr50', potential: pot }), /Qq/);
    assert.equal(inferPairStyle('x/Al_zhou.eam.alloy'), 'eam/alloy');
  });
});
