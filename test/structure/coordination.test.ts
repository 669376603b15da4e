import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  bondAngles,
  bondStats,
  coordination,
  type Frame,
  neighbourList,
  readStructure,
} from '../../src/structure/index.ts';
import { close, cuzrPerAtom, GLASSES, md, oracle } from './_fixtures.ts';

/**
 * Angle histograms: exact, except where the oracle lists angles within 1e-6° of a bin edge (A3, A5,
 * Cu-Zr at 3.5 Å: one each); there floating-point rounding may move that angle to the adjacent bin,
 * so allow ±1 in two adjacent bins with the total exact (README tolerances).
 */
function assertAngleHist(ours: number[], theirs: number[], edgeAngles: number, what: string): void {
  assert.equal(
    ours.reduce((s, v) => s + v, 0),
    theirs.reduce((s, v) => s + v, 0),
    `${what}: total`,
  );
  const diff = ours.map((v, k) => v - theirs[k]);
  const bad = diff.map((d, k) => [k, d]).filter(([, d]) => d !== 0);
  if (edgeAngles === 0) assert.deepEqual(bad, [], `${what}: bins differ`);
  else {
    assert.ok(
      bad.length === 0 ||
        (bad.length === 2 &&
          Math.abs(bad[0][0] - bad[1][0]) === 1 &&
          bad.every(([, d]) => Math.abs(d) === 1)),
      `${what}: ${JSON.stringify(bad)}`,
    );
  }
}

type CoordOracle = {
  n_atoms: number;
  mean: number;
  std: number;
  min: number;
  max: number;
  histogram: Record<string, number>;
  frac_cn_12_or_13: number;
  frac_cn_12: number;
};

function checkAll(
  f: Frame,
  o: {
    coordination: Record<string, unknown>;
    bonds: Record<string, unknown>;
    angles: Record<string, unknown>;
  },
  cutoff: number,
  centred: string[],
  what: string,
) {
  const nl = neighbourList(f, cutoff);
  const c = coordination(f, nl);
  const oc = o.coordination as Record<string, CoordOracle> & {
    partial_mean_cn: Record<string, Record<string, number>>;
  };
  for (const s of ['all', ...f.species]) {
    const ours = s === 'all' ? c.all : c.bySpecies[s];
    const want = oc[s];
    assert.deepEqual(ours.histogram, want.histogram, `${what} ${s} CN histogram`);
    assert.equal(ours.n_atoms, want.n_atoms);
    assert.equal(ours.min, want.min);
    assert.equal(ours.max, want.max);
    // means and fractions: 1e-12 (README)
    for (const k of ['mean', 'std', 'frac_cn_12_or_13', 'frac_cn_12'] as const) {
      assert.ok(
        close(ours[k], want[k], 1e-12, 1e-12),
        `${what} ${s} ${k}: ${ours[k]} vs ${want[k]}`,
      );
    }
  }
  for (const a of f.species) {
    for (const b of f.species) {
      assert.ok(
        close(c.partialMean[a][b], oc.partial_mean_cn[a][b], 1e-12, 1e-12),
        `${what} partial CN ${a}-${b}`,
      );
    }
  }
  const b = bondStats(f, nl);
  const ob = o.bonds as Record<
    string,
    { n: number; mean: number; std: number; min: number; max: number }
  >;
  for (const [k, want] of Object.entries(ob)) {
    if (k === 'cutoff_A') continue;
    const ours = k === 'all' ? b.all : b.byPair[k];
    assert.equal(ours.n, want.n, `${what} bonds ${k} n`);
    if (want.n === 0) continue;
    // mean and sd: rel 1e-9 (summation order); min/max are single distances
    assert.ok(close(ours.mean, want.mean, 1e-9), `${what} bonds ${k} mean`);
    assert.ok(close(ours.std, want.std, 1e-9), `${what} bonds ${k} std`);
    assert.ok(
      close(ours.min, want.min, 1e-12) && close(ours.max, want.max, 1e-12),
      `${what} bonds ${k} min/max`,
    );
  }
  const an = bondAngles(f, nl);
  const oa = o.angles as {
    n_triplets: number;
    mean_deg: number;
    histogram_counts: number[];
    'angles_within_1e-6_deg_of_integer_degree': number;
  } & Record<string, { n_triplets: number; mean_deg: number; histogram_counts: number[] }>;
  const edge = oa['angles_within_1e-6_deg_of_integer_degree'];
  assert.equal(an.all.n_triplets, oa.n_triplets);
  assert.ok(close(an.all.mean, oa.mean_deg, 1e-9), `${what} angle mean`);
  assertAngleHist(an.all.histogram, oa.histogram_counts, edge, `${what} angles`);
  for (const s of centred) {
    const w = oa[`${s}_centred`];
    assert.equal(an.bySpecies[s].n_triplets, w.n_triplets);
    assert.ok(close(an.bySpecies[s].mean, w.mean_deg, 1e-9), `${what} ${s}-centred mean`);
    assertAngleHist(an.bySpecies[s].histogram, w.histogram_counts, edge, `${what} ${s}-centred`);
  }
  return c;
}

describe('coordination, bonds and angles against the oracles', () => {
  for (const g of GLASSES) {
    it(`${g} at r_c = 3.0 Å`, () => {
      const o = oracle().glasses[g];
      checkAll(readStructure(md(`${g}.extxyz`)), o, 3.0, ['B', 'Nb'], g);
    });
  }
  for (const rc of ['3.0', '3.5']) {
    it(`Cu-Zr at r_c = ${rc} Å, per atom too`, () => {
      const f = readStructure(md('cuzr_quench.extxyz'));
      const c = checkAll(
        f,
        oracle().cuzr_quench.python[`rc_${rc}`],
        Number(rc),
        ['Cu', 'Zr'],
        `Cu-Zr ${rc}`,
      );
      const want = cuzrPerAtom()[rc === '3.5' ? 'cn_rc3p5_lammps' : 'cn_rc3p0'];
      assert.deepEqual(Array.from(c.cn), want);
      if (rc === '3.5') {
        const l = oracle().cuzr_quench.lammps['coord_atom_rc_3.5'];
        assert.deepEqual(c.all.histogram, l.histogram_all);
        assert.deepEqual(c.bySpecies.Cu.histogram, l.histogram_Cu);
        assert.deepEqual(c.bySpecies.Zr.histogram, l.histogram_Zr);
      }
    });
  }
});

/** Counts of angles within 1e-6° of each expected value (crystal angles sit on bin edges, README). */
function angleValues(f: Frame, rc: number): number[] {
  const nl = neighbourList(f, rc);
  const out: number[] = [];
  for (let i = 0; i < f.n; i++) {
    for (let a = nl.offsets[i]; a < nl.offsets[i + 1]; a++) {
      for (let b = a + 1; b < nl.offsets[i + 1]; b++) {
        const c =
          (nl.dx[a] * nl.dx[b] + nl.dy[a] * nl.dy[b] + nl.dz[a] * nl.dz[b]) /
          (nl.dist[a] * nl.dist[b]);
        out.push((Math.acos(Math.max(-1, Math.min(1, c))) * 180) / Math.PI);
      }
    }
  }
  return out;
}

function assertAngles(
  values: number[],
  expected: Record<string, number>,
  nCentres: number,
  what: string,
) {
  let total = 0;
  for (const [deg, m] of Object.entries(expected)) {
    // the oracle prints 4 decimals, so match within 1e-4°
    const n = values.filter((v) => Math.abs(v - Number(deg)) < 1e-4).length;
    assert.equal(n, m * nCentres, `${what}: ${deg}°`);
    total += m * nCentres;
  }
  assert.equal(values.length, total, `${what}: no other angles`);
}

describe('analytic crystals and the icosahedron', () => {
  it('fcc a = 3.6 Å: CN 12 at 3.0 Å and 18 at 4.0 Å, bonds a/√2, angles 60/90/120/180°', () => {
    const a = oracle().analytic['fcc_a3.6_4x4x4'];
    const f = readStructure(md('fcc_a3.6_4x4x4.extxyz'));
    for (const [rc, cn] of [
      [3.0, 12],
      [4.0, 18],
      [2.0, 0],
    ]) {
      assert.deepEqual(coordination(f, neighbourList(f, rc)).all.histogram, { [cn]: 256 });
    }
    const nl = neighbourList(f, 3.0);
    const b = bondStats(f, nl);
    assert.equal(b.all.n, a['bond_rc_3.0'].n_unique_pairs);
    assert.ok(Math.abs(b.all.mean - a.nearest_neighbour_A) < 1e-12 && b.all.std < 1e-12);
    assertAngles(angleValues(f, 3.0), a['angles_rc_3.0_per_atom'], f.n, 'fcc');
    const an = bondAngles(f, nl);
    assert.equal(an.all.n_triplets, a.measured_with_tools['rc_3.0'].n_triplets);
  });
  it('bcc a = 2.87 Å: CN 8 at 2.7 Å, 14 at 3.0 and 3.5 Å; bond mean and sd; six angle values', () => {
    const a = oracle().analytic['bcc_a2.87_8x8x8'];
    const f = readStructure(md('bcc_a2.87_8x8x8.extxyz'));
    for (const [rc, cn] of [
      [2.7, 8],
      [3.0, 14],
      [3.5, 14],
    ]) {
      assert.deepEqual(coordination(f, neighbourList(f, rc)).all.histogram, { [cn]: 1024 });
    }
    const b = bondStats(f, neighbourList(f, 3.0));
    assert.equal(b.all.n, a['bond_rc_3.0'].n_unique_pairs);
    assert.ok(
      close(b.all.mean, a['bond_rc_3.0'].mean_A, 1e-12) &&
        close(b.all.std, a['bond_rc_3.0'].std_A, 1e-9),
    );
    assertAngles(angleValues(f, 3.0), a['angles_rc_3.0_per_atom'], f.n, 'bcc');
  });
  it('13-atom icosahedron: CN 12 and 6, 42 bonds, 246 angles', () => {
    const a = oracle().analytic['ico13_R2.5'];
    const f = readStructure(md('ico13_R2.5.extxyz'));
    const nl = neighbourList(f, 3.0);
    assert.deepEqual(coordination(f, nl).all.histogram, a.cn_rc_3_0.histogram);
    const b = bondStats(f, nl);
    assert.equal(b.all.n, 42);
    assert.ok(
      close(b.all.mean, a.bonds_rc_3_0.mean_A, 1e-8) &&
        close(b.all.std, a.bonds_rc_3_0.std_A, 1e-6),
    );
    const all = angleValues(f, 3.0);
    assert.equal(all.length, a.angles_rc_3_0.total_triplets);
    const centre = all.slice(0, 66);
    assertAngles(centre, a.angles_rc_3_0.centre, 1, 'ico centre');
    assertAngles(all.slice(66), a.angles_rc_3_0.each_vertex, 12, 'ico vertices');
  });
});

describe('per-pair cutoffs', () => {
  it("'B-B': 2.0 drops exactly the B–B bonds between 2.0 and 3.0 Å", () => {
    const f = readStructure(md('A2.extxyz'));
    const base = bondStats(f, neighbourList(f, 3.0));
    const nl = neighbourList(f, 3.0, { 'B-B': 2.0 });
    const b = bondStats(f, nl);
    assert.ok(b.byPair['B-B'].max < 2.0);
    assert.equal(b.byPair['B-Nb'].n, base.byPair['B-Nb'].n);
    let dropped = 0;
    const full = neighbourList(f, 3.0);
    for (let i = 0; i < f.n; i++) {
      for (let k = full.offsets[i]; k < full.offsets[i + 1]; k++) {
        const j = full.index[k];
        if (
          j > i &&
          f.species[f.speciesIndex[i]] === 'B' &&
          f.species[f.speciesIndex[j]] === 'B' &&
          full.dist[k] >= 2.0
        )
          dropped++;
      }
    }
    assert.ok(dropped > 0);
    assert.equal(b.all.n, base.all.n - dropped);
    assert.throws(() => neighbourList(f, 3.0, { BB: 2 }), /pair cutoff 'BB=2': expected 'A-B'/);
  });
});
