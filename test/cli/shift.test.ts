import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runJob } from '../../src/jobs/run.ts';
import { JobResultSchema, jobId } from '../../src/jobs/spec.ts';
import { poolShift, type ShiftSplitResult } from '../../src/workflows/shift.ts';
import { runCliInProcess as runCommand } from '../helpers/cli.ts';
import { tinyCsv } from '../uq/tiny-data.ts';

interface SplitFile {
  name: string;
  n_test: number;
  default_method: string;
  methods: Record<string, { n: number; mae: number; coverage_90: number }>;
  rows: { y: number; mu: number }[];
}

describe('vibann shift', () => {
  it('a family and the hardest rows on a tiny dataset, one shift-split job each: split files, pooled metrics, figure; a rerun resumes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vibann-shift-'));
    const { file, rows } = tinyCsv(dir);
    const out = join(dir, 'run');
    const args = [
      'shift',
      '--data',
      file,
      '--families',
      'B,Co',
      '--special',
      'hardest',
      '--quick',
      '--epochs',
      '2',
      '--workers',
      '1', // one thread: the jobs run one after another, in the order they were submitted
      '--json',
      '--out',
      out,
    ];
    const r = await runCommand(args);
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout);
    assert.deepEqual(
      doc.splits.map((s: { name: string }) => s.name),
      ['family-B-Co', 'hardest'],
    );
    // the family split holds out every row containing both B and Co (B-Co, B-Co-Fe, B-Co-Nb)
    const withBCo = rows.filter((x) => x.els.includes('B') && x.els.includes('Co')).length;
    assert.equal(withBCo, 18);
    assert.equal(doc.splits[0].n_test, withBCo);
    const splits: SplitFile[] = ['family-B-Co', 'hardest'].map((n) =>
      JSON.parse(readFileSync(join(out, 'splits', `${n}.json`), 'utf8')),
    );
    for (const s of splits) {
      assert.equal(s.rows.length, s.n_test);
      assert.deepEqual(Object.keys(s.methods).sort(), [
        'conformal',
        'distance',
        'mc',
        'recalibrated',
      ]);
    }
    // the hardest split holds out every row above one HV threshold (the 90th percentile of the
    // reference split's train_fit rows): each held-out row is harder than every other row
    const hard = splits[1].rows.map((x) => x.y);
    const sorted = rows.map((x) => x.hv).sort((a, b) => b - a);
    assert.ok(hard.length >= 4 && hard.length <= 16, `${hard.length} hardest rows`);
    assert.ok(Math.min(...hard) > sorted[hard.length] - 0.01, 'the held-out rows are the hardest');
    // pooled MAE = mean |μ − y| over the split files' rows (independent recomputation)
    const all = splits.flatMap((s) => s.rows);
    const mae = all.reduce((a, x) => a + Math.abs(x.mu - x.y), 0) / all.length;
    assert.equal(doc.pooled.default.n, all.length);
    assert.ok(Math.abs(doc.pooled.default.mae - mae) < 1e-9, `${doc.pooled.default.mae} vs ${mae}`);
    // pooling one split's rows under its own fitted models reproduces that split's metrics
    const one = poolShift([splits[0] as unknown as ShiftSplitResult]);
    const own = splits[0].methods[splits[0].default_method] as unknown as Record<string, unknown>;
    for (const [k, v] of Object.entries(one.default)) {
      if (typeof v === 'number')
        assert.ok(Math.abs(v - (own[k] as number)) < 1e-9, `${k}: ${v} vs ${own[k]}`);
    }
    for (const f of ['shift.json', 'coverage_shift.svg']) assert.ok(existsSync(join(out, f)), f);
    // one shift-split job result per split in jobs/, each a valid result document whose result
    // is the split file without its wall time (the job's, in the file)
    const jobFiles = readdirSync(join(out, 'jobs')).filter((f) => f.endsWith('.json'));
    assert.equal(jobFiles.length, 2);
    const docs = jobFiles.map((f) => JSON.parse(readFileSync(join(out, 'jobs', f), 'utf8')));
    for (const d of docs) {
      assert.ok(JobResultSchema.safeParse(d).success);
      assert.equal(d.kind, 'shift-split');
      assert.equal(`${d.id}.json`, jobFiles[docs.indexOf(d)]);
      const s = splits.find((x) => x.name === d.result.name) as SplitFile & { wall_s: number };
      const { wall_s, ...rest } = s;
      assert.deepEqual(d.result, rest);
      assert.equal(wall_s, d.wall_s);
    }
    // submitted longest first: the hardest split trains on more rows than family-B-Co (18 held
    // out), so on one worker it ran first — yet the documents keep the splits' own order (above)
    const byName = new Map(docs.map((d) => [d.result.name as string, d]));
    const hardest = byName.get('hardest');
    const family = byName.get('family-B-Co');
    assert.ok(
      hardest.job.split.train_fit.length > family.job.split.train_fit.length,
      'the hardest split trains on more rows',
    );
    assert.ok(hardest.finished < family.finished, 'the longer job ran first');
    // the order does not change a result: the family's job run again on its own, here, gives
    // the same result (a job's result depends only on the job)
    const alone = await runJob(family.job);
    assert.equal(alone.id, jobId(family.job));
    assert.deepEqual(JSON.parse(JSON.stringify(alone.result)), family.result);
    // a rerun with the same --out skips both splits (their job results are reused) and reports
    // the same pooled figures
    const again = await runCommand(args);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /2 of 2 jobs already finished/);
    assert.deepEqual(JSON.parse(again.stdout).pooled, doc.pooled);
    assert.deepEqual(
      readdirSync(join(out, 'jobs'))
        .filter((f) => f.endsWith('.json'))
        .sort(),
      jobFiles.sort(),
    );
  });

  it('an unknown special split or element is an input error (exit 2)', async () => {
    const a = await runCommand(['shift', '--special', 'hardest,foo', '--out', join(tmpdir(), 'x')]);
    assert.equal(a.code, 2);
    assert.match(a.stderr, /--special: 'foo'/);
    const b = await runCommand(['shift', '--families', 'Xx,Fe', '--out', join(tmpdir(), 'x')]);
    assert.equal(b.code, 2);
  });
});
