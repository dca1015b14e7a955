/**
 * The one SQLite connection of a process: statements prepared once per text, rows built by compiled
 * literals, and write transactions committed in groups (one COMMIT, one fsync, for the units queued).
 */
import { DomainError } from '../domain/errors';
import { translateDriverError } from './driver-errors';
import { readBudgetExceeded, SQLITE_BUDGET_FUNCTION } from './read-budget';
import type { SqliteReadPool } from './sqlite-read-pool';
import type { Bindings, Session, Statement, StatementResult } from './session';

/** Units of work committed together at most: bounds how long the first of a group waits for its COMMIT. */
const MAX_GROUP = 32;
/** How long queued units of work run one after another before the event loop gets a turn (ms). */
const HANDOVER_SLICE_MS = 10;
/** Distinct statement texts kept prepared on the SQLite connection (id lists of varying length make new texts). */
const STATEMENT_CACHE_SIZE = 1000;

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

export interface SqliteHandle {
  prepare(sql: string): SqliteStatement;
  function(name: string, options: { deterministic: boolean; varargs: boolean }, implementation: () => number): unknown;
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
export class SqliteConnection {
  private readonly statements = new Map<string, PreparedStatement>();
  private dataVersionStatement: SqliteStatement | undefined;
  private held = false;
  private readonly waiting: { readonly resume: () => void; readonly write: boolean }[] = [];
  /** Units of work done in the open transaction, waiting for its COMMIT; undefined when none is open. */
  private group: { resolve: () => void; reject: (error: unknown) => void }[] | undefined;
  readonly commits = { transactions: 0, units: 0 };
  /** When the units now running one after another began (see release). */
  private sliceStartedAt = 0;
  /** The budget of the statement running now, if it has one: when it ends (performance.now()) and its size. */
  private budget: { readonly until: number; readonly ms: number } | undefined;

  constructor(
    private readonly handle: SqliteHandle,
    private readonly log: (sql: string, bindings: Bindings) => void,
    /** Where budgeted reads outside a transaction run, off the event loop (a file database only). */
    private readonly readers?: SqliteReadPool,
  ) {
    const handles = sqliteHandlesByFile.get(handle.name) ?? new Set<SqliteHandle>();
    sqliteHandlesByFile.set(handle.name, handles.add(handle));
    // better-sqlite3 cannot interrupt a statement; a function the statement calls per row can end it by throwing.
    // Not deterministic, so SQLite calls it for every row instead of once.
    handle.function(SQLITE_BUDGET_FUNCTION, { deterministic: false, varargs: false }, () => {
      if (this.budget !== undefined && performance.now() > this.budget.until) throw readBudgetExceeded(this.budget.ms);
      return 1;
    });
  }

  /** Runs a read whose filter calls the budget function: it ends with TOO_MANY after `budgetMs`. */
  private executeWithin(sql: string, bindings: Bindings, budgetMs: number): unknown[] {
    this.budget = { until: performance.now() + budgetMs, ms: budgetMs };
    try {
      return this.execute(sql, bindings, 'all') as unknown[];
    } finally {
      this.budget = undefined;
    }
  }

  /** SQLite's `data_version`: changes when another connection (another process, or another app in this one) commits to the file. */
  dataVersion(): number {
    // Prepared once: it is read per request, and better-sqlite3's pragma() prepares it anew on every call (1% of a GraphQL `{ viewer }`).
    this.dataVersionStatement ??= this.handle.prepare('PRAGMA data_version');
    const [row] = this.dataVersionStatement.all([]) as { data_version: number }[];
    return Number(row?.data_version);
  }

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
   * Not when another connection of this process shares the file (see aloneOnFile). Waiters are resumed
   * at once for HANDOVER_SLICE_MS, then on the next turn: resumed at once always, queued units ran one
   * after another in a single chain of microtasks, and one tenant's four concurrent bulk requests held
   * the event loop for up to 1.5 s (issue 13); resumed on the next turn always, each unit waited for a
   * whole turn of the loop, however busy.
   */
  release(): void {
    const yieldToLoop = this.waiting.length > 0 ? performance.now() - this.sliceStartedAt >= HANDOVER_SLICE_MS : this.group !== undefined && aloneOnFile(this.handle);
    if (yieldToLoop) {
      setImmediate(() => {
        this.sliceStartedAt = performance.now();
        this.handOver();
      });
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
    pipelined: false,
    batch: async (statements) => this.outside(() => this.executeAll(statements)),
    allWithin: async <T>(sql: string, bindings: Bindings, budgetMs: number) => {
      if (!this.readers || this.handle.name === '' || this.handle.name === ':memory:') return this.outside(() => this.executeWithin(sql, bindings, budgetMs) as T[]);
      this.log(sql, bindings);
      const outcome = await this.readers.read({ file: this.handle.name, sql: sqliteText(sql), bindings: sqliteBindings(bindings), budgetMs });
      if ('exceeded' in outcome) throw readBudgetExceeded(budgetMs);
      return outcome.rows as T[];
    },
  };

  /** A session inside the transaction this caller holds. */
  readonly owned: Session = {
    pipelined: false,
    batch: async (statements) => this.executeAll(statements),
    allWithin: async <T>(sql: string, bindings: Bindings, budgetMs: number) => this.executeWithin(sql, bindings, budgetMs) as T[],
  };

  private executeAll(statements: readonly Statement[]): StatementResult[] {
    return statements.map((statement) =>
      statement.rows ? { rows: this.execute(statement.sql, statement.bindings, 'all') as unknown[], changed: 0 } : { rows: [], changed: this.execute(statement.sql, statement.bindings, 'run') as number },
    );
  }

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
