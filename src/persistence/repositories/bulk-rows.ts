/**
 * Set-at-a-time reads and writes for the bulk import: multi-row INSERTs and lookups of many keys per
 * statement, run in the caller's transaction. The per-resource repositories stay the SCIM write path.
 */
import type { GroupMember, MemberType } from '../../domain/groups/group';
import type { Tx } from '../database';
import { keyed } from '../keyed-query';
import { parseJsonColumn } from '../column-values';
import type { EntityTable } from '../entity-table';
import { buildInsertText, insertText } from '../sql-text';
import { TABLES } from '../tables';
import { collectInChunks, type ResourceRow } from './resource-rows';

/** Bound parameters per statement: under SQLite's 32,766 and PostgreSQL's 65,535. */
const MAX_PARAMETERS = 30_000;
/**
 * Rows per statement on SQLite. Its statements stay prepared per text, so the row counts a bulk write
 * uses are kept to a few: full statements of this many rows, the rest in statements of powers of two
 * (at most 9 texts per table). Any count would prepare (and cache) a program of tens of thousands of
 * parameters per distinct remainder; beyond a few hundred rows a statement gets no faster per row.
 */
const SQLITE_ROWS_PER_STATEMENT = 256;

/** Row counts of the statements that write `rows` rows: as many full ones as fit, then (SQLite) powers of two. */
export function statementSizes(dialect: Tx['dialect'], rows: number, columns: number): number[] {
  const full = Math.max(1, Math.floor(MAX_PARAMETERS / columns));
  const sizes: number[] = [];
  if (dialect !== 'sqlite') {
    for (let left = rows; left > 0; left -= full) sizes.push(Math.min(full, left));
    return sizes;
  }
  const largest = Math.min(full, SQLITE_ROWS_PER_STATEMENT);
  let left = rows;
  for (; left >= largest; left -= largest) sizes.push(largest);
  for (let size = 2 ** Math.floor(Math.log2(largest)); left > 0; size /= 2) {
    if (left >= size) {
      sizes.push(size);
      left -= size;
    }
  }
  return sizes;
}

/**
 * Inserts `rows` (these properties of each) with as few statements as the parameter limit allows
 * (SQLite: of a few remembered shapes). With `ignoreConflictOn`, rows that collide on that unique key are skipped.
 */
export async function insertRows<Row extends object, P extends keyof Row & string>(
  tx: Tx,
  table: EntityTable<Row>,
  properties: readonly P[],
  rows: readonly Pick<Row, P>[],
  options: { ignoreConflictOn?: readonly P[] } = {},
): Promise<void> {
  if (rows.length === 0) return;
  const columns = table.names(properties);
  const binders = properties.map((property) => table.binder(property));
  const suffix = options.ignoreConflictOn ? `ON CONFLICT (${table.names(options.ignoreConflictOn).join(', ')}) DO NOTHING` : '';
  let start = 0;
  for (const size of statementSizes(tx.dialect, rows.length, columns.length)) {
    const bindings = new Array<unknown>(size * columns.length);
    let at = 0;
    for (let index = start; index < start + size; index += 1) {
      const row = rows[index];
      for (let column = 0; column < properties.length; column += 1) bindings[at++] = binders[column](row[properties[column]]);
    }
    start += size;
    tx.write(tx.dialect === 'sqlite' ? insertText(table.name, columns, size, suffix) : keyed(buildInsertText(table.name, columns, size, suffix)), bindings);
  }
}

/**
 * Settings of the import's own SQLite connection (the CLI's process; the server is not affected):
 * - a 64 MB page cache instead of 2 MB: the import writes indexes hundreds of MB large and would re-read
 *   their pages from the OS on every chunk;
 * - checkpoints every 64 MB of WAL instead of 4 MB: index pages rewritten by many chunks are copied into
 *   the database file once per checkpoint, not once per chunk;
 * - `synchronous = NORMAL`: a commit is not flushed to disk before the next chunk starts. A power loss
 *   can lose the last chunks (never corrupt the file), and the import is idempotent: running the file
 *   again writes what was lost.
 * PostgreSQL sizes and flushes server-side.
 */
export async function tuneSqliteForImport(tx: Tx): Promise<void> {
  if (tx.dialect !== 'sqlite') return;
  for (const pragma of ['cache_size = -65536', 'wal_autocheckpoint = 16384', 'synchronous = NORMAL']) await tx.run(tx.knex.raw(`pragma ${pragma}`));
}

/** A stored user or group as the import compares it with a line of the file. */
export interface ExistingResourceRow {
  readonly id: string;
  /** Folded userName or displayName. */
  readonly nameNorm: string;
  readonly externalId: string | null;
  readonly raw: Record<string, unknown>;
  readonly version: number;
  readonly active: boolean;
  readonly createdAt: number;
}

/** Rows of a resource table whose `key` property is one of `keys`, these properties of each. */
async function selectByKey<Row extends ResourceRow, P extends keyof Row & string>(tx: Tx, table: EntityTable<Row>, properties: readonly P[], tenantId: string, key: keyof Row & string, keys: readonly string[]): Promise<Required<Pick<Row, P>>[]> {
  const columns = table.names(properties);
  const [column] = table.names([key]);
  const rows = await collectInChunks(keys, (chunk) => tx.all<Record<string, unknown>>(tx.knex(table.name).select(columns).where('tenant_id', tenantId).whereIn(column, [...chunk])));
  return rows.map(table.reader(tx.dialect, properties));
}

/** Users or groups of the tenant whose folded name or externalId is one of those given (by the unique name index and the externalId index). */
export async function findResourcesByKeys(tx: Tx, table: 'users' | 'groups', tenantId: string, nameNorms: readonly string[], externalIds: readonly string[]): Promise<ExistingResourceRow[]> {
  const found: ExistingResourceRow[] = [];
  if (table === 'users') {
    const properties = ['id', 'userNameNorm', 'externalId', 'raw', 'version', 'active', 'createdAt'] as const;
    for (const [key, keys] of [['userNameNorm', nameNorms], ['externalId', externalIds]] as const) {
      for (const row of await selectByKey(tx, TABLES.users, properties, tenantId, key, keys)) found.push({ ...row, nameNorm: row.userNameNorm, externalId: row.externalId ?? null });
    }
  } else {
    const properties = ['id', 'displayNameNorm', 'externalId', 'raw', 'version', 'createdAt'] as const;
    for (const [key, keys] of [['displayNameNorm', nameNorms], ['externalId', externalIds]] as const) {
      for (const row of await selectByKey(tx, TABLES.groups, properties, tenantId, key, keys)) found.push({ ...row, nameNorm: row.displayNameNorm, externalId: row.externalId ?? null, active: true });
    }
  }
  const unique = new Map<string, ExistingResourceRow>();
  for (const row of found) if (!unique.has(row.id)) unique.set(row.id, row);
  return [...unique.values()];
}

/** Raw resources of users by id (re-mapping after membership changes). */
export async function usersRawByIds(tx: Tx, tenantId: string, ids: readonly string[]): Promise<Map<string, Record<string, unknown>>> {
  const rows = await collectInChunks(ids, (chunk) => tx.all<{ id: string; raw: unknown }>(tx.knex('users').select('id', 'raw').where('tenant_id', tenantId).whereIn('id', [...chunk])));
  return new Map(rows.map((row) => [row.id, parseJsonColumn<Record<string, unknown>>(row.raw)]));
}

/** Ids of the tenant's users with these folded userNames. */
export async function userIdsByNameNorms(tx: Tx, tenantId: string, nameNorms: readonly string[]): Promise<Map<string, string>> {
  const rows = await collectInChunks(nameNorms, (chunk) =>
    tx.all<{ id: string; user_name_norm: string }>(tx.knex('users').select('id', 'user_name_norm').where('tenant_id', tenantId).whereIn('user_name_norm', [...chunk])),
  );
  return new Map(rows.map((row) => [row.user_name_norm, row.id]));
}

/** Ids of the tenant's users by externalId (not unique: every holder is listed). */
export async function userIdsByExternalIds(tx: Tx, tenantId: string, externalIds: readonly string[]): Promise<Map<string, string[]>> {
  const rows = await collectInChunks(externalIds, (chunk) =>
    tx.all<{ id: string; external_id: string }>(tx.knex('users').select('id', 'external_id').where('tenant_id', tenantId).whereIn('external_id', [...chunk])),
  );
  const ids = new Map<string, string[]>();
  for (const row of rows) ids.set(row.external_id, [...(ids.get(row.external_id) ?? []), row.id]);
  return ids;
}

/** A group's members that did not come from an assignment rule, read in keyset pages of the primary key. */
export async function nonRuleMembersOf(tx: Tx, tenantId: string, groupId: string): Promise<GroupMember[]> {
  const members: GroupMember[] = [];
  const page = 5000;
  for (let after: string | undefined; ; ) {
    const query = tx.knex('group_members').select('member_id', 'member_type', 'display', 'source').where({ tenant_id: tenantId, group_id: groupId }).orderBy('member_id').limit(page);
    if (after !== undefined) query.andWhere('member_id', '>', after);
    const rows = await tx.all<{ member_id: string; member_type: string; display: string | null; source: string }>(query);
    for (const row of rows) if (row.source !== 'rule') members.push({ value: row.member_id, type: row.member_type as MemberType, display: row.display });
    if (rows.length < page) return members;
    after = rows[rows.length - 1].member_id;
  }
}
