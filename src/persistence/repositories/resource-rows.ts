import type { Knex } from 'knex';
import type { StoredResource } from '../../domain/identity/user';
import type { ResolvedFilter } from '../../domain/filter/filter-field';
import { parseJsonColumn, toNumber, type Tx } from '../database';
import { FilterSqlBuilder, type FilterTable } from '../filter-sql';

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

export interface ListSpec<F extends string> {
  readonly table: FilterTable;
  readonly columns: readonly string[];
  readonly sortColumns: Partial<Record<F, string>>;
}

/**
 * A filtered, sorted page of a resource table in a stable order (created, then id), so page walks
 * neither skip nor repeat (Okta imports rely on it). The total needs a COUNT only when the page does
 * not already show every match: a `userName eq` lookup is one statement.
 */
export async function listRows<R, F extends string>(
  tx: Tx,
  spec: ListSpec<F>,
  tenantId: string,
  filter: ResolvedFilter | undefined,
  sort: { readonly field: F; readonly descending: boolean } | undefined,
  page: PageRequest,
): Promise<{ total: number; rows: R[] }> {
  const base = tx.knex(`${spec.table} as r`).where('r.tenant_id', tenantId);
  if (filter) {
    const predicate = new FilterSqlBuilder(tx.dialect).build(filter, spec.table, 'r');
    base.whereRaw(predicate.sql, predicate.bindings as never[]);
  }
  const count = async () => toNumber((await tx.first<{ total: number | string }>(base.clone().count({ total: '*' })))?.total ?? 0);
  if (page.limit === 0) return { total: await count(), rows: [] };
  const query = base.clone().select(spec.columns.map((column) => `r.${column}`));
  const sortColumn = sort && spec.sortColumns[sort.field];
  if (sortColumn) query.orderBy(`r.${sortColumn}`, sort.descending ? 'desc' : 'asc');
  query.orderBy('r.created_at', 'asc').orderBy('r.id', 'asc').offset(page.offset).limit(page.limit);
  const rows = await tx.all<R>(query);
  const complete = rows.length < page.limit && (rows.length > 0 || page.offset === 0);
  return { total: complete ? page.offset + rows.length : await count(), rows };
}

/** Reads one resource row by id; with `forUpdate` it is locked for the rest of the transaction (PostgreSQL). */
export async function selectResourceRow<R>(tx: Tx, table: FilterTable, columns: readonly string[], tenantId: string, id: string, forUpdate = false): Promise<R | undefined> {
  const query = tx.knex(table).select([...columns]).where({ tenant_id: tenantId, id });
  return tx.first<R>(forUpdate ? lockingRead(tx, query) : query);
}

/** Inserts a resource row at version 1; returns the stored resource without a read back. */
export async function insertResourceRow(
  tx: Tx,
  table: FilterTable,
  tenantId: string,
  id: string,
  indexed: Record<string, unknown>,
  raw: Record<string, unknown>,
  now: number,
): Promise<StoredResource> {
  await tx.run(tx.knex(table).insert({ tenant_id: tenantId, id, ...indexed, raw: JSON.stringify(raw), version: 1, created_at: now, updated_at: now }));
  return { tenantId, id, raw, version: 1, createdAt: now, updatedAt: now };
}

/** Writes a new state of a resource row and bumps its version (the ETag). */
export async function updateResourceRow(tx: Tx, table: FilterTable, current: StoredResource, indexed: Record<string, unknown>, raw: Record<string, unknown>, now: number): Promise<StoredResource> {
  const version = current.version + 1;
  await tx.run(tx.knex(table).where({ tenant_id: current.tenantId, id: current.id }).update({ ...indexed, raw: JSON.stringify(raw), version, updated_at: now }));
  return { ...current, raw, version, updatedAt: now };
}
