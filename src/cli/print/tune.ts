/** The text summary of `vibann tune`: the trials and the best setting. */
import { join } from 'node:path';
import type { runTune } from '../../workflows/tune.ts';
import { duration } from '../duration.ts';
import { formatTable } from '../io.ts';

export function tuneLines(r: Awaited<ReturnType<typeof runTune>>): string[] {
  const d = r.document;
  return [
    formatTable(
      ['trial', 'latent dim', 'dropout', 'CV loss (std. HV²)'],
      r.trials.map((t) => [
        t.number,
        String(t.params.latentDim),
        (t.params.dropout as number).toFixed(3),
        t.value?.toFixed(4) ?? t.state,
      ]),
    ),
    `best: d = ${d.network.latentDim}, dropout ${d.network.dropout.toFixed(3)}, CV loss ${d.cv_loss.toFixed(4)} vs the paper's setting ${d.reference.cv_loss.toFixed(4)}`,
    `trial log ${r.log}; best settings ${join(r.runDir, 'tuned.json')} (use: vibann train --tuned FILE); total ${duration(r.manifest.timings.total)}`,
  ];
}
