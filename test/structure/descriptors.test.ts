/**
 * Issue-17 descriptors against closed forms and the md oracles: icosahedral peak index of the ideal
 * icosahedron, bond-length histograms against the bond counts, packing fraction of fcc by hand,
 * B-centred clusters of A1 against the oracle's per-species Voronoi indices, frame averages, and the
 * measured-curve reader and R-factor.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  analyzeStructure,
  averageDescriptors,
  compareCurves,
  icosahedralPeakIndex,
  parseCurve,
  readAllFrames,
  readStructure,
} from '../../src/structure/index.ts';
import { md, oracle } from './_fixtures.ts';

describe('structure descriptors (issue 17)', () => {
  it('icosahedral peak index: 150/240 for the ideal 13-atom icosahedron; by hand on a histogram', () => {
    const r = analyzeStructure(readStructure(md('ico13_R2.5.extxyz')), {
      skip: { voronoi: true, sq: true, rdf: true },
    });
    assert.equal(r.angles?.ico_peak_index, 150 / 240);
    const h = new Array(180).fill(0);
    h[60] = 3; // in both windows' numerator
    h[52] = 1; // denominator only
    h[110] = 4;
    h[90] = 100; // in neither window
    assert.equal(icosahedralPeakIndex(h), 3 / 8);
  });

  it('bond-length histograms count every bond once; packing fraction of fcc by hand', () => {
    const f = readStructure(md('fcc_a3.6_4x4x4.extxyz'));
    const r = analyzeStructure(f, { skip: { sq: true } });
    const bl = r.bond_lengths!;
    assert.equal(
      bl.total.reduce((a, b) => a + b, 0),
      r.bonds!.all.n,
    );
    assert.equal(bl.total[Math.floor(3.6 / Math.SQRT2 / 0.02)], 256 * 6, 'all 1536 bonds at a/√2');
    // 4 atoms of radius 1.28 Å (Cu metallic radius) per a³ cube
    const pf = (4 * (4 / 3) * Math.PI * 1.28 ** 3) / 3.6 ** 3;
    assert.ok(Math.abs(r.packing!.packing_fraction - pf) < 1e-9);
    assert.ok(Math.abs(r.packing!.by_species.Cu.mean_voronoi_volume - 3.6 ** 3 / 4) < 1e-6);
    const r2 = analyzeStructure(f, { skip: { sq: true }, radii: { Cu: 1.0 } });
    assert.ok(Math.abs(r2.packing!.packing_fraction - (4 * (4 / 3) * Math.PI) / 3.6 ** 3) < 1e-9);
  });

  it('A1: B-centred clusters by default; CN distribution and Voronoi indices match the oracle', () => {
    const r = analyzeStructure(readStructure(md('A1.extxyz')), { skip: { sq: true } });
    const o = oracle().glasses.A1;
    const b = r.clusters!.B;
    assert.deepEqual(Object.keys(r.clusters!), ['B']);
    assert.equal(b.n_centres, 3731);
    assert.ok(Math.abs(b.mean_cn - o.coordination.B.mean) < 1e-12);
    for (const [cn, count] of Object.entries(o.coordination.B.histogram as Record<string, number>))
      assert.ok(Math.abs((b.cn_distribution[cn] ?? 0) - count / 3731) < 1e-12, `CN ${cn}`);
    const top = o.voronoi.plain.top_indices_B as { index: string; count: number }[];
    for (const t of top.slice(0, 3)) {
      const mine = b.voronoi_indices.find((v) => v.index === t.index);
      assert.ok(
        mine && Math.abs(mine.count - t.count) <= 3,
        `${t.index}: ${mine?.count} vs ${t.count}`,
      );
    }
    assert.equal(b.frac_0_0_12_0, 0);
    assert.equal(r.descriptors.cn_frac_12_13_B, o.coordination.B.frac_cn_12_or_13);
  });

  it('every frame of a dump: identical frames average to the value with sd 0', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vibann-traj-'));
    try {
      const one = readFileSync(md('cuzr_quench.dump'), 'utf8');
      const path = join(dir, 'two.dump');
      writeFileSync(path, one + one);
      const frames = readAllFrames(path, { types: { 1: 'Cu', 2: 'Zr' } });
      assert.equal(frames.length, 2);
      const opts = { skip: { sq: true, voronoi: true, angles: true } } as const;
      const d = frames.map((f) => analyzeStructure(f, opts).descriptors);
      const avg = averageDescriptors(d);
      assert.equal(avg.cn_mean.n, 2);
      assert.equal(avg.cn_mean.sd, 0);
      assert.equal(avg.cn_mean.mean, d[0].cn_mean);
      const h = averageDescriptors([{ x: 1 }, { x: 3 }, { x: null }]);
      assert.deepEqual(h.x, { mean: 2, sd: 1, n: 2 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('measured curves: comments, header, R-factor by hand, errors name the line', () => {
    const c = parseCurve(
      '# S(Q) measured\nQ S\n1.0 0.5\n! note\n2.0, 1.5\n3.0\t1.0 0.01\n',
      'm.txt',
    );
    assert.deepEqual(c, { x: [1, 2, 3], y: [0.5, 1.5, 1] });
    const sim = { x: [0, 4], y: [1, 1] }; // S = 1 everywhere
    const cmp = compareCurves(c, sim, { file: 'm.txt', kind: 'sq', simulated: 's_xray' });
    // R = √(Σ(y−1)² / Σ(y−1)²) = 1 for a flat simulation
    assert.equal(cmp.r_factor, 1);
    const same = compareCurves(
      c,
      { x: c.x, y: c.y },
      { file: 'm.txt', kind: 'gr', simulated: 'g_xray' },
    );
    assert.equal(same.r_factor, 0);
    const part = compareCurves(
      { x: [0.5, 1, 2], y: [0, 2, 4] },
      { x: [1, 3], y: [1, 5] },
      { file: 'g', kind: 'gr', simulated: 'g' },
    );
    assert.equal(part.n_outside, 1);
    assert.ok(Math.abs(part.r_factor - Math.sqrt((1 + 1) / (4 + 16))) < 1e-12);
    assert.throws(() => parseCurve('1 2\n2 x\n', 'bad.txt'), /bad\.txt: line 2/);
    assert.throws(() => parseCurve('2 1\n1 2\n', 'dec.txt'), /dec\.txt: line 2: x must increase/);
  });
});
