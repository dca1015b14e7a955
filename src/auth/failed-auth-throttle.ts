/**
 * Counts failed authentications in a sliding window, per source (the client address) and per tenant,
 * so a token cannot be guessed at line speed from one address, nor a tenant's stale or stolen
 * credentials tried from many. In memory per node: a client is slowed on every node it reaches.
 *
 * Only failures are ever answered 429; valid credentials are never asked about either count. Per
 * source: once the limit is reached, further failed attempts from the address are answered 429 for the
 * rest of the window. Identity providers (Entra, Okta) provision every customer from shared address
 * ranges, so refusing valid credentials there would let one tenant's stale token lock out all others
 * (issue 13); a guesser gains nothing, as tokens are 256-bit random. Per tenant: a failure counts against
 * a tenant only when the credential was recognised as the tenant's (expired, rotated out, revoked, an
 * OIDC token of its provider that fails verification); once the tenant's limit is reached, further
 * failed attempts against it are answered 429 instead of 401, so nobody can lock a tenant's IdP or apps
 * out by failing on its behalf. Successful requests are never counted.
 */
export interface ThrottleOptions {
  /** Failures one source may make per window. */
  readonly maxFailures: number;
  /** Failures with recognised credentials of one tenant, from any source, per window. */
  readonly maxFailuresPerTenant: number;
  readonly windowMs: number;
  readonly now?: () => number;
}

/** Keys past this many are swept of those with no failure left in the window. */
const SWEEP_ABOVE_KEYS = 100_000;

/** Failure times per key, the last `maxFailures` of them within the window. */
class FailureWindow {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly maxFailures: number,
    private readonly windowMs: number,
    private readonly now: () => number,
  ) {}

  /** Seconds until the key is below its limit again, or 0 when it is. */
  retryAfterSeconds(key: string): number {
    const recent = this.recent(key);
    if (recent.length < this.maxFailures) return 0;
    const oldest = recent[recent.length - this.maxFailures];
    return Math.max(1, Math.ceil((oldest + this.windowMs - this.now()) / 1000));
  }

  record(key: string): void {
    const recent = this.recent(key);
    recent.push(this.now());
    this.failures.set(key, recent.slice(-this.maxFailures));
    if (this.failures.size > SWEEP_ABOVE_KEYS) this.forgetExpired();
  }

  private recent(key: string): number[] {
    const cutoff = this.now() - this.windowMs;
    return (this.failures.get(key) ?? []).filter((time) => time > cutoff);
  }

  private forgetExpired(): void {
    for (const key of [...this.failures.keys()]) {
      if (this.recent(key).length === 0) this.failures.delete(key);
    }
  }
}

export class FailedAuthThrottle {
  private readonly sources: FailureWindow;
  private readonly tenants: FailureWindow;

  constructor(options: ThrottleOptions) {
    const now = options.now ?? Date.now;
    this.sources = new FailureWindow(options.maxFailures, options.windowMs, now);
    this.tenants = new FailureWindow(options.maxFailuresPerTenant, options.windowMs, now);
  }

  /**
   * Records a refused credential against its source and, when it was recognised as a tenant's, against
   * that tenant. Returns the seconds to answer 429 with when the source or the tenant had already
   * reached its limit (the attempt is then not counted there again, so the block ends with the window),
   * else 0: answer 401 (or the refusal's own status).
   */
  recordFailure(source: string, tenantId?: string): number {
    const sourceRetryAfter = this.sources.retryAfterSeconds(source);
    if (sourceRetryAfter === 0) this.sources.record(source);
    let tenantRetryAfter = 0;
    if (tenantId !== undefined) {
      tenantRetryAfter = this.tenants.retryAfterSeconds(tenantId);
      if (tenantRetryAfter === 0) this.tenants.record(tenantId);
    }
    return Math.max(sourceRetryAfter, tenantRetryAfter);
  }
}
