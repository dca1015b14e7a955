import type { Knex } from 'knex';
import { DomainError } from '../../domain/errors';
import type { Tx } from '../database';
import { toNumber } from '../column-values';
import type { SqlFragment } from '../filter-sql';
import { collectInChunks } from './resource-rows';

/**
 * Keyset pagination: a page starts strictly after the last row the client saw, named by its sort key
 * and id. Unlike an offset, a deep page costs what the first one does, and rows inserted or deleted
 * meanwhile neither repeat nor vanish from the walk.
 */
export type KeysetValue = string | number | null;

/** Where a row sits in an order: its sort key (absent when the order is by id alone) and its id. */
export interface KeysetPosition {
  readonly key?: KeysetValue;
  readonly id: string;
}

export interface KeysetRequest {
  readonly after?: KeysetPosition;
  readonly limit: number;
}

export interface KeysetPage<T> {
  readonly items: readonly { readonly node: T; readonly position: KeysetPosition }[];
  /** True when rows follow the last item. */
  readonly hasMore: boolean;
}

export interface KeysetOrder {
  /** The sort key before the id tie-break; an order without one is by id alone. */
  readonly key?: { readonly sql: string; readonly nullable: boolean; readonly numeric: boolean };
  /** The id column that breaks ties. */
  readonly id: string;
  readonly descending: boolean;
}

/** Column alias under which a keyset query returns the sort key, for the next cursor. */
const PAGE_KEY = 'page_key';

/** ORDER BY for the order; rows with no sort key come last in either direction. */
function keysetOrderBy(order: KeysetOrder): string {
  const direction = order.descending ? 'DESC' : 'ASC';
  const parts: string[] = [];
  if (order.key) {
    if (order.key.nullable) parts.push(`CASE WHEN ${order.key.sql} IS NULL THEN 1 ELSE 0 END ASC`);
    parts.push(`${order.key.sql} ${direction}`);
  }
  parts.push(`${order.id} ${direction}`);
  return parts.join(', ');
}

/** The predicate "comes after `position` in `order`". */
function keysetAfter(order: KeysetOrder, position: KeysetPosition): SqlFragment {
  const op = order.descending ? '<' : '>';
  if (!order.key) return { sql: `${order.id} ${op} ?`, bindings: [position.id] };
  const { sql: key, nullable, numeric } = order.key;
  const value = position.key ?? null;
  if (value === null) {
    // Only rows without a key follow a row without one (they sort last), ordered by id.
    if (!nullable) throw new DomainError('INVALID_INPUT', 'the cursor does not belong to this list or order');
    return { sql: `(${key} IS NULL AND ${order.id} ${op} ?)`, bindings: [position.id] };
  }
  if (numeric !== (typeof value === 'number')) throw new DomainError('INVALID_INPUT', 'the cursor does not belong to this list or order');
  const after = `(${key} ${op} ? OR (${key} = ? AND ${order.id} ${op} ?))`;
  return { sql: nullable ? `(${key} IS NULL OR ${after})` : after, bindings: [value, value, position.id] };
}

/** Adds the keyset order, the "after" predicate and the `limit + 1` cut to a single-list query. */
export function applyKeyset(tx: Tx, query: Knex.QueryBuilder, order: KeysetOrder, page: KeysetRequest): Knex.QueryBuilder {
  query.select(tx.knex.raw(`${order.key?.sql ?? 'NULL'} AS ${PAGE_KEY}`));
  if (page.after) {
    const after = keysetAfter(order, page.after);
    query.whereRaw(after.sql, after.bindings as never[]);
  }
  return query.orderByRaw(keysetOrderBy(order)).limit(page.limit + 1);
}

/** Turns up to `limit + 1` fetched rows into a page: the extra row only says that more follow. */
export function toKeysetPage<R extends Record<string, unknown>, T extends { id: string }>(
  rows: readonly R[],
  limit: number,
  order: KeysetOrder,
  toNode: (row: R) => T,
): KeysetPage<T> {
  const items = rows.slice(0, limit).map((row) => {
    const node = toNode(row);
    if (!order.key) return { node, position: { id: node.id } };
    const raw = row[PAGE_KEY];
    const key = raw === null || raw === undefined ? null : order.key.numeric ? toNumber(raw) : String(raw);
    return { node, position: { key, id: node.id } };
  });
  return { items, hasMore: rows.length > limit };
}

/**
 * One page per parent (the groups of each user, the members of each group, ...) in one statement per
 * ID_CHUNK parents, so a list of 500 parents costs one query, not 500. `query` selects the rows of the
 * given parents; `parentColumn` names the parent of each row. Parents without rows get an empty page.
 *
 * Rows are numbered within their parent (ROW_NUMBER) and cut at `limit + 1` each. Where parents
 * usually have fewer rows than a page (`fewPerParent`: a user's groups), one read of
 * every row of the chunk's parents, ordered by parent and keyset order and bounded by a full page per
 * parent, answers them all without numbering, which cost more than the read itself; only when that bound
 * is passed does the numbered statement follow. A group's members can be a whole company: numbered at once.
 */
export async function selectPagesPerParent<R extends Record<string, unknown>, T extends { id: string }>(
  tx: Tx,
  parentIds: readonly string[],
  query: (chunk: readonly string[]) => Knex.QueryBuilder,
  parentColumn: string,
  order: KeysetOrder,
  page: KeysetRequest,
  toNode: (row: R) => T,
  fewPerParent = false,
): Promise<Map<string, KeysetPage<T>>> {
  const rowsOf = (chunk: readonly string[]) => {
    const rows = query(chunk).select(tx.knex.raw(`${parentColumn} AS page_parent`)).select(tx.knex.raw(`${order.key?.sql ?? 'NULL'} AS ${PAGE_KEY}`));
    if (page.after) {
      const after = keysetAfter(order, page.after);
      rows.whereRaw(after.sql, after.bindings as never[]);
    }
    return rows;
  };
  const rows = await collectInChunks(parentIds, async (chunk) => {
    // One parent (a group's page of members): ORDER BY ... LIMIT reads the first rows along the (parent, key) index;
    // ROW_NUMBER() would number, and join, every row of the parent first (450 ms for a group of 100k users on SQLite).
    if (chunk.length === 1) return tx.all<R & { page_parent: string }>(rowsOf(chunk).orderByRaw(keysetOrderBy(order)).limit(page.limit + 1));
    if (fewPerParent) {
      const bound = chunk.length * (page.limit + 1);
      const everyRow = await tx.all<R & { page_parent: string }>(rowsOf(chunk).orderByRaw(`${parentColumn} ASC, ${keysetOrderBy(order)}`).limit(bound + 1));
      if (everyRow.length <= bound) return everyRow;
    }
    const numbered = rowsOf(chunk).select(tx.knex.raw(`ROW_NUMBER() OVER (PARTITION BY ${parentColumn} ORDER BY ${keysetOrderBy(order)}) AS page_row`));
    const numberedRows = await tx.all<R & { page_parent: string; page_row: number | string }>(tx.knex.select('*').from(numbered.as('numbered')).where('page_row', '<=', page.limit + 1));
    // In page_row order here (a stable sort; rows are grouped by parent below), not by a second SQL sort of every row.
    return numberedRows.sort((left, right) => toNumber(left.page_row) - toNumber(right.page_row));
  });
  const rowsByParent = new Map<string, R[]>(parentIds.map((id) => [id, []]));
  for (const row of rows) rowsByParent.get(row.page_parent)?.push(row);
  const pages = new Map<string, KeysetPage<T>>();
  for (const [parent, parentRows] of rowsByParent) pages.set(parent, toKeysetPage(parentRows, page.limit, order, toNode));
  return pages;
}

/** `SELECT parent, COUNT(*) ... GROUP BY parent` over chunks of parents; parents without rows count 0. */
export async function countPerParent(parentIds: readonly string[], count: (chunk: readonly string[]) => Promise<{ parent: string; total: number | string }[]>): Promise<Map<string, number>> {
  const counts = new Map<string, number>(parentIds.map((id) => [id, 0]));
  for (const row of await collectInChunks(parentIds, count)) counts.set(row.parent, toNumber(row.total));
  return counts;
}
