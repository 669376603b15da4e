import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  cellVolume,
  type Frame,
  formatIndex,
  parseIndex,
  readStructure,
  replicate,
  speciesCounts,
  voronoiSummary,
  voronoiTessellation,
} from '../../src/structure/index.ts';
import { close, cuzrPerAtom, GLASSES, md, oracle } from './_fixtures.ts';

function indexCounts(f: Frame, index: Int32Array, species?: string): Map<string, number> {
  const m = new Map<string, number>();
  for (let i = 0; i < f.n; i++) {
    if (species && f.species[f.speciesIndex[i]] !== species) continue;
    const k = formatIndex(index.subarray(5 * i, 5 * i + 5));
    m.set(k, (m.get(k) ?? 0) + 1);
  }
  return m;
}

type VorOracle = {
  n_atoms: number;
  top_indices: { index: string; count: number }[];
  faces_per_cell_histogram: Record<string, number>;
  face_edge_totals: Record<string, number>;
  mean_faces: number;
  n_distinct_indices: number;
} & Record<string, number | unknown>;

/**
 * README tolerances — plain: fractions ±0.002 and top-10 counts ±3 (three implementations agree to
 * the last atom, the slack is for near-degenerate vertices); 1 % filter: ±0.002 and ±5 (areas printed
 * with 6 digits; a few faces lie within 1e-4 of the threshold). Face-count histograms and face-edge
 * totals of the plain tessellation are exact integers.
 */
function checkSummary(
  f: Frame,
  index: Int32Array,
  nFaces: Int32Array,
  o: VorOracle,
  species: string[],
  filtered: boolean,
  what: string,
) {
  const tolCount = filtered ? 5 : 3;
  const all = indexCounts(f, index);
  for (const t of o.top_indices) {
    const c = all.get(t.index) ?? 0;
    assert.ok(Math.abs(c - t.count) <= tolCount, `${what}: ${t.index} ${c} vs ${t.count}`);
  }
  const counts = speciesCounts(f);
  const ico = (s?: string) => indexCounts(f, index, s).get('<0,0,12,0>') ?? 0;
  assert.ok(Math.abs(ico() / f.n - (o.frac_0_0_12_0_all as number)) <= 0.002, `${what}: ico all`);
  for (const s of species) {
    assert.ok(
      Math.abs(ico(s) / counts[s] - (o[`frac_0_0_12_0_${s}`] as number)) <= 0.002,
      `${what}: ico ${s}`,
    );
    const top = o[`top_indices_${s}`] as { index: string; count: number }[];
    const per = indexCounts(f, index, s);
    for (const t of top)
      assert.ok(
        Math.abs((per.get(t.index) ?? 0) - t.count) <= tolCount,
        `${what}: ${s} ${t.index}`,
      );
  }
  const hist = new Map<string, number>();
  const edges = [0, 0, 0, 0, 0];
  for (let i = 0; i < f.n; i++) {
    hist.set(String(nFaces[i]), (hist.get(String(nFaces[i])) ?? 0) + 1);
    for (let d = 0; d < 5; d++) edges[d] += index[5 * i + d];
  }
  const want = o.face_edge_totals;
  const got = { n3: edges[0], n4: edges[1], n5: edges[2], n6: edges[3], n7plus: edges[4] };
  if (!filtered) {
    assert.deepEqual(
      Object.fromEntries([...hist].sort((a, b) => Number(a[0]) - Number(b[0]))),
      o.faces_per_cell_histogram,
      `${what}: faces per cell`,
    );
    assert.deepEqual(got, want, `${what}: face-edge totals`);
    assert.equal(all.size, o.n_distinct_indices, `${what}: distinct indices`);
  } else {
    for (const k of Object.keys(want))
      assert.ok(Math.abs(got[k as keyof typeof got] - want[k]) <= 5 * 2, `${what}: ${k}`);
  }
}

/**
 * The Cu-Zr frame and its tessellation with the 1 % filter and every face kept, computed once for
 * the tests below (keepFaces and areaFilter only add outputs: the plain cells are the same).
 */
let cuzrCache: { f: Frame; v: ReturnType<typeof voronoiTessellation> } | null = null;
function cuzr() {
  if (!cuzrCache) {
    const f = readStructure(md('cuzr_quench.extxyz'));
    cuzrCache = { f, v: voronoiTessellation(f, { areaFilter: 0.01, keepFaces: true }) };
  }
  return cuzrCache;
}

describe('Voronoi indices against voro++ / LAMMPS / Qhull', () => {
  it('Cu-Zr: every per-atom index (plain and 1 % filter) and volume', () => {
    const { f, v } = cuzr();
    const pa = cuzrPerAtom();
    let plainMismatch = 0;
    let filtMismatch = 0;
    for (let i = 0; i < f.n; i++) {
      if (
        Array.from(v.index.subarray(5 * i, 5 * i + 5)).join() !==
        pa.voronoi_plain_n3_n4_n5_n6_n7plus[i].join()
      )
        plainMismatch++;
      if (
        Array.from(v.filtered!.index.subarray(5 * i, 5 * i + 5)).join() !==
        pa.voronoi_plain_area1pct_n3_n4_n5_n6_n7plus[i].join()
      )
        filtMismatch++;
      // volumes: rel 1e-5 (voro++ prints 6 significant digits)
      assert.ok(close(v.volume[i], pa.voronoi_volume_A3[i], 1e-5), `volume ${i}`);
    }
    assert.equal(
      plainMismatch,
      0,
      'plain per-atom indices (identical in voro++, LAMMPS and Qhull)',
    );
    assert.ok(filtMismatch <= 5, `1 % filter: ${filtMismatch} atoms differ`);
    const V = cellVolume(f.cell);
    const sum = v.volume.reduce((s, x) => s + x, 0);
    assert.ok(Math.abs(sum / V - 1) < 1e-6, `Σ volumes / V = ${sum / V}`);
    const py = oracle().cuzr_quench.python.voronoi;
    checkSummary(f, v.index, v.nFaces, py.plain, ['Cu', 'Zr'], false, 'Cu-Zr plain');
    checkSummary(
      f,
      v.filtered!.index,
      v.filtered!.nFaces,
      py.plain_area_filter_1pct,
      ['Cu', 'Zr'],
      true,
      'Cu-Zr 1 %',
    );
    // LAMMPS compute voronoi/atom global edge histogram: faces with 1..10 edges, then more
    const h = new Array(11).fill(0);
    for (const list of v.faces!) for (const x of list) h[Math.min(x.edges, 11) - 1]++;
    assert.deepEqual(h, oracle().cuzr_quench.lammps.voronoi_edge_histo.all);
  });

  it('Cu-Zr: each face i→j is face j→i with the same edges and area', () => {
    const { v } = cuzr();
    const key = (i: number, j: number) => `${i}:${j}`;
    const map = new Map<string, { edges: number; area: number }[]>();
    v.faces!.forEach((list, i) => {
      for (const x of list) {
        const k = key(i, x.neighbour);
        map.set(k, [...(map.get(k) ?? []), x]);
      }
    });
    let checked = 0;
    v.faces!.forEach((list, i) => {
      for (const x of list) {
        const back = map.get(key(x.neighbour, i));
        assert.ok(back?.length === 1, `face ${i}→${x.neighbour} has one partner`);
        assert.equal(back[0].edges, x.edges);
        assert.ok(close(back[0].area, x.area, 1e-9, 1e-12));
        checked++;
      }
    });
    assert.equal(checked, oracle().cuzr_quench.python.voronoi.checks.faces_checked);
  });

  for (const g of GLASSES) {
    it(`${g}: top indices, face-count histogram and face-edge totals (plain and 1 % filter)`, () => {
      const o = oracle().glasses[g].voronoi;
      const f = readStructure(md(`${g}.extxyz`));
      // A1 also checks the faces (keepFaces adds the face lists, the cells are the same)
      const v = voronoiTessellation(f, { areaFilter: 0.01, keepFaces: g === 'A1' });
      checkSummary(f, v.index, v.nFaces, o.plain, ['B', 'Nb'], false, `${g} plain`);
      checkSummary(
        f,
        v.filtered!.index,
        v.filtered!.nFaces,
        o.plain_area_filter_1pct,
        ['B', 'Nb'],
        true,
        `${g} 1 %`,
      );
      const sum = v.volume.reduce((s, x) => s + x, 0);
      assert.ok(Math.abs(sum / cellVolume(f.cell) - 1) < 1e-6);
      if (g === 'A1') {
        const h = new Array(11).fill(0);
        for (const list of v.faces!) for (const x of list) h[Math.min(x.edges, 11) - 1]++;
        assert.deepEqual(
          h,
          oracle().crosschecks.A1_lammps_voronoi
            .global_face_edge_histogram_lammps_faces_with_1_to_10_edges_then_more,
        );
      }
    });
  }
});

describe('analytic cells', () => {
  it('fcc: every cell a rhombic dodecahedron <0,12,0,0> of a³/4 despite its 4-fold vertices', () => {
    for (const name of ['fcc_a3.6_4x4x4', 'fcc_a3.6_6x6x6']) {
      const a = oracle().analytic[name].voronoi;
      const f = readStructure(md(`${name}.extxyz`));
      const v = voronoiTessellation(f, { keepFaces: true });
      assert.deepEqual([...indexCounts(f, v.index)], [[a.index, f.n]]);
      for (let i = 0; i < f.n; i++) {
        assert.ok(Math.abs(v.volume[i] - a.volume_A3) < 1e-9);
        for (const x of v.faces![i]) assert.ok(Math.abs(x.area - a.face_area_A2) < 1e-9);
      }
      const s = voronoiSummary(f, v, 0);
      assert.equal(s.frac_crystal_like.all, 1);
      assert.equal(s.crystal_like_by_index['<0,12,0,0>'].Cu, 1);
    }
  });
  it('bcc: every cell a truncated octahedron <0,6,0,8> of a³/2', () => {
    const a = oracle().analytic['bcc_a2.87_8x8x8'].voronoi;
    const f = readStructure(md('bcc_a2.87_8x8x8.extxyz'));
    const v = voronoiTessellation(f);
    assert.deepEqual([...indexCounts(f, v.index)], [['<0,6,0,8>', f.n]]);
    for (let i = 0; i < f.n; i++) assert.ok(Math.abs(v.volume[i] - a.volume_A3) < 1e-9);
    assert.equal(voronoiSummary(f, v, 0).crystal_like_by_index['<0,6,0,8>'].all, 1);
  });
  it('ico13: the centre is a regular dodecahedron <0,0,12,0>; vertex cells (bounded by images) <1,6,1,0>', () => {
    const f = readStructure(md('ico13_R2.5.extxyz'));
    const v = voronoiTessellation(f, { keepFaces: true });
    assert.equal(formatIndex(v.index.subarray(0, 5)), '<0,0,12,0>');
    const areas = v.faces![0].map((x) => x.area);
    assert.ok(Math.max(...areas) - Math.min(...areas) < 1e-9, 'the 12 pentagons are congruent');
    for (let i = 1; i < 13; i++)
      assert.equal(formatIndex(v.index.subarray(5 * i, 5 * i + 5)), '<1,6,1,0>');
    assert.ok(Math.abs(v.volume.reduce((s, x) => s + x, 0) - 27000) < 1e-6);
    const s = voronoiSummary(f, v, 0);
    assert.equal(s.n_0_0_12_0.all, 1);
  });
  it('a periodic replica has the same cells: Cu-Zr ×2×1×1', () => {
    const { f, v: v1 } = cuzr();
    const v2 = voronoiTessellation(replicate(f, 2, 1, 1));
    for (let i = 0; i < f.n; i++) {
      for (let d = 0; d < 5; d++) {
        assert.equal(v2.index[5 * i + d], v1.index[5 * i + d]);
        assert.equal(v2.index[5 * (i + f.n) + d], v1.index[5 * i + d]);
      }
      assert.ok(close(v2.volume[i + f.n], v1.volume[i], 1e-9));
    }
  });
  it('index strings parse and print', () => {
    assert.deepEqual(parseIndex('<0,0,12,0>'), [0, 0, 12, 0, 0]);
    assert.deepEqual(parseIndex('1,3,4,3+1(n>=7)'), [1, 3, 4, 3, 1]);
    assert.equal(formatIndex([1, 3, 4, 3, 1]), '<1,3,4,3>+1(n>=7)');
    assert.throws(() => parseIndex('<0,12>'), /expected the form <n3,n4,n5,n6>/);
  });
});
