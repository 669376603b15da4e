/**
 * Leases of page-started designs (docs/web.md): a design started with `POST /api/design?lease=1`
 * (the page does so) lives only as long as someone watches it. Every progress poll
 * (`GET /api/design/:id`) renews its lease, and a poll the server is holding open (`?wait=MS`)
 * holds it; when no poll has arrived or been open for `ms` milliseconds — the tab was closed, the
 * browser discarded it, the network went away — the design is cancelled.
 *
 * Time comes from `now()` and expiry is checked by `sweep()`, so the rules are tested without
 * threads, sockets or real waiting (test/serve/lease.test.ts); the server sweeps once a second.
 */
export class Leases {
  /** id → the last time a poll arrived or ended (ms). */
  private readonly last = new Map<string, number>();
  /** id → polls being held open now. */
  private readonly open = new Map<string, number>();

  constructor(
    /** How long a leased design may go without a poll, ms (> 0). */
    readonly ms: number,
    private readonly now: () => number = Date.now,
  ) {
    if (!(ms > 0)) throw new RangeError(`a lease must be > 0 ms, got ${ms}`);
  }

  /** Start the lease of a design (at its start: the first poll has a full lease to arrive). */
  hold(id: string): void {
    this.last.set(id, this.now());
  }

  /** Whether the design has a lease. */
  has(id: string): boolean {
    return this.last.has(id);
  }

  /** A poll arrived: renew the lease. Returns the function to call when the poll is answered. */
  poll(id: string): () => void {
    if (!this.last.has(id)) return () => {};
    this.last.set(id, this.now());
    this.open.set(id, (this.open.get(id) ?? 0) + 1);
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      const n = (this.open.get(id) ?? 1) - 1;
      if (n > 0) this.open.set(id, n);
      else this.open.delete(id);
      if (this.last.has(id)) this.last.set(id, this.now());
    };
  }

  /** The design ended (done, failed or cancelled): forget its lease. */
  release(id: string): void {
    this.last.delete(id);
    this.open.delete(id);
  }

  /** The leases that expired (no poll open, none for `ms`); they are released. */
  sweep(): string[] {
    const t = this.now();
    const expired: string[] = [];
    for (const [id, last] of this.last)
      if (!this.open.has(id) && t - last > this.ms) expired.push(id);
    for (const id of expired) this.release(id);
    return expired;
  }
}
