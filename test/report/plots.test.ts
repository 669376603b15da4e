import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { TopLevelSpec } from '../../src/plots/common.ts';
import {
  attentionPlot,
  baselinesPlot,
  gmmDensityPlot,
  igPlot,
  intervalWidthPlot,
  latentMapPlot,
  loadCurvesPlot,
  parityPlot,
  pitHistogramPlot,
  reliabilityPlot,
  topN,
  trainingCurvesPlot,
  traversalPlot,
} from '../../src/plots/index.ts';
import { markCounts, renderPng, renderSvg, writePlot } from '../../src/plots/render.ts';
import { logTicks } from '../../src/plots/training.ts';
import { InputError } from '../../src/util/errors.ts';
import * as F from './fixtures.ts';

/**
 * Render to SVG (must succeed, with no vega/vega-lite warning) and count the items of each named
 * mark in the scenegraph. Vega-Lite names a layer's marks `<layer name>_marks`.
 */
async function render(
  spec: TopLevelSpec,
): Promise<{ svg: string; counts: Record<string, number> }> {
  const warnings: string[] = [];
  const svg = await renderSvg(spec, { onWarning: (w) => warnings.push(w) });
  assert.deepEqual(warnings, [], 'vega-lite / vega warnings');
  assert.match(svg, /^<svg[^>]*width="\d+(\.\d+)?"/);
  return { svg, counts: await markCounts(spec) };
}

/** Sum of the counts of all marks whose name starts with `prefix`. */
function sumOf(counts: Record<string, number>, prefix: string): number {
  return Object.entries(counts)
    .filter(([k]) => k.startsWith(prefix))
    .reduce((a, [, n]) => a + n, 0);
}

/** Text of the SVG's title and subtitle marks. */
function texts(svg: string): string {
  return [...svg.matchAll(/<text[^>]*>([\s\S]*?)<\/text>/g)]
    .map((m) => m[1].replace(/<\/tspan>/g, '\n').replace(/<[^>]+>/g, ''))
    .join('\n');
}

describe('figure specs render with the expected marks', () => {
  it('parity: one point and one ±1σ bar per row, y = x line, equal axes, per-set summary', async () => {
    const data = F.parityData({ train: 30, calibration: 10, test: 12 });
    const spec = parityPlot(data);
    const { svg, counts } = await render(spec);
    assert.equal(counts.points_marks, 52);
    assert.equal(counts.errorbars_marks, 52);
    assert.equal(counts.diagonal_marks, 2); // the y = x line: two vertices
    const t = texts(svg);
    assert.match(t, /measured hardness \(HV\)/);
    assert.match(t, /predicted hardness μ ± 1σ \(HV\)/);
    assert.match(t, /test \(n = 12\): R² = /);
    // Equal axes: x and y share one explicit domain, and the panel is square.
    const js = JSON.stringify(spec);
    const domains = [...js.matchAll(/"domain":\[(-?[\d.e+-]+),(-?[\d.e+-]+)\]/g)].map(
      (m) => `${m[1]},${m[2]}`,
    );
    assert.ok(domains.length >= 2);
    assert.equal(new Set(domains).size, 1, 'one shared numeric domain');
    assert.equal((spec as { width: number }).width, (spec as { height: number }).height);
    const noBars = await markCounts(parityPlot(data, { errorBars: false }));
    assert.equal(noBars.errorbars_marks, undefined);
  });

  it('training curves: one line per network in each of the five panels, log β axis', async () => {
    const spec = trainingCurvesPlot(F.trainingHistory(3, 40));
    const { svg, counts } = await render(spec);
    for (const k of ['loss_hardness', 'val_mse', 'loss_reconstruction', 'kl_per_dim', 'beta'])
      assert.equal(counts[`curve_${k}_marks`], 3 * 40, k); // line items = vertices
    assert.equal(counts.best_epoch_marks, 3);
    assert.equal(counts.kl_target_marks, 1);
    assert.equal(counts['symbol:legend-symbol'], 3);
    assert.match(texts(svg), /β \(log scale\)/);
    // A panel without data is left out.
    const h = F.trainingHistory(1, 5);
    for (const e of h.networks[0].epochs) delete e.beta;
    const c2 = await markCounts(trainingCurvesPlot(h));
    assert.equal(c2.curve_beta_marks, undefined);
    assert.equal(c2.curve_loss_hardness_marks, 5);
  });

  it('log ticks: decades, with 2× and 5× when the range is short', () => {
    assert.deepEqual(logTicks([0.001, 50]), [0.001, 0.01, 0.1, 1, 10, 100]);
    assert.deepEqual(logTicks([0.3, 2]), [0.1, 0.2, 0.5, 1, 2, 5, 10]);
    assert.deepEqual(logTicks([0.001, 0.001]), [0.001]);
  });

  it('reliability: one vertex per level per curve, the diagonal, a legend entry per curve', async () => {
    const { svg, counts } = await render(reliabilityPlot(F.reliabilityData()));
    assert.equal(counts.curves_marks, 20);
    assert.equal(counts.diagonal_marks, 2);
    assert.equal(counts['symbol:legend-symbol'], 2);
    assert.match(texts(svg), /test, recalibrated σ \(MACE 0\.010\)/);
    assert.match(texts(svg), /expected coverage \(nominal level\)/);
  });

  it('PIT histogram: one bar per bin and a uniform line, one panel per series', async () => {
    const one = await render(pitHistogramPlot(F.pitData(1)));
    assert.equal(one.counts.bins_marks, 10);
    assert.equal(one.counts.uniform_marks, 1);
    assert.equal(one.counts.band_marks, 1);
    const two = await render(pitHistogramPlot(F.pitData(2)));
    assert.equal(two.counts.bins_0_marks, 10);
    assert.equal(two.counts.bins_1_marks, 10);
    // Each panel shows its own series (shared data would make both panels identical).
    const heights = [
      ...two.svg.matchAll(/mark-rect role-mark bins_(\d)_marks"[^>]*>(.*?)<\/g>/g),
    ].map((m) => m[2]);
    assert.equal(heights.length, 2);
    assert.notEqual(heights[0], heights[1]);
  });

  it('interval width vs coverage: observed and nominal line per curve', async () => {
    const { counts } = await render(intervalWidthPlot(F.intervalWidthData()));
    assert.equal(sumOf(counts, 'layer_0'), 2 * 10 * 2); // line vertices: 2 curves × 10 levels × 2 kinds
  });

  it('latent map: one circle per row, continuous HV scale or cluster colours', async () => {
    const data = F.latentMapData(90);
    const hv = await render(latentMapPlot(data));
    assert.equal(hv.counts.marks, 90);
    assert.equal(hv.counts['rect:legend-gradient'], 1);
    assert.match(texts(hv.svg), /PC1 \(41 % of variance\)/);
    const cl = await render(latentMapPlot(data, { colourBy: 'cluster' }));
    assert.equal(cl.counts['symbol:legend-symbol'], 3);
  });

  it('GMM density: one cell per grid point above the threshold, points and labelled candidates', async () => {
    const data = F.gmmDensityData(12, 10);
    const above = data.grid.logp.flat().filter((v) => v >= (data.logpThreshold as number)).length;
    assert.ok(above > 0 && above < 120);
    const { svg, counts } = await render(gmmDensityPlot(data));
    assert.equal(counts.density_marks, above);
    assert.equal(counts.overlay_marks, 5); // 2 training latents + 3 MCMC samples
    assert.equal(counts.candidates_marks, 4);
    assert.equal(counts.candidate_labels_marks, 4);
    assert.match(texts(svg), /1: B68Nb24Fe4W4/);
  });

  it('traversal: top-N coordinates × steps cells, sorted by amplitude', async () => {
    const data = F.traversalData(20, 25);
    const spec = traversalPlot(data);
    const { svg, counts } = await render(spec);
    assert.equal(counts.marks, 16 * 25);
    // Coordinate j has amplitude 5(j+1) HV: z19 first, z4 the 16th.
    const sort = (spec as { encoding: { y: { sort: string[] } } }).encoding.y.sort;
    assert.equal(sort.length, 16);
    assert.match(sort[0], /^z19 \(Δ 100 HV\)$/);
    assert.match(sort[15], /^z4 /);
    assert.match(texts(svg), /16 of 20 coordinates/);
    assert.equal((await markCounts(traversalPlot(data, { top: 0 }))).marks, 20 * 25);
  });

  it('attention: two bars per shown element, top 20 of 56, sorted', async () => {
    const spec = attentionPlot(F.attentionData());
    const { svg, counts } = await render(spec);
    assert.equal(counts.marks, 40);
    const sort = (spec as { encoding: { y: { sort: string[] } } }).encoding.y.sort;
    assert.deepEqual(sort, F.ELEMENTS.slice(0, 20));
    assert.match(texts(svg), /top 20 of 56 elements/);
    // All 56: 56 'all rows' bars + 40 'containing' bars.
    assert.equal((await markCounts(attentionPlot(F.attentionData(), { top: 0 }))).marks, 96);
  });

  it('integrated gradients: top-N signed bars by |attribution|, zero rule', async () => {
    const spec = igPlot(F.igData(), { top: 12 });
    const { svg, counts } = await render(spec);
    assert.equal(counts.bars_marks, 12);
    assert.equal(counts.zero_marks, 1);
    assert.match(texts(svg), /completeness gap/);
    assert.match(texts(svg), /mean IG attribution \(HV\)/);
  });

  it('load curves: a line vertex and band per load, log-x axis ticks at the design loads', async () => {
    const { svg, counts } = await render(loadCurvesPlot(F.loadCurvesData()));
    assert.equal(counts.line_marks, 18); // 3 candidates × 6 loads
    assert.equal(counts.band_marks, 18);
    assert.equal(counts.measured_marks, 1);
    assert.equal(counts['symbol:legend-symbol'], 3);
    const t = texts(svg);
    for (const l of ['0.5', '1', '2', '3', '5', '10'])
      assert.ok(t.split('\n').includes(l), `tick ${l}`);
    assert.match(t, /indentation load \(N, log scale\)/);
  });

  it('baselines: MAE and RMSE bars per model, sorted by RMSE, sd rules', async () => {
    const spec = baselinesPlot(F.baselinesData());
    const { counts } = await render(spec);
    assert.equal(counts.bars_marks, 10);
    assert.equal(counts.values_marks, 10);
    assert.equal(counts.sd_marks, 2);
    const js = JSON.stringify(spec);
    assert.ok(js.includes('"sort":["gradient boosting","k-NN","VIBANN","Ridge","Lasso"]'));
  });

  it('empty inputs still render (no crash, no marks)', async () => {
    const c = await markCounts(parityPlot({ points: [] }));
    assert.equal(c.points_marks ?? 0, 0);
    await renderSvg(attentionPlot({ elements: [] }));
    await renderSvg(loadCurvesPlot({ candidates: [] }));
  });
});

describe('topN', () => {
  it('sorts descending, by |value| when asked, keeps ties in input order, 0 = all', () => {
    const v = [{ k: 1 }, { k: -5 }, { k: 3 }, { k: 3 }, { k: Number.NaN }];
    assert.deepEqual(
      topN(v, (x) => x.k, 2).map((x) => x.k),
      [3, 3],
    );
    assert.deepEqual(
      topN(v, (x) => x.k, 1, true).map((x) => x.k),
      [-5],
    );
    assert.equal(topN(v, (x) => x.k, 0).length, 5);
    assert.ok(Number.isNaN(topN(v, (x) => x.k, 0)[4].k));
  });
});

describe('PNG rendering and writePlot', () => {
  it('renderPng gives a PNG twice as wide as the SVG by default, or the width asked for', async () => {
    const svg = await renderSvg(pitHistogramPlot(F.pitData(1)));
    const w = Number(/width="([\d.]+)"/.exec(svg)?.[1]);
    const png = renderPng(svg);
    assert.deepEqual([...png.slice(0, 8)], [137, 80, 78, 71, 13, 10, 26, 10]);
    const ihdrWidth = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset).getUint32(16);
    assert.equal(ihdrWidth(png), Math.round(2 * w));
    assert.equal(ihdrWidth(renderPng(svg, { width: 300 })), 300);
    assert.throws(() => renderPng(svg, { width: 0 }), InputError);
  });

  it('writePlot writes name.svg and name.png; a name with a path separator is refused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vibann-plot-'));
    const p = await writePlot(dir, 'baselines_test', baselinesPlot(F.baselinesData()));
    assert.ok(existsSync(p.svg) && existsSync(p.png));
    assert.match(readFileSync(p.svg, 'utf8'), /^<svg/);
    await assert.rejects(writePlot(dir, '../evil', baselinesPlot(F.baselinesData())), InputError);
  });
});
