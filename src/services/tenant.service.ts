import { randomUUID } from 'node:crypto';
import { SYSTEM_ACTOR, type AuditContext } from '../domain/audit';
import { DomainError } from '../domain/errors';
import { generateSecret, hashSecret, isWellFormedSecret, safeEqual } from '../domain/tenants/secret-token';
import {
  DEFAULT_TENANT_SETTINGS,
  TENANT_SLUG_PATTERN,
  checkSettingsChange,
  type Connection,
  type Tenant,
  type TenantSettings,
  type TenantSettingsChange,
} from '../domain/tenants/tenant';
import { deterministicTimeOrderedId } from '../domain/time-ordered-id';
import { dialectSettingDefaults, parseDialect } from '../domain/tenants/dialect';
import type { Database } from '../persistence/database';
import { TenantRepository, type ExpiringToken, type TokenStatus } from '../persistence/repositories/tenant.repository';
import type { AuditService } from './audit.service';
import { CredentialCache } from './credential-cache';
import type { MappingService } from './mapping.service';
import type { CredentialChanges } from '../persistence/credential-changes';
import type { OutboxService } from './outbox.service';

export interface TenantCredentials {
  readonly tenant: Tenant;
  readonly connection: Connection;
  /** Shown once: only its hash is stored. */
  readonly scimToken: string;
  readonly scimTokenExpiresAt: number | null;
  /** Shown once: only its hash is stored. */
  readonly adminApiKey: string;
}

export interface ScimPrincipal {
  readonly tenant: Tenant;
  readonly connection: Connection;
}

export interface ApiPrincipal {
  readonly tenant: Tenant;
  readonly apiKeyId: string;
  readonly scopes: readonly string[];
}

export interface RotatedScimToken {
  /** Shown once: only its hash is stored. */
  readonly scimToken: string;
  readonly expiresAt: number | null;
  /** Until when the previous token keeps working (the tenant's grace period); null when it stopped at once. */
  readonly previousTokenValidUntil: number | null;
}

export interface ScimConnectionStatus {
  readonly connection: Connection;
  readonly token: TokenStatus;
}

/** Told the tenant of a credential that was recognised but refused (expired, rotated out, revoked). */
export type RefusedCredentialListener = (tenantId: string) => void;

const ignoreRefusal: RefusedCredentialListener = () => undefined;

export interface TenantServiceDependencies {
  readonly audit: AuditService;
  readonly outbox: OutboxService;
  /** Seeds a new tenant's domain schema and its connection's mapping preset. */
  readonly mapping: MappingService;
  /** The clock (tests move it). */
  readonly now?: () => number;
  /** API keys recently authenticated; shared with ApiAccessService, which forgets a tenant's on revocation. */
  readonly apiKeyCache?: CredentialCache<ApiPrincipal>;
  /** Credential changes made by other processes and nodes: the SCIM token cache drops what they touch. */
  readonly credentialChanges?: CredentialChanges;
}

const DAY_MS = 24 * 60 * 60 * 1000;
/** Tokens expiring within this many days are listed for admins and announced by `token.expiring`. */
export const TOKEN_EXPIRY_WARNING_DAYS = 14;
/**
 * The longest SCIM token lifetime (10 years), also for an expiry set directly. Issue 13: 2,147,483,647
 * days was stored past JavaScript's date range and read back as "never expires".
 */
export const MAX_TOKEN_LIFETIME_DAYS = 3650;
/** A token's last use is written at most this often: a busy IdP does not turn every request into a write. */
export const TOKEN_LAST_USED_INTERVAL_MS = 60_000;
/**
 * How long a resolved SCIM token is trusted without reading it again. A rotation, revocation or settings
 * change applies at once: made by this process through watchWrites, elsewhere through credentialChanges.
 */
const PRINCIPAL_TTL_MS = 5_000;
/** Distinct tokens remembered at most (the oldest goes first). */
const PRINCIPAL_CACHE_SIZE = 10_000;
/** Connections announced per periodic check; the rest follow on the next check. */
const EXPIRING_TOKENS_PER_CHECK = 1000;

export class TenantService {
  private readonly tenants = new TenantRepository();
  private readonly audit: AuditService;
  private readonly outbox: OutboxService;
  private readonly mapping: MappingService;
  private readonly now: () => number;
  private readonly apiKeyCache: CredentialCache<ApiPrincipal> | undefined;
  /** Connection id -> when this node last stamped its token's use. */
  private readonly lastUseStamps = new Map<string, number>();
  /** SCIM token hash -> its principal, for PRINCIPAL_TTL_MS; emptied when this process writes tenants or connections. */
  private readonly principals: CredentialCache<{ principal: ScimPrincipal; isCurrentToken: boolean; expiresAt: number | null }>;

  constructor(
    private readonly database: Database,
    dependencies: TenantServiceDependencies,
  ) {
    this.audit = dependencies.audit;
    this.outbox = dependencies.outbox;
    this.mapping = dependencies.mapping;
    this.now = dependencies.now ?? Date.now;
    this.principals = new CredentialCache({ ttlMs: PRINCIPAL_TTL_MS, maxEntries: PRINCIPAL_CACHE_SIZE, now: this.now, changes: dependencies.credentialChanges });
    this.apiKeyCache = dependencies.apiKeyCache;
    // Rotation, expiry changes and settings reach this process's next request at once.
    database.watchWrites(['tenants', 'connections'], () => this.principals.forgetAll());
  }

  /** The tenant and its one IdP connection, in `dialect` (default generic) with that dialect's setting defaults. */
  async createTenant(input: { slug: string; name?: string; dialect?: string; tokenExpiresInDays?: number }): Promise<TenantCredentials> {
    if (!TENANT_SLUG_PATTERN.test(input.slug)) {
      throw new DomainError('INVALID_INPUT', 'a tenant slug is 1-63 lower-case letters, digits and dashes, not starting or ending with a dash');
    }
    const now = this.now();
    const dialect = parseDialect(input.dialect ?? 'generic');
    const tenant: Tenant = { id: randomUUID(), slug: input.slug, name: input.name ?? input.slug, settings: { ...DEFAULT_TENANT_SETTINGS, ...dialectSettingDefaults(dialect) }, createdAt: now };
    const connection: Connection = { tenantId: tenant.id, id: randomUUID(), name: 'default', dialect };
    const scimToken = generateSecret('scim');
    const adminApiKey = generateSecret('api');
    const scimTokenExpiresAt = expiryFrom(now, input.tokenExpiresInDays);
    await this.database.transaction(async (tx) => {
      try {
        await this.tenants.insertTenant(tx, tenant);
      } catch (error) {
        if (error instanceof DomainError && error.code === 'CONFLICT') throw new DomainError('CONFLICT', `tenant "${input.slug}" already exists`);
        throw error;
      }
      await this.tenants.insertConnection(tx, connection, now);
      await this.tenants.setConnectionToken(tx, connection, hashSecret(scimToken), scimTokenExpiresAt, now);
      await this.tenants.insertApiKey(tx, { tenantId: tenant.id, id: randomUUID(), name: 'admin (created with the tenant)', keyHash: hashSecret(adminApiKey), scopes: ['read', 'admin'] }, now);
      await this.mapping.seedDefaults(tx, tenant, connection);
    });
    return { tenant, connection, scimToken, scimTokenExpiresAt, adminApiKey };
  }

  async countTenants(): Promise<number> {
    return this.database.read((tx) => this.tenants.countTenants(tx));
  }

  async getTenantBySlug(slug: string): Promise<Tenant> {
    const tenant = await this.database.read((tx) => this.tenants.findTenantBySlug(tx, slug));
    if (!tenant) throw new DomainError('NOT_FOUND', `tenant "${slug}" does not exist`);
    return tenant;
  }

  /**
   * Issues a new SCIM token for the tenant's connection. The previous one stops working at once, or at
   * the end of the tenant's grace period (`tokenGraceSeconds`) when it chose one, so an admin can update
   * the IdP without a window of failed provisioning.
   */
  async rotateScimToken(slug: string, options: { expiresInDays?: number; context?: AuditContext } = {}): Promise<RotatedScimToken> {
    const scimToken = generateSecret('scim');
    const now = this.now();
    const expiresAt = expiryFrom(now, options.expiresInDays);
    const context = options.context ?? { actor: SYSTEM_ACTOR };
    const rotated = await this.database.transaction(async (tx) => {
      const tenant = await this.tenants.findTenantBySlug(tx, slug);
      if (!tenant) throw new DomainError('NOT_FOUND', `tenant "${slug}" does not exist`);
      const connection = await this.tenants.findDefaultConnection(tx, tenant.id);
      if (!connection) throw new DomainError('NOT_FOUND', `tenant "${slug}" has no connection`);
      const current = await this.tenants.findConnectionTokenForUpdate(tx, connection);
      const graceEnd = Math.min(now + tenant.settings.tokenGraceSeconds * 1000, current.expiresAt ?? Number.POSITIVE_INFINITY);
      const previous = current.tokenHash !== null && graceEnd > now ? { hash: current.tokenHash, expiresAt: graceEnd } : null;
      await this.tenants.setConnectionToken(tx, connection, hashSecret(scimToken), expiresAt, now, previous);
      await this.audit.record(tx, {
        ...context,
        tenantId: tenant.id,
        action: 'scim_token.rotated',
        target: { type: 'connection', id: connection.id },
        before: { createdAt: current.createdAt, expiresAt: current.expiresAt },
        after: { createdAt: now, expiresAt },
        details: { previousTokenValidUntil: previous?.expiresAt ?? null },
      });
      return { connectionId: connection.id, previousTokenValidUntil: previous?.expiresAt ?? null };
    });
    // The new token's first use is stamped at once, not a minute after the old one's last stamp.
    this.lastUseStamps.delete(rotated.connectionId);
    return { scimToken, expiresAt, previousTokenValidUntil: rotated.previousTokenValidUntil };
  }

  /**
   * Changes the dialect of the tenant's connection and applies the dialect's setting defaults (audited
   * with both diffs). The active mapping stays: callers offer the new dialect's preset as a draft.
   */
  async setConnectionDialect(tenantId: string, dialect: string, context: AuditContext): Promise<{ connection: Connection; settings: TenantSettings; changed: boolean }> {
    const chosen = parseDialect(dialect);
    const outcome = await this.database.transaction(async (tx) => {
      const tenant = await this.tenants.findTenantById(tx, tenantId, { forUpdate: true });
      const connection = tenant && (await this.tenants.findDefaultConnection(tx, tenantId));
      if (!tenant || !connection) throw new DomainError('NOT_FOUND', 'the tenant has no connection');
      if (connection.dialect === chosen) return { connection, settings: tenant.settings, changed: false };
      const settings: TenantSettings = { ...tenant.settings, ...dialectSettingDefaults(chosen) };
      await this.tenants.updateConnectionDialect(tx, connection, chosen);
      await this.tenants.updateSettings(tx, tenantId, settings);
      await this.audit.record(tx, {
        ...context,
        tenantId,
        action: 'connection.dialect_changed',
        target: { type: 'connection', id: connection.id },
        before: { dialect: connection.dialect, ...tenant.settings },
        after: { dialect: chosen, ...settings },
      });
      return { connection: { ...connection, dialect: chosen }, settings, changed: true };
    });
    if (outcome.changed) this.apiKeyCache?.forgetTenant(tenantId);
    return outcome;
  }

  async updateSettings(slug: string, change: TenantSettingsChange, context: AuditContext = { actor: SYSTEM_ACTOR }): Promise<TenantSettings> {
    const checked = checkSettingsChange(change);
    const outcome = await this.database.transaction(async (tx) => {
      const found = await this.tenants.findTenantBySlug(tx, slug);
      const tenant = found && (await this.tenants.findTenantById(tx, found.id, { forUpdate: true }));
      if (!tenant) throw new DomainError('NOT_FOUND', `tenant "${slug}" does not exist`);
      const settings = { ...tenant.settings, ...checked };
      if (JSON.stringify(settings) === JSON.stringify(tenant.settings)) return { tenantId: tenant.id, settings, written: false };
      await this.tenants.updateSettings(tx, tenant.id, settings);
      await this.audit.record(tx, { ...context, tenantId: tenant.id, action: 'tenant.settings_changed', target: { type: 'tenant', id: tenant.id }, before: tenant.settings, after: settings });
      return { tenantId: tenant.id, settings, written: true };
    });
    // Principals carry the tenant with its settings.
    if (outcome.written) this.apiKeyCache?.forgetTenant(outcome.tenantId);
    return outcome.settings;
  }

  /**
   * The tenant and connection a SCIM bearer token belongs to, or undefined when it is unknown, rotated
   * (past its grace period) or expired. `onRefused` learns the tenant of a token that is still recognised
   * (expired, rotated out), for the per-tenant failed-authentication throttle. The current token's last
   * use is stamped, at most once a minute.
   */
  async authenticateScimToken(token: string, onRefused: RefusedCredentialListener = ignoreRefusal): Promise<ScimPrincipal | undefined> {
    if (!isWellFormedSecret('scim', token)) return undefined;
    const hash = hashSecret(token);
    const now = this.now();
    const cached = await this.principals.remember(hash, async () => {
      const record = await this.database.read((tx) => this.tenants.findPrincipalByTokenHash(tx, hash));
      if (!record || !safeEqual(record.tokenHash, hash)) return undefined;
      return { value: { principal: { tenant: record.tenant, connection: record.connection }, isCurrentToken: record.isCurrentToken, expiresAt: record.expiresAt }, tenantId: record.tenant.id };
    });
    if (!cached) return undefined;
    if (cached.expiresAt !== null && cached.expiresAt <= now) {
      onRefused(cached.principal.tenant.id);
      return undefined;
    }
    if (cached.isCurrentToken) await this.stampTokenUse(cached.principal.connection, now);
    return cached.principal;
  }

  /** The tenant's SCIM token: when it was issued, expires and was last used, and whether a rotated-out one still works. */
  async getScimTokenStatus(tenantId: string): Promise<TokenStatus> {
    const now = this.now();
    return this.database.read(async (tx) => {
      const connection = await this.tenants.findDefaultConnection(tx, tenantId);
      if (!connection) throw new DomainError('NOT_FOUND', 'the tenant has no connection');
      const status = await this.tenants.findTokenStatus(tx, connection);
      const graceLasts = status.previousTokenExpiresAt !== null && status.previousTokenExpiresAt > now;
      return { ...status, previousTokenExpiresAt: graceLasts ? status.previousTokenExpiresAt : null };
    });
  }

  /** The tenant's IdP connection with its SCIM token's status (never the token). */
  async getScimConnection(tenantId: string): Promise<ScimConnectionStatus> {
    const connection = await this.database.read((tx) => this.tenants.findDefaultConnection(tx, tenantId));
    if (!connection) throw new DomainError('NOT_FOUND', 'the tenant has no connection');
    return { connection, token: await this.getScimTokenStatus(tenantId) };
  }

  /**
   * Sets (or, with null, removes) the expiry of the current SCIM token without issuing a new one, e.g.
   * to follow a credential policy. The expiry must lie in the future: expiring a token now is rotation.
   */
  async setScimTokenExpiry(tenantId: string, expiresAt: number | null, context: AuditContext): Promise<TokenStatus> {
    if (expiresAt !== null && (!Number.isFinite(expiresAt) || expiresAt <= this.now())) {
      throw new DomainError('INVALID_INPUT', 'the expiry must lie in the future; rotate the token to stop it now');
    }
    if (expiresAt !== null && expiresAt > this.now() + MAX_TOKEN_LIFETIME_DAYS * DAY_MS) {
      throw new DomainError('INVALID_INPUT', `the expiry must lie at most ${MAX_TOKEN_LIFETIME_DAYS} days ahead; leave it empty for a token that never expires`);
    }
    await this.database.transaction(async (tx) => {
      const connection = await this.tenants.findDefaultConnection(tx, tenantId);
      if (!connection) throw new DomainError('NOT_FOUND', 'the tenant has no connection');
      const current = await this.tenants.findConnectionTokenForUpdate(tx, connection);
      if (current.tokenHash === null) throw new DomainError('NOT_FOUND', 'the connection has no SCIM token; rotate one first');
      await this.tenants.setTokenExpiry(tx, connection, expiresAt);
      await this.audit.record(tx, {
        ...context,
        tenantId,
        action: 'scim_token.expiry_set',
        target: { type: 'connection', id: connection.id },
        before: { expiresAt: current.expiresAt },
        after: { expiresAt },
      });
    });
    return this.getScimTokenStatus(tenantId);
  }

  /** Connections (of every tenant) whose SCIM token expires within `withinDays` or has expired, soonest first. */
  async listExpiringScimTokens(options: { withinDays?: number; limit?: number } = {}): Promise<ExpiringToken[]> {
    const until = this.now() + (options.withinDays ?? TOKEN_EXPIRY_WARNING_DAYS) * DAY_MS;
    return this.database.read((tx) => this.tenants.listExpiringTokens(tx, { until }, options.limit ?? EXPIRING_TOKENS_PER_CHECK));
  }

  /**
   * The periodic check: a `token.expiring` event per token expiring within 14 days (or expired less than
   * 14 days ago), at most once per token per day. The event id is derived from the token and the day,
   * so running the check again, or on several nodes, adds nothing. Returns the events added.
   */
  async announceExpiringScimTokens(): Promise<number> {
    const now = this.now();
    const today = Math.floor(now / DAY_MS) * DAY_MS;
    const window = TOKEN_EXPIRY_WARNING_DAYS * DAY_MS;
    const expiring = await this.database.read((tx) => this.tenants.listExpiringTokens(tx, { from: now - window, until: now + window }, EXPIRING_TOKENS_PER_CHECK));
    if (expiring.length === 0) return 0;
    return this.database.transaction(async (tx) => {
      let added = 0;
      for (const token of expiring) {
        const { inserted } = await this.outbox.enqueue(tx, {
          tenantId: token.tenantId,
          type: 'token.expiring',
          resourceId: token.connectionId,
          id: deterministicTimeOrderedId(today, `token.expiring:${token.tenantId}:${token.connectionId}:${token.tokenCreatedAt}`),
          data: { connectionId: token.connectionId, expiresAt: new Date(token.expiresAt).toISOString(), daysLeft: Math.max(0, Math.floor((token.expiresAt - now) / DAY_MS)) },
        });
        if (inserted) added += 1;
      }
      return added;
    });
  }

  /** The tenant, key id and scopes of an active API key; `onRefused` learns the tenant of a revoked one. */
  async authenticateApiKey(key: string, onRefused: RefusedCredentialListener = ignoreRefusal): Promise<ApiPrincipal | undefined> {
    if (!isWellFormedSecret('api', key)) return undefined;
    const hash = hashSecret(key);
    const load = () =>
      this.database.read(async (tx) => {
        const record = await this.tenants.findApiKeyByHash(tx, hash);
        if (!record || !safeEqual(record.keyHash, hash)) return undefined;
        if (record.revoked) {
          onRefused(record.tenantId);
          return undefined;
        }
        const tenant = await this.tenants.findTenantById(tx, record.tenantId);
        return tenant && { value: { tenant, apiKeyId: record.id, scopes: record.scopes }, tenantId: tenant.id };
      });
    if (this.apiKeyCache) return this.apiKeyCache.remember(hash, load);
    return (await load())?.value;
  }

  /**
   * Writes the token's last use unless this node did so within the interval; the statement itself also
   * skips a stamp another node wrote recently. A failed stamp is retried on the next use: it must never
   * fail the IdP's request.
   */
  private async stampTokenUse(connection: Connection, now: number): Promise<void> {
    const stamped = this.lastUseStamps.get(connection.id);
    if (stamped !== undefined && now - stamped < TOKEN_LAST_USED_INTERVAL_MS) return;
    this.lastUseStamps.set(connection.id, now);
    try {
      await this.database.read((tx) => this.tenants.touchTokenLastUsed(tx, connection, now, now - TOKEN_LAST_USED_INTERVAL_MS));
    } catch {
      this.lastUseStamps.delete(connection.id);
    }
  }
}

function expiryFrom(now: number, days: number | undefined): number | null {
  if (days === undefined) return null;
  if (!Number.isFinite(days) || days <= 0 || days > MAX_TOKEN_LIFETIME_DAYS) {
    throw new DomainError('INVALID_INPUT', `the token lifetime must be a positive number of days, at most ${MAX_TOKEN_LIFETIME_DAYS} days`);
  }
  return now + days * DAY_MS;
}
