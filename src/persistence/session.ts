export type Dialect = 'sqlite' | 'postgresql';

export type Bindings = readonly unknown[];

/** Where a unit of work sends its statements: the shared connection, or one transaction. */
export interface Session {
  all<T>(sql: string, bindings: Bindings): Promise<T[]>;
  /**
   * Like all, for a read a tenant's input shapes: refused with TOO_MANY once it has run `budgetMs`
   * (PostgreSQL: statement_timeout; SQLite: the statement's `within_read_budget()` calls, see FilterSqlBuilder).
   */
  allWithin<T>(sql: string, bindings: Bindings, budgetMs: number): Promise<T[]>;
  run(sql: string, bindings: Bindings): Promise<number>;
}
