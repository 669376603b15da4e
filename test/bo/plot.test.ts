import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { boTracePlot } from '../../src/bo/plot.ts';
import { markCounts } from '../../src/plots/render.ts';

describe('GP-BO best-LCB trace figure', () => {
  it('draws both best-LCB series and the reference line with its label', async () => {
    const trace = [0, 1, 2, 3].map((t) => ({
      iteration: t,
      lcb: 1400 + 10 * t,
      bestLcb: 1400 + 10 * t,
      baseLcb: 1400 + t,
      bestBaseLcb: 1400 + t,
    }));
    const spec = boTracePlot({
      trace,
      references: [
        { label: 'best VIBANN candidate, GP LCB', value: 1450 },
        { label: 'not finite', value: Number.NaN },
      ],
    });
    const m = await markCounts(spec);
    assert.equal(m.trace_marks, 2 * trace.length); // a line has one scene item per point: 2 series × 4
    assert.equal(m.references_marks, 1);
    assert.equal(m.reference_labels_marks, 1);
  });
});
