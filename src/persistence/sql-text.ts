/**
 * SQL text for the hot paths, written once per shape: the same text comes back for the same table,
 * columns and row count, so SQLite reuses its prepared statement and PostgreSQL gets bound parameters.
 * Names come from code, never from input; values always travel as `?` bindings.
 */
import { KeyedQuery } from './keyed-query';

const texts = new Map<string, string>();
const keyedQueries = new Map<string, KeyedQuery>();

function memo(key: string, build: () => string): string {
  let text = texts.get(key);
  if (text === undefined) {
    text = build();
    texts.set(key, text);
  }
  return text;
}

/** `?, ?, ?` for `count` values. */
export function placeholders(count: number): string {
  return memo(`p${count}`, () => new Array<string>(count).fill('?').join(', '));
}

/** `INSERT INTO table (columns) VALUES (...), (...)` for `rows` rows, plus `suffix` (ON CONFLICT ...); not remembered. */
export function buildInsertText(table: string, columns: readonly string[], rows: number, suffix = ''): string {
  const row = `(${placeholders(columns.length)})`;
  return `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${new Array<string>(rows).fill(row).join(', ')}${suffix ? ` ${suffix}` : ''}`;
}

/** `buildInsertText`, remembered and keyed (an insert of values): for the hot paths' few shapes (bulk writes of any row count build theirs each time). */
export function insertText(table: string, columns: readonly string[], rows: number, suffix = ''): KeyedQuery {
  return keyedSqlText(`i|${table}|${columns.join(',')}|${rows}|${suffix}`, () => buildInsertText(table, columns, rows, suffix));
}

/** `UPDATE table SET a = ?, b = ? WHERE tenant_id = ? AND id = ?`, keyed. */
export function updateByIdText(table: string, columns: readonly string[]): KeyedQuery {
  return keyedSqlText(`u|${table}|${columns.join(',')}`, () => `UPDATE ${table} SET ${columns.map((column) => `${column} = ?`).join(', ')} WHERE tenant_id = ? AND id = ?`);
}

/** Any other text built from code-side names only, memoised under `key`. */
export function sqlText(key: string, build: () => string): string {
  return memo(key, build);
}

/** `sqlText` for a keyed statement (see keyed-query.ts): the text and its mark, memoised under `key`. */
export function keyedSqlText(key: string, build: () => string): KeyedQuery {
  let query = keyedQueries.get(key);
  if (query === undefined) {
    query = new KeyedQuery(build());
    keyedQueries.set(key, query);
  }
  return query;
}
