import { DomainError, type ErrorCode } from '../domain/errors';
import { ERROR_SCHEMA } from './protocol/schema-definitions';

interface ScimErrorShape {
  readonly status: number;
  readonly scimType?: string;
}

/** Every domain error code has exactly one SCIM rendering (RFC 7644 section 3.12). */
const SCIM_ERRORS: Record<ErrorCode, ScimErrorShape> = {
  NOT_FOUND: { status: 404 },
  CONFLICT: { status: 409, scimType: 'uniqueness' },
  INVALID_INPUT: { status: 400, scimType: 'invalidValue' },
  INVALID_FILTER: { status: 400, scimType: 'invalidFilter' },
  INVALID_PATH: { status: 400, scimType: 'invalidPath' },
  NO_TARGET: { status: 400, scimType: 'noTarget' },
  INVALID_SYNTAX: { status: 400, scimType: 'invalidSyntax' },
  MUTABILITY: { status: 400, scimType: 'mutability' },
  TOO_MANY: { status: 400, scimType: 'tooMany' },
  PRECONDITION_FAILED: { status: 412 },
  UNAUTHENTICATED: { status: 401 },
  FORBIDDEN: { status: 403 },
  PAYLOAD_TOO_LARGE: { status: 413 },
  GROUPS_MANAGED_BY_IDP: { status: 403 },
  UNAVAILABLE: { status: 503 },
  OUTBOUND_ADDRESS_REFUSED: { status: 400, scimType: 'invalidValue' },
  TENANT_SUSPENDED: { status: 403 },
};

/** Seconds a client should wait after a 503 or 429 (Okta honours integer seconds only). */
export const RETRY_AFTER_SECONDS = 5;

export interface ScimErrorResponse {
  readonly status: number;
  readonly body: Record<string, unknown>;
  readonly headers: Record<string, string>;
}

export function scimErrorBody(status: number, detail: string, scimType?: string): Record<string, unknown> {
  return { schemas: [ERROR_SCHEMA], status: String(status), ...(scimType ? { scimType } : {}), detail };
}

export function toScimError(error: DomainError): ScimErrorResponse {
  const shape = SCIM_ERRORS[error.code];
  const headers: Record<string, string> = shape.status === 503 ? { 'Retry-After': String(RETRY_AFTER_SECONDS) } : {};
  return { status: shape.status, body: scimErrorBody(shape.status, error.message, shape.scimType), headers };
}

export const INTERNAL_ERROR_DETAIL = 'internal error; the request id in the X-Request-Id header identifies it in the server log';
