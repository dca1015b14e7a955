import type { Knex } from 'knex';
import { translateDriverError } from './driver-errors';
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
  return {
    all: async <T>(sql: string, bindings: Bindings) => (await execute(sql, bindings)).rows as T[],
    run: async (sql: string, bindings: Bindings) => (await execute(sql, bindings)).rowCount ?? 0,
  };
}
