import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import { getOperationAST, GraphQLError, parse, specifiedRules, validate, type DocumentNode, type GraphQLFormattedError, type GraphQLSchema, type ValidationRule } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import type { Logger } from 'pino';
import { WebSocketServer, type WebSocket } from 'ws';
import { apiKeyPrincipal } from '../auth/api-key.strategy';
import type { FailedAuthThrottle } from '../auth/failed-auth-throttle';
import { clientAddress, type TrustFunction } from '../http/trust-proxy';
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
  /** Which proxies' X-Forwarded-For on the upgrade request names the client, as for HTTP. */
  readonly trustProxy: TrustFunction;
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
  /** A tenant's credentials changed (undefined: any tenant's may have): its open sockets are checked again at once, not at the next periodic check. */
  credentialsChanged(tenantId: string | undefined): void;
  /** Closes every socket (its subscriptions end) and stops accepting new ones. */
  close(): Promise<void>;
}

/** How soon after a credential change the affected sockets are checked. */
const CHANGE_RECHECK_DELAY_MS = 100;

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
 * checked every `credentialRecheckMs` and as soon as its tenant's credentials change anywhere. Each operation then runs with that principal's tenant and scopes. Only subscriptions are
 * accepted here: queries and mutations go over HTTP, where body limits, cost limits and logging live.
 */
export function attachGraphqlSubscriptions(server: Server, options: GraphqlSubscriptionOptions): GraphqlSubscriptionServer {
  const sockets = new WebSocketServer({ server, path: '/graphql', maxPayload: options.maxMessageBytes });
  const formatError = createErrorFormatter({ exposeStacktrace: options.exposeStacktrace });
  const rules = [...specifiedRules, ...options.validationRules];
  const format = (errors: readonly GraphQLError[]): GraphQLFormattedError[] => errors.map((error) => formatError(error.toJSON(), error));
  /** `onRefused` learns the tenant of a recognised but refused credential, for the throttle. */
  const authenticate = async (token: string, onRefused: (tenantId: string) => void = () => undefined): Promise<GraphqlPrincipal | undefined> =>
    (await apiKeyPrincipal(options.services.tenants, token, onRefused)) ??
    (await options.oidc.verify(token, (reason, tenantId) => {
      options.logger.info({ reason, tenantId }, 'OIDC access token refused on a subscription socket');
      if (tenantId !== undefined) onRefused(tenantId);
    }));
  /** The credential each open socket authenticated with, and its tenant. */
  const credentials = new Map<WebSocket, { readonly token: string; readonly tenantId: string }>();
  const recheckSockets = (tenantId?: string) => {
    for (const [socket, credential] of credentials) {
      if (tenantId !== undefined && credential.tenantId !== tenantId) continue;
      authenticate(credential.token).then(
        (principal) => {
          if (!principal) socket.close(4403, 'Forbidden');
        },
        // The database or the provider's keys are unreachable: the socket stays, the next check decides.
        (error: unknown) => options.logger.warn({ err: error }, 'rechecking a subscription credential failed'),
      );
    }
  };
  const recheck = setInterval(() => recheckSockets(), options.credentialRecheckMs).unref();
  /** Tenants whose sockets are rechecked shortly (undefined: all), gathered so a burst of changes costs one pass. */
  let changed: Set<string | undefined> | undefined;
  let closed = false;

  const disposable = useServer<Record<string, unknown>, SocketExtra>(
    {
      schema: options.schema,
      onConnect: async (context) => {
        const source = clientAddress(context.extra.request, options.trustProxy);
        const token = bearerToken(context.connectionParams);
        let refusedTenant: string | undefined;
        let principal: GraphqlPrincipal | undefined;
        try {
          principal = token === undefined ? undefined : await authenticate(token, (tenantId) => (refusedTenant = tenantId));
        } catch (error) {
          if (!isDomainError(error) || error.code !== 'UNAVAILABLE') throw error;
          // The tenant's OIDC keys cannot be had now: 1013 (try again later), counted like a refusal; 4403 once the address is throttled.
          if (options.throttle.recordFailure(source) > 0) return false;
          context.extra.socket.close(1013, 'OIDC signing keys unavailable; retry shortly');
          return false;
        }
        if (!principal || token === undefined) {
          // A refused socket closes with 4403 whichever throttle applies: graphql-ws has no Retry-After.
          options.throttle.recordFailure(source, refusedTenant);
          return false;
        }
        context.extra.principal = principal;
        credentials.set(context.extra.socket, { token, tenantId: principal.tenant.id });
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
          return [requestError(error instanceof GraphQLError ? error.message : 'the query is not valid GraphQL', 'GRAPHQL_PARSE_FAILED')];
        }
        const errors = validate(options.schema, document, rules);
        // The codes Apollo gives the same errors over HTTP; without one the formatter masks them as internal.
        if (errors.length > 0) return errors.map((error) => requestError(error.message, error.extensions?.code === undefined ? 'GRAPHQL_VALIDATION_FAILED' : String(error.extensions.code), error));
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
    credentialsChanged(tenantId) {
      if (closed) return;
      if (changed) {
        changed.add(tenantId);
        return;
      }
      changed = new Set([tenantId]);
      // After the change's own commit hooks (the caches forget first), and once for a burst.
      setTimeout(() => {
        const tenants = changed ?? new Set();
        changed = undefined;
        if (closed) return;
        if (tenants.has(undefined)) recheckSockets();
        else for (const tenant of tenants) recheckSockets(tenant);
      }, CHANGE_RECHECK_DELAY_MS).unref();
    },
    close() {
      closed = true;
      clearInterval(recheck);
      // Clients get 1001 "Going away" and reconnect (elsewhere), resuming with `after`.
      closing ??= Promise.resolve(disposable.dispose());
      return closing;
    },
  };
}

/** A request error as Apollo shapes it over HTTP: its message, where it is, and a stable code. */
function requestError(message: string, code: string, located?: GraphQLError): GraphQLError {
  return new GraphQLError(message, { nodes: located?.nodes, source: located?.source, positions: located?.positions, extensions: { code } });
}
