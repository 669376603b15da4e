import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  detectFormat,
  labelsOf,
  parseExtxyz,
  parseLammpsDump,
  parseTypeMap,
  readLammpsData,
  readLammpsDump,
  readStructure,
  speciesCounts,
} from '../../src/structure/index.ts';
import { splitLines } from '../../src/structure/readers/text.ts';
import { InputError } from '../../src/util/errors.ts';
import { GLASSES, md, oracle } from './_fixtures.ts';

const tmp = mkdtempSync(join(tmpdir(), 'vibann-structure-'));
function file(name: string, text: string): string {
  const p = join(tmp, name);
  writeFileSync(p, text);
  return p;
}

describe('extended XYZ reader on the A1–A5 fixtures', () => {
  for (const g of GLASSES) {
    it(`${g}: trusts the ${5488} atom lines over line 1 (29488), reads columns from Properties, wraps atoms`, () => {
      const o = oracle().glasses[g];
      const f = readStructure(md(`${g}.extxyz`));
      assert.equal(f.n, o.atom_lines);
      assert.deepEqual(speciesCounts(f), o.species_counts);
      assert.deepEqual(f.cell.lengths, o.cell_lengths_A);
      assert.deepEqual(f.cell.origin, o.origin_A);
      assert.ok(
        f.warnings.some((w) => /declares 29488 atoms but the frame has 5488 atom lines/.test(w)),
        f.warnings.join('\n'),
      );
      const wrapped = f.warnings.find((w) => /wrapped/.test(w));
      assert.ok(wrapped?.startsWith(`${o.atoms_outside_box_before_wrapping} atom(s)`), wrapped);
      assert.equal(f.masses !== null, o.has_mass_column);
      for (let i = 0; i < f.n; i++) {
        for (let d = 0; d < 3; d++) {
          const x = f.positions[3 * i + d];
          assert.ok(
            x >= f.cell.origin[d] && x < f.cell.origin[d] + f.cell.lengths[d],
            `atom ${i} axis ${d}: ${x}`,
          );
        }
      }
      assert.equal(f.ids?.[0], 1);
    });
  }

  it('reads the same Cu-Zr frame from extxyz, LAMMPS data (unsorted ids, types from masses) and dump', () => {
    const x = readStructure(md('cuzr_quench.extxyz'));
    const d = readLammpsData(md('cuzr_quench.data'));
    const u = readLammpsDump(md('cuzr_quench.dump'), { types: { 1: 'Cu', 2: 'Zr' } });
    assert.ok(d.warnings.some((w) => /guessed from its mass \(1=Cu,2=Zr\)/.test(w)));
    for (const f of [d, u]) {
      assert.equal(f.n, 2000);
      assert.deepEqual(labelsOf(f), labelsOf(x));
      assert.deepEqual(Array.from(f.ids!), Array.from(x.ids!));
      // extxyz and data differ by ≤ 5e-9 Å (oracle: max_abs_position_diff_extxyz_vs_data_A); the dump prints %.10f
      for (let k = 0; k < 3 * f.n; k++)
        assert.ok(Math.abs(f.positions[k] - x.positions[k]) < 1e-8, `coordinate ${k}`);
    }
    assert.deepEqual(
      d.cell.lengths.map((l) => +l.toFixed(9)),
      x.cell.lengths.map((l) => +l.toFixed(9)),
    );
  });

  it('detects formats from names and content', () => {
    assert.equal(detectFormat(md('A1.extxyz')), 'extxyz');
    assert.equal(detectFormat(md('cuzr_quench.dump')), 'lammps-dump');
    assert.equal(detectFormat(md('cuzr_quench.data')), 'lammps-data');
    const noext = file('frame', 'ITEM: TIMESTEP\n0\n');
    assert.equal(detectFormat(noext), 'lammps-dump');
  });
});

describe('reader errors name the file, the line and what was expected', () => {
  const head = 'Lattice="10 0 0 0 10 0 0 0 10" Properties=species:S:1:pos:R:3';
  it('non-orthorhombic extxyz cell', () => {
    const p = file(
      'tri.extxyz',
      '1\nLattice="10 0 0 1 10 0 0 0 10" Properties=species:S:1:pos:R:3\nCu 0 0 0\n',
    );
    assert.throws(
      () => readStructure(p),
      (e: Error) => {
        assert.ok(e instanceof InputError);
        assert.match(
          e.message,
          /tri\.extxyz: line 2: Lattice has off-diagonal terms .*non-orthorhombic \(triclinic\) cells are not supported/,
        );
        return true;
      },
    );
  });
  it('triclinic LAMMPS dump and data boxes', () => {
    const dump = file(
      'tri.dump',
      'ITEM: TIMESTEP\n0\nITEM: NUMBER OF ATOMS\n1\nITEM: BOX BOUNDS xy xz yz pp pp pp\n0 10 0.5\n0 10 0\n0 10 0\nITEM: ATOMS id type x y z\n1 1 0 0 0\n',
    );
    assert.throws(
      () => readLammpsDump(dump, { types: { 1: 'Cu' } }),
      /tri\.dump: line 5: triclinic box .*not supported/,
    );
    const data = file(
      'tri.data',
      'x\n\n1 atoms\n1 atom types\n0 10 xlo xhi\n0 10 ylo yhi\n0 10 zlo zhi\n0.5 0 0 xy xz yz\n\nAtoms # atomic\n\n1 1 0 0 0\n',
    );
    assert.throws(
      () => readLammpsData(data, { types: { 1: 'Cu' } }),
      /tri\.data: line 8: triclinic box .*non-orthorhombic cells are not supported/,
    );
  });
  it('missing species column', () => {
    const p = file(
      'nospecies.extxyz',
      '1\nLattice="10 0 0 0 10 0 0 0 10" Properties=pos:R:3:id:I:1\n0 0 0 1\n',
    );
    assert.throws(
      () => readStructure(p),
      /nospecies\.extxyz: line 2: Properties has no species column \(species:S:1\); found pos:R:3:id:I:1/,
    );
    const d = file(
      'nospecies.dump',
      'ITEM: TIMESTEP\n0\nITEM: NUMBER OF ATOMS\n1\nITEM: BOX BOUNDS pp pp pp\n0 10\n0 10\n0 10\nITEM: ATOMS id x y z\n1 0 0 0\n',
    );
    assert.throws(
      () => readLammpsDump(d),
      /nospecies\.dump: line 9: no species column: the dump needs 'element' or 'type'/,
    );
  });
  it('truncated atom lines', () => {
    const p = file('trunc.extxyz', `3\n${head}\nCu 0 0 0\nCu 1 1\nCu 2 2 2\n`);
    assert.throws(
      () => readStructure(p),
      /trunc\.extxyz: line 4: truncated atom line: 3 fields, expected 4/,
    );
    const d = file(
      'trunc.dump',
      'ITEM: TIMESTEP\n0\nITEM: NUMBER OF ATOMS\n2\nITEM: BOX BOUNDS pp pp pp\n0 10\n0 10\n0 10\nITEM: ATOMS id type x y z\n1 1 0 0 0\n2 1 5 5\n',
    );
    assert.throws(
      () => readLammpsDump(d, { types: { 1: 'Cu' } }),
      /trunc\.dump: line 11: truncated atom line: 4 fields, expected 5/,
    );
    const data = file(
      'trunc.data',
      'x\n\n2 atoms\n1 atom types\n0 10 xlo xhi\n0 10 ylo yhi\n0 10 zlo zhi\n\nAtoms # atomic\n\n1 1 0 0 0\n2 1 5 5\n',
    );
    assert.throws(
      () => readLammpsData(data, { types: { 1: 'Cu' } }),
      /trunc\.data: line 12: truncated atom line: 4 fields, expected at least 5 for atom style atomic/,
    );
    const short = file(
      'short.data',
      'x\n\n3 atoms\n1 atom types\n0 10 xlo xhi\n0 10 ylo yhi\n0 10 zlo zhi\n\nAtoms # atomic\n\n1 1 0 0 0\n2 1 5 5 5\n',
    );
    assert.throws(
      () => readLammpsData(short, { types: { 1: 'Cu' } }),
      /short\.data: line 13: the Atoms section ends after 2 lines; the header says 3 atoms/,
    );
    const bad = file('bad.extxyz', `1\n${head}\nCu 0 x 0\n`);
    assert.throws(
      () => readStructure(bad),
      /bad\.extxyz: line 3: expected a number for 'pos' y, got 'x'/,
    );
  });
  it('unknown LAMMPS type', () => {
    assert.throws(
      () => readLammpsDump(md('cuzr_quench.dump'), { types: { 1: 'Cu' } }),
      /cuzr_quench\.dump: line 14: unknown LAMMPS type 2: the type map \(1=Cu\) has no entry for it/,
    );
    assert.throws(
      () => readLammpsData(md('cuzr_quench.data'), { types: { 2: 'Zr' } }),
      /cuzr_quench\.data: line 18: unknown LAMMPS type 1: the type map \(2=Zr\)/,
    );
    assert.throws(
      () => readLammpsDump(md('cuzr_quench.dump')),
      /pass a type map such as '1=Cu,2=Zr' \(--types\)/,
    );
  });
  it('r_max beyond half the box and unreadable files', async () => {
    const { computeRdf } = await import('../../src/structure/index.ts');
    const f = readStructure(md('fcc_a3.6_4x4x4.extxyz'));
    assert.throws(
      () => computeRdf(f, { rmax: 10 }),
      /RDF rmax 10 Å exceeds half the shortest box edge \(7\.2000 Å\)/,
    );
    assert.throws(
      () => readStructure(join(tmp, 'nope.extxyz')),
      /nope\.extxyz: cannot read the file \(ENOENT\)/,
    );
  });
});

describe('reader details', () => {
  it('CRLF, multi-frame files (last frame by default), Origin and the default Properties', () => {
    const one = (x: number) =>
      `2\r\nLattice="10 0 0 0 10 0 0 0 10" Origin="-5 -5 -5"\r\nCu ${x} 0 0\r\nZr 0 0 4.5\r\n`;
    const lines = splitLines(`${one(1)}${one(2)}`);
    const last = parseExtxyz(lines, 'two.extxyz');
    assert.equal(last.n, 2);
    assert.equal(last.positions[0], 2);
    assert.equal(parseExtxyz(lines, 'two.extxyz', { frame: 'first' }).positions[0], 1);
    assert.deepEqual(last.warnings, []);
    assert.deepEqual(last.cell.origin, [-5, -5, -5]);
    assert.equal(last.positions[5], 4.5);
  });
  it('scaled dump coordinates (xs ys zs) and an element column', () => {
    const text =
      'ITEM: TIMESTEP\n5\nITEM: NUMBER OF ATOMS\n2\nITEM: BOX BOUNDS pp pp pp\n-1 9\n0 20\n2 4\nITEM: ATOMS element xs ys zs id\nZr 0.5 0.25 1.0 2\nCu 0.1 0.5 0.5 1\n';
    const f = parseLammpsDump(splitLines(text), 'scaled.dump');
    assert.deepEqual(labelsOf(f), ['Cu', 'Zr']);
    assert.deepEqual(Array.from(f.positions), [0, 10, 3, 4, 5, 2]); // zs = 1.0 sits on the upper face → wrapped to zlo
  });
  it('type maps parse from 1=Cu,2=Zr and from Cu,Zr', () => {
    assert.deepEqual(parseTypeMap('1=Cu,2=Zr'), { 1: 'Cu', 2: 'Zr' });
    assert.deepEqual(parseTypeMap('Cu, Zr'), { 1: 'Cu', 2: 'Zr' });
    assert.throws(() => parseTypeMap('1-Cu'), /expected 'TYPE=ELEMENT'/);
  });

  it('property: any column order, LF or CRLF, count line right or wrong → the same atoms', () => {
    const atom = fc.record({
      s: fc.constantFrom('B', 'Nb', 'Fe', 'Cu', 'Zr'),
      p: fc.tuple(
        fc.double({ min: 0, max: 9.999, noNaN: true }),
        fc.double({ min: 0, max: 9.999, noNaN: true }),
        fc.double({ min: 0, max: 9.999, noNaN: true }),
      ),
    });
    fc.assert(
      fc.property(
        fc.array(atom, { minLength: 1, maxLength: 30 }),
        fc.boolean(),
        fc.boolean(),
        fc.integer({ min: 0, max: 50 }),
        (atoms, speciesFirst, crlf, declared) => {
          const props = speciesFirst ? 'species:S:1:pos:R:3:id:I:1' : 'pos:R:3:id:I:1:species:S:1';
          const rows = atoms.map((a, k) =>
            speciesFirst ? `${a.s} ${a.p.join(' ')} ${k + 1}` : `${a.p.join(' ')} ${k + 1} ${a.s}`,
          );
          const eol = crlf ? '\r\n' : '\n';
          const text = [
            `${declared}`,
            `Lattice="10 0 0 0 10 0 0 0 10" Properties=${props} Origin="0 0 0"`,
            ...rows,
            '',
          ].join(eol);
          const f = parseExtxyz(splitLines(text), 'p.extxyz');
          assert.equal(f.n, atoms.length);
          assert.deepEqual(
            labelsOf(f),
            atoms.map((a) => a.s),
          );
          assert.deepEqual(
            Array.from(f.positions),
            atoms.flatMap((a) => a.p),
          );
          assert.equal(f.warnings.length, declared === atoms.length ? 0 : 1);
        },
      ),
      { seed: 7, numRuns: 200 },
    );
  });
});
