import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import { getOperationAST, GraphQLError, parse, specifiedRules, validate, type DocumentNode, type GraphQLFormattedError, type GraphQLSchema, type ValidationRule } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import type { Logger } from 'pino';
import { WebSocketServer, type WebSocket } from 'ws';
import { apiKeyPrincipal } from '../auth/api-key.strategy';
import type { FailedAuthThrottle } from '../auth/failed-auth-throttle';
import type { GraphqlPrincipal } from '../auth/graphql-principal';
import type { OidcTokenVerifier } from '../auth/oidc-token.strategy';
import { isDomainError } from '../domain/errors';
import type { GraphqlContext, GraphqlServices } from './context';
import { createErrorFormatter } from './format-error';
import type { GraphqlLimits } from './limits';
import type { StringInputChecker } from './string-inputs';

export interface GraphqlSubscriptionOptions {
  readonly schema: GraphQLSchema;
  readonly services: GraphqlServices;
  readonly logger: Logger;
  readonly oidc: OidcTokenVerifier;
  readonly throttle: FailedAuthThrottle;
  readonly limits: GraphqlLimits;
  /** graphql-armor's depth, alias and directive rules, as on HTTP. */
  readonly validationRules: readonly ValidationRule[];
  /** NUL and over-long strings, as on HTTP. */
  readonly stringInputs: StringInputChecker;
  readonly maxMessageBytes: number;
  readonly exposeStacktrace: boolean;
  /** Builds the per-operation context, as the HTTP endpoint does. */
  readonly contextFor: (principal: GraphqlPrincipal, log: Logger, requestId: string) => GraphqlContext;
  /** How often an open socket's credential is checked again: a revoked key or an expired token closes it. */
  readonly credentialRecheckMs: number;
}

export interface GraphqlSubscriptionServer {
  /** Closes every socket (its subscriptions end) and stops accepting new ones. */
  close(): Promise<void>;
}

/** What a socket proved at connection_init. */
type SocketExtra = { principal?: GraphqlPrincipal };

/** `{ "authorization": "Bearer <API key or access token>" }` (any case of the key) in the connection_init payload. */
function bearerToken(connectionParams: Readonly<Record<string, unknown>> | undefined): string | undefined {
  const entry = Object.entries(connectionParams ?? {}).find(([name]) => name.toLowerCase() === 'authorization');
  const value = entry?.[1];
  if (typeof value !== 'string') return undefined;
  const match = /^Bearer ([^\s]+)$/.exec(value.trim());
  return match?.[1];
}

/**
 * GraphQL subscriptions (graphql-ws protocol) on the HTTP server's /graphql path. A socket authenticates
 * once, in connection_init, with the same credentials and rules as HTTP (API key or OIDC access token,
 * never a SCIM token; failed attempts count against the same throttle); a refused socket is closed with
 * 4403, and so is an open socket whose credential no longer authenticates (revoked key, expired token),
 * checked every `credentialRecheckMs`. Each operation then runs with that principal's tenant and scopes. Only subscriptions are
 * accepted here: queries and mutations go over HTTP, where body limits, cost limits and logging live.
 */
export function attachGraphqlSubscriptions(server: Server, options: GraphqlSubscriptionOptions): GraphqlSubscriptionServer {
  const sockets = new WebSocketServer({ server, path: '/graphql', maxPayload: options.maxMessageBytes });
  const formatError = createErrorFormatter({ exposeStacktrace: options.exposeStacktrace });
  const rules = [...specifiedRules, ...options.validationRules];
  const format = (errors: readonly GraphQLError[]): GraphQLFormattedError[] => errors.map((error) => formatError(error.toJSON(), error));
  /** `onRefused` learns the tenant of a recognised but refused credential, for the throttle. */
  const authenticate = async (token: string, onRefused: (tenantId: string) => void = () => undefined): Promise<GraphqlPrincipal | undefined> => {
    const principal =
      (await apiKeyPrincipal(options.services.tenants, token, onRefused)) ??
      (await options.oidc.verify(token, (reason, tenantId) => {
        options.logger.info({ reason, tenantId }, 'OIDC access token refused on a subscription socket');
        if (tenantId !== undefined) onRefused(tenantId);
      }));
    // A suspended tenant's sockets close (4403) at the next credential check.
    return principal?.tenant.suspendedAt === null ? principal : undefined;
  };
  /** The credential each open socket authenticated with. */
  const credentials = new Map<WebSocket, string>();
  const recheck = setInterval(() => {
    for (const [socket, token] of credentials) {
      authenticate(token).then(
        (principal) => {
          if (!principal) socket.close(4403, 'Forbidden');
        },
        // The database or the provider's keys are unreachable: the socket stays, the next check decides.
        (error: unknown) => options.logger.warn({ err: error }, 'rechecking a subscription credential failed'),
      );
    }
  }, options.credentialRecheckMs).unref();

  const disposable = useServer<Record<string, unknown>, SocketExtra>(
    {
      schema: options.schema,
      onConnect: async (context) => {
        const source = context.extra.request.socket.remoteAddress ?? 'unknown';
        if (options.throttle.retryAfterSeconds(source) > 0) return false;
        const token = bearerToken(context.connectionParams);
        let refusedTenant: string | undefined;
        let principal: GraphqlPrincipal | undefined;
        try {
          principal = token === undefined ? undefined : await authenticate(token, (tenantId) => (refusedTenant = tenantId));
        } catch (error) {
          if (!isDomainError(error) || error.code !== 'UNAVAILABLE') throw error;
          // The tenant's OIDC keys cannot be had now: 1013 (try again later), counted like a refusal.
          options.throttle.recordFailure(source);
          context.extra.socket.close(1013, 'OIDC signing keys unavailable; retry shortly');
          return false;
        }
        if (!principal || token === undefined) {
          // A refused socket closes with 4403 whichever throttle applies: graphql-ws has no Retry-After.
          options.throttle.recordFailure(source, refusedTenant);
          return false;
        }
        context.extra.principal = principal;
        credentials.set(context.extra.socket, token);
        return true;
      },
      onClose: (context) => {
        credentials.delete(context.extra.socket);
      },
      onSubscribe: (context, _id, payload) => {
        const principal = context.extra.principal;
        if (!principal) return [new GraphQLError('not authenticated', { extensions: { code: 'UNAUTHENTICATED' } })];
        let document: DocumentNode;
        try {
          document = parse(payload.query, { maxTokens: options.limits.maxTokens });
        } catch (error) {
          return [error instanceof GraphQLError ? error : new GraphQLError('the query is not valid GraphQL')];
        }
        const errors = validate(options.schema, document, rules);
        if (errors.length > 0) return errors;
        const operation = getOperationAST(document, payload.operationName);
        if (operation?.operation !== 'subscription') {
          return [new GraphQLError('only subscriptions are served over WebSocket; send queries and mutations over HTTP', { extensions: { code: 'BAD_REQUEST' } })];
        }
        const inputError = options.stringInputs.check(document, operation, payload.variables);
        if (inputError) return [inputError];
        const requestId = randomUUID();
        return {
          schema: options.schema,
          document,
          operationName: payload.operationName,
          variableValues: payload.variables,
          contextValue: options.contextFor(principal, options.logger.child({ requestId }), requestId),
        };
      },
      onNext: (_context, _id, _payload, _args, result) => (result.errors ? { ...result, errors: format(result.errors) } : undefined),
      onError: (_context, _id, _payload, errors) => format(errors),
    },
    sockets,
  );

  let closing: Promise<void> | undefined;
  return {
    close() {
      clearInterval(recheck);
      // Clients get 1001 "Going away" and reconnect (elsewhere), resuming with `after`.
      closing ??= Promise.resolve(disposable.dispose());
      return closing;
    },
  };
}
