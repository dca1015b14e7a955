import type { Knex } from 'knex';
import {
  DeadlockException,
  DriverException,
  LockWaitTimeoutException,
  UniqueConstraintViolationException,
  ConnectionException,
} from '@mikro-orm/core';
import type { EntityManager, AbstractSqlDriver } from '@mikro-orm/knex';
import { DomainError } from '../domain/errors';
import type { Orm } from './orm';

export type Dialect = 'sqlite' | 'postgresql';

/** Tries of a transaction that keeps losing lock races before the client is told to retry (503). */
const TRANSACTION_ATTEMPTS = 4;
type QueryResult = { affectedRows: number };
type Query = Knex.QueryBuilder | Knex.Raw;

/**
 * One unit of work on the database: every query of a service call runs through it, inside the
 * transaction when there is one. Repositories build queries with knex and execute them here.
 */
export class Tx {
  constructor(
    private readonly em: EntityManager,
    readonly dialect: Dialect,
  ) {}

  get knex(): Knex {
    return this.em.getKnex();
  }

  private get driver(): AbstractSqlDriver {
    return this.em.getDriver();
  }

  async all<T>(query: Query): Promise<T[]> {
    return translateDriverError(() => this.driver.execute<T[]>(query as never, [], 'all', this.em.getTransactionContext()));
  }

  async first<T>(query: Query): Promise<T | undefined> {
    const rows = await this.all<T>(query);
    return rows[0];
  }

  async run(query: Query): Promise<number> {
    const result = await translateDriverError(() =>
      this.driver.execute<QueryResult>(query as never, [], 'run', this.em.getTransactionContext()),
    );
    return result.affectedRows;
  }
}

export class Database {
  readonly dialect: Dialect;

  constructor(readonly orm: Orm) {
    this.dialect = orm.config.get('clientUrl')?.startsWith('postgres') ? 'postgresql' : 'sqlite';
  }

  /**
   * Runs `work` in one transaction: all of it commits, or none of it does. A transaction that lost a
   * lock race (SQLite busy snapshot, PostgreSQL deadlock or serialization failure) is run again, so
   * `work` must not have effects outside the database.
   */
  async transaction<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt += 1) {
      const em = this.orm.em.fork() as EntityManager;
      try {
        return await em.transactional((transactionEm) => work(new Tx(transactionEm as EntityManager, this.dialect)));
      } catch (caught) {
        // A connection lost at COMMIT reaches here untranslated.
        const error = isConnectionLost(caught) ? unavailable() : caught;
        if (!(error instanceof DomainError && error.code === 'UNAVAILABLE') || attempt >= TRANSACTION_ATTEMPTS) throw error;
        await new Promise((resolve) => setTimeout(resolve, attempt * 20 + Math.random() * 20));
      }
    }
  }

  /** Runs `work` without a transaction: for reads whose statements need no common snapshot. */
  async read<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    return work(new Tx(this.orm.em.fork() as EntityManager, this.dialect));
  }

  async ping(): Promise<void> {
    await this.read((tx) => tx.all(tx.knex.raw('select 1 as ok')));
  }
}

/**
 * Storage failures become domain errors: a unique violation is a CONFLICT (the service decides what
 * collided), a lost connection or lock timeout is UNAVAILABLE (clients retry). Anything else is rethrown
 * as is and answered as an internal error without its text.
 */
async function translateDriverError<T>(execute: () => Promise<T>): Promise<T> {
  try {
    return await execute();
  } catch (error) {
    if (error instanceof UniqueConstraintViolationException) throw new DomainError('CONFLICT', 'a unique value is already taken');
    if (error instanceof LockWaitTimeoutException || error instanceof DeadlockException || error instanceof ConnectionException || isBusy(error) || isConnectionLost(error)) {
      throw unavailable();
    }
    throw error;
  }
}

function unavailable(): DomainError {
  return new DomainError('UNAVAILABLE', 'the database is busy or unreachable; retry shortly');
}

/**
 * A connection cut under a request (server restart, terminated backend) surfaces as node-postgres or
 * knex messages without a code, also at COMMIT, where no translation wraps the statement; knex then
 * reports the cut transaction as "already complete".
 */
function isConnectionLost(error: unknown): boolean {
  const message = error instanceof Error ? error.message : '';
  return /Client has encountered a connection error and is not queryable|Connection terminated|terminating connection|ECONNRESET|Transaction query already complete/.test(message);
}

function isBusy(error: unknown): boolean {
  const code = (error as { code?: string }).code ?? (error instanceof DriverException ? error.code : undefined);
  // 40001 serialization failure, 40P01 deadlock, 57P01/57P03 server shutting down or starting.
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code === 'ECONNREFUSED' || ['40001', '40P01', '57P01', '57P03'].includes(code));
}

export function toBoolean(value: unknown): boolean {
  return value === true || value === 1 || value === '1' || value === 't';
}

export function toNumber(value: unknown): number {
  return typeof value === 'number' ? value : Number(value);
}

/** SQLite hands JSON columns back as text, PostgreSQL (jsonb) as objects. */
export function parseJsonColumn<T>(value: unknown): T {
  return (typeof value === 'string' ? JSON.parse(value) : value) as T;
}

/** For JSON columns that may hold a bare string: PostgreSQL returns it already decoded, SQLite as JSON text. */
export function parseJsonValueColumn(dialect: Dialect, value: unknown): unknown {
  return dialect === 'sqlite' && typeof value === 'string' ? JSON.parse(value) : value;
}
