/**
 * Runs on the SQLite reader thread (see sqlite-read-pool.ts): a read whose cost a tenant's filter
 * decides, on a read-only connection of this thread's own, stopped by the per-row budget function.
 */
import { SQLITE_BUDGET_FUNCTION } from './read-budget';

interface ReaderStatement {
  all(bindings: readonly unknown[]): unknown[];
}

interface ReaderHandle {
  prepare(sql: string): ReaderStatement;
  pragma(statement: string): unknown;
  function(name: string, options: { deterministic: boolean }, implementation: () => number): unknown;
}

type OpenReader = new (file: string, options: { readonly: boolean; fileMustExist: boolean }) => ReaderHandle;

/** better-sqlite3 ships no types; the ORM's driver depends on it. */
const BetterSqlite = require('better-sqlite3') as OpenReader;

/** Statement texts kept prepared per connection. */
const STATEMENT_CACHE_SIZE = 200;

export interface ReadInput {
  readonly file: string;
  readonly sql: string;
  readonly bindings: readonly unknown[];
  readonly budgetMs: number;
}

export type ReadOutput = { readonly rows: unknown[] } | { readonly exceeded: true };

class BudgetExceeded extends Error {}

let deadline: number | undefined;
const readers = new Map<string, { handle: ReaderHandle; statements: Map<string, ReaderStatement> }>();

function readerOf(file: string) {
  let reader = readers.get(file);
  if (!reader) {
    const handle = new BetterSqlite(file, { readonly: true, fileMustExist: true });
    handle.pragma('busy_timeout = 10000');
    handle.function(SQLITE_BUDGET_FUNCTION, { deterministic: false }, () => {
      if (deadline !== undefined && performance.now() > deadline) throw new BudgetExceeded();
      return 1;
    });
    reader = { handle, statements: new Map() };
    readers.set(file, reader);
  }
  return reader;
}

export function readRows(input: ReadInput): ReadOutput {
  const reader = readerOf(input.file);
  let statement = reader.statements.get(input.sql);
  if (!statement) {
    statement = reader.handle.prepare(input.sql);
    if (reader.statements.size >= STATEMENT_CACHE_SIZE) reader.statements.delete(reader.statements.keys().next().value as string);
    reader.statements.set(input.sql, statement);
  }
  deadline = performance.now() + input.budgetMs;
  try {
    return { rows: statement.all(input.bindings) };
  } catch (error) {
    if (error instanceof BudgetExceeded) return { exceeded: true };
    throw error;
  } finally {
    deadline = undefined;
  }
}
