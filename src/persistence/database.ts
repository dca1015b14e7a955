import { KnexTimeoutError, type Knex } from 'knex';
import {
  DeadlockException,
  DriverException,
  LockWaitTimeoutException,
  UniqueConstraintViolationException,
  ConnectionException,
} from '@mikro-orm/core';
import type { AbstractSqlConnection } from '@mikro-orm/knex';
import { DomainError } from '../domain/errors';
import type { Orm } from './orm';

export type Dialect = 'sqlite' | 'postgresql';

/** Tries of a transaction that keeps losing lock races before the client is told to retry (503). */
const TRANSACTION_ATTEMPTS = 4;
/** Units of work committed together at most: bounds how long the first of a group waits for its COMMIT. */
const MAX_GROUP = 32;
/** Distinct statement texts kept prepared on the SQLite connection (id lists of varying length make new texts). */
const STATEMENT_CACHE_SIZE = 1000;

type Query = Knex.QueryBuilder | Knex.Raw;
/** The table an INSERT, UPDATE or DELETE writes to. */
const WRITTEN_TABLE = /^\s*(?:insert\s+into|update|delete\s+from)\s+[`"]?(\w+)/i;
type Bindings = readonly unknown[];

/** Where a unit of work sends its statements: the shared connection, or one transaction. */
interface Session {
  all<T>(sql: string, bindings: Bindings): Promise<T[]>;
  run(sql: string, bindings: Bindings): Promise<number>;
}

/** The parts of a better-sqlite3 connection used here (the hub reaches it through knex's pool). */
interface SqliteStatement {
  readonly reader: boolean;
  all(bindings: unknown[]): unknown[];
  run(bindings: unknown[]): { changes: number };
  raw(toggle: boolean): SqliteStatement;
  columns(): { name: string }[];
}

/** A kept statement; a reader returns rows as arrays (`raw`), made into objects by `toRow`. */
interface PreparedStatement {
  readonly statement: SqliteStatement;
  readonly toRow: ((values: unknown[]) => unknown) | undefined;
}

/**
 * Builds row objects for a statement's columns. better-sqlite3 makes each row object through V8's C++
 * API, property by property; an object literal of fixed shape costs about half as much per row (a page of
 * 100 wide users: 0.4 ms -> 0.2 ms). A later column of the same name wins, as in better-sqlite3's objects.
 */
function rowFactory(names: readonly string[]): (values: unknown[]) => unknown {
  if (names.includes('__proto__')) {
    // A literal would set the prototype instead of a property.
    return (values) => Object.fromEntries(names.map((name, index) => [name, values[index]]));
  }
  // The names are the statement's own column names, quoted as JSON string literals.
  return new Function('values', `return { ${names.map((name, index) => `${JSON.stringify(name)}: values[${index}]`).join(', ')} };`) as (values: unknown[]) => unknown;
}
interface SqliteHandle {
  prepare(sql: string): SqliteStatement;
  readonly inTransaction: boolean;
  readonly name: string;
  readonly open: boolean;
}

/**
 * The text SQLite prepares for `sql`: a bound LIMIT or OFFSET becomes `+?`. SQLite's planner reads a bare
 * bound LIMIT as a value to plan with, which made each execution cost about 7 µs more than the lookup
 * itself (3.49: 9.8 µs vs 3.1 µs for a `userName eq` miss); as an expression it is just evaluated.
 */
function sqliteText(sql: string): string {
  return sql.replace(/\b(LIMIT|OFFSET) \?/gi, '$1 +?');
}

/** The connections this process holds open, by database file. */
const sqliteHandlesByFile = new Map<string, Set<SqliteHandle>>();

/**
 * Whether `handle` is this process's only open connection to its file. A second one (two app instances
 * in one process, as tests run them) must not find a COMMIT postponed by the first: its BEGIN would wait
 * in SQLite's busy handler, which holds the thread the first needs to commit.
 */
function aloneOnFile(handle: SqliteHandle): boolean {
  const handles = sqliteHandlesByFile.get(handle.name);
  if (!handles || handle.name === ':memory:' || handle.name === '') return true;
  let open = 0;
  for (const other of handles) {
    if (other.open) open += 1;
    else handles.delete(other);
  }
  return open <= 1;
}

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

/** better-sqlite3 binds neither booleans nor dates nor undefined; knex stored them as these. */
function sqliteBindings(bindings: Bindings): unknown[] {
  const values = new Array<unknown>(bindings.length);
  for (let index = 0; index < bindings.length; index += 1) {
    const value = bindings[index];
    values[index] = typeof value === 'boolean' ? (value ? 1 : 0) : value === undefined ? null : value instanceof Date ? value.getTime() : value;
  }
  return values;
}

/**
 * The single SQLite connection: statements are prepared once per text and kept (better-sqlite3 runs
 * them synchronously, so a prepared statement is the whole cost of a query). The connection is taken
 * in turn: a statement outside a transaction waits while one is open, so it never reads another
 * request's uncommitted rows.
 *
 * Write transactions commit in groups: each unit of work runs in a SAVEPOINT of one BEGIN IMMEDIATE
 * transaction that stays open while further units are queued (up to MAX_GROUP), then one COMMIT makes
 * them all durable with one WAL write and, under synchronous=FULL, one fsync. A unit that fails rolls
 * back to its savepoint alone; no unit's caller hears "done" before the COMMIT. better-sqlite3 runs the
 * COMMIT (and its fsync) on the event loop, so the requests that arrive meanwhile are read together
 * afterwards: the COMMIT waits for them by one turn of the loop (see release).
 */
class SqliteConnection {
  private readonly statements = new Map<string, PreparedStatement>();
  private held = false;
  private readonly waiting: { readonly resume: () => void; readonly write: boolean }[] = [];
  /** Units of work done in the open transaction, waiting for its COMMIT; undefined when none is open. */
  private group: { resolve: () => void; reject: (error: unknown) => void }[] | undefined;
  readonly commits = { transactions: 0, units: 0 };

  constructor(
    private readonly handle: SqliteHandle,
    private readonly log: (sql: string, bindings: Bindings) => void,
  ) {}

  execute(sql: string, bindings: Bindings, mode: 'all' | 'run'): unknown[] | number {
    this.log(sql, bindings);
    let prepared = this.statements.get(sql);
    try {
      if (!prepared) {
        const statement = this.handle.prepare(sqliteText(sql));
        prepared = statement.reader ? { statement: statement.raw(true), toRow: rowFactory(statement.columns().map((column) => column.name)) } : { statement, toRow: undefined };
        if (this.statements.size >= STATEMENT_CACHE_SIZE) this.statements.delete(this.statements.keys().next().value as string);
        this.statements.set(sql, prepared);
      }
      const { statement, toRow } = prepared;
      if (mode === 'all' && toRow) {
        const rows = statement.all(sqliteBindings(bindings)) as unknown[][];
        const objects = new Array<unknown>(rows.length);
        for (let index = 0; index < rows.length; index += 1) objects[index] = toRow(rows[index]);
        return objects;
      }
      const result = statement.run(sqliteBindings(bindings));
      return mode === 'all' ? [] : result.changes;
    } catch (error) {
      throw translateDriverError(error);
    }
  }

  async acquire(write: boolean): Promise<void> {
    if (!this.held) {
      this.held = true;
      return;
    }
    await new Promise<void>((resume) => this.waiting.push({ resume, write }));
  }

  /**
   * Hands the connection to the next waiter; commits the open group first unless that waiter is another
   * unit of work. With nobody waiting, the COMMIT waits one turn of the event loop (the connection stays
   * taken meanwhile): requests read in the same turn reach their transaction and share the one fsync.
   * Not when another connection of this process shares the file (see aloneOnFile).
   */
  release(): void {
    if (this.group && this.waiting.length === 0 && aloneOnFile(this.handle)) {
      setImmediate(() => this.handOver());
      return;
    }
    this.handOver();
  }

  private handOver(): void {
    const next = this.waiting.shift();
    if (this.group && !(next?.write && this.group.length < MAX_GROUP)) this.commitGroup();
    if (next) next.resume();
    else this.held = false;
  }

  /** Runs one unit of work in the open group (opening one if needed); resolves once its group has committed. */
  async unitOfWork<T>(work: () => Promise<T>): Promise<{ result: T; committed: Promise<void> }> {
    if (!this.group) {
      this.execute('BEGIN IMMEDIATE', [], 'run');
      this.group = [];
    }
    // The first unit of a group needs no savepoint: if it fails, the whole transaction is its own to roll back.
    const alone = this.group.length === 0;
    if (!alone) this.execute('SAVEPOINT unit_of_work', [], 'run');
    let result: T;
    try {
      result = await work();
      if (!alone) this.execute('RELEASE unit_of_work', [], 'run');
    } catch (error) {
      this.undoUnit(alone);
      throw error;
    }
    const group = this.group;
    const committed = new Promise<void>((resolve, reject) => group.push({ resolve, reject }));
    return { result, committed };
  }

  /** Rolls back the failed unit; if SQLite already rolled back the whole transaction, the group's other units are lost and retried. */
  private undoUnit(alone: boolean): void {
    if (alone || !this.handle.inTransaction) {
      if (this.handle.inTransaction) this.execute('ROLLBACK', [], 'run');
      const lost = this.group ?? [];
      this.group = undefined;
      for (const unit of lost) unit.reject(new DomainError('UNAVAILABLE', 'the transaction was rolled back; retry shortly'));
      return;
    }
    this.execute('ROLLBACK TO unit_of_work', [], 'run');
    this.execute('RELEASE unit_of_work', [], 'run');
  }

  private commitGroup(): void {
    const group = this.group ?? [];
    this.group = undefined;
    try {
      this.execute('COMMIT', [], 'run');
    } catch (error) {
      if (this.handle.inTransaction) this.execute('ROLLBACK', [], 'run');
      for (const unit of group) unit.reject(error);
      return;
    }
    this.commits.transactions += 1;
    this.commits.units += group.length;
    for (const unit of group) unit.resolve();
  }

  /** A session for statements outside any transaction. */
  readonly shared: Session = {
    all: async <T>(sql: string, bindings: Bindings) => this.outside(() => this.execute(sql, bindings, 'all') as T[]),
    run: async (sql: string, bindings: Bindings) => this.outside(() => this.execute(sql, bindings, 'run') as number),
  };

  /** A session inside the transaction this caller holds. */
  readonly owned: Session = {
    all: async <T>(sql: string, bindings: Bindings) => this.execute(sql, bindings, 'all') as T[],
    run: async (sql: string, bindings: Bindings) => this.execute(sql, bindings, 'run') as number,
  };

  private async outside<T>(work: () => T): Promise<T> {
    if (!this.held) return work();
    await this.acquire(false);
    try {
      return work();
    } finally {
      this.release();
    }
  }
}

/** PostgreSQL through knex's pool, with bound parameters (knex turns `?` into `$n`). */
function postgresSession(runner: Knex | Knex.Transaction, log: (sql: string, bindings: Bindings) => void): Session {
  const execute = async (sql: string, bindings: Bindings) => {
    log(sql, bindings);
    try {
      return (await runner.raw(sql, bindings as Knex.RawBinding[])) as { rows: unknown[]; rowCount: number | null };
    } catch (error) {
      throw translateDriverError(error);
    }
  };
  return {
    all: async <T>(sql: string, bindings: Bindings) => (await execute(sql, bindings)).rows as T[],
    run: async (sql: string, bindings: Bindings) => (await execute(sql, bindings)).rowCount ?? 0,
  };
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

  /** The connection knex's pool (of one) opened, with the pragmas set on it; taken once and used directly from then on. */
  private async sqliteConnection(): Promise<SqliteConnection> {
    if (this.sqlite) return this.sqlite;
    this.sqliteOpening ??= (async () => {
      const client = this.knex.client as { acquireConnection(): Promise<SqliteHandle>; releaseConnection(handle: SqliteHandle): Promise<void> };
      const handle = await client.acquireConnection();
      await client.releaseConnection(handle);
      const handles = sqliteHandlesByFile.get(handle.name) ?? new Set<SqliteHandle>();
      sqliteHandlesByFile.set(handle.name, handles.add(handle));
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

  /** Runs `work` without a transaction: for reads whose statements need no common snapshot. */
  /** SQLite's group commit so far: COMMITs run and the units of work they made durable (undefined on PostgreSQL). */
  sqliteCommits(): { readonly transactions: number; readonly units: number } | undefined {
    return this.sqlite ? { ...this.sqlite.commits } : undefined;
  }

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

/**
 * Storage failures become domain errors: a unique violation is a CONFLICT (the service decides what
 * collided), a lost connection, lock timeout or pool wait that ran out is UNAVAILABLE (retried in
 * transactions, then 503 + Retry-After: clients retry). Anything else is returned as is and answered
 * as an internal error without its text.
 */
export function translateDriverError(error: unknown): unknown {
  if (error instanceof DomainError) return error;
  const code = (error as { code?: unknown }).code;
  if (error instanceof UniqueConstraintViolationException || code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
    return new DomainError('CONFLICT', 'a unique value is already taken');
  }
  if (error instanceof LockWaitTimeoutException || error instanceof DeadlockException || error instanceof ConnectionException || error instanceof KnexTimeoutError || isBusy(error) || isConnectionLost(error)) {
    return new DomainError('UNAVAILABLE', 'the database is busy or unreachable; retry shortly');
  }
  return error;
}

/**
 * A connection cut under a request (server restart, terminated backend) surfaces as node-postgres or
 * knex messages without a code, also at COMMIT; knex then reports the cut transaction as "already complete".
 */
function isConnectionLost(error: unknown): boolean {
  const message = error instanceof Error ? error.message : '';
  return /Client has encountered a connection error and is not queryable|Connection terminated|terminating connection|ECONNRESET|Transaction query already complete/.test(message);
}

function isBusy(error: unknown): boolean {
  const code = (error as { code?: string }).code ?? (error instanceof DriverException ? error.code : undefined);
  // 40001 serialization failure, 40P01 deadlock, 55P03 lock not available, 57P01/57P02/57P03 server shutting down,
  // crashed or starting, 53300 too many connections, class 08 connection exceptions.
  return (
    typeof code === 'string' &&
    (code.startsWith('SQLITE_BUSY') || code === 'ECONNREFUSED' || code === 'ECONNRESET' || /^08[0-9A-Z]{3}$/.test(code) || ['40001', '40P01', '55P03', '57P01', '57P02', '57P03', '53300'].includes(code))
  );
}

export function toBoolean(value: unknown): boolean {
  return value === true || value === 1 || value === '1' || value === 't';
}

export function toNumber(value: unknown): number {
  return typeof value === 'number' ? value : Number(value);
}

/** SQLite hands JSON columns back as text, PostgreSQL (jsonb) as objects. */
export function parseJsonColumn<T>(value: unknown): T {
  return (typeof value === 'string' ? JSON.parse(value) : value) as T;
}

/** For JSON columns that may hold a bare string: PostgreSQL returns it already decoded, SQLite as JSON text. */
export function parseJsonValueColumn(dialect: Dialect, value: unknown): unknown {
  return dialect === 'sqlite' && typeof value === 'string' ? JSON.parse(value) : value;
}
