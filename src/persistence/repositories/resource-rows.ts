import type { Knex } from 'knex';
import type { StoredResource } from '../../domain/identity/user';
import { parseJsonColumn, toNumber, type Tx } from '../database';

/** Columns every resource table (users, groups) shares. */
export interface ResourceRowColumns {
  tenant_id: string;
  id: string;
  raw: unknown;
  version: number | string;
  created_at: number | string;
  updated_at: number | string;
}

export function toStoredResource(row: ResourceRowColumns): StoredResource {
  return {
    tenantId: row.tenant_id,
    id: row.id,
    raw: parseJsonColumn<Record<string, unknown>>(row.raw),
    version: toNumber(row.version),
    createdAt: toNumber(row.created_at),
    updatedAt: toNumber(row.updated_at),
  };
}

/** Locks the row for the rest of the transaction on PostgreSQL; SQLite transactions already serialise writers. */
export function lockingRead(tx: Tx, query: Knex.QueryBuilder): Knex.QueryBuilder {
  return tx.dialect === 'postgresql' ? query.forUpdate() : query;
}

export interface PageRequest {
  readonly offset: number;
  readonly limit: number;
}

export interface Page<T> {
  readonly total: number;
  readonly items: T[];
}
