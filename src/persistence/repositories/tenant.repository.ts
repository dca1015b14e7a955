import { readTenantSettings, type Connection, type Dialect, type Tenant, type TenantSettings } from '../../domain/tenants/tenant';
import type { Tx } from '../database';
import { parseJsonColumn, toNumber } from '../column-values';

interface TenantRowColumns {
  id: string;
  slug: string;
  name: string;
  settings: unknown;
  created_at: number | string;
}

export interface TokenRecord {
  readonly connection: Connection;
  readonly tokenHash: string;
  readonly expiresAt: number | null;
}

/** A connection's SCIM token as admins see it (never its hash). */
export interface TokenStatus {
  readonly connectionId: string;
  readonly createdAt: number | null;
  readonly expiresAt: number | null;
  readonly lastUsedAt: number | null;
  /** Until when the rotated-out token still works (grace period); null when it no longer does. */
  readonly previousTokenExpiresAt: number | null;
}

/** A connection whose SCIM token expires soon (or has expired), across tenants. */
export interface ExpiringToken {
  readonly tenantId: string;
  readonly tenantSlug: string;
  readonly connectionId: string;
  readonly tokenCreatedAt: number;
  readonly expiresAt: number;
}

export interface ApiKeyRecord {
  readonly tenantId: string;
  readonly id: string;
  readonly keyHash: string;
  readonly scopes: string[];
}

function optionalMillis(value: unknown): number | null {
  return value === null || value === undefined ? null : toNumber(value);
}

function toTenant(row: TenantRowColumns): Tenant {
  return {
    id: row.id,
    slug: row.slug,
    name: row.name,
    settings: readTenantSettings(parseJsonColumn(row.settings)),
    createdAt: toNumber(row.created_at),
  };
}

/** Tenants, their IdP connections (with the SCIM token hash) and their API keys. */
export class TenantRepository {
  async insertTenant(tx: Tx, tenant: Tenant): Promise<void> {
    await tx.run(
      tx.knex('tenants').insert({
        id: tenant.id,
        slug: tenant.slug,
        name: tenant.name,
        settings: JSON.stringify(tenant.settings),
        created_at: tenant.createdAt,
      }),
    );
  }

  async findTenantBySlug(tx: Tx, slug: string): Promise<Tenant | undefined> {
    const row = await tx.first<TenantRowColumns>(tx.knex('tenants').where({ slug }));
    return row && toTenant(row);
  }

  async findTenantById(tx: Tx, id: string, options: { forUpdate?: boolean } = {}): Promise<Tenant | undefined> {
    const query = tx.knex('tenants').where({ id });
    // Settings are read, changed and written back whole: the lock keeps two such changes from losing one.
    const row = await tx.first<TenantRowColumns>(options.forUpdate && tx.dialect === 'postgresql' ? query.forUpdate() : query);
    return row && toTenant(row);
  }

  async listTenantIds(tx: Tx): Promise<string[]> {
    const rows = await tx.all<{ id: string }>(tx.knex('tenants').select('id').orderBy('id'));
    return rows.map((row) => row.id);
  }

  async countTenants(tx: Tx): Promise<number> {
    const row = await tx.first<{ total: number | string }>(tx.knex('tenants').count({ total: '*' }));
    return toNumber(row?.total ?? 0);
  }

  async updateSettings(tx: Tx, tenantId: string, settings: TenantSettings): Promise<void> {
    await tx.run(tx.knex('tenants').where({ id: tenantId }).update({ settings: JSON.stringify(settings) }));
  }

  async insertConnection(tx: Tx, connection: Connection, now: number): Promise<void> {
    await tx.run(
      tx.knex('connections').insert({
        tenant_id: connection.tenantId,
        id: connection.id,
        name: connection.name,
        dialect: connection.dialect,
        created_at: now,
      }),
    );
  }

  /** Connections without an active mapping set, with their tenants (created before defaults were seeded at creation). */
  async connectionsWithoutActiveMapping(tx: Tx): Promise<{ tenant: Tenant; connection: Connection }[]> {
    const rows = await tx.all<{ tenant_id: string; id: string; name: string; dialect: string }>(
      tx.knex('connections').select('tenant_id', 'id', 'name', 'dialect').whereNull('active_mapping_version').orderBy(['tenant_id', 'id']),
    );
    const found: { tenant: Tenant; connection: Connection }[] = [];
    for (const row of rows) {
      const tenant = await this.findTenantById(tx, row.tenant_id);
      if (tenant) found.push({ tenant, connection: { tenantId: row.tenant_id, id: row.id, name: row.name, dialect: row.dialect as Dialect } });
    }
    return found;
  }

  async listConnections(tx: Tx, tenantId: string): Promise<Connection[]> {
    const rows = await tx.all<{ tenant_id: string; id: string; name: string; dialect: string }>(
      tx.knex('connections').select('tenant_id', 'id', 'name', 'dialect').where({ tenant_id: tenantId }).orderBy('created_at'),
    );
    return rows.map((row) => ({ tenantId: row.tenant_id, id: row.id, name: row.name, dialect: row.dialect as Dialect }));
  }

  async updateConnectionDialect(tx: Tx, connection: Connection, dialect: Dialect): Promise<void> {
    await tx.run(tx.knex('connections').where({ tenant_id: connection.tenantId, id: connection.id }).update({ dialect }));
  }

  async findDefaultConnection(tx: Tx, tenantId: string): Promise<Connection | undefined> {
    const row = await tx.first<{ tenant_id: string; id: string; name: string; dialect: string }>(
      tx.knex('connections').select('tenant_id', 'id', 'name', 'dialect').where({ tenant_id: tenantId }).orderBy('created_at').limit(1),
    );
    return row && { tenantId: row.tenant_id, id: row.id, name: row.name, dialect: row.dialect as Dialect };
  }

  /**
   * Replacing the hash is what expires the previous token: there is only ever one per connection, plus
   * the rotated-out one while its grace period (`previous`) lasts.
   */
  async setConnectionToken(
    tx: Tx,
    connection: Connection,
    tokenHash: string,
    expiresAt: number | null,
    now: number,
    previous: { hash: string; expiresAt: number } | null = null,
  ): Promise<void> {
    await tx.run(
      tx
        .knex('connections')
        .where({ tenant_id: connection.tenantId, id: connection.id })
        .update({
          token_hash: tokenHash,
          token_expires_at: expiresAt,
          token_created_at: now,
          token_last_used_at: null,
          previous_token_hash: previous?.hash ?? null,
          previous_token_expires_at: previous?.expiresAt ?? null,
        }),
    );
  }

  /** Changes when the current token expires; the token itself and its history stay. */
  async setTokenExpiry(tx: Tx, connection: Connection, expiresAt: number | null): Promise<void> {
    await tx.run(tx.knex('connections').where({ tenant_id: connection.tenantId, id: connection.id }).update({ token_expires_at: expiresAt }));
  }

  /** The current token's hash and expiry, locked against a concurrent rotation on PostgreSQL. */
  async findConnectionTokenForUpdate(tx: Tx, connection: Connection): Promise<{ tokenHash: string | null; expiresAt: number | null; createdAt: number | null }> {
    const query = tx.knex('connections').select('token_hash', 'token_expires_at', 'token_created_at').where({ tenant_id: connection.tenantId, id: connection.id });
    const row = await tx.first<{ token_hash: string | null; token_expires_at: unknown; token_created_at: unknown }>(tx.dialect === 'postgresql' ? query.forUpdate() : query);
    return { tokenHash: row?.token_hash ?? null, expiresAt: optionalMillis(row?.token_expires_at), createdAt: optionalMillis(row?.token_created_at) };
  }

  /** Stamps the token's last use unless a stamp newer than `staleBefore` is there (so other nodes' writes count too). */
  async touchTokenLastUsed(tx: Tx, connection: Connection, now: number, staleBefore: number): Promise<void> {
    await tx.run(
      tx
        .knex('connections')
        .where({ tenant_id: connection.tenantId, id: connection.id })
        .where((where) => where.whereNull('token_last_used_at').orWhere('token_last_used_at', '<', staleBefore))
        .update({ token_last_used_at: now }),
    );
  }

  async findTokenStatus(tx: Tx, connection: Connection): Promise<TokenStatus> {
    const row = await tx.first<{ token_created_at: unknown; token_expires_at: unknown; token_last_used_at: unknown; previous_token_expires_at: unknown }>(
      tx
        .knex('connections')
        .select('token_created_at', 'token_expires_at', 'token_last_used_at', 'previous_token_expires_at')
        .where({ tenant_id: connection.tenantId, id: connection.id }),
    );
    return {
      connectionId: connection.id,
      createdAt: optionalMillis(row?.token_created_at),
      expiresAt: optionalMillis(row?.token_expires_at),
      lastUsedAt: optionalMillis(row?.token_last_used_at),
      previousTokenExpiresAt: optionalMillis(row?.previous_token_expires_at),
    };
  }

  /** Connections whose token expires in [from, until) (from absent: expired ones included), soonest first. */
  async listExpiringTokens(tx: Tx, range: { from?: number; until: number }, limit: number): Promise<ExpiringToken[]> {
    const rows = await tx.all<{ tenant_id: string; slug: string; id: string; token_created_at: unknown; token_expires_at: unknown }>(
      tx
        .knex('connections as c')
        .join('tenants as t', 't.id', 'c.tenant_id')
        .select('c.tenant_id', 't.slug', 'c.id', 'c.token_created_at', 'c.token_expires_at')
        .whereNotNull('c.token_hash')
        .whereNotNull('c.token_expires_at')
        .where('c.token_expires_at', '<', range.until)
        .modify((query) => {
          if (range.from !== undefined) query.where('c.token_expires_at', '>=', range.from);
        })
        .orderBy([{ column: 'c.token_expires_at' }, { column: 'c.tenant_id' }, { column: 'c.id' }])
        .limit(limit),
    );
    return rows.map((row) => ({
      tenantId: row.tenant_id,
      tenantSlug: row.slug,
      connectionId: row.id,
      tokenCreatedAt: optionalMillis(row.token_created_at) ?? 0,
      expiresAt: toNumber(row.token_expires_at),
    }));
  }

  /**
   * The connection whose current or rotated-out token has this hash, with its tenant, in one statement.
   * `expiresAt` is the current token's expiry, or the end of the previous one's grace period.
   */
  async findPrincipalByTokenHash(tx: Tx, tokenHash: string): Promise<(TokenRecord & { tenant: Tenant; isCurrentToken: boolean }) | undefined> {
    const row = await tx.first<{
      tenant_id: string;
      id: string;
      name: string;
      dialect: string;
      token_hash: string | null;
      token_expires_at: unknown;
      previous_token_hash: string | null;
      previous_token_expires_at: unknown;
      slug: string;
      tenant_name: string;
      settings: unknown;
      created_at: number | string;
    }>(
      `SELECT c.tenant_id, c.id, c.name, c.dialect, c.token_hash, c.token_expires_at, c.previous_token_hash, c.previous_token_expires_at,
        t.slug, t.name AS tenant_name, t.settings, t.created_at
       FROM connections c JOIN tenants t ON t.id = c.tenant_id WHERE c.token_hash = ? OR c.previous_token_hash = ?`,
      [tokenHash, tokenHash],
    );
    if (!row) return undefined;
    const isCurrentToken = row.token_hash === tokenHash;
    return {
      tenant: toTenant({ id: row.tenant_id, slug: row.slug, name: row.tenant_name, settings: row.settings, created_at: row.created_at }),
      connection: { tenantId: row.tenant_id, id: row.id, name: row.name, dialect: row.dialect as Dialect },
      tokenHash: (isCurrentToken ? row.token_hash : row.previous_token_hash) ?? '',
      // Without an end, a previous token has no grace: treat it as expired.
      expiresAt: isCurrentToken ? optionalMillis(row.token_expires_at) : (optionalMillis(row.previous_token_expires_at) ?? 0),
      isCurrentToken,
    };
  }

  async insertApiKey(tx: Tx, key: ApiKeyRecord & { name: string }, now: number): Promise<void> {
    await tx.run(
      tx.knex('api_keys').insert({
        tenant_id: key.tenantId,
        id: key.id,
        name: key.name,
        key_hash: key.keyHash,
        scopes: key.scopes.join(' '),
        created_at: now,
      }),
    );
  }

  /** The key with this hash, revoked or not (a revoked key still names its tenant for the failed-authentication throttle). */
  async findApiKeyByHash(tx: Tx, keyHash: string): Promise<(ApiKeyRecord & { revoked: boolean }) | undefined> {
    const row = await tx.first<{ tenant_id: string; id: string; key_hash: string; scopes: string; revoked_at: unknown }>(
      tx.knex('api_keys').select('tenant_id', 'id', 'key_hash', 'scopes', 'revoked_at').where({ key_hash: keyHash }),
    );
    return row && { tenantId: row.tenant_id, id: row.id, keyHash: row.key_hash, scopes: row.scopes.split(' ').filter(Boolean), revoked: optionalMillis(row.revoked_at) !== null };
  }
}
