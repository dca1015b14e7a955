import type { ApolloServerPlugin } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import type { GraphQLError, GraphQLFormattedError } from 'graphql';
import { isDomainError, type ErrorCode } from '../domain/errors';
import type { GraphqlContext } from './context';

/**
 * Every domain error code has exactly one GraphQL `extensions.code`: the contract's names are the
 * domain's, and a new code does not compile until it is given one here.
 */
export const GRAPHQL_ERROR_CODES: Record<ErrorCode, string> = {
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
  INVALID_INPUT: 'INVALID_INPUT',
  INVALID_FILTER: 'INVALID_FILTER',
  INVALID_PATH: 'INVALID_PATH',
  NO_TARGET: 'NO_TARGET',
  INVALID_SYNTAX: 'INVALID_SYNTAX',
  MUTABILITY: 'MUTABILITY',
  TOO_MANY: 'TOO_MANY',
  PRECONDITION_FAILED: 'PRECONDITION_FAILED',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  GROUPS_MANAGED_BY_IDP: 'GROUPS_MANAGED_BY_IDP',
  UNAVAILABLE: 'UNAVAILABLE',
  OUTBOUND_ADDRESS_REFUSED: 'OUTBOUND_ADDRESS_REFUSED',
  TENANT_SUSPENDED: 'TENANT_SUSPENDED',
};

const INTERNAL_ERROR_CODE = 'INTERNAL_SERVER_ERROR';
const INTERNAL_ERROR_MESSAGE = 'Internal server error';

/** Apollo's own codes for requests the client got wrong; their messages say what, and nothing internal. */
const REQUEST_ERROR_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  'OPERATION_RESOLUTION_FAILURE',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
]);

/** True for errors a client caused and may read: domain errors and Apollo's request errors. */
function isClientError(error: unknown): boolean {
  const original = unwrapResolverError(error);
  if (isDomainError(original)) return true;
  const code = (error as GraphQLError).extensions?.code;
  return typeof code === 'string' && REQUEST_ERROR_CODES.has(code);
}

/**
 * Apollo's formatError: domain errors keep their message with their code; request errors pass as they
 * are; anything else (a bug, a driver error) becomes "Internal server error" with no stack, SQL or
 * driver text; the error itself was logged with the request id by `errorLoggingPlugin`.
 */
export function createErrorFormatter(options: { exposeStacktrace: boolean }) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = unwrapResolverError(error);
    const place = { ...(formatted.locations ? { locations: formatted.locations } : {}), ...(formatted.path ? { path: formatted.path } : {}) };
    if (isDomainError(original)) return { message: original.message, ...place, extensions: { code: GRAPHQL_ERROR_CODES[original.code] } };
    const stacktrace = options.exposeStacktrace ? formatted.extensions?.stacktrace : undefined;
    if (isClientError(error)) {
      return { message: formatted.message, ...place, extensions: { code: formatted.extensions?.code, ...(stacktrace ? { stacktrace } : {}) } };
    }
    return { message: INTERNAL_ERROR_MESSAGE, ...place, extensions: { code: INTERNAL_ERROR_CODE, ...(stacktrace ? { stacktrace } : {}) } };
  };
}

/** Logs every error that will be masked, with the request id (the request logger carries it), and names that id in the response. */
export const errorLoggingPlugin: ApolloServerPlugin<Pick<GraphqlContext, 'log' | 'requestId'>> = {
  async requestDidStart() {
    return {
      async didEncounterErrors({ errors, contextValue }) {
        for (const error of errors) {
          if (!isClientError(error)) contextValue.log.error({ err: unwrapResolverError(error), path: error.path }, 'unexpected error in GraphQL request');
        }
      },
      async willSendResponse({ response, contextValue }) {
        if (response.body.kind !== 'single' || !response.body.singleResult.errors) return;
        const errors = response.body.singleResult.errors.map((error) =>
          error.extensions?.code === INTERNAL_ERROR_CODE ? { ...error, extensions: { ...error.extensions, requestId: contextValue.requestId } } : error,
        );
        response.body.singleResult = { ...response.body.singleResult, errors };
      },
    };
  },
};
