import type { Knex } from 'knex';
import type { StoredResource } from '../../domain/identity/user';
import type { ResolvedFilter } from '../../domain/filter/filter-field';
import { parseJsonColumn, toNumber, type Tx } from '../database';
import { FilterSqlBuilder, type FilterTable } from '../filter-sql';
import { insertText, placeholders, sqlText, updateByIdText } from '../sql-text';

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
  const rows = await collectInChunks(ids, (chunk) =>
    tx.all<{ id: string }>(sqlText(`existing|${table}|${chunk.length}`, () => `SELECT id FROM ${table} WHERE tenant_id = ? AND id IN (${placeholders(chunk.length)})`), [tenantId, ...chunk]),
  );
  return new Set(rows.map((row) => row.id));
}

export interface ListSpec<F extends string> {
  readonly table: FilterTable;
  readonly columns: readonly string[];
  readonly sortColumns: Partial<Record<F, string>>;
}

/** Filter fields whose equality names at most one row: such a lookup needs no ORDER BY. */
const UNIQUE_FIELDS = new Set(['id', 'userName', 'displayName']);
/** Indexed, not unique: SQLite must seek by this index and sort the few matches, not walk the created_at index. */
const INDEXED_FIELDS = new Set(['externalId']);

/** How far a filter pins its rows: by a unique key, by an indexed key, or not at all. */
function pinnedBy(filter: ResolvedFilter | undefined): 'unique' | 'indexed' | undefined {
  if (!filter) return undefined;
  if (filter.kind === 'and') {
    const left = pinnedBy(filter.left);
    const right = pinnedBy(filter.right);
    return left === 'unique' || right === 'unique' ? 'unique' : left ?? right;
  }
  if (filter.kind !== 'compare' || filter.op !== 'eq' || filter.value === null || filter.path.kind !== 'field') return undefined;
  if (UNIQUE_FIELDS.has(filter.path.field)) return 'unique';
  return INDEXED_FIELDS.has(filter.path.field) ? 'indexed' : undefined;
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
  let where = 'r.tenant_id = ?';
  const bindings: unknown[] = [tenantId];
  if (filter) {
    const predicate = new FilterSqlBuilder(tx.dialect).build(filter, spec.table, 'r');
    where += ` AND ${predicate.sql}`;
    bindings.push(...predicate.bindings);
  }
  const count = async () => toNumber((await tx.first<{ total: number | string }>(`SELECT COUNT(*) AS total FROM ${spec.table} r WHERE ${where}`, bindings))?.total ?? 0);
  if (page.limit === 0) return { total: await count(), rows: [] };
  const pinned = pinnedBy(filter);
  const order: string[] = [];
  const sortColumn = sort && spec.sortColumns[sort.field];
  if (sortColumn) order.push(`r.${sortColumn} ${sort.descending ? 'DESC' : 'ASC'}`);
  // The unary plus keeps SQLite from choosing the (tenant_id, created_at) index over the filter's own.
  if (pinned !== 'unique' || order.length > 0) order.push(pinned === 'indexed' ? '+r.created_at ASC, r.id ASC' : 'r.created_at ASC, r.id ASC');
  const sql = `SELECT ${spec.columns.map((column) => `r.${column}`).join(', ')} FROM ${spec.table} r WHERE ${where}${order.length > 0 ? ` ORDER BY ${order.join(', ')}` : ''} LIMIT ? OFFSET ?`;
  const rows = await tx.all<R>(sql, [...bindings, page.limit, page.offset]);
  const complete = rows.length < page.limit && (rows.length > 0 || page.offset === 0);
  return { total: complete ? page.offset + rows.length : await count(), rows };
}

const LOCKING_SUFFIX: Record<Tx['dialect'], string> = { sqlite: '', postgresql: ' FOR UPDATE' };

/** Reads one resource row by id; with `forUpdate` it is locked for the rest of the transaction (PostgreSQL). */
export async function selectResourceRow<R>(tx: Tx, table: FilterTable, columns: readonly string[], tenantId: string, id: string, forUpdate = false): Promise<R | undefined> {
  const suffix = forUpdate ? LOCKING_SUFFIX[tx.dialect] : '';
  const sql = sqlText(`row|${table}|${suffix}`, () => `SELECT ${columns.join(', ')} FROM ${table} WHERE tenant_id = ? AND id = ?${suffix}`);
  return tx.first<R>(sql, [tenantId, id]);
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
  const row: Record<string, unknown> = { tenant_id: tenantId, id, ...indexed, raw: JSON.stringify(raw), version: 1, created_at: now, updated_at: now };
  const columns = Object.keys(row);
  await tx.run(insertText(table, columns, 1), Object.values(row));
  return { tenantId, id, raw, version: 1, createdAt: now, updatedAt: now };
}

/** Writes a new state of a resource row and bumps its version (the ETag). */
export async function updateResourceRow(tx: Tx, table: FilterTable, current: StoredResource, indexed: Record<string, unknown>, raw: Record<string, unknown>, now: number): Promise<StoredResource> {
  const version = current.version + 1;
  const changes: Record<string, unknown> = { ...indexed, raw: JSON.stringify(raw), version, updated_at: now };
  await tx.run(updateByIdText(table, Object.keys(changes)), [...Object.values(changes), current.tenantId, current.id]);
  return { ...current, raw, version, updatedAt: now };
}
