import type { CredentialChanges } from '../persistence/credential-changes';

/**
 * Who a credential is, remembered for a few seconds by its hash, so a busy client's requests do not each
 * look its key up. A change to a tenant's credentials or settings on this node forgets the tenant's
 * entries at once; one made by another process or node is announced by `changes` (PostgreSQL NOTIFY,
 * SQLite's change counter), caught up with before every answer, so it applies on the next request too;
 * `ttlMs` bounds an entry's life anyway. Only successful lookups are kept: unknown credentials always
 * reach the database (and the failed-authentication throttle).
 */
export interface CredentialCacheOptions {
  readonly ttlMs: number;
  /** Changes made elsewhere (issue 13: a rotation by the CLI applied only after the TTL). */
  readonly changes?: CredentialChanges;
  /** Entries kept at most; the oldest goes first. */
  readonly maxEntries: number;
  readonly now?: () => number;
}

interface Entry<V> {
  readonly value: V;
  readonly tenantId: string;
  readonly expiresAt: number;
}

export class CredentialCache<V> {
  private readonly entries = new Map<string, Entry<V>>();
  private readonly now: () => number;
  /** Bumped by every forget: a lookup that began before one must not store what it read. */
  private generation = 0;

  constructor(private readonly options: CredentialCacheOptions) {
    this.now = options.now ?? Date.now;
    options.changes?.subscribe((tenantId) => (tenantId === undefined ? this.forgetAll() : this.forgetTenant(tenantId)));
  }

  get(hash: string): V | undefined {
    const entry = this.entries.get(hash);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.entries.delete(hash);
      return undefined;
    }
    return entry.value;
  }

  /**
   * Looks the credential up with `load` unless it is remembered; remembers what `load` found, unless the
   * tenant's credentials changed (on this node) while it ran.
   */
  async remember(hash: string, load: () => Promise<{ value: V; tenantId: string } | undefined>): Promise<V | undefined> {
    if (this.options.changes) await this.options.changes.catchUp();
    const cached = this.get(hash);
    if (cached !== undefined) return cached;
    const generation = this.generation;
    const found = await load();
    if (!found) return undefined;
    if (generation === this.generation) {
      if (this.entries.size >= this.options.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
      this.entries.set(hash, { value: found.value, tenantId: found.tenantId, expiresAt: this.now() + this.options.ttlMs });
    }
    return found.value;
  }

  /** Forgets every credential of the tenant (a key revoked, settings changed). */
  forgetTenant(tenantId: string): void {
    this.generation += 1;
    for (const [hash, entry] of this.entries) if (entry.tenantId === tenantId) this.entries.delete(hash);
  }

  /** Forgets every credential (a write this cache cannot attribute to one tenant). */
  forgetAll(): void {
    this.generation += 1;
    this.entries.clear();
  }
}
