import { foldText, stripDefaultIgnorables, valueKey } from '../domain/text';
import { nameSkeletonKey } from '../domain/identity/confusable-skeleton';

/** Runs one statement in the migration's transaction and returns its rows. */
export type MigrationExecute = (sql: string, params: unknown[]) => Promise<Record<string, unknown>[]>;

/** One table whose stored matching keys are recomputed from its own columns. */
interface KeyedTable {
  readonly table: string;
  readonly primaryKey: readonly string[];
  /** Columns read per row, besides the primary key. */
  readonly reads: readonly string[];
  /** The key columns' new values for a row. */
  keys(row: Record<string, unknown>): Record<string, unknown>;
  /** A key column unique per tenant: a new value another row holds keeps this row's old one. */
  readonly uniqueKey?: string;
}

const nullable = (value: unknown, change: (text: string) => string) => (typeof value === 'string' ? change(value) : value);

const TABLES: readonly KeyedTable[] = [
  {
    table: 'users',
    primaryKey: ['tenant_id', 'id'],
    reads: ['user_name', 'user_name_norm', 'user_name_skeleton', 'external_id'],
    keys: (row) => ({
      user_name_norm: foldText(String(row.user_name)),
      user_name_skeleton: nameSkeletonKey(String(row.user_name)),
      external_id: nullable(row.external_id, stripDefaultIgnorables),
    }),
    uniqueKey: 'user_name_norm',
  },
  {
    table: 'groups',
    primaryKey: ['tenant_id', 'id'],
    reads: ['display_name', 'display_name_norm', 'external_id'],
    keys: (row) => ({ display_name_norm: foldText(String(row.display_name)), external_id: nullable(row.external_id, stripDefaultIgnorables) }),
    uniqueKey: 'display_name_norm',
  },
  {
    table: 'user_emails',
    primaryKey: ['tenant_id', 'user_id', 'position'],
    reads: ['value', 'value_norm'],
    keys: (row) => ({ value_norm: foldText(String(row.value)) }),
  },
  {
    table: 'user_values',
    primaryKey: ['tenant_id', 'user_id', 'field_key', 'position'],
    reads: ['value_text'],
    // The mapped value itself is JSON; its folded text is refolded (folding twice changes nothing else).
    keys: (row) => ({ value_text: nullable(row.value_text, valueKey) }),
  },
];

/** Added after the refold: groups' skeletons (GROUP_NAME_LOOKALIKE), and users' cut to the key length. */
const NAME_SKELETONS: readonly KeyedTable[] = [
  {
    table: 'users',
    primaryKey: ['tenant_id', 'id'],
    reads: ['user_name', 'user_name_skeleton'],
    keys: (row) => ({ user_name_skeleton: nameSkeletonKey(String(row.user_name)) }),
  },
  {
    table: 'groups',
    primaryKey: ['tenant_id', 'id'],
    reads: ['display_name', 'display_name_skeleton'],
    keys: (row) => ({ display_name_skeleton: nameSkeletonKey(String(row.display_name)) }),
  },
];

const BATCH = 1000;

export interface RefoldReport {
  /** Rows whose keys changed, per table. */
  readonly changed: Record<string, number>;
  /** Rows that kept their old unique key because another row of the tenant already had the new one. */
  readonly kept: { readonly table: string; readonly tenantId: string; readonly id: string }[];
}

/**
 * Recomputes the stored matching keys after the fold changed (issue 13: default-ignorable characters
 * removed) and fills users' skeletons. Nothing is lost: a row whose new unique key another row of its
 * tenant already holds keeps its old key (both stay reachable, and the look-alike warning lists them).
 */
export async function refoldStoredKeys(execute: MigrationExecute, quote: (name: string) => string): Promise<RefoldReport> {
  return recomputeKeys(execute, quote, TABLES);
}

/**
 * Fills the skeletons of the groups' displayNames stored before groups had them, and cuts users'
 * skeletons stored whole (before keys were cut) to the key length, so both compare as new rows do.
 */
export async function fillNameSkeletons(execute: MigrationExecute, quote: (name: string) => string): Promise<RefoldReport> {
  return recomputeKeys(execute, quote, NAME_SKELETONS);
}

/** Reads in primary-key order, a batch at a time, and writes only rows whose keys change. */
async function recomputeKeys(execute: MigrationExecute, quote: (name: string) => string, tables: readonly KeyedTable[]): Promise<RefoldReport> {
  const changed: Record<string, number> = {};
  const kept: RefoldReport['kept'] = [];
  for (const spec of tables) {
    changed[spec.table] = 0;
    const keyList = spec.primaryKey.map(quote).join(', ');
    const columns = [...spec.primaryKey, ...spec.reads].map(quote).join(', ');
    let after: unknown[] | undefined;
    for (;;) {
      const where = after ? `WHERE (${keyList}) > (${after.map(() => '?').join(', ')})` : '';
      const rows = await execute(`SELECT ${columns} FROM ${quote(spec.table)} ${where} ORDER BY ${keyList} LIMIT ${BATCH}`, after ?? []);
      if (rows.length === 0) break;
      for (const row of rows) {
        const keys = spec.keys(row);
        if (spec.uniqueKey && keys[spec.uniqueKey] !== row[spec.uniqueKey]) {
          const holders = await execute(`SELECT 1 FROM ${quote(spec.table)} WHERE ${quote('tenant_id')} = ? AND ${quote(spec.uniqueKey)} = ?`, [row.tenant_id, keys[spec.uniqueKey]]);
          if (holders.length > 0) {
            keys[spec.uniqueKey] = row[spec.uniqueKey];
            kept.push({ table: spec.table, tenantId: String(row.tenant_id), id: String(row.id) });
          }
        }
        const names = Object.keys(keys).filter((name) => keys[name] !== row[name]);
        if (names.length === 0) continue;
        await execute(
          `UPDATE ${quote(spec.table)} SET ${names.map((name) => `${quote(name)} = ?`).join(', ')} WHERE ${spec.primaryKey.map((name) => `${quote(name)} = ?`).join(' AND ')}`,
          [...names.map((name) => keys[name]), ...spec.primaryKey.map((name) => row[name])],
        );
        changed[spec.table] += 1;
      }
      after = spec.primaryKey.map((name) => rows[rows.length - 1][name]);
    }
  }
  return { changed, kept };
}
