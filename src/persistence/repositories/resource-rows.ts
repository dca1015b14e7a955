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

/** Rows per statement for id lists: stays well under SQLite's and PostgreSQL's bound-parameter limits. */
export const ID_CHUNK = 500;

/** Runs `work` over `ids` in chunks of ID_CHUNK and concatenates the results. */
export async function collectInChunks<T>(ids: readonly string[], work: (chunk: readonly string[]) => Promise<T[]>): Promise<T[]> {
  const results: T[] = [];
  for (let start = 0; start < ids.length; start += ID_CHUNK) results.push(...(await work(ids.slice(start, start + ID_CHUNK))));
  return results;
}

/** The subset of `ids` that name rows of `table` in the tenant. */
export async function selectExistingIds(tx: Tx, table: 'users' | 'groups', tenantId: string, ids: readonly string[]): Promise<Set<string>> {
  const rows = await collectInChunks(ids, (chunk) => tx.all<{ id: string }>(tx.knex(table).select('id').where('tenant_id', tenantId).whereIn('id', [...chunk])));
  return new Set(rows.map((row) => row.id));
}
