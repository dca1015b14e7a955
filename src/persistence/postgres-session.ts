import type { Client } from 'pg';
import { CommitOutcomeUnknown, isConnectionCut, translateDriverError } from './driver-errors';
import { Pipeline } from './postgres-pipeline';
import { isStatementTimeout, readBudgetExceeded } from './read-budget';
import type { Bindings, Session, Statement, StatementResult } from './session';

/** The pool connections come from (knex's pool, shared with the ORM's migrations). */
export interface PostgresPool {
  acquire(): Promise<Client>;
  release(client: Client): Promise<void>;
}

const BEGIN: Statement = { sql: 'BEGIN', bindings: [], rows: false };
const COMMIT: Statement = { sql: 'COMMIT', bindings: [], rows: false };

/** Texts converted so far; bounded, as id lists of varying length make new texts. */
const positioned = new Map<string, string>();
const POSITIONED_CACHE_SIZE = 2000;

/** `?` placeholders -> `$1, $2, ...` (`\\?` stays a literal `?`), as knex numbers them for PostgreSQL. */
export function positionBindings(sql: string): string {
  let text = positioned.get(sql);
  if (text === undefined) {
    let count = 0;
    text = sql.replace(/(\\*)(\?)/g, (_match, escapes: string) => (escapes.length % 2 ? '?' : `$${(count += 1)}`));
    if (positioned.size >= POSITIONED_CACHE_SIZE) positioned.clear();
    positioned.set(sql, text);
  }
  return text;
}

/** statement_timeout for one read: SET LOCAL holds until the end of the transaction, so it is reset after the read. */
function budgeted(sql: string, bindings: Bindings, budgetMs: number): Statement[] {
  return [
    { sql: `SET LOCAL statement_timeout = ${Math.max(1, Math.round(budgetMs))}`, bindings: [], rows: false },
    { sql, bindings, rows: true },
    { sql: 'SET LOCAL statement_timeout TO DEFAULT', bindings: [], rows: false },
  ];
}

function budgetError(budgetMs: number) {
  return (error: unknown): never => {
    throw isStatementTimeout(error) ? readBudgetExceeded(budgetMs) : translateDriverError(error);
  };
}

async function runBatch(
  client: Client,
  statements: readonly Statement[],
  log: (sql: string, bindings: Bindings) => void,
  onError: (error: unknown) => never = (error) => {
    throw translateDriverError(error);
  },
): Promise<StatementResult[]> {
  for (const statement of statements) log(statement.sql, statement.bindings);
  try {
    return await Pipeline.run(client, statements.map((statement) => ({ ...statement, sql: positionBindings(statement.sql) })));
  } catch (error) {
    return onError(error);
  }
}

/** Statements outside a transaction: each batch takes a pooled connection for its one round trip. */
export function postgresAutocommitSession(pool: PostgresPool, log: (sql: string, bindings: Bindings) => void): Session {
  return {
    pipelined: true,
    async batch(statements) {
      const client = await pool.acquire().catch((error: unknown) => {
        throw translateDriverError(error);
      });
      try {
        return await runBatch(client, statements, log);
      } finally {
        await pool.release(client);
      }
    },
    async allWithin<T>(sql: string, bindings: Bindings, budgetMs: number): Promise<T[]> {
      const client = await pool.acquire().catch((error: unknown) => {
        throw translateDriverError(error);
      });
      let failed = false;
      try {
        const results = await runBatch(client, [BEGIN, ...budgeted(sql, bindings, budgetMs), COMMIT], log, (error) => {
          failed = true;
          return budgetError(budgetMs)(error);
        });
        return results[2].rows as T[];
      } finally {
        if (failed) await client.query('ROLLBACK').catch(() => undefined);
        await pool.release(client);
      }
    },
  };
}

/**
 * One transaction on one pooled connection, taken at its first statement. BEGIN travels in the first
 * batch and COMMIT in the last, so a unit whose statements all go in one batch costs one round trip.
 */
export class PostgresTransactionSession implements Session {
  readonly pipelined = true;
  private client: Client | undefined;
  /** BEGIN has been sent. */
  private open = false;

  constructor(
    private readonly pool: PostgresPool,
    private readonly log: (sql: string, bindings: Bindings) => void,
  ) {}

  async batch(statements: readonly Statement[]): Promise<StatementResult[]> {
    if (statements.length === 0) return [];
    const client = await this.connection();
    const sent = this.withBegin(statements);
    const results = await runBatch(client, sent, this.log);
    return results.slice(sent.length - statements.length);
  }

  /** A budgeted read inside the transaction: a timeout fails the transaction, as any failed statement does. */
  async allWithin<T>(sql: string, bindings: Bindings, budgetMs: number): Promise<T[]> {
    const client = await this.connection();
    const sent = this.withBegin(budgeted(sql, bindings, budgetMs));
    const results = await runBatch(client, sent, this.log, budgetError(budgetMs));
    return results[sent.length - 2].rows as T[];
  }

  /**
   * Runs the last statements and COMMIT in one round trip (nothing at all when the unit sent nothing).
   * A connection cut during that round trip throws CommitOutcomeUnknown: it may have committed.
   */
  async commit(statements: readonly Statement[]): Promise<StatementResult[]> {
    if (!this.open && statements.length === 0) return [];
    const client = await this.connection();
    const sent = this.withBegin([...statements, COMMIT]);
    const results = await runBatch(client, sent, this.log, (error) => {
      throw isConnectionCut(error) ? new CommitOutcomeUnknown() : translateDriverError(error);
    });
    return results.slice(sent.length - statements.length - 1, -1);
  }

  /** `statements`, after BEGIN when they are the transaction's first. */
  private withBegin(statements: readonly Statement[]): readonly Statement[] {
    if (this.open) return statements;
    this.open = true;
    return [BEGIN, ...statements];
  }

  /** The transaction's connection, taken from the pool at its first statement. */
  private async connection(): Promise<Client> {
    this.client ??= await this.pool.acquire().catch((error: unknown) => {
      throw translateDriverError(error);
    });
    return this.client;
  }

  /** Ends the transaction (ROLLBACK after a failure) and returns the connection to the pool. */
  async close(failed: boolean): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (!client) return;
    if (failed && this.open) {
      try {
        await client.query('ROLLBACK');
      } catch (error) {
        // A connection that cannot roll back must not serve anyone else: knex's pool drops a disposed one.
        (client as Client & { __knex__disposed?: unknown }).__knex__disposed = error;
      }
    }
    await this.pool.release(client);
  }
}
