import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { Logger } from 'pino';
import type { FailedAuthThrottle } from '../../auth/failed-auth-throttle';
import type { OperatorKeyRecord } from '../../persistence/repositories/operator.repository';
import { MAX_JSON_DEPTH, refuseDeepJson } from '../../http/json-depth';
import { scimBaseUrl } from '../../scim/scim-base-url';
import { createErrorFormatter, errorLoggingPlugin } from '../format-error';
import { armorProtection, type GraphqlLimits } from '../limits';
import { OPERATOR_SCHEMA_SDL } from './operator-schema';
import { operatorResolvers, type OperatorContext, type OperatorServices } from './operator.resolvers';

export interface OperatorEndpointOptions {
  readonly services: OperatorServices;
  readonly logger: Logger;
  readonly throttle: FailedAuthThrottle;
  readonly publicUrl: string | undefined;
  readonly maxBodyBytes: number;
  readonly introspection: boolean;
  readonly exposeStacktrace: boolean;
  readonly limits: GraphqlLimits;
}

function sendError(response: Response, status: number, message: string, code: string, headers: Record<string, string> = {}): void {
  for (const [name, value] of Object.entries(headers)) response.setHeader(name, value);
  response.status(status).json({ errors: [{ message, extensions: { code } }] });
}

/**
 * /operator/graphql: an operator key in the Authorization header (nothing else is accepted; failures
 * count in the failed-authentication throttle), then Apollo with schema/operator.graphql.
 */
export async function createOperatorEndpoint(options: OperatorEndpointOptions): Promise<{ router: Router; stop(): Promise<void> }> {
  // The tenant API's depth, alias and token limits: an operator key is powerful, not a reason to parse anything.
  const armor = armorProtection(options.limits);
  const server = new ApolloServer<OperatorContext>({
    typeDefs: OPERATOR_SCHEMA_SDL,
    resolvers: operatorResolvers,
    introspection: options.introspection,
    allowBatchedHttpRequests: false,
    includeStacktraceInErrorResponses: options.exposeStacktrace,
    formatError: createErrorFormatter({ exposeStacktrace: options.exposeStacktrace }),
    parseOptions: { maxTokens: options.limits.maxTokens },
    validationRules: armor.validationRules,
    plugins: [...armor.plugins, errorLoggingPlugin, ApolloServerPluginLandingPageDisabled()],
    logger: options.logger,
  });
  await server.start();

  const router = express.Router();
  router.use((request: Request, response: Response, next: NextFunction) => {
    const source = request.ip ?? 'unknown';
    const match = /^Bearer\s+(\S+)$/i.exec(request.get('authorization') ?? '');
    const refuse = () => {
      const retryAfter = options.throttle.recordFailure(source);
      if (retryAfter > 0) sendError(response, 429, 'too many failed authentication attempts; retry later', 'UNAVAILABLE', { 'Retry-After': String(retryAfter) });
      else sendError(response, 401, 'missing, unknown or revoked operator key: send "Authorization: Bearer ihop_..."', 'UNAUTHENTICATED', { 'WWW-Authenticate': 'Bearer realm="operator"' });
    };
    if (!match) {
      refuse();
      return;
    }
    options.services.operator.authenticate(match[1]).then(
      (key) => {
        if (!key) {
          refuse();
          return;
        }
        response.locals.operatorKey = key;
        next();
      },
      (error: unknown) => next(error),
    );
  });
  router.use(express.json({ limit: options.maxBodyBytes, verify: refuseDeepJson }));
  router.use(
    expressMiddleware(server, {
      context: async ({ req, res }) => ({
        operatorKey: res.locals.operatorKey as OperatorKeyRecord,
        services: options.services,
        scimBaseUrl: scimBaseUrl(options.publicUrl, req),
        log: req.log,
        requestId: req.requestId,
      }),
    }),
  );
  router.use((error: unknown, _request: Request, response: Response, next: NextFunction) => {
    const type = (error as { type?: string }).type;
    if (type === 'entity.too.large') sendError(response, 413, `the request body exceeds ${options.maxBodyBytes} bytes`, 'BAD_REQUEST');
    else if (type === 'entity.too.deep') sendError(response, 400, `the request body nests arrays and objects deeper than ${MAX_JSON_DEPTH} levels`, 'BAD_REQUEST');
    else if (type === 'entity.parse.failed' || type === 'encoding.unsupported' || type === 'charset.unsupported') sendError(response, 400, 'the request body is not valid JSON', 'BAD_REQUEST');
    else next(error);
  });
  return { router, stop: () => server.stop() };
}
