/**
 * Counts the SQL statements a process runs on better-sqlite3: every execution of a prepared statement
 * (run, get, all, iterate; BEGIN and COMMIT included) and every exec(). The hub keeps statements prepared,
 * so preparing is not running; on SQLite an execution is a call into the engine. On PostgreSQL it counts
 * every query node-postgres sends (BEGIN and COMMIT included): each is one round trip to the server.
 * Installed by the bench server entry before the app is built; src/ is not touched.
 */
import BetterSqlite3 from 'better-sqlite3';
import { Client as PgClient } from 'pg';

export interface SqlCounter {
  statements: number;
  /** Whether statement texts are recorded (off by default: shaping the text costs the hub CPU). */
  recordTexts: boolean;
  readonly texts: Map<string, number>;
  /** The last statements run while recording, verbatim with the arguments they ran with (for EXPLAIN QUERY PLAN). */
  readonly recent: { sql: string; args: unknown[] }[];
  reset(recordTexts: boolean): void;
}

const MAX_DISTINCT_TEXTS = 300;

export function installSqlCounter(): SqlCounter {
  const counter: SqlCounter = {
    statements: 0,
    recordTexts: false,
    texts: new Map(),
    recent: [],
    reset(recordTexts: boolean) {
      counter.statements = 0;
      counter.recordTexts = recordTexts;
      counter.texts.clear();
      counter.recent.length = 0;
    },
  };
  // Literal ids differ per request; the shape of the statement is what matters.
  const record = (sql: string, args: unknown[] = []) => {
    counter.statements += 1;
    if (!counter.recordTexts) return;
    if (counter.recent.length < 50) counter.recent.push({ sql, args });
    // Inlined values (knex, raw references) fold back to `?`, and `(?, ?, ...)` lists to one.
    const shape = sql
      .replace(/'(?:[^']|'')*'/g, '?')
      .replace(/\b\d+(\.\d+)?\b/g, '?')
      .replace(/\(\s*\?(\s*,\s*\?)+\s*\)/g, '(?, ...)')
      .replace(/select \?(, \?)+( union all select \?(, \?)+)*/gi, 'select ?, ... union all ...')
      .replace(/\s+/g, ' ')
      .slice(0, 300);
    if (counter.texts.has(shape) || counter.texts.size < MAX_DISTINCT_TEXTS) counter.texts.set(shape, (counter.texts.get(shape) ?? 0) + 1);
  };
  type Executor = (this: { source: string }, ...args: unknown[]) => unknown;
  let statementsPatched = false;
  const patchStatements = (statement: Record<string, Executor>) => {
    statementsPatched = true;
    const statementPrototype = Object.getPrototypeOf(statement) as Record<string, Executor>;
    for (const method of ['run', 'get', 'all', 'iterate']) {
      const original = statementPrototype[method];
      statementPrototype[method] = function countedExecution(this: { source: string }, ...args: unknown[]) {
        record(this.source, args);
        return original.apply(this, args);
      };
    }
  };
  const prototype = (BetterSqlite3 as unknown as { prototype: { prepare: (sql: string) => unknown; exec: (sql: string) => unknown } }).prototype;
  const prepare = prototype.prepare;
  prototype.prepare = function patchingPrepare(this: unknown, sql: string) {
    const statement = prepare.call(this, sql) as Record<string, Executor>;
    if (!statementsPatched) patchStatements(statement);
    return statement;
  };
  const exec = prototype.exec;
  prototype.exec = function countedExec(this: unknown, sql: string) {
    record(sql);
    return exec.call(this, sql);
  };
  const pgPrototype = PgClient.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const query = pgPrototype.query;
  pgPrototype.query = function countedQuery(this: unknown, ...args: unknown[]) {
    const [config, values] = args;
    const text = typeof config === 'string' ? config : ((config as { text?: string } | null)?.text ?? '');
    record(text, Array.isArray(values) ? values : ((config as { values?: unknown[] } | null)?.values ?? []));
    return query.apply(this, args);
  };
  return counter;
}
