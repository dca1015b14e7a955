import 'reflect-metadata';
import { MAX_JSON_DEPTH, refuseDeepJson } from '../http/json-depth';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import type { Server } from 'node:http';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { Logger } from 'pino';
import type { FailedAuthThrottle } from '../auth/failed-auth-throttle';
import { authenticateGraphqlRequests } from '../auth/graphql-authentication';
import { oneLargeRequestPerTenant } from './large-requests';
import type { GraphqlPrincipal } from '../auth/graphql-principal';
import type { OidcTokenVerifier } from '../auth/oidc-token.strategy';
import type { ConsolePrincipalResolver } from '../console/console-principal';
import type { GraphqlContext, GraphqlServices } from './context';
import { DirectoryLoaders } from './directory-loaders';
import { createErrorFormatter, errorLoggingPlugin, GRAPHQL_ERROR_CODES } from './format-error';
import { armorProtection, costLimitPlugin, type GraphqlLimits } from './limits';
import { buildGraphqlSchema } from './schema';
import { StringInputChecker } from './string-inputs';
import type { TrustFunction } from '../http/trust-proxy';
import { attachGraphqlSubscriptions, type GraphqlSubscriptionServer } from './subscription-server';

export interface GraphqlOptions {
  readonly services: GraphqlServices;
  readonly logger: Logger;
  readonly throttle: FailedAuthThrottle;
  /** Which proxies' X-Forwarded-For names a subscription socket's client (HTTP requests use express's `trust proxy`). */
  readonly trustProxy: TrustFunction;
  /** Verifies tenants' OIDC access tokens (their JWKS fetched through the outbound client). */
  readonly oidc: OidcTokenVerifier;
  readonly maxBodyBytes: number;
  readonly introspection: boolean;
  /** "Did you mean ...?" in validation errors: a map of the schema for whoever guesses. */
  readonly fieldSuggestions: boolean;
  /** Stack traces in error responses: development only. */
  readonly exposeStacktrace: boolean;
  readonly limits: GraphqlLimits;
  /** Admin console sessions: the console's pages call this API with their cookie. */
  readonly consolePrincipal?: ConsolePrincipalResolver;
}

export interface SubscriptionTuning {
  /** How often open sockets' credentials are checked again (default one minute). */
  readonly credentialRecheckMs?: number;
}

const CREDENTIAL_RECHECK_MS = 60_000;

export interface GraphqlEndpoint {
  readonly router: Router;
  /** Serves subscriptions (graphql-ws) on the server's /graphql path; call once the server exists. */
  attachSubscriptions(server: Server, options?: SubscriptionTuning): GraphqlSubscriptionServer;
  stop(): Promise<void>;
}

function sendRequestError(response: Response, status: number, message: string, code: string): void {
  response.status(status).json({ errors: [{ message, extensions: { code } }] });
}

/**
 * /graphql: authentication (API key or OIDC access token), one large request of a tenant at a time, the JSON body, then Apollo with the
 * type-graphql schema. One JSON operation per request (batching is off), limits checked before any
 * resolver runs, a fresh context (principal, tenant, DataLoaders) per request.
 */
export async function createGraphqlEndpoint(options: GraphqlOptions): Promise<GraphqlEndpoint> {
  const schema = await buildGraphqlSchema(options.services.events.pubSub);
  const armor = armorProtection(options.limits);
  const stringInputs = new StringInputChecker(schema);
  const { oidc } = options;
  const contextFor = (principal: GraphqlPrincipal, log: Logger, requestId: string): GraphqlContext => ({
    principal,
    tenantId: principal.tenant.id,
    services: options.services,
    loaders: new DirectoryLoaders(options.services.directory, options.services.mapping, principal.tenant.id),
    log,
    requestId,
  });
  const server = new ApolloServer<GraphqlContext>({
    schema,
    introspection: options.introspection,
    hideSchemaDetailsFromClientErrors: !options.fieldSuggestions,
    allowBatchedHttpRequests: false,
    includeStacktraceInErrorResponses: options.exposeStacktrace,
    formatError: createErrorFormatter({ exposeStacktrace: options.exposeStacktrace }),
    // The parser stops counting at the limit: a huge document costs no more than a long one.
    parseOptions: { maxTokens: options.limits.maxTokens },
    validationRules: armor.validationRules,
    // Cache control is off: its per-field hook makes Apollo wrap every resolver, and no answer here is cacheable (per tenant, per credential).
    plugins: [...armor.plugins, costLimitPlugin(schema, options.limits.maxCost), stringInputs.plugin(), errorLoggingPlugin, ApolloServerPluginLandingPageDisabled(), ApolloServerPluginCacheControlDisabled()],
    logger: options.logger,
  });
  await server.start();

  const router = express.Router();
  router.use(
    authenticateGraphqlRequests({
      tenants: options.services.tenants,
      oidc,
      throttle: options.throttle,
      errorCode: (code) => GRAPHQL_ERROR_CODES[code],
      consolePrincipal: options.consolePrincipal,
    }),
  );
  router.use(
    oneLargeRequestPerTenant((response, retryAfterSeconds, message) => {
      response.setHeader('Retry-After', String(retryAfterSeconds));
      sendRequestError(response, 429, message, GRAPHQL_ERROR_CODES.TOO_MANY);
    }),
  );
  router.use(express.json({ limit: options.maxBodyBytes, verify: refuseDeepJson }));
  router.use(
    expressMiddleware(server, {
      context: async ({ req }) => contextFor(req.user as GraphqlPrincipal, req.log, req.requestId),
    }),
  );
  router.use((error: unknown, _request: Request, response: Response, next: NextFunction) => {
    const type = (error as { type?: string }).type;
    if (type === 'entity.too.large') {
      sendRequestError(response, 413, `the request body exceeds ${options.maxBodyBytes} bytes`, 'BAD_REQUEST');
      return;
    }
    if (type === 'entity.parse.failed' || type === 'encoding.unsupported' || type === 'charset.unsupported') {
      sendRequestError(response, 400, 'the request body is not valid JSON', 'BAD_REQUEST');
      return;
    }
    if (type === 'entity.too.deep') {
      sendRequestError(response, 400, `the request body nests arrays and objects deeper than ${MAX_JSON_DEPTH} levels`, 'BAD_REQUEST');
      return;
    }
    next(error);
  });
  const attachSubscriptions = (httpServer: Server, tuning: SubscriptionTuning = {}) =>
    attachGraphqlSubscriptions(httpServer, {
      credentialRecheckMs: tuning.credentialRecheckMs ?? CREDENTIAL_RECHECK_MS,
      schema,
      services: options.services,
      logger: options.logger,
      oidc,
      throttle: options.throttle,
      trustProxy: options.trustProxy,
      limits: options.limits,
      validationRules: armor.validationRules,
      stringInputs,
      maxMessageBytes: options.maxBodyBytes,
      exposeStacktrace: options.exposeStacktrace,
      contextFor,
    });
  return { router, attachSubscriptions, stop: () => server.stop() };
}
