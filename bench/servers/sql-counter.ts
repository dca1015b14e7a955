/**
 * Counts the SQL statements a process prepares on better-sqlite3. knex (under MikroORM) prepares every
 * statement it runs, BEGIN and COMMIT included, so in the hub "statements prepared" is "statements run":
 * on SQLite that is the number of calls into the engine, on PostgreSQL it would be the round trips.
 * Installed by the bench server entry before the app is built; src/ is not touched.
 */
import BetterSqlite3 from 'better-sqlite3';

export interface SqlCounter {
  statements: number;
  /** Whether statement texts are recorded (off by default: shaping the text costs the hub CPU). */
  recordTexts: boolean;
  readonly texts: Map<string, number>;
  /** The last statements prepared while recording, verbatim (for EXPLAIN QUERY PLAN). */
  readonly recent: string[];
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
  const prototype = (BetterSqlite3 as unknown as { prototype: { prepare: (sql: string) => unknown } }).prototype;
  const prepare = prototype.prepare;
  prototype.prepare = function countedPrepare(this: unknown, sql: string) {
    counter.statements += 1;
    if (!counter.recordTexts) return prepare.call(this, sql);
    if (counter.recent.length < 50) counter.recent.push(sql);
    // Literal ids differ per request; the shape of the statement is what matters.
    // MikroORM inlines the values: fold strings and numbers back to `?`, and `(?, ?, ...)` lists to one.
    const shape = sql
      .replace(/'(?:[^']|'')*'/g, '?')
      .replace(/\b\d+(\.\d+)?\b/g, '?')
      .replace(/\(\s*\?(\s*,\s*\?)+\s*\)/g, '(?, ...)')
      .replace(/select \?(, \?)+( union all select \?(, \?)+)*/gi, 'select ?, ... union all ...')
      .replace(/\s+/g, ' ')
      .slice(0, 300);
    if (counter.texts.has(shape) || counter.texts.size < MAX_DISTINCT_TEXTS) counter.texts.set(shape, (counter.texts.get(shape) ?? 0) + 1);
    return prepare.call(this, sql);
  };
  return counter;
}
