/**
 * Counts failed authentications per key (the client address) in a sliding window and refuses further
 * attempts for the rest of the window once the limit is reached, so a token cannot be guessed at line
 * speed. Successful requests are never counted. In memory per node: a guessing client is slowed on
 * every node it reaches.
 */
export interface ThrottleOptions {
  readonly maxFailures: number;
  readonly windowMs: number;
  readonly now?: () => number;
}

export class FailedAuthThrottle {
  private readonly failures = new Map<string, number[]>();
  private readonly now: () => number;

  constructor(private readonly options: ThrottleOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Seconds to wait before trying again, or 0 when the key may try now. */
  retryAfterSeconds(key: string): number {
    const recent = this.recent(key);
    if (recent.length < this.options.maxFailures) return 0;
    const oldest = recent[recent.length - this.options.maxFailures];
    return Math.max(1, Math.ceil((oldest + this.options.windowMs - this.now()) / 1000));
  }

  recordFailure(key: string): void {
    const recent = this.recent(key);
    recent.push(this.now());
    this.failures.set(key, recent.slice(-this.options.maxFailures));
    if (this.failures.size > 100_000) this.forgetExpired();
  }

  private recent(key: string): number[] {
    const cutoff = this.now() - this.options.windowMs;
    return (this.failures.get(key) ?? []).filter((time) => time > cutoff);
  }

  private forgetExpired(): void {
    for (const key of [...this.failures.keys()]) {
      if (this.recent(key).length === 0) this.failures.delete(key);
    }
  }
}
