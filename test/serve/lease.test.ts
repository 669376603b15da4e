/**
 * The lease of a page-started design (src/serve/lease.ts, docs/web.md): polls renew it, a poll held
 * open holds it, and it expires `ms` after the last poll arrived or ended. A fake clock: no
 * threads, sockets or waiting. The whole path (a tab closed during a design → the design is
 * cancelled) runs in Chromium in test/browser/page.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Leases } from '../../src/serve/lease.ts';

describe('design leases', () => {
  const clock = () => {
    const c = { t: 1000, now: () => c.t };
    return c;
  };

  it('expires a design that nobody polls, ms after it started', () => {
    const c = clock();
    const l = new Leases(5000, c.now);
    l.hold('1');
    c.t += 5000;
    assert.deepEqual(l.sweep(), [], 'exactly ms later it still holds');
    c.t += 1;
    assert.deepEqual(l.sweep(), ['1']);
    assert.equal(l.has('1'), false, 'an expired lease is released');
    assert.deepEqual(l.sweep(), [], 'and reported once');
  });

  it('renews on every poll; a poll held open holds the lease however long it is held', () => {
    const c = clock();
    const l = new Leases(5000, c.now);
    l.hold('1');
    for (let i = 0; i < 10; i++) {
      c.t += 4000;
      l.poll('1')();
      assert.deepEqual(l.sweep(), []);
    }
    const answered = l.poll('1');
    c.t += 60_000;
    assert.deepEqual(l.sweep(), [], 'held open for a minute');
    answered();
    answered(); // answering twice counts once
    c.t += 5000;
    assert.deepEqual(l.sweep(), [], 'the lease runs from the end of the held poll');
    c.t += 1;
    assert.deepEqual(l.sweep(), ['1']);
  });

  it('counts overlapping polls; ignores designs without a lease and released ones', () => {
    const c = clock();
    const l = new Leases(1000, c.now);
    l.hold('a');
    l.hold('b');
    const a1 = l.poll('a');
    const a2 = l.poll('a');
    a1();
    c.t += 2000;
    assert.deepEqual(l.sweep(), ['b'], "'a' still has a poll open");
    a2();
    c.t += 1001;
    assert.deepEqual(l.sweep(), ['a']);
    // not leased (an API client that did not ask for one): polls change nothing
    l.poll('x')();
    c.t += 10_000;
    assert.deepEqual(l.sweep(), []);
    l.hold('c');
    l.release('c');
    c.t += 10_000;
    assert.deepEqual(l.sweep(), [], 'a design that ended has no lease');
  });

  it('refuses a lease that is not positive', () => {
    assert.throws(() => new Leases(0), RangeError);
    assert.throws(() => new Leases(Number.NaN), RangeError);
  });
});
