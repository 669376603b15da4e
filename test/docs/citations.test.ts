/**
 * Keeps the method documentation honest as the code changes: every section the source cites
 * (`SPEC §9.4`, a bare `§9.4`, `docs/original.md §7.5`) must exist as a heading of
 * docs/method.md or docs/original.md, and no file may point at the design documents that used to
 * live outside the repository (../shared/design/*.md).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { REPO_ROOT } from '../helpers/paths.ts';

const THIS_FILE = join('test', 'docs', 'citations.test.ts');

/** Every .ts file under `dir` (relative to the repository root), recursively. */
function tsFiles(dir: string): string[] {
  const root = join(REPO_ROOT, dir);
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith('.ts')) out.push(relative(REPO_ROOT, p));
    }
  };
  walk(root);
  return out.sort();
}

interface Citation {
  section: string;
  where: string;
}

/** Section numbers of the Markdown headings of a doc, e.g. `## §9` / `### §9.4` or `### 9.4 …`. */
function headings(file: string, re: RegExp): Set<string> {
  const out = new Set<string>();
  for (const line of readFileSync(join(REPO_ROOT, file), 'utf8').split('\n')) {
    const m = re.exec(line);
    if (m) out.add(m[1]);
  }
  return out;
}

const SECTION = String.raw`\d+(?:\.\d+)?`;
/** `original.md §7.5` (any path prefix, any case): a section of docs/original.md. */
const ORIGINAL_CITE = new RegExp(String.raw`original\.md §(${SECTION})`, 'gi');
/** Any `§N` / `§N.M`; those not preceded by `original.md ` cite docs/method.md. */
const ANY_SECTION = new RegExp(`§(${SECTION})`, 'g');

function citations(files: string[]): { method: Citation[]; original: Citation[] } {
  const method: Citation[] = [];
  const original: Citation[] = [];
  for (const f of files) {
    if (f === THIS_FILE) continue;
    const lines = readFileSync(join(REPO_ROOT, f), 'utf8').split('\n');
    lines.forEach((line, i) => {
      const where = `${f}:${i + 1}`;
      const originalAt = new Set<number>();
      for (const m of line.matchAll(ORIGINAL_CITE)) {
        original.push({ section: m[1], where });
        originalAt.add(m.index + m[0].indexOf('§'));
      }
      for (const m of line.matchAll(ANY_SECTION)) {
        if (!originalAt.has(m.index)) method.push({ section: m[1], where });
      }
    });
  }
  return { method, original };
}

const CODE = [...tsFiles('src'), ...tsFiles('test'), ...tsFiles('bench')];

describe('docs: every cited section exists', () => {
  const { method, original } = citations(CODE);

  it('finds the citations (sanity: the scan sees the code)', () => {
    // ~300 citations of the method today; a scan that finds none is broken, not clean.
    assert.ok(method.length > 100, `only ${method.length} § citations found`);
    assert.ok(method.some((c) => c.section === '9.4'));
  });

  it('each "SPEC §x" / "§x" in src, test and bench is a heading of docs/method.md', () => {
    const have = headings('docs/method.md', new RegExp(String.raw`^#{1,6}\s+§(${SECTION})\s`));
    // The top-level sections §1 … §14 and the design subsections §9.1 … §9.8 are all there.
    for (let s = 1; s <= 14; s++) assert.ok(have.has(String(s)), `docs/method.md lacks §${s}`);
    for (let s = 1; s <= 8; s++) assert.ok(have.has(`9.${s}`), `docs/method.md lacks §9.${s}`);
    const missing = method.filter((c) => !have.has(c.section));
    assert.deepEqual(
      missing.map((c) => `${c.where}: §${c.section}`),
      [],
      'cited sections without a heading in docs/method.md',
    );
  });

  it('each "original.md §x" is a heading of docs/original.md', () => {
    const have = headings('docs/original.md', new RegExp(String.raw`^#{1,6}\s+(${SECTION})\.?\s`));
    assert.ok(original.length > 0, 'no citation of docs/original.md found');
    const missing = original.filter((c) => !have.has(c.section));
    assert.deepEqual(
      missing.map((c) => `${c.where}: original.md §${c.section}`),
      [],
      'cited sections without a heading in docs/original.md',
    );
  });
});

describe('docs: no references to design documents outside the repository', () => {
  it('src, test, bench, docs, README.md and CONTRIBUTING.md name only docs/ files', () => {
    const docs = readdirSync(join(REPO_ROOT, 'docs'))
      .filter((n) => n.endsWith('.md'))
      .map((n) => join('docs', n));
    const files = [...CODE, ...docs, 'README.md', 'CONTRIBUTING.md'].filter((f) => f !== THIS_FILE);
    const stale = /shared\/design|\b(?:SPEC|ARCHITECTURE|ORIGINAL|ECOSYSTEM)\.md\b/;
    const hits: string[] = [];
    for (const f of files) {
      readFileSync(join(REPO_ROOT, f), 'utf8')
        .split('\n')
        .forEach((line, i) => {
          if (stale.test(line)) hits.push(`${f}:${i + 1}: ${line.trim()}`);
        });
    }
    assert.deepEqual(
      hits,
      [],
      'replace these with docs/method.md, architecture.md, original.md or dependencies.md',
    );
  });
});
