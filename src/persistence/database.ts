import type { Knex } from 'knex';
import type { Client as PgClient } from 'pg';
import type { AbstractSqlConnection } from '@mikro-orm/knex';
import { DomainError } from '../domain/errors';
import type { Orm } from './orm';
import { CommitOutcomeUnknown, isConnectionLost } from './driver-errors';
import { postgresAutocommitSession, PostgresTransactionSession, type PostgresPool } from './postgres-session';
import { KeyedQuery, type Query } from './keyed-query';
import { DEFAULT_READ_BUDGET_MS } from './read-budget';
import type { Bindings, Dialect, Session, Statement, StatementResult } from './session';
import { SqliteConnection, type SqliteHandle } from './sqlite-group-commit';
import { FilteredReads } from './filtered-reads';
import { SqliteReadPool } from './sqlite-read-pool';

export type { Dialect } from './session';

/** Tries of a transaction that keeps losing lock races before the client is told to retry (503). */
const TRANSACTION_ATTEMPTS = 4;

type AnyQuery = Query | string | KeyedQuery;
/** The table an INSERT, UPDATE or DELETE writes to. */
const WRITTEN_TABLE = /^\s*(?:insert\s+into|update|delete\s+from)\s+[`"]?(\w+)/i;

/** A statement queued in a unit of work, with who waits for its result (nobody for the write log's). */
interface Queued {
  readonly statement: Statement;
  readonly settle?: { resolve(result: StatementResult): void; reject(error: unknown): void };
  /** From the write log: nobody awaits it, so its failure fails the unit. */
  readonly logged?: true;
}

/**
 * One unit of work on the database: every query of a service call runs through it, inside the
 * transaction when there is one. Repositories either build queries with knex (compiled here, then run
 * with bound parameters) or, on hot paths, pass SQL text with `?` placeholders and its bindings.
 *
 * Statements go out in batches (one round trip on PostgreSQL): those issued in the same turn (reads
 * started together with Promise.all) share one, and the write log (`write`: statements whose outcome
 * nobody waits for, such as audit rows and outbox events) rides with the next statement or the COMMIT.
 * A failed logged write fails the unit at that point.
 */
export class Tx {
  private readonly commitHooks: (() => void)[] = [];
  private queued: Queued[] = [];
  private flushing = false;
  private failure: { error: unknown } | undefined;

  constructor(
    private readonly session: Session,
    readonly dialect: Dialect,
    readonly knex: Knex,
    private readonly onWrite: (tx: Tx, sql: string) => void,
    /** How long a read shaped by a tenant's filter may run (allWithinBudget). */
    readonly readBudgetMs: number,
    /** The line such reads outside a transaction go through; inside one they run at once (the unit holds its connection meanwhile, and must not wait behind reads that may need one). */
    private readonly filteredReads?: FilteredReads,
  ) {}

  async all<T>(query: AnyQuery, bindings: Bindings = []): Promise<T[]> {
    const result = await this.enqueue({ ...compile(query, bindings), rows: true });
    return result.rows as T[];
  }

  /**
   * A read whose cost the tenant's filter decides: refused with TOO_MANY past the read budget, not waited
   * for, and outside a transaction one of the tenant's at a time (see FilteredReads).
   */
  async allWithinBudget<T>(tenantId: string, query: Query | string, bindings: Bindings = []): Promise<T[]> {
    const compiled = compile(query, bindings);
    // What the unit queued so far goes first: the read must see it.
    await this.sendQueued();
    const read = () => this.session.allWithin<T>(compiled.sql, compiled.bindings, this.readBudgetMs);
    return this.filteredReads ? this.filteredReads.run(tenantId, read) : read();
  }

  async first<T>(query: AnyQuery, bindings: Bindings = []): Promise<T | undefined> {
    const rows = await this.all<T>(query, bindings);
    return rows[0];
  }

  /** Runs a statement; returns the rows it changed. */
  async run(query: AnyQuery, bindings: Bindings = []): Promise<number> {
    const compiled = compile(query, bindings);
    this.onWrite(this, compiled.sql);
    const result = await this.enqueue({ ...compiled, rows: false });
    return result.changed;
  }

  /**
   * Appends a write whose outcome nobody waits for to the unit's write log: it runs, in order, with
   * the unit's next statement or at its end (with the COMMIT), in the same round trip. `onChanged`
   * hears how many rows it changed, before the unit commits.
   */
  write(query: AnyQuery, bindings: Bindings = [], onChanged?: (changed: number) => void): void {
    const compiled = compile(query, bindings);
    this.onWrite(this, compiled.sql);
    const statement = { ...compiled, rows: false };
    this.queued.push(onChanged ? { statement, logged: true, settle: { resolve: (result) => onChanged(result.changed), reject: () => undefined } } : { statement, logged: true });
  }

  /** `write` for a statement with RETURNING: `onRows` hears its rows when the batch it travels in is back (at the latest, the COMMIT's). */
  writeReturning(query: AnyQuery, bindings: Bindings, onRows: (rows: readonly unknown[]) => void): void {
    const compiled = compile(query, bindings);
    this.onWrite(this, compiled.sql);
    const statement = { ...compiled, rows: true };
    this.queued.push({ statement, logged: true, settle: { resolve: (result) => onRows(result.rows), reject: () => undefined } });
  }

  /**
   * A read queued behind the write log: it sees every write queued before it, and travels with the
   * unit's next statement or its COMMIT, a round trip fewer than reading after the unit. Its failure
   * fails the unit.
   */
  readWithLog<T>(query: AnyQuery, bindings: Bindings = []): Promise<T[]> {
    const statement = { ...compile(query, bindings), rows: true };
    return new Promise<T[]>((resolve, reject) => {
      this.queued.push({ statement, logged: true, settle: { resolve: (result) => resolve(result.rows as T[]), reject } });
    });
  }

  /** Runs `hook` once the transaction has committed (outside a transaction: once the work is done); never after a rollback. */
  afterCommit(hook: () => void): void {
    this.commitHooks.push(hook);
  }

  /**
   * @internal Sends what is still queued (the write log's tail) through `last` (PostgreSQL: together
   * with the COMMIT), or through the session when `last` is not given.
   */
  async finish(last?: (statements: readonly Statement[]) => Promise<StatementResult[]>): Promise<void> {
    await this.sendQueued(last);
  }

  /** @internal Called by Database when the work is durable. */
  committed(): void {
    for (const hook of this.commitHooks.splice(0)) hook();
  }

  private async sendQueued(last?: (statements: readonly Statement[]) => Promise<StatementResult[]>): Promise<void> {
    if (this.failure) throw this.failure.error;
    const batch = this.queued;
    this.queued = [];
    if (batch.length > 0 || last) await this.send(batch, last);
  }

  private enqueue(statement: Statement): Promise<StatementResult> {
    if (this.failure) return Promise.reject(this.failure.error);
    return new Promise<StatementResult>((resolve, reject) => {
      this.queued.push({ statement, settle: { resolve, reject } });
      // In-process SQLite has no round trip to save: the statement (and the write log before it) runs now.
      if (!this.session.pipelined) {
        const batch = this.queued;
        this.queued = [];
        void this.send(batch).catch(() => undefined);
        return;
      }
      if (this.flushing) return;
      this.flushing = true;
      // Statements issued in this turn (Promise.all of reads, the write log before them) go together.
      queueMicrotask(() => {
        this.flushing = false;
        const batch = this.queued;
        this.queued = [];
        void this.send(batch).catch(() => undefined);
      });
    });
  }

  private async send(batch: readonly Queued[], via?: (statements: readonly Statement[]) => Promise<StatementResult[]>): Promise<void> {
    try {
      const statements = batch.map((item) => item.statement);
      const results = await (via ? via(statements) : this.session.batch(statements));
      batch.forEach((item, index) => item.settle?.resolve(results[index]));
    } catch (error) {
      // A failed read or awaited write is its caller's to handle; a failed logged write has no caller.
      if (batch.some((item) => item.logged)) this.failure ??= { error };
      for (const item of batch) item.settle?.reject(error);
      throw error;
    }
  }
}

function compile(query: AnyQuery, bindings: Bindings): { sql: string; bindings: Bindings; keyed: boolean } {
  if (query instanceof KeyedQuery) return { ...compile(query.query, bindings), keyed: true };
  if (typeof query === 'string') return { sql: query, bindings, keyed: false };
  const native = query.toSQL() as unknown as Knex.Sql | Knex.Sql[];
  if (Array.isArray(native) && native.length !== 1) throw new Error('a query must compile to exactly one statement');
  const single = Array.isArray(native) ? native[0] : native;
  return { sql: single.sql, bindings: single.bindings ?? [], keyed: false };
}

export class Database {
  readonly dialect: Dialect;
  readonly knex: Knex;
  private sqlite: SqliteConnection | undefined;
  private sqliteOpening: Promise<SqliteConnection> | undefined;
  private readonly log: (sql: string, bindings: Bindings) => void;
  private readonly writeWatchers: { readonly tables: ReadonlySet<string>; readonly hook: () => void }[] = [];
  /** PostgreSQL connections straight from knex's pool: statements skip knex's query runner. */
  private readonly pool: PostgresPool;
  /** SQLite: the thread budgeted reads run on (see SqliteReadPool). */
  private readonly sqliteReaders: SqliteReadPool | undefined;
  private readonly filteredReads: FilteredReads;

  constructor(
    readonly orm: Orm,
    /** See Tx.readBudgetMs (FILTER_READ_BUDGET_MS). */
    private readonly readBudgetMs = DEFAULT_READ_BUDGET_MS,
  ) {
    this.dialect = orm.config.get('clientUrl')?.startsWith('postgres') ? 'postgresql' : 'sqlite';
    this.knex = (orm.em.getConnection() as AbstractSqlConnection).getKnex();
    this.sqliteReaders = this.dialect === 'sqlite' ? new SqliteReadPool() : undefined;
    this.filteredReads = new FilteredReads();
    // The ORM's query log (debug mode, tests that count statements) sees every statement, as before.
    this.log = (sql, bindings) => {
      if (orm.config.get('debug')) orm.config.getLogger().logQuery({ query: sql, params: [...bindings], level: 'info' });
    };
    const client = this.knex.client as { acquireConnection(): Promise<PgClient>; releaseConnection(connection: PgClient): Promise<void> };
    this.pool = { acquire: () => client.acquireConnection(), release: (connection) => client.releaseConnection(connection) };
  }

  /** The pool's connections in use, idle, and acquisitions waiting (SQLite: its one connection, always in use). */
  poolUse(): { used: number; free: number; pending: number } {
    const pool = (this.knex.client as { pool?: { numUsed(): number; numFree(): number; numPendingAcquires(): number } }).pool;
    if (this.dialect === 'sqlite' || !pool) return { used: 1, free: 0, pending: 0 };
    return { used: pool.numUsed(), free: pool.numFree(), pending: pool.numPendingAcquires() };
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
      this.sqlite = new SqliteConnection(handle, this.log, this.sqliteReaders);
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
        if (!(error instanceof DomainError && error.code === 'UNAVAILABLE') || error instanceof CommitOutcomeUnknown || attempt >= TRANSACTION_ATTEMPTS) throw error;
        await new Promise((resolve) => setTimeout(resolve, attempt * 20 + Math.random() * 20));
      }
    }
  }

  /** BEGIN IMMEDIATE takes the write lock up front: no busy-snapshot failure half-way through the work. */
  private async sqliteTransaction<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    const connection = await this.sqliteConnection();
    const tx = new Tx(connection.owned, 'sqlite', this.knex, this.noteWrite, this.readBudgetMs);
    await connection.acquire(true);
    let unit: { result: T; committed: Promise<void> };
    try {
      unit = await connection.unitOfWork(async () => {
        const result = await work(tx);
        await tx.finish();
        return result;
      });
    } finally {
      connection.release();
    }
    await unit.committed;
    tx.committed();
    return unit.result;
  }

  private async postgresTransaction<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    const session = new PostgresTransactionSession(this.pool, this.log);
    const tx = new Tx(session, 'postgresql', this.knex, this.noteWrite, this.readBudgetMs);
    let result: T;
    try {
      result = await work(tx);
      await tx.finish((statements) => session.commit(statements));
    } catch (error) {
      await session.close(true);
      throw error;
    }
    await session.close(false);
    tx.committed();
    return result;
  }

  /** SQLite's group commit so far: COMMITs run and the units of work they made durable (undefined on PostgreSQL). */
  sqliteCommits(): { readonly transactions: number; readonly units: number } | undefined {
    return this.sqlite ? { ...this.sqlite.commits } : undefined;
  }

  /** Runs `work` without a transaction: for reads whose statements need no common snapshot. */
  async read<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    const tx =
      this.dialect === 'sqlite' ? new Tx((await this.sqliteConnection()).shared, 'sqlite', this.knex, this.noteWrite, this.readBudgetMs, this.filteredReads) : new Tx(postgresAutocommitSession(this.pool, this.log), 'postgresql', this.knex, this.noteWrite, this.readBudgetMs, this.filteredReads);
    const result = await work(tx);
    await tx.finish();
    tx.committed();
    return result;
  }

  /** Ends the SQLite reader thread; the ORM's connections are the ORM's to close. */
  async close(): Promise<void> {
    await this.sqliteReaders?.close();
  }

  async ping(): Promise<void> {
    await this.read((tx) => tx.all('select 1 as ok'));
  }
}

