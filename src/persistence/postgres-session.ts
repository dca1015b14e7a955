import type { Knex } from 'knex';
import { translateDriverError } from './driver-errors';
import { isStatementTimeout, readBudgetExceeded } from './read-budget';
import type { Bindings, Session } from './session';

/** PostgreSQL through knex's pool, with bound parameters (knex turns `?` into `$n`). */
export function postgresSession(runner: Knex | Knex.Transaction, log: (sql: string, bindings: Bindings) => void): Session {
  const execute = async (sql: string, bindings: Bindings) => {
    log(sql, bindings);
    try {
      return (await runner.raw(sql, bindings as Knex.RawBinding[])) as { rows: unknown[]; rowCount: number | null };
    } catch (error) {
      throw translateDriverError(error);
    }
  };
  /** statement_timeout holds for one transaction (SET LOCAL): outside one, the read gets its own. */
  const within = async (budgetMs: number, read: (scoped: Knex | Knex.Transaction) => Promise<unknown[]>): Promise<unknown[]> => {
    const timeout = `SET LOCAL statement_timeout = ${Math.max(1, Math.round(budgetMs))}`;
    try {
      if ((runner as Knex.Transaction).isTransaction) {
        await runner.raw(timeout);
        const rows = await read(runner);
        await runner.raw('SET LOCAL statement_timeout TO DEFAULT');
        return rows;
      }
      return await (runner as Knex).transaction(async (trx) => {
        await trx.raw(timeout);
        return read(trx);
      });
    } catch (error) {
      if (isStatementTimeout(error)) throw readBudgetExceeded(budgetMs);
      throw translateDriverError(error);
    }
  };
  return {
    all: async <T>(sql: string, bindings: Bindings) => (await execute(sql, bindings)).rows as T[],
    allWithin: async <T>(sql: string, bindings: Bindings, budgetMs: number) =>
      (await within(budgetMs, async (scoped) => {
        log(sql, bindings);
        return ((await scoped.raw(sql, bindings as Knex.RawBinding[])) as { rows: unknown[] }).rows;
      })) as T[],
    run: async (sql: string, bindings: Bindings) => (await execute(sql, bindings)).rowCount ?? 0,
  };
}
