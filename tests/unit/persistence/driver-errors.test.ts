import { KnexTimeoutError } from 'knex';
import { DomainError } from '../../../src/domain/errors';
import { translateDriverError } from '../../../src/persistence/driver-errors';

/** A driver error as node-postgres or better-sqlite3 raises it: a message and a code. */
function driverError(code: string, message = 'driver failure'): Error {
  return Object.assign(new Error(message), { code });
}

function codeOf(error: unknown): string | undefined {
  return error instanceof DomainError ? error.code : undefined;
}

describe('translateDriverError (storage failures answered 503 or 409, never 500)', () => {
  it('a pool wait that ran out (every connection busy) is UNAVAILABLE', () => {
    expect(codeOf(translateDriverError(new KnexTimeoutError('Knex: Timeout acquiring a connection. The pool is probably full.')))).toBe('UNAVAILABLE');
  });

  it.each(['40001', '40P01', '55P03', '57P01', '57P02', '57P03', '53300', '08000', '08003', '08006', '08P01', 'SQLITE_BUSY', 'SQLITE_BUSY_SNAPSHOT', 'ECONNREFUSED', 'ECONNRESET'])('code %s (lock race, shutdown, connection trouble) is UNAVAILABLE', (code) => {
    expect(codeOf(translateDriverError(driverError(code)))).toBe('UNAVAILABLE');
  });

  it.each(['Connection terminated unexpectedly', 'Client has encountered a connection error and is not queryable', 'Transaction query already complete, run with DEBUG=knex:tx for more info'])('a cut connection without a code ("%s") is UNAVAILABLE', (message) => {
    expect(codeOf(translateDriverError(new Error(message)))).toBe('UNAVAILABLE');
  });

  it('a unique violation is a CONFLICT', () => {
    expect(codeOf(translateDriverError(driverError('23505')))).toBe('CONFLICT');
    expect(codeOf(translateDriverError(driverError('SQLITE_CONSTRAINT_UNIQUE')))).toBe('CONFLICT');
  });

  it('other failures pass through unchanged (answered as internal errors without their text)', () => {
    for (const error of [driverError('42P01', 'relation "x" does not exist'), driverError('SQLITE_ERROR'), driverError('080'), new TypeError('bug')]) {
      expect(translateDriverError(error)).toBe(error);
    }
  });
});
