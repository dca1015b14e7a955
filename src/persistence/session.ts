export type Dialect = 'sqlite' | 'postgresql';

export type Bindings = readonly unknown[];

/** One statement of a batch; `rows` says whether its rows are wanted (a read) or only the count it changed. */
export interface Statement {
  readonly sql: string;
  readonly bindings: Bindings;
  readonly rows: boolean;
  /**
   * It finds or writes its rows by a key (every column of a unique index, a row's values): the best plan
   * is the same whatever the values, so PostgreSQL may plan it once per connection. Other statements
   * are planned for each run's values (see PreparedStatements).
   */
  readonly keyed?: boolean;
}

export interface StatementResult {
  readonly rows: unknown[];
  readonly changed: number;
}

/** Where a unit of work sends its statements: the shared connection, or one transaction. */
export interface Session {
  /** Whether statements issued together are worth gathering into one batch (a round trip to save). */
  readonly pipelined: boolean;
  /**
   * Runs the statements in order (on PostgreSQL in one round trip); the first that fails rejects the
   * batch and none after it runs.
   */
  batch(statements: readonly Statement[]): Promise<StatementResult[]>;
  /**
   * A read a tenant's input shapes: refused with TOO_MANY once it has run `budgetMs` (PostgreSQL:
   * statement_timeout; SQLite: the statement's `within_read_budget()` calls, see FilterSqlBuilder).
   */
  allWithin<T>(sql: string, bindings: Bindings, budgetMs: number): Promise<T[]>;
}
