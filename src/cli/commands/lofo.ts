/**
 * `vibann lofo` — leave-family-out validation (SPEC §12).
 *
 * `--list`: the element families of the dataset (a family = the set of elements present, e.g.
 * B-Fe-Nb) with their row counts and median HV, and how many rows `--family` with those elements
 * would hold out (every row containing all of them, so supersets such as B-Fe-Nb-W count too).
 *
 * `--family Mo,Ta,Si,W`: every row containing all of these elements is the test set; the rest is
 * split into train_fit / calibration / CV folds as the cluster-aware split does (`lofoSplit`), the
 * standard ensemble is trained on it (`--preset`, `--seeds`, `--quick`), and the metrics of SPEC §6
 * are reported on the held-out family (raw and with σ recalibrated on the calibration rows).
 * Writes a run directory with lofo.json, the trained model (model/), parity_lofo (SVG + PNG) and
 * manifest.json.
 */
import { join } from 'node:path';
import type { Command } from 'commander';
import { InputError } from '../../util/errors.ts';
import { openDataset, runDirName } from '../../workflows/common.ts';
import { duration } from '../duration.ts';
import { cliHooks } from '../hooks.ts';
import { formatTable, info, out, printJson } from '../io.ts';
import { metricsTable } from '../metrics-table.ts';
import { intOption } from '../options.ts';

interface LofoOpts {
  list?: boolean;
  family?: string;
  minRows: number;
  data?: string;
  preset: string;
  seed: number;
  seeds: number;
  quick?: boolean;
  mc?: number;
  out?: string;
  plots: boolean;
  json?: boolean;
}

/** 'Mo,Ta,Si,W' or 'B-Fe-Nb' → element symbols (whitespace ignored, duplicates removed). */
export function parseFamily(v: string): string[] {
  const els = v
    .split(/[,\-\s]+/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (els.length === 0)
    throw new InputError(`--family expects element symbols such as Mo,Ta,Si,W; got '${v}'`);
  for (const e of els)
    if (!/^[A-Z][a-z]?$/.test(e))
      throw new InputError(`--family: '${e}' is not an element symbol (expected e.g. Mo,Ta,Si,W)`);
  return [...new Set(els)];
}

export function register(program: Command): void {
  program
    .command('lofo')
    .description('leave-family-out validation: hold out every row containing a set of elements')
    .option('--list', 'list families with their row counts and median HV')
    .option(
      '--family <elements>',
      'hold out every row containing all of these elements, e.g. Mo,Ta,Si,W (or B-Fe-Nb)',
    )
    .option(
      '--min-rows <n>',
      '--list: show families with at least n rows (JSON: all)',
      intOption('--min-rows', 1),
      5,
    )
    .option('--data <file>', 'dataset CSV (default: the reference dataset)')
    .option('--preset <name>', 'default | paper', 'default')
    .option(
      '--seed <n>',
      'seed of the split, the training and the MC passes',
      intOption('--seed'),
      1,
    )
    .option(
      '--seeds <n>',
      'seeds per CV fold (ensemble = seeds × 5 networks)',
      intOption('--seeds', 1),
      1,
    )
    .option('--quick', 'smoke run: 5 epochs per network, 20 MC passes')
    .option(
      '--mc <S>',
      'MC dropout passes per network (default: the preset’s)',
      intOption('--mc', 2),
    )
    .option('--out <dir>', 'run directory (default runs/lofo-<elements>-<date>)')
    .option('--no-plots', 'skip the parity figure')
    .option('--json', 'print one JSON document on stdout')
    .action(async (o: LofoOpts) => {
      const t0 = performance.now();
      if (Boolean(o.list) === Boolean(o.family))
        throw new InputError(
          "lofo: give either --list or --family ELEMENTS (e.g. 'vibann lofo --family Mo,Ta,Si,W')",
        );
      if (o.preset !== 'default' && o.preset !== 'paper')
        throw new InputError(`--preset expects 'default' or 'paper', got '${o.preset}'`);
      const { ds } = await openDataset(o.data, cliHooks());
      const d = await import('../../data/index.ts');

      if (o.list) {
        const fams = d.listFamilies(ds).map((f) => ({
          family: f.family,
          rows: f.rows,
          median_hv: f.medianHv,
          held_out_by_family_option: d.rowsContainingAll(ds, f.family.split('-')).length,
        }));
        if (o.json) {
          printJson({ dataset: ds.source, rows: ds.nRows, families: fams });
          return;
        }
        const shown = fams.filter((f) => f.rows >= o.minRows);
        out(
          `${fams.length} element families in ${ds.nRows} rows of ${ds.source}; ${shown.length} with at least ${o.minRows} rows:`,
        );
        out(
          formatTable(
            ['family', 'rows', 'median HV', 'rows held out by --family'],
            shown.map((f) => [
              f.family,
              f.rows,
              Math.round(f.median_hv),
              f.held_out_by_family_option,
            ]),
          ),
        );
        out(
          "('--family B,Fe,Nb' holds out every row containing B, Fe and Nb, so also their supersets; --min-rows changes the cut)",
        );
        return;
      }

      const family = parseFamily(o.family!);
      const { Rng } = await import('../../util/rng.ts');
      const split = d.lofoSplit(ds, family, { rng: new Rng(o.seed) });
      const runDir = o.out ?? runDirName(`lofo-${family.join('')}`);
      const { newManifest, writeManifest, dataRecord } = await import('../../util/manifest.ts');
      const { writeJsonAtomic } = await import('../../util/fs.ts');
      const { trainAndSave } = await import('../../workflows/common.ts');
      const { evaluateModel } = await import('../../eval/evaluate.ts');
      const manifest = newManifest(
        'lofo',
        process.argv.slice(2),
        { family, preset: o.preset, seeds: o.seeds, quick: Boolean(o.quick), mc: o.mc },
        { seed: o.seed },
      );
      manifest.data = dataRecord(ds, split);
      const heldHv = split.test.map((r) => ds.hv[r]);
      info(
        `lofo: holding out the ${split.test.length} rows containing ${family.join(', ')} (median ${Math.round(
          [...heldHv].sort((a, b) => a - b)[Math.floor(heldHv.length / 2)],
        )} HV)`,
      );
      const modelDir = join(runDir, 'model');
      const tt = performance.now();
      const { model } = await trainAndSave(
        ds,
        split,
        { preset: o.preset as 'default' | 'paper', seed: o.seed, seeds: o.seeds, quick: o.quick },
        modelDir,
        cliHooks(),
      );
      manifest.timings.train = (performance.now() - tt) / 1000;
      manifest.model = { dir: modelDir, created: model.meta.created, data_sha256: ds.sha256 };
      const te = performance.now();
      const ev = evaluateModel(model, ds, split, { passes: o.mc, seed: o.seed });
      manifest.timings.evaluate = (performance.now() - te) / 1000;
      const held = ev.predictions.filter((p) => p.set === 'test');

      if (o.plots) {
        const tp = performance.now();
        const rp = await import('../../plots/index.ts');
        await rp.writePlot(
          runDir,
          'parity_lofo',
          rp.parityPlot(
            {
              points: ev.predictions.map((p) => ({
                measured: p.measured,
                predicted: p.mean,
                sigma: p.std,
                set: p.set === 'train_fit' ? ('train' as const) : p.set,
                label: ds.compositions[p.row].toString(),
                load: p.load,
              })),
            },
            {
              title: `Held-out family ${family.join('-')}: predicted against measured hardness`,
              subtitle: `test = the held-out rows (every row containing ${family.join(', ')}); ${model.net.nMembers} networks${o.quick ? ' (--quick)' : ''}`,
            },
          ),
        );
        manifest.timings.figures = (performance.now() - tp) / 1000;
      }
      manifest.timings.total = (performance.now() - t0) / 1000;
      // complete the manifest (finish time, backend) before the results file embeds it
      await writeManifest(runDir, manifest);
      const doc = {
        family,
        rule: 'every row containing all of these elements',
        held_out: {
          rows: split.test.length,
          families: d.listFamilies(ds, split.test),
        },
        n: ev.n,
        test: ev.test,
        calibration: ev.calibration,
        recalibrated: ev.recalibrated,
        mc: ev.mc,
        training: {
          preset: model.meta.preset.name,
          networks: model.net.nMembers,
          wall_s: model.meta.training.wall_s,
          members: model.meta.training.members,
        },
        predictions: held.map((p) => ({
          row: p.row,
          formula: ds.compositions[p.row].toString(),
          load: p.load,
          measured: p.measured,
          mean: p.mean,
          std: p.std,
        })),
        model_dir: modelDir,
        manifest,
      };
      await writeJsonAtomic(join(runDir, 'lofo.json'), doc);
      if (o.json) {
        printJson(doc);
        return;
      }
      out(
        `held-out family ${family.join('-')}: ${split.test.length} rows (${doc.held_out.families.length} element sets); trained on ${split.trainFit.length} rows, calibration ${split.calibration.length}; ${model.net.nMembers} networks × ${ev.mc.passes} MC passes`,
      );
      out(
        metricsTable([
          ['held out', ev.test],
          [`held out, σ × ${ev.recalibrated.sigma_scale.toFixed(3)}`, ev.recalibrated.test],
        ]),
      );
      out(
        '(HV; R² is over the held-out rows only, so it is low when the family spans a narrow hardness range)',
      );
      out(
        `run directory: ${runDir} (lofo.json, model/${o.plots ? ', parity_lofo' : ''}); total ${duration((performance.now() - t0) / 1000)}`,
      );
    });
}
