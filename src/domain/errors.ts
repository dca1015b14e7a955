/**
 * The only error the core throws. Adapters map `code` to their wire format through a
 * `Record<ErrorCode, ...>` (SCIM: status + scimType; GraphQL: extensions.code).
 */
export const ERROR_CODES = [
  'NOT_FOUND',
  'CONFLICT',
  'INVALID_INPUT',
  'INVALID_FILTER',
  'INVALID_PATH',
  'NO_TARGET',
  'INVALID_SYNTAX',
  'MUTABILITY',
  'TOO_MANY',
  'PRECONDITION_FAILED',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'PAYLOAD_TOO_LARGE',
  'GROUPS_MANAGED_BY_IDP',
  'UNAVAILABLE',
  'OUTBOUND_ADDRESS_REFUSED',
  'TENANT_SUSPENDED',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export function isDomainError(error: unknown): error is DomainError {
  return error instanceof DomainError;
}
