import type { Knex } from 'knex';
import type { ResolvedFilter } from '../../domain/filter/filter-field';
import type { Tx } from '../database';
import { keyed } from '../keyed-query';
import { toNumber } from '../column-values';
import type { EntityTable } from '../entity-table';
import type { GroupRow } from '../entities/group.entity';
import type { UserRow } from '../entities/user.entity';
import { FilterSqlBuilder, type FilterTable } from '../filter-sql';
import { insertText, keyedSqlText, placeholders, sqlText, updateByIdText } from '../sql-text';
import { PageAnchorCache, seekFor, type PageAnchors, type Seek } from '../page-anchors';

/** A resource table (users, groups): its rows carry the raw resource and its version. */
export type ResourceRow = UserRow | GroupRow;

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
export async function collectInChunks<K, T>(ids: readonly K[], work: (chunk: readonly K[]) => Promise<T[]>): Promise<T[]> {
  const results: T[] = [];
  for (let start = 0; start < ids.length; start += ID_CHUNK) results.push(...(await work(ids.slice(start, start + ID_CHUNK))));
  return results;
}

/**
 * The subset of `ids` that name rows of `table` in the tenant. On PostgreSQL one primary-key probe per
 * id, the ids bound as one array, and the LIMIT keeps the planner from turning the probes into a join:
 * `id IN (...)`, or the join, kept as a generic plan scanned the whole tenant once the table had grown
 * since its statistics (tests/integration/postgres-generic-plans.test.ts).
 */
export async function selectExistingIds(tx: Tx, table: 'users' | 'groups', tenantId: string, ids: readonly string[]): Promise<Set<string>> {
  const rows = await collectInChunks(ids, (chunk) =>
    tx.dialect === 'postgresql'
      ? tx.all<{ id: string }>(
          keyedSqlText(`existing|${table}`, () => `SELECT found.id FROM unnest(?::text[]) AS wanted(id) CROSS JOIN LATERAL (SELECT id FROM ${table} WHERE tenant_id = ? AND id = wanted.id LIMIT 1) AS found`),
          [[...chunk], tenantId],
        )
      : tx.all<{ id: string }>(keyedSqlText(`existing|${table}|${chunk.length}`, () => `SELECT id FROM ${table} WHERE tenant_id = ? AND id IN (${placeholders(chunk.length)})`), [tenantId, ...chunk]),
  );
  return new Set(rows.map((row) => row.id));
}

/** Where a resource table keeps a name and its confusable skeleton. */
const SKELETON_COLUMNS = {
  users: { name: 'user_name', skeleton: 'user_name_skeleton' },
  groups: { name: 'display_name', skeleton: 'display_name_skeleton' },
} as const;

/**
 * Rows of `table` whose names share a confusable skeleton (and so may look alike), grouped by it: at
 * most `maxSets` sets, read through the (tenant_id, skeleton) index.
 */
export async function rowsSharingSkeletons(tx: Tx, table: 'users' | 'groups', tenantId: string, maxSets: number): Promise<{ id: string; name: string }[][]> {
  const { name, skeleton } = SKELETON_COLUMNS[table];
  const shared = await tx.all<Record<string, string>>(
    `SELECT ${skeleton} FROM ${table} WHERE tenant_id = ? AND ${skeleton} IS NOT NULL GROUP BY ${skeleton} HAVING count(*) > 1 ORDER BY ${skeleton} LIMIT ?`,
    [tenantId, maxSets],
  );
  if (shared.length === 0) return [];
  const rows = await tx.all<Record<string, string>>(
    tx.knex(table).select('id', name, skeleton).where('tenant_id', tenantId).whereIn(skeleton, shared.map((row) => row[skeleton])).orderBy([skeleton, 'id']),
  );
  const sets = new Map<string, { id: string; name: string }[]>();
  for (const row of rows) sets.set(row[skeleton], [...(sets.get(row[skeleton]) ?? []), { id: row.id, name: row[name] }]);
  return [...sets.values()];
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

/** The stable order's tie-break after any sort, on the table or subquery named `alias`: created, then id. */
function tieBreak(alias: string): string {
  return `${alias}.created_at ASC, ${alias}.id ASC`;
}

/**
 * A filtered, sorted page of a resource table in a stable order (created, then id), so page walks
 * neither skip nor repeat (Okta imports rely on it). Without a filter the page comes with the tenant's
 * counter row (see listCounted); a filtered total needs a COUNT only when the page does not already show
 * every match: a `userName eq` lookup is one statement.
 */
export async function listRows<R, F extends string>(
  tx: Tx,
  spec: ListSpec<F>,
  tenantId: string,
  filter: ResolvedFilter | undefined,
  sort: { readonly field: F; readonly descending: boolean } | undefined,
  page: PageRequest,
  anchors: PageAnchorCache = pageAnchorsOf(tx),
): Promise<{ total: number; rows: R[] }> {
  if (!filter) return listCounted<R, F>(tx, spec, tenantId, sort, page, anchors);
  const predicate = new FilterSqlBuilder(tx.dialect).build(filter, spec.table, 'r');
  const where = `r.tenant_id = ? AND ${predicate.sql}`;
  const bindings: unknown[] = [tenantId, ...predicate.bindings];
  const pinned = pinnedBy(filter);
  // A filter no index pins walks the tenant's rows: its cost is the tenant's to bear, within the read budget.
  const read = <T>(sql: string, values: unknown[]) => (pinned ? tx.all<T>(sql, values) : tx.allWithinBudget<T>(tenantId, sql, values));
  const count = async () => toNumber((await read<{ total: number | string }>(`SELECT COUNT(*) AS total FROM ${spec.table} r WHERE ${where}`, bindings))[0]?.total ?? 0);
  if (page.limit === 0) return { total: await count(), rows: [] };
  const order: string[] = [];
  const sortColumn = sort && spec.sortColumns[sort.field];
  if (sortColumn) order.push(`r.${sortColumn} ${sort.descending ? 'DESC' : 'ASC'}`);
  // The unary plus keeps SQLite from choosing the (tenant_id, created_at) index over the filter's own.
  if (pinned !== 'unique' || order.length > 0) order.push(pinned === 'indexed' ? `+${tieBreak('r')}` : tieBreak('r'));
  const sql = `SELECT ${spec.columns.map((column) => `r.${column}`).join(', ')} FROM ${spec.table} r WHERE ${where}${order.length > 0 ? ` ORDER BY ${order.join(', ')}` : ''} LIMIT ? OFFSET ?`;
  const values = [...bindings, page.limit, page.offset];
  // A lookup by a unique key alone is keyed: one index probe whatever the tenant's size.
  const rows = await (pinned === 'unique' && order.length === 0 ? tx.all<R>(keyed(sql), values) : read<R>(sql, values));
  const complete = rows.length < page.limit && (rows.length > 0 || page.offset === 0);
  return { total: complete ? page.offset + rows.length : await count(), rows };
}

/** Each database's page anchors (keyed by its knex instance: two databases never share anchors). */
const ANCHOR_CACHES = new WeakMap<object, PageAnchorCache>();

function pageAnchorsOf(tx: Tx): PageAnchorCache {
  let cache = ANCHOR_CACHES.get(tx.knex);
  if (!cache) {
    cache = new PageAnchorCache();
    ANCHOR_CACHES.set(tx.knex, cache);
  }
  return cache;
}

interface Counter {
  readonly total: number;
  readonly version: number;
}

interface CountedPageRow {
  page_total: number | string | null;
  page_version: number | string | null;
}

/**
 * An unfiltered page: totalResults is the tenant's counter row (tenant_resource_counts, kept by
 * triggers), read by the page's own statement, so both come from one snapshot and no COUNT walks the
 * tenant. In the default order a deep page seeks from a page anchor instead of walking the offset; the
 * counter's version comes back with the page, and a page read through anchors of another version is read
 * again by offset. One statement per page in the common case, at most three: an empty page reads the
 * counter on its own, stale anchors re-read the page, and a build of anchors takes one.
 */
async function listCounted<R, F extends string>(
  tx: Tx,
  spec: ListSpec<F>,
  tenantId: string,
  sort: { readonly field: F; readonly descending: boolean } | undefined,
  page: PageRequest,
  anchors: PageAnchorCache,
): Promise<{ total: number; rows: R[] }> {
  const sortColumn = sort && spec.sortColumns[sort.field];
  const order = sortColumn ? `r.${sortColumn} ${sort.descending ? 'DESC' : 'ASC'}, ${tieBreak('r')}` : tieBreak('r');
  if (page.limit === 0) return { total: (await selectCounter(tx, spec.table, tenantId)).total, rows: [] };
  const deep = !sortColumn && page.offset >= anchors.step;
  const list = `${spec.table}|${tenantId}`;
  const held = deep ? anchors.anchors(list) : undefined;
  let read = await selectCountedPage<R>(tx, spec, tenantId, order, page.limit, seekFor(held, page.offset, anchors.step));
  let counter = read.counter ?? (await selectCounter(tx, spec.table, tenantId));
  if (held && counter.version !== held.version) {
    read = await selectCountedPage<R>(tx, spec, tenantId, order, page.limit, { offset: page.offset });
    // A re-read past the end keeps the counter just read rather than spend a fourth statement.
    counter = read.counter ?? counter;
  }
  if (deep && anchors.observe(list, counter.version)) {
    let built: PageAnchors | undefined;
    try {
      if (counter.total >= anchors.step) built = await selectPageAnchors(tx, spec.table, tenantId, anchors.step);
    } finally {
      anchors.finishBuild(list, built);
    }
  }
  return { total: counter.total, rows: read.rows };
}

function toCounter(row: CountedPageRow | undefined): Counter {
  return { total: toNumber(row?.page_total ?? 0), version: toNumber(row?.page_version ?? 0) };
}

/** How many rows of `table` the tenant holds, from its counter: no COUNT over the tenant. */
export async function countTenantRows(tx: Tx, table: FilterTable, tenantId: string): Promise<number> {
  return (await selectCounter(tx, table, tenantId)).total;
}

/** The tenant's counter for `table`: the sum of its shards (PostgreSQL sessions write their own); none when it never had such a row. */
async function selectCounter(tx: Tx, table: FilterTable, tenantId: string): Promise<Counter> {
  const sql = 'SELECT SUM(total) AS page_total, SUM(version) AS page_version FROM tenant_resource_counts WHERE tenant_id = ? AND resource_type = ?';
  return toCounter(await tx.first<CountedPageRow>(sql, [tenantId, table]));
}

/** A page in `order`, each row carrying the tenant's counter (uncorrelated subqueries: evaluated once); no counter when the page is empty. */
async function selectCountedPage<R>(
  tx: Tx,
  spec: { readonly table: FilterTable; readonly columns: readonly string[] },
  tenantId: string,
  order: string,
  limit: number,
  seek: Seek,
): Promise<{ rows: R[]; counter?: Counter }> {
  const sql = sqlText(`counted|${spec.table}|${spec.columns.join(',')}|${order}|${seek.after ? 'after' : ''}`, () => {
    const counter = (column: string) => `(SELECT SUM(c.${column}) FROM tenant_resource_counts c WHERE c.tenant_id = ? AND c.resource_type = ?) AS page_${column}`;
    const after = seek.after ? ' AND (r.created_at, r.id) > (?, ?)' : '';
    return `SELECT ${counter('total')}, ${counter('version')}, ${spec.columns.map((column) => `r.${column}`).join(', ')} FROM ${spec.table} r WHERE r.tenant_id = ?${after} ORDER BY ${order} LIMIT ? OFFSET ?`;
  });
  const bindings: unknown[] = [tenantId, spec.table, tenantId, spec.table, tenantId];
  if (seek.after) bindings.push(seek.after.createdAt, seek.after.id);
  bindings.push(limit, seek.offset);
  const rows = await tx.all<CountedPageRow & R>(sql, bindings);
  return rows.length === 0 ? { rows } : { rows, counter: toCounter(rows[0]) };
}

/**
 * The position of every `step`-th row of the tenant's list and the counter version, in one statement
 * (one snapshot); none when the list has fewer than `step` rows by now. Each anchor seeks from the previous one and skips `step - 1` entries of the
 * (tenant_id, created_at, id) index: one index-only pass over the list, no window over it.
 */
async function selectPageAnchors(tx: Tx, table: FilterTable, tenantId: string, step: number): Promise<PageAnchors | undefined> {
  const sql = sqlText(`anchors|${table}`, () =>
    `WITH RECURSIVE anchor(created_at, id) AS (` +
    `SELECT * FROM (SELECT r.created_at, r.id FROM ${table} r WHERE r.tenant_id = ? ORDER BY r.created_at, r.id LIMIT 1 OFFSET ?) first_anchor ` +
    `UNION ALL ` +
    `SELECT r.created_at, r.id FROM anchor a JOIN ${table} r ON r.tenant_id = ? AND r.id = (` +
    `SELECT s.id FROM ${table} s WHERE s.tenant_id = ? AND (s.created_at, s.id) > (a.created_at, a.id) ORDER BY s.created_at, s.id LIMIT 1 OFFSET ?)` +
    `) SELECT (SELECT SUM(c.version) FROM tenant_resource_counts c WHERE c.tenant_id = ? AND c.resource_type = ?) AS anchor_version, a.created_at, a.id ` +
    `FROM anchor a ORDER BY a.created_at, a.id`,
  );
  const rows = await tx.all<{ anchor_version: number | string | null; created_at: number | string; id: string }>(sql, [tenantId, step - 1, tenantId, tenantId, step - 1, tenantId, table]);
  if (rows.length === 0) return undefined;
  return {
    version: toNumber(rows[0]?.anchor_version ?? 0),
    positions: rows.map((row) => ({ createdAt: toNumber(row.created_at), id: row.id })),
  };
}

/**
 * A row lock taken by a read, held to the end of the transaction (PostgreSQL; a SQLite transaction
 * holds the whole database). `update` excludes every other lock and change; `key share` only keeps the
 * row from being deleted (or its keys changed), while others may still update its other columns.
 */
export type RowLock = 'update' | 'key share';

const LOCKING_SUFFIX: Record<Tx['dialect'], Record<RowLock, string>> = { sqlite: { update: '', 'key share': '' }, postgresql: { update: ' FOR UPDATE', 'key share': ' FOR KEY SHARE' } };

/** Reads these properties of one resource row by id, taking `lock` on it when given. */
export async function selectResourceRow<Row extends ResourceRow, P extends keyof Row & string>(
  tx: Tx,
  table: EntityTable<Row>,
  properties: readonly P[],
  tenantId: string,
  id: string,
  lock?: RowLock,
): Promise<Required<Pick<Row, P>> | undefined> {
  const suffix = lock ? LOCKING_SUFFIX[tx.dialect][lock] : '';
  const sql = keyedSqlText(`row|${table.name}|${properties.join(',')}|${suffix}`, () => `SELECT ${table.names(properties).join(', ')} FROM ${table.name} WHERE tenant_id = ? AND id = ?${suffix}`);
  const row = await tx.first<Record<string, unknown>>(sql, [tenantId, id]);
  return row && table.reader(tx.dialect, properties)(row);
}

/** Inserts a resource row (the indexed properties given, the raw resource) at version 1. */
export async function insertResourceRow<Row extends ResourceRow>(tx: Tx, table: EntityTable<Row>, tenantId: string, id: string, indexed: Partial<Row>, raw: Record<string, unknown>, now: number): Promise<void> {
  const row = { tenantId, id, ...indexed, raw, version: 1, createdAt: now, updatedAt: now } as Partial<Row>;
  const properties = Object.keys(row) as (keyof Row & string)[];
  tx.write(insertText(table.name, table.names(properties), 1), table.values(row, properties));
}

/** Writes a new state of a resource row and bumps its version (the ETag); returns the new version. */
export async function updateResourceRow<Row extends ResourceRow>(tx: Tx, table: EntityTable<Row>, current: { tenantId: string; id: string; version: number }, indexed: Partial<Row>, raw: Record<string, unknown>, now: number): Promise<number> {
  const version = current.version + 1;
  const changes = { ...indexed, raw, version, updatedAt: now } as Partial<Row>;
  const properties = Object.keys(changes) as (keyof Row & string)[];
  tx.write(updateByIdText(table.name, table.names(properties)), [...table.values(changes, properties), current.tenantId, current.id]);
  return version;
}
