import type { Knex } from 'knex';
import type { AbstractSqlConnection } from '@mikro-orm/knex';
import { DomainError } from '../domain/errors';
import type { Orm } from './orm';
import { isConnectionLost, translateDriverError } from './driver-errors';
import { postgresSession } from './postgres-session';
import type { Bindings, Dialect, Session } from './session';
import { SqliteConnection, type SqliteHandle } from './sqlite-group-commit';

export type { Dialect } from './session';

/** Tries of a transaction that keeps losing lock races before the client is told to retry (503). */
const TRANSACTION_ATTEMPTS = 4;

type Query = Knex.QueryBuilder | Knex.Raw;
/** The table an INSERT, UPDATE or DELETE writes to. */
const WRITTEN_TABLE = /^\s*(?:insert\s+into|update|delete\s+from)\s+[`"]?(\w+)/i;

/**
 * One unit of work on the database: every query of a service call runs through it, inside the
 * transaction when there is one. Repositories either build queries with knex (compiled here, then run
 * with bound parameters) or, on hot paths, pass SQL text with `?` placeholders and its bindings.
 */
export class Tx {
  private readonly commitHooks: (() => void)[] = [];

  constructor(
    private readonly session: Session,
    readonly dialect: Dialect,
    readonly knex: Knex,
    private readonly onWrite: (tx: Tx, sql: string) => void,
  ) {}

  async all<T>(query: Query | string, bindings: Bindings = []): Promise<T[]> {
    const compiled = compile(query, bindings);
    return this.session.all<T>(compiled.sql, compiled.bindings);
  }

  async first<T>(query: Query | string, bindings: Bindings = []): Promise<T | undefined> {
    const rows = await this.all<T>(query, bindings);
    return rows[0];
  }

  /** Runs a statement; returns the rows it changed. */
  async run(query: Query | string, bindings: Bindings = []): Promise<number> {
    const compiled = compile(query, bindings);
    const changed = await this.session.run(compiled.sql, compiled.bindings);
    this.onWrite(this, compiled.sql);
    return changed;
  }

  /** Runs `hook` once the transaction has committed (outside a transaction: once the work is done); never after a rollback. */
  afterCommit(hook: () => void): void {
    this.commitHooks.push(hook);
  }

  /** @internal Called by Database when the work is durable. */
  committed(): void {
    for (const hook of this.commitHooks.splice(0)) hook();
  }
}

function compile(query: Query | string, bindings: Bindings): { sql: string; bindings: Bindings } {
  if (typeof query === 'string') return { sql: query, bindings };
  const native = query.toSQL() as unknown as Knex.Sql | Knex.Sql[];
  if (Array.isArray(native) && native.length !== 1) throw new Error('a query must compile to exactly one statement');
  const single = Array.isArray(native) ? native[0] : native;
  return { sql: single.sql, bindings: single.bindings ?? [] };
}

export class Database {
  readonly dialect: Dialect;
  readonly knex: Knex;
  private sqlite: SqliteConnection | undefined;
  private sqliteOpening: Promise<SqliteConnection> | undefined;
  private readonly log: (sql: string, bindings: Bindings) => void;
  private readonly writeWatchers: { readonly tables: ReadonlySet<string>; readonly hook: () => void }[] = [];

  constructor(readonly orm: Orm) {
    this.dialect = orm.config.get('clientUrl')?.startsWith('postgres') ? 'postgresql' : 'sqlite';
    this.knex = (orm.em.getConnection() as AbstractSqlConnection).getKnex();
    // The ORM's query log (debug mode, tests that count statements) sees every statement, as before.
    this.log = (sql, bindings) => {
      if (orm.config.get('debug')) orm.config.getLogger().logQuery({ query: sql, params: [...bindings], level: 'info' });
    };
  }

  /**
   * Calls `hook` after every commit (in this process) of a write to one of `tables`, whatever wrote it:
   * caches of those rows drop what they hold. Writes by other processes are not seen.
   */
  watchWrites(tables: readonly string[], hook: () => void): void {
    this.writeWatchers.push({ tables: new Set(tables), hook });
  }

  private readonly noteWrite = (tx: Tx, sql: string): void => {
    if (this.writeWatchers.length === 0) return;
    const table = WRITTEN_TABLE.exec(sql)?.[1]?.toLowerCase();
    if (table === undefined) return;
    for (const watcher of this.writeWatchers) if (watcher.tables.has(table)) tx.afterCommit(watcher.hook);
  };

  /** SQLite only: the file's change counter as this process's connection sees it (see SqliteConnection.dataVersion). */
  async sqliteDataVersion(): Promise<number> {
    return (await this.sqliteConnection()).dataVersion();
  }

  /** The connection knex's pool (of one) opened, with the pragmas set on it; taken once and used directly from then on. */
  private async sqliteConnection(): Promise<SqliteConnection> {
    if (this.sqlite) return this.sqlite;
    this.sqliteOpening ??= (async () => {
      const client = this.knex.client as { acquireConnection(): Promise<SqliteHandle>; releaseConnection(handle: SqliteHandle): Promise<void> };
      const handle = await client.acquireConnection();
      await client.releaseConnection(handle);
      this.sqlite = new SqliteConnection(handle, this.log);
      return this.sqlite;
    })();
    return this.sqliteOpening;
  }

  /**
   * Runs `work` in one transaction: all of it commits, or none of it does. A transaction that lost a
   * lock race (SQLite busy, PostgreSQL deadlock or serialization failure) is run again, so `work` must
   * not have effects outside the database (use `tx.afterCommit` for those).
   */
  async transaction<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return this.dialect === 'sqlite' ? await this.sqliteTransaction(work) : await this.postgresTransaction(work);
      } catch (caught) {
        // A connection lost at COMMIT reaches here untranslated.
        const error = isConnectionLost(caught) ? new DomainError('UNAVAILABLE', 'the database is busy or unreachable; retry shortly') : caught;
        if (!(error instanceof DomainError && error.code === 'UNAVAILABLE') || attempt >= TRANSACTION_ATTEMPTS) throw error;
        await new Promise((resolve) => setTimeout(resolve, attempt * 20 + Math.random() * 20));
      }
    }
  }

  /** BEGIN IMMEDIATE takes the write lock up front: no busy-snapshot failure half-way through the work. */
  private async sqliteTransaction<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    const connection = await this.sqliteConnection();
    const tx = new Tx(connection.owned, 'sqlite', this.knex, this.noteWrite);
    await connection.acquire(true);
    let unit: { result: T; committed: Promise<void> };
    try {
      unit = await connection.unitOfWork(() => work(tx));
    } finally {
      connection.release();
    }
    await unit.committed;
    tx.committed();
    return unit.result;
  }

  private async postgresTransaction<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    let tx: Tx | undefined;
    const result = await this.knex.transaction(async (trx) => {
      tx = new Tx(postgresSession(trx, this.log), 'postgresql', this.knex, this.noteWrite);
      return work(tx);
    }).catch((error: unknown) => {
      throw translateDriverError(error);
    });
    tx?.committed();
    return result;
  }

  /** SQLite's group commit so far: COMMITs run and the units of work they made durable (undefined on PostgreSQL). */
  sqliteCommits(): { readonly transactions: number; readonly units: number } | undefined {
    return this.sqlite ? { ...this.sqlite.commits } : undefined;
  }

  /** Runs `work` without a transaction: for reads whose statements need no common snapshot. */
  async read<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    const tx =
      this.dialect === 'sqlite' ? new Tx((await this.sqliteConnection()).shared, 'sqlite', this.knex, this.noteWrite) : new Tx(postgresSession(this.knex, this.log), 'postgresql', this.knex, this.noteWrite);
    const result = await work(tx);
    tx.committed();
    return result;
  }

  async ping(): Promise<void> {
    await this.read((tx) => tx.all('select 1 as ok'));
  }
}

