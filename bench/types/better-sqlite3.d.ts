// The parts of better-sqlite3 11 the benchmarks use (no @types package is installed; the hub itself
// reaches better-sqlite3 only through MikroORM/knex).
declare module 'better-sqlite3' {
  namespace BetterSqlite3 {
    interface RunResult {
      changes: number;
      lastInsertRowid: number | bigint;
    }

    interface Statement<P extends unknown[] = unknown[], R = unknown> {
      readonly reader: boolean;
      run(...params: P): RunResult;
      get(...params: P): R | undefined;
      all(...params: P): R[];
      iterate(...params: P): IterableIterator<R>;
    }

    /** A function running `fn` in BEGIN (deferred) / BEGIN IMMEDIATE / BEGIN EXCLUSIVE ... COMMIT. */
    type Transaction<F extends (...args: any[]) => any> = F & { deferred: F; immediate: F; exclusive: F };

    interface Options {
      readonly?: boolean;
      fileMustExist?: boolean;
      timeout?: number;
    }

    interface Database {
      prepare<P extends unknown[] = unknown[], R = unknown>(sql: string): Statement<P, R>;
      pragma(source: string, options?: { simple?: boolean }): unknown;
      exec(sql: string): this;
      transaction<F extends (...args: any[]) => any>(fn: F): Transaction<F>;
      close(): this;
    }
  }

  interface BetterSqlite3Constructor {
    new (filename: string, options?: BetterSqlite3.Options): BetterSqlite3.Database;
    prototype: BetterSqlite3.Database;
  }

  const BetterSqlite3: BetterSqlite3Constructor;
  export = BetterSqlite3;
}
