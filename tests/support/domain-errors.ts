import { DomainError, type ErrorCode } from '../../src/domain/errors';

/** Runs `action` and returns the DomainError it throws; fails when it throws nothing or something else. */
function domainErrorOf(action: () => unknown): DomainError {
  try {
    action();
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('expected a DomainError');
}

/** The action throws a DomainError with this code and a message containing (or matching) `message`. */
export function expectDomainError(action: () => unknown, code: ErrorCode, message: string | RegExp): void {
  const error = domainErrorOf(action);
  const expectedMessage = typeof message === 'string' ? expect.stringContaining(message) : expect.stringMatching(message);
  expect({ code: error.code, message: error.message }).toEqual({ code, message: expectedMessage });
}
