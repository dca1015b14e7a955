import { KnexTimeoutError } from 'knex';
import { DeadlockException, DriverException, LockWaitTimeoutException, UniqueConstraintViolationException, ConnectionException } from '@mikro-orm/core';
import { DomainError } from '../domain/errors';

/**
 * Storage failures become domain errors: a unique violation is a CONFLICT (the service decides what
 * collided), a lost connection, lock timeout or pool wait that ran out is UNAVAILABLE (retried in
 * transactions, then 503 + Retry-After: clients retry). Anything else is returned as is and answered
 * as an internal error without its text.
 */
export function translateDriverError(error: unknown): unknown {
  if (error instanceof DomainError) return error;
  const code = (error as { code?: unknown }).code;
  if (error instanceof UniqueConstraintViolationException || code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
    return new DomainError('CONFLICT', 'a unique value is already taken');
  }
  if (error instanceof LockWaitTimeoutException || error instanceof DeadlockException || error instanceof ConnectionException || error instanceof KnexTimeoutError || isBusy(error) || isConnectionLost(error)) {
    return new DomainError('UNAVAILABLE', 'the database is busy or unreachable; retry shortly');
  }
  return error;
}

/**
 * A connection cut under a request (server restart, terminated backend) surfaces as node-postgres or
 * knex messages without a code, also at COMMIT; knex then reports the cut transaction as "already complete".
 */
export function isConnectionLost(error: unknown): boolean {
  const message = error instanceof Error ? error.message : '';
  return /Client has encountered a connection error and is not queryable|Connection terminated|terminating connection|ECONNRESET|Transaction query already complete/.test(message);
}

/**
 * The connection went away while a batch holding COMMIT was in flight: the server may have committed
 * it or not. Answered 503 like any outage, but never run again: a retry could repeat a committed write
 * (a second POST of the same user would answer 409 for the user the first one created).
 */
export class CommitOutcomeUnknown extends DomainError {
  constructor() {
    super('UNAVAILABLE', 'the database connection was lost while the change was being committed; it may or may not have been saved, so read it back before retrying');
  }
}

/** A connection cut (not a refused statement): whatever was in flight on it has an unknown outcome. */
export function isConnectionCut(error: unknown): boolean {
  const code = errorCode(error);
  return isConnectionLost(error) || error instanceof ConnectionException || code === 'EPIPE' || isCutCode(code);
}

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown }).code ?? (error instanceof DriverException ? error.code : undefined);
  return typeof code === 'string' ? code : undefined;
}

/** ECONNRESET, class 08 connection exceptions, 57P01/57P02/57P03 server shutting down, crashed or starting. */
function isCutCode(code: string | undefined): boolean {
  return code !== undefined && (code === 'ECONNRESET' || /^08[0-9A-Z]{3}$/.test(code) || ['57P01', '57P02', '57P03'].includes(code));
}

function isBusy(error: unknown): boolean {
  const code = errorCode(error);
  // A cut connection, 40001 serialization failure, 40P01 deadlock, 55P03 lock not available, 53300 too many connections.
  return code !== undefined && (isCutCode(code) || code.startsWith('SQLITE_BUSY') || code === 'ECONNREFUSED' || ['40001', '40P01', '55P03', '53300'].includes(code));
}
