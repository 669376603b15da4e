import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DOMAIN_SCHEMA, type DomainFileJSON, readDomainFile } from '../../src/runs/domain.ts';
import { DomainModel } from '../../src/uq/domain.ts';
import { UncertaintyModel } from '../../src/uq/shift.ts';
import { InputError } from '../../src/util/errors.ts';

function doc(): DomainFileJSON {
  const train = {
    elements: ['A', 'B'],
    x: [1, 0, 0.5, 0.5, 0, 1],
    loads: [1, 1, 10],
    hv: [500, 600, 700],
    formulas: ['A100', 'A50B50', 'B100'],
  };
  const dm = DomainModel.fit(train, { x: [1, 0, 0, 1], loads: [1, 10] });
  const rows = {
    y: [500, 650, 720],
    mu: [510, 600, 700],
    sigma: [20, 30, 25],
    knn: [0.1, 0.2, 0.3],
    gap: [0, 0, 1],
    ext: [0, 0, 0],
  };
  const um = UncertaintyModel.fit('conformal', rows, rows);
  return {
    schema: DOMAIN_SCHEMA,
    model_created: '2026-01-01T00:00:00.000Z',
    domain: dm.toJSON(),
    latent: null,
    uncertainty: um.toJSON(),
    comparison: { chosen: 'conformal', table: [], folds: 5, rows: 3 },
    grouped_cv: {
      wall_s: 1,
      networks: 5,
      held_out: [2, 1],
      oof: [{ row: 0, fold: 0, y: 500, mu: 510, sigma_mc: 20, knn: 0.1, gap: 0 }],
      calibration: [{ row: 2, y: 720, mu: 700, sigma_mc: 25, knn: 0.3, gap: 1 }],
    },
  };
}

function write(value: unknown): string {
  const f = join(mkdtempSync(join(tmpdir(), 'vibann-domain-')), 'domain.json');
  writeFileSync(f, typeof value === 'string' ? value : JSON.stringify(value));
  return f;
}

describe('readDomainFile (domain.json)', () => {
  it('reads back what was written, unchanged', () => {
    const d = doc();
    assert.deepEqual(readDomainFile(write(d)), JSON.parse(JSON.stringify(d)));
  });

  it('names the file and the first offending field', () => {
    const bad = (mutate: (d: DomainFileJSON) => void, field: RegExp) => {
      const d = doc();
      mutate(d);
      const f = write(d);
      assert.throws(
        () => readDomainFile(f),
        (e: unknown) => e instanceof InputError && e.message.includes(f) && field.test(e.message),
      );
    };
    bad((d) => {
      (d.uncertainty as { method: string }).method = 'magic';
    }, /field 'uncertainty\.method'/);
    bad((d) => {
      d.domain.hv.pop();
    }, /field 'domain\.x'.*disagree in length/);
    bad((d) => {
      (d as { schema: string }).schema = 'vibann-domain/0';
    }, /field 'schema'/);
    bad((d) => {
      d.domain.loads[0] = -1;
    }, /field 'domain\.loads\[0\]'/);
    bad((d) => {
      d.uncertainty.conformal.q.pop();
    }, /field 'uncertainty\.conformal\.q'/);
    assert.throws(() => readDomainFile(write('{ not json')), /not valid JSON/);
    assert.throws(
      () => readDomainFile(join(tmpdir(), 'no-such-dir', 'domain.json')),
      /no such file/,
    );
  });

  it('older files without the grouped-CV rows are valid', () => {
    const d = doc();
    d.grouped_cv = { wall_s: 3, networks: 5 };
    assert.equal(readDomainFile(write(d)).grouped_cv.oof, undefined);
  });
});
