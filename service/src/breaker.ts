/**
 * A circuit breaker for an optional dependency (the cache). After `failures` failures in a row it
 * opens: calls are skipped, costing nothing, for `openMs`; then one call goes through as a probe.
 * The probe's success closes it; its failure keeps it open for another `openMs`. It reports an
 * outage once when it opens and once when it closes, however many calls it skipped in between.
 */

export interface BreakerOptions {
  /** Failures in a row that open the breaker. */
  readonly failures: number;
  /** How long calls are skipped before a probe. */
  readonly openMs: number;
  /** Called once when the breaker opens, with the failure that opened it. */
  readonly onOpen: (error: unknown) => void;
  /** Called once when a probe succeeds, with how long the outage lasted and how many calls were skipped. */
  readonly onClose: (outageMs: number, skipped: number) => void;
  readonly now?: () => number;
}

export class Breaker {
  private inRow = 0;
  private openedAt?: number;
  private retryAt = 0;
  private probing = false;
  private skipped = 0;
  private readonly now: () => number;

  constructor(private readonly options: BreakerOptions) {
    this.now = options.now ?? Date.now;
  }

  get isOpen(): boolean {
    return this.openedAt !== undefined;
  }

  /** Whether a call may go ahead: always while closed; while open, only one probe after `openMs`. */
  allow(): boolean {
    if (this.openedAt === undefined) return true;
    if (!this.probing && this.now() >= this.retryAt) {
      this.probing = true;
      return true;
    }
    this.skipped++;
    return false;
  }

  success(): void {
    this.inRow = 0;
    if (this.openedAt === undefined || !this.probing) return;
    const outage = this.now() - this.openedAt;
    const skipped = this.skipped;
    this.openedAt = undefined;
    this.probing = false;
    this.skipped = 0;
    this.options.onClose(outage, skipped);
  }

  failure(error: unknown): void {
    if (this.openedAt !== undefined) {
      // A failed probe keeps it open; failures of calls made before it opened change nothing.
      if (this.probing) {
        this.probing = false;
        this.retryAt = this.now() + this.options.openMs;
      }
      return;
    }
    if (++this.inRow < this.options.failures) return;
    this.openedAt = this.now();
    this.retryAt = this.openedAt + this.options.openMs;
    this.options.onOpen(error);
  }
}
