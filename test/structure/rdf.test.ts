import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  computeRdf,
  peakDescriptors,
  readStructure,
  speciesCounts,
} from '../../src/structure/index.ts';
import { close, GLASSES, md, oracle } from './_fixtures.ts';

// README tolerances: counts exact (ASE binning, no glass distance within 1e-9 Å of a bin edge);
// g and g_ab abs 1e-9 or rel 1e-9 (summation order only); peak r exact bin centre.
function assertG(actual: ArrayLike<number>, expected: number[], what: string): void {
  assert.equal(actual.length, expected.length, what);
  for (let k = 0; k < expected.length; k++) {
    assert.ok(
      close(actual[k], expected[k], 1e-9, 1e-9),
      `${what} bin ${k}: ${actual[k]} vs ${expected[k]}`,
    );
  }
}

describe('g(r) against the ASE oracles', () => {
  for (const g of ['A1', 'A3']) {
    it(`${g}: total and every partial, counts exact and g within 1e-9`, () => {
      const o = oracle().glasses[g].rdf;
      const f = readStructure(md(`${g}.extxyz`));
      const r = computeRdf(f, { rmax: 10, dr: 0.1 });
      assert.deepEqual(Array.from(r.counts), o.counts_total_ordered_pairs);
      assertG(r.g, o.g_total, `${g} total`);
      assertG(r.r, o.r_centres_A, `${g} r`);
      assert.deepEqual(Object.keys(r.partial).sort(), Object.keys(o.partial).sort());
      for (const [k, p] of Object.entries(o.partial) as [
        string,
        { g: number[]; counts_ordered_pairs: number[] },
      ][]) {
        assert.deepEqual(
          Array.from(r.partial[k].counts),
          p.counts_ordered_pairs,
          `${g} ${k} counts`,
        );
        assertG(r.partial[k].g, p.g, `${g} ${k}`);
      }
      const pk = peakDescriptors(r.r, r.g, [0, 10]);
      assert.equal(pk.bin, o.first_peak_total.bin_index0);
      assert.ok(Math.abs(pk.r! - o.first_peak_total.r) < 1e-9);
      assert.ok(close(pk.height!, o.first_peak_total.g, 1e-9));
    });
  }

  it('Cu-Zr: python oracle, Σ c_a c_b g_ab = g, and LAMMPS compute rdf after N/(N−1)', () => {
    const py = oracle().cuzr_quench.python.rdf;
    const lmp = oracle().cuzr_quench.lammps.rdf;
    const f = readStructure(md('cuzr_quench.extxyz'));
    const r = computeRdf(f);
    assert.deepEqual(Array.from(r.counts), py.counts_total_ordered_pairs);
    assertG(r.g, py.g_total, 'Cu-Zr total');
    for (const k of ['Cu-Cu', 'Cu-Zr', 'Zr-Zr']) {
      assert.deepEqual(Array.from(r.partial[k].counts), py.partial[k].counts_ordered_pairs, k);
      assertG(r.partial[k].g, py.partial[k].g, k);
      const pk = peakDescriptors(r.r, r.partial[k].g, [0, 10]);
      assert.ok(Math.abs(pk.r! - py.partial[k].peak.r) < 1e-9, `${k} peak`);
    }
    const n = speciesCounts(f);
    const N = f.n;
    for (let k = 0; k < r.nbins; k++) {
      let s = 0;
      for (const [key, p] of Object.entries(r.partial)) {
        const [a, b] = key.split('-');
        s += ((a === b ? 1 : 2) * n[a] * n[b] * p.g[k]) / (N * N);
      }
      assert.ok(Math.abs(s - r.g[k]) < 1e-12, `sum rule bin ${k}`);
    }
    // LAMMPS divides by N(N−1) and N_a(N_a−1); 6 printed digits → rel 2e-5 where g > 0.1
    const cmp = (ours: Float64Array, theirs: number[], factor: number, what: string) => {
      for (let k = 0; k < ours.length; k++) {
        if (theirs[k] <= 0.1) continue;
        assert.ok(
          close(ours[k] * factor, theirs[k], 2e-5),
          `${what} bin ${k}: ${ours[k] * factor} vs ${theirs[k]}`,
        );
      }
    };
    cmp(r.g, lmp.g_total, N / (N - 1), 'LAMMPS total');
    cmp(r.partial['Cu-Cu'].g, lmp.g_CuCu, n.Cu / (n.Cu - 1), 'LAMMPS Cu-Cu');
    cmp(r.partial['Cu-Zr'].g, lmp.g_CuZr, 1, 'LAMMPS Cu-Zr');
    cmp(r.partial['Zr-Zr'].g, lmp.g_ZrZr, n.Zr / (n.Zr - 1), 'LAMMPS Zr-Zr');
  });

  for (const [name, rmax] of [
    ['fcc_a3.6_4x4x4', 7],
    ['fcc_a3.6_6x6x6', 10],
    ['bcc_a2.87_8x8x8', 10],
  ] as const) {
    it(`${name}: the analytic g(r) exactly, shells on bin edges counted once across the two bins`, () => {
      const a = oracle().analytic[name];
      const e = a.rdf_expected;
      const f = readStructure(md(`${name}.extxyz`));
      const r = computeRdf(f, { rmax, dr: 0.1 });
      assert.equal(r.nbins, e.nbins);
      const amb = new Set<number>();
      for (const s of e.ambiguous_shells_on_bin_edges as {
        multiplicity: number;
        bins_0based: number[];
      }[]) {
        const [b0, b1] = s.bins_0based;
        amb.add(b0).add(b1);
        assert.equal(
          r.counts[b0] + r.counts[b1],
          s.multiplicity * f.n,
          `shell in bins ${b0}/${b1}`,
        );
      }
      for (let k = 0; k < r.nbins; k++) {
        if (amb.has(k)) continue;
        assert.ok(
          close(r.g[k], e.g_expected_excluding_ambiguous_shells[k], 1e-9, 1e-9),
          `${name} bin ${k}`,
        );
      }
      const pk = peakDescriptors(r.r, r.g, [0, rmax]);
      assert.ok(Math.abs(pk.r! - e.first_peak_bin_centre_A) < 1e-9);
    });
  }
});

describe('peak descriptors', () => {
  // triangles on a 0.1 Å grid: linear interpolation and the bin-sum area are exact for them
  const r = Float64Array.from({ length: 100 }, (_, k) => (k + 0.5) * 0.1);
  const tri = (x: number, c: number, h: number, w: number) =>
    Math.max(0, h * (1 - Math.abs(x - c) / w));
  const g = r.map((x) => tri(x, 1.75, 6, 0.2) + tri(x, 2.55, 4, 0.3) + tri(x, 4.55, 2, 0.5));

  it('searches the first peak in the window, skipping a higher B–B-like peak below it', () => {
    const p = peakDescriptors(r, g, [2.0, 3.0]);
    assert.ok(Math.abs(p.r! - 2.55) < 1e-12);
    assert.ok(Math.abs(p.height! - 4) < 1e-9);
    assert.ok(Math.abs(p.fwhm! - 0.3) < 1e-9, `fwhm ${p.fwhm}`);
    assert.ok(Math.abs(p.area! - 1.2) < 1e-9, `area ${p.area}`); // ½ · 0.6 Å · 4
    assert.ok(Math.abs(p.left_min_r! - 1.95) < 1e-9);
    assert.ok(Math.abs(p.r2! - 4.55) < 1e-9);
    assert.ok(Math.abs(p.h1_h2! - 2) < 1e-9);
    assert.ok(Math.abs(p.separation! - 2.0) < 1e-9);
  });
  it('the whole range finds the global maximum; an empty window gives nulls', () => {
    assert.ok(Math.abs(peakDescriptors(r, g, [0, 10]).r! - 1.75) < 1e-12);
    const none = peakDescriptors(r, g, [3.2, 3.8]);
    assert.equal(none.r, null);
    assert.equal(none.fwhm, null);
  });
});

describe('g(r) on all five glasses: counts exact', () => {
  for (const g of GLASSES) {
    it(g, () => {
      const o = oracle().glasses[g].rdf;
      const r = computeRdf(readStructure(md(`${g}.extxyz`)));
      assert.deepEqual(Array.from(r.counts), o.counts_total_ordered_pairs);
      assertG(r.g, o.g_total, g);
    });
  }
});
