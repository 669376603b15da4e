import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeStructure, massDensity, readStructure } from '../../src/structure/index.ts';
import { close, GLASSES, md, oracle } from './_fixtures.ts';

describe('analyzeStructure: the `structure analyze --json` document', () => {
  it('A1 in full: contract keys, oracle values, warnings and timings per stage', () => {
    const o = oracle().glasses.A1;
    const f = readStructure(md('A1.extxyz'));
    const r = analyzeStructure(f, { peakWindow: [2.0, 3.0] });
    // docs/architecture.md contract keys
    for (const k of [
      'n_atoms',
      'species_counts',
      'cell',
      'number_density',
      'rdf',
      'coordination',
      'bonds',
      'angles',
      'voronoi',
      'warnings',
      'timings',
    ]) {
      assert.ok(k in r, k);
    }
    assert.deepEqual(
      Object.keys(r.rdf!.first_peak)
        .filter((k) => ['r', 'height', 'fwhm', 'area', 'h1_h2', 'separation'].includes(k))
        .sort(),
      ['area', 'fwhm', 'h1_h2', 'height', 'r', 'separation'],
    );
    assert.deepEqual(Object.keys(r.rdf!.partial).sort(), Object.keys(o.rdf.partial).sort());
    assert.equal(r.rdf!.r.length, 100);
    for (const s of ['all', 'B', 'Nb', 'Fe', 'W']) {
      const c = r.coordination![s] as {
        mean: number;
        histogram: Record<string, number>;
        frac_cn_12_or_13: number;
      };
      assert.ok(close(c.mean, o.coordination[s].mean, 1e-12), `CN mean ${s}`);
      assert.deepEqual(c.histogram, o.coordination[s].histogram);
      assert.ok(close(c.frac_cn_12_or_13, o.coordination[s].frac_cn_12_or_13, 1e-12));
    }
    const b = r.bonds!['B-Nb'] as { n: number; mean: number; std: number };
    assert.equal(b.n, o.bonds['B-Nb'].n);
    assert.ok(close(r.bonds!.all.mean, o.bonds.all.mean, 1e-9));
    assert.deepEqual(r.angles!.histogram, o.angles.histogram_counts);
    assert.ok(close(r.angles!.mean, o.angles.mean_deg, 1e-9));
    assert.equal(r.voronoi!.frac_0_0_12_0.all, 0);
    assert.equal(r.voronoi!.frac_0_0_12_0.B, 0);
    assert.deepEqual(
      r.voronoi!.top_indices.map((t) => [t.index, t.count]),
      o.voronoi.plain.top_indices.map((t: { index: string; count: number }) => [t.index, t.count]),
    );
    assert.deepEqual(r.voronoi!.faces_per_cell_histogram, o.voronoi.plain.faces_per_cell_histogram);
    // the first peak in the default window 2–3 Å is the metal–boron peak, not the higher B–B one at 1.75 Å
    assert.ok(r.rdf!.first_peak.r! >= 2.0 && r.rdf!.first_peak.r! <= 3.0);
    assert.ok(r.rdf!.first_peak.height! < o.rdf.first_peak_total.g);
    // density: rel 1e-9; from the file's mass column rel 1e-5 (README)
    assert.ok(close(r.number_density, o.density.number_density_per_A3, 1e-9));
    assert.ok(close(r.mass_density!, o.density.mass_density_g_cm3, 1e-9));
    assert.ok(
      close(r.mass_density_from_file!, o.density.mass_density_from_file_mass_column_g_cm3, 1e-5),
    );
    assert.ok(r.warnings.some((w) => /declares 29488 atoms/.test(w)));
    for (const st of [
      'rdf',
      'neighbours',
      'coordination',
      'bonds',
      'angles',
      'voronoi',
      'sq',
      'total',
    ]) {
      assert.ok(typeof r.timings[st] === 'number' && r.timings[st] >= 0, st);
    }
    // S(Q) (checked against brute-force sums in sq.test.ts): every partial present, the default
    // 400 vectors per shell at most, the FT route from this g(r), and the peak in the descriptors
    const sq = r.sq!;
    assert.deepEqual(Object.keys(sq.partials).sort(), Object.keys(o.rdf.partial).sort());
    assert.ok(sq.n_vectors.every((m) => m >= 1 && m <= 400));
    assert.equal(sq.ft!.r_max, 10);
    assert.equal(r.descriptors.sq_peak_q, sq.first_peak.q);
    // one JSON document, round-trips
    assert.deepEqual(JSON.parse(JSON.stringify(r)).species_counts, o.species_counts);
  });

  it('mass densities of every fixture (IUPAC 2016 masses as ASE)', () => {
    for (const g of GLASSES) {
      const d = oracle().glasses[g].density;
      assert.ok(
        close(massDensity(readStructure(md(`${g}.extxyz`)))!, d.mass_density_g_cm3, 1e-9),
        g,
      );
    }
    const c = oracle().cuzr_quench.density;
    assert.ok(
      close(massDensity(readStructure(md('cuzr_quench.extxyz')))!, c.mass_density_g_cm3, 1e-9),
    );
  });

  it('options: area filter, cutoff, crystal-like list, skipped stages, and the r_max reduction for small boxes', () => {
    const f = readStructure(md('fcc_a3.6_4x4x4.extxyz'));
    const r = analyzeStructure(f, {
      cutoff: 4.0,
      areaFilter: 0.01,
      crystalLike: ['<0,12,0,0>'],
      skip: { angles: true },
    });
    assert.equal(r.rdf!.rmax, 7.2);
    assert.ok(r.warnings.some((w) => /RDF range reduced from 10 Å to 7\.2000 Å/.test(w)));
    assert.deepEqual((r.coordination!.all as { histogram: Record<string, number> }).histogram, {
      18: 256,
    });
    assert.equal(r.angles, null);
    assert.equal(r.voronoi!.area_filter, 0.01);
    assert.equal(r.voronoi!.frac_crystal_like.all, 1);
    assert.deepEqual(r.voronoi!.crystal_like_indices, ['<0,12,0,0>']);
    assert.throws(
      () => analyzeStructure(f, { rmax: 10 }),
      /RDF rmax 10 Å exceeds half the shortest box edge/,
    );
    assert.throws(
      () => analyzeStructure(f, { areaFilter: 1.5 }),
      /area filter must be a fraction in \[0, 1\)/,
    );
    const c = analyzeStructure(readStructure(md('cuzr_quench.extxyz')), {
      cutoff: 3.5,
      areaFilter: 0.01,
      skip: { rdf: true, sq: true },
    });
    const vo = oracle().cuzr_quench.python.voronoi.plain_area_filter_1pct;
    assert.ok(Math.abs(c.voronoi!.frac_0_0_12_0.Cu - vo.frac_0_0_12_0_Cu) <= 0.002);
    assert.equal(c.rdf, null);
    assert.equal(c.sq, null);
    assert.equal(c.timings.sq, undefined);
  });
});
