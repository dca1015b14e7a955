import { readTenantSettings, type Connection, type Dialect, type Tenant, type TenantSettings } from '../../domain/tenants/tenant';
import { parseJsonColumn, toNumber, type Tx } from '../database';

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

export interface ApiKeyRecord {
  readonly tenantId: string;
  readonly id: string;
  readonly keyHash: string;
  readonly scopes: string[];
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

  async findTenantById(tx: Tx, id: string): Promise<Tenant | undefined> {
    const row = await tx.first<TenantRowColumns>(tx.knex('tenants').where({ id }));
    return row && toTenant(row);
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

  async findDefaultConnection(tx: Tx, tenantId: string): Promise<Connection | undefined> {
    const row = await tx.first<{ tenant_id: string; id: string; name: string; dialect: string }>(
      tx.knex('connections').select('tenant_id', 'id', 'name', 'dialect').where({ tenant_id: tenantId }).orderBy('created_at').limit(1),
    );
    return row && { tenantId: row.tenant_id, id: row.id, name: row.name, dialect: row.dialect as Dialect };
  }

  /** Replacing the hash is what expires the previous token: there is only ever one per connection. */
  async setConnectionToken(tx: Tx, connection: Connection, tokenHash: string, expiresAt: number | null, now: number): Promise<void> {
    await tx.run(
      tx
        .knex('connections')
        .where({ tenant_id: connection.tenantId, id: connection.id })
        .update({ token_hash: tokenHash, token_expires_at: expiresAt, token_created_at: now }),
    );
  }

  async findTokenByHash(tx: Tx, tokenHash: string): Promise<TokenRecord | undefined> {
    const row = await tx.first<{ tenant_id: string; id: string; name: string; dialect: string; token_hash: string; token_expires_at: unknown }>(
      tx.knex('connections').select('tenant_id', 'id', 'name', 'dialect', 'token_hash', 'token_expires_at').where({ token_hash: tokenHash }),
    );
    if (!row) return undefined;
    return {
      connection: { tenantId: row.tenant_id, id: row.id, name: row.name, dialect: row.dialect as Dialect },
      tokenHash: row.token_hash,
      expiresAt: row.token_expires_at === null || row.token_expires_at === undefined ? null : toNumber(row.token_expires_at),
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

  async findApiKeyByHash(tx: Tx, keyHash: string): Promise<ApiKeyRecord | undefined> {
    const row = await tx.first<{ tenant_id: string; id: string; key_hash: string; scopes: string }>(
      tx.knex('api_keys').select('tenant_id', 'id', 'key_hash', 'scopes').where({ key_hash: keyHash }).whereNull('revoked_at'),
    );
    return row && { tenantId: row.tenant_id, id: row.id, keyHash: row.key_hash, scopes: row.scopes.split(' ').filter(Boolean) };
  }
}
