export type Dialect = 'sqlite' | 'postgresql';

export type Bindings = readonly unknown[];

/** Where a unit of work sends its statements: the shared connection, or one transaction. */
export interface Session {
  all<T>(sql: string, bindings: Bindings): Promise<T[]>;
  run(sql: string, bindings: Bindings): Promise<number>;
}
