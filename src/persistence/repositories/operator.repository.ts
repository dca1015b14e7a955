import type { EntitySchema } from '@mikro-orm/core';
import type { Tx } from '../database';
import { toNumber } from '../column-values';
import { ALL_ENTITIES } from '../entities/all-entities';

export interface OperatorKeyRecord {
  readonly id: string;
  readonly name: string;
  readonly createdAt: number;
  readonly lastUsedAt: number | null;
  readonly revokedAt: number | null;
}

/** What a tenant holds and when its IdP last called, for the operator's tenant list. */
export interface TenantUsage {
  readonly users: number;
  readonly groups: number;
  /** The newest SCIM request in the provisioning log (kept for its retention period). */
  readonly lastScimRequestAt: number | null;
  /** When the connection's static SCIM token expires; null when it never does or there is none. */
  readonly scimTokenExpiresAt: number | null;
}

interface OperatorKeyRowColumns {
  id: string;
  name: string;
  key_hash: string;
  created_at: unknown;
  last_used_at: unknown;
  revoked_at: unknown;
}

const optionalMillis = (value: unknown): number | null => (value === null || value === undefined ? null : toNumber(value));

function toOperatorKey(row: OperatorKeyRowColumns): OperatorKeyRecord {
  return { id: row.id, name: row.name, createdAt: toNumber(row.created_at), lastUsedAt: optionalMillis(row.last_used_at), revokedAt: optionalMillis(row.revoked_at) };
}

/**
 * Every table that holds a tenant's rows (those with a tenant_id column), from the entity definitions:
 * a table added later is deleted with its tenant without anyone remembering to list it here. The resource
 * counters go last: deleting users and groups updates them through triggers.
 */
export const TENANT_TABLES: readonly string[] = (() => {
  const tables = (ALL_ENTITIES as EntitySchema<object>[])
    .filter((schema) => 'tenantId' in schema.meta.properties)
    .map((schema) => schema.meta.tableName ?? schema.meta.collection);
  return [...tables.filter((name) => name !== 'tenant_resource_counts'), 'tenant_resource_counts'];
})();

/** Operator keys, and the platform-wide reads and deletes the operator API makes across tenants. */
export class OperatorRepository {
  async insertKey(tx: Tx, key: { id: string; name: string; keyHash: string; createdAt: number }): Promise<void> {
    await tx.run(tx.knex('operator_keys').insert({ id: key.id, name: key.name, key_hash: key.keyHash, created_at: key.createdAt }));
  }

  async findKeyByHash(tx: Tx, keyHash: string): Promise<(OperatorKeyRecord & { keyHash: string }) | undefined> {
    const row = await tx.first<OperatorKeyRowColumns>(tx.knex('operator_keys').where({ key_hash: keyHash }));
    return row && { ...toOperatorKey(row), keyHash: row.key_hash };
  }

  async listKeys(tx: Tx): Promise<OperatorKeyRecord[]> {
    const rows = await tx.all<OperatorKeyRowColumns>(tx.knex('operator_keys').orderBy('created_at'));
    return rows.map(toOperatorKey);
  }

  /** Returns whether an active key was revoked. */
  async revokeKey(tx: Tx, id: string, now: number): Promise<boolean> {
    return (await tx.run(tx.knex('operator_keys').where({ id }).whereNull('revoked_at').update({ revoked_at: now }))) > 0;
  }

  async touchKeyLastUsed(tx: Tx, id: string, now: number, staleBefore: number): Promise<void> {
    await tx.run(
      tx
        .knex('operator_keys')
        .where({ id })
        .where((where) => where.whereNull('last_used_at').orWhere('last_used_at', '<', staleBefore))
        .update({ last_used_at: now }),
    );
  }

  /** Usage of each tenant: a few indexed reads per tenant (the counter rows, the log's newest entry, the connection). */
  async tenantUsage(tx: Tx, tenantId: string): Promise<TenantUsage> {
    const counts = await tx.all<{ resource_type: string; total: unknown }>(
      tx.knex('tenant_resource_counts').select('resource_type').sum({ total: 'total' }).where({ tenant_id: tenantId }).groupBy('resource_type'),
    );
    const total = (type: string) => toNumber(counts.find((row) => row.resource_type === type)?.total ?? 0);
    const lastRequest = await tx.first<{ at: unknown }>(tx.knex('provisioning_log').select('at').where({ tenant_id: tenantId }).orderBy('at', 'desc').limit(1));
    const connection = await tx.first<{ token_hash: string | null; token_expires_at: unknown }>(
      tx.knex('connections').select('token_hash', 'token_expires_at').where({ tenant_id: tenantId }).orderBy('created_at').limit(1),
    );
    return {
      users: total('users'),
      groups: total('groups'),
      lastScimRequestAt: optionalMillis(lastRequest?.at),
      scimTokenExpiresAt: connection?.token_hash ? optionalMillis(connection.token_expires_at) : null,
    };
  }

  /** Deletes every row the tenant owns in every table, then the tenant; returns the rows deleted per table. */
  async deleteTenantRows(tx: Tx, tenantId: string): Promise<Record<string, number>> {
    const deleted: Record<string, number> = {};
    for (const table of TENANT_TABLES) deleted[table] = await tx.run(tx.knex(table).where({ tenant_id: tenantId }).delete());
    deleted.tenants = await tx.run(tx.knex('tenants').where({ id: tenantId }).delete());
    return deleted;
  }
}
