import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import passport from 'passport';
import type { ScimPrincipal } from '../services/tenant.service';
import { DomainError, isDomainError } from '../domain/errors';
import { INTERNAL_ERROR_DETAIL, scimErrorBody, toScimError } from './errors';
import type { ScimHandler, ScimResponse } from './handler';
import { SCIM_STRATEGY } from '../auth/scim-bearer.strategy';
import type { FailedAuthThrottle } from '../auth/failed-auth-throttle';
import { refusedCredentialTenant } from '../auth/refused-credential';
import type { ProvisioningLogService } from '../services/provisioning-log.service';
import type { RecentRequestsService } from '../services/recent-requests.service';
import { MAX_JSON_DEPTH, refuseDeepJson } from '../http/json-depth';
import { limitOverload, type OverloadLimits } from './overload-limiter';
import { containsNul } from '../domain/string-limits';
import { errorOfExchange, redactRequestPath, redactScimBody, resourceOfExchange } from './protocol/provisioning-record';

export const SCIM_CONTENT_TYPE = 'application/scim+json; charset=utf-8';
const DISCOVERY_PATH = /^\/(serviceproviderconfig|serviceconfiguration|resourcetypes|schemas)(\/|$)/i;

export interface ScimRouterOptions {
  readonly handler: ScimHandler;
  readonly throttle: FailedAuthThrottle;
  readonly maxBodyBytes: number;
  /** Fixed public base URL; derived from the request when undefined. */
  readonly publicUrl: string | undefined;
  readonly provisioningLog: ProvisioningLogService;
  readonly recentRequests: RecentRequestsService;
  readonly overload: OverloadLimits;
}

const USER_WRITES = new Set(['POST', 'PUT', 'PATCH']);

function send(response: Response, answer: ScimResponse): void {
  // Kept for the provisioning log, which records the error's detail and scimType.
  if (answer.status >= 400) response.locals.scimError = answer.body;
  // Kept with the request for mapping previews: what a PATCH or PUT applied to.
  if (answer.previousResource) response.locals.previousResource = answer.previousResource;
  response.status(answer.status);
  for (const [name, value] of Object.entries(answer.headers ?? {})) response.setHeader(name, value);
  if (answer.body === undefined) {
    response.end();
    return;
  }
  response.setHeader('Content-Type', SCIM_CONTENT_TYPE);
  response.send(JSON.stringify(answer.body));
}

/** Writes a streamed answer part by part, waiting for the socket to drain so memory stays flat. */
/** Resolves on the first of 'drain' and 'close', leaving no listener behind (a big group waits for drain hundreds of times). */
function drainedOrClosed(response: Response): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      response.off('drain', done);
      response.off('close', done);
      resolve();
    };
    response.on('drain', done);
    response.on('close', done);
  });
}

async function sendStream(response: Response, answer: ScimResponse, parts: AsyncIterable<string>): Promise<void> {
  response.status(answer.status);
  for (const [name, value] of Object.entries(answer.headers ?? {})) response.setHeader(name, value);
  response.setHeader('Content-Type', SCIM_CONTENT_TYPE);
  for await (const part of parts) {
    if (response.destroyed) return;
    if (!response.write(part)) await drainedOrClosed(response);
  }
  response.end();
}

function sendError(response: Response, status: number, detail: string, scimType?: string, headers: Record<string, string> = {}): void {
  send(response, { status, body: scimErrorBody(status, detail, scimType), headers });
}

function sendThrottled(response: Response, retryAfterSeconds: number): void {
  sendError(response, 429, 'too many failed authentication attempts; retry later', undefined, { 'Retry-After': String(retryAfterSeconds) });
}

/**
 * Bearer token from the Authorization header only: tokens in URLs end up in logs and browser history.
 * A failed attempt from a client address that keeps failing, or with a recognised token of a tenant
 * that keeps failing, is answered 429 with an integer Retry-After (Okta honours only that form); valid
 * tokens are served whatever their address did (IdPs share egress addresses across customers).
 */
const authenticate = (throttle: FailedAuthThrottle) => (request: Request, response: Response, next: NextFunction): void => {
  const source = request.ip ?? 'unknown';
  const refuse = (detail: string) => {
    const retryAfter = throttle.recordFailure(source, refusedCredentialTenant(request));
    if (retryAfter > 0) {
      sendThrottled(response, retryAfter);
      return;
    }
    response.setHeader('WWW-Authenticate', 'Bearer realm="scim"');
    sendError(response, 401, detail);
  };
  if (request.query.access_token !== undefined) {
    refuse('tokens are accepted only in the Authorization header');
    return;
  }
  if (!request.get('authorization') && DISCOVERY_PATH.test(request.path)) {
    next();
    return;
  }
  passport.authenticate(SCIM_STRATEGY, { session: false }, (error: unknown, principal: ScimPrincipal | false) => {
    if (error) {
      next(error);
      return;
    }
    if (!principal) {
      refuse('missing, unknown, expired or rotated bearer token');
      return;
    }
    if (principal.tenant.suspendedAt !== null) {
      send(response, toScimError(new DomainError('TENANT_SUSPENDED', 'this tenant is suspended by the operator of the hub; nothing was changed, and provisioning resumes when it is resumed')));
      return;
    }
    request.user = principal;
    next();
  })(request, response, next);
};

/**
 * Records every authenticated request in the provisioning log once its response is done: the
 * log only queues here, so it never delays or fails the exchange. Requests without a valid token
 * belong to no tenant and stay in the server log only.
 */
const logProvisioning = (log: ProvisioningLogService, recent: RecentRequestsService) => (request: Request, response: Response, next: NextFunction): void => {
  const at = Date.now();
  const started = process.hrtime.bigint();
  // Below the SCIM base, as seen now: Express rewrites request.url while routing.
  const { url, path } = request;
  // 'close' comes after 'finish', and also when the client went away before the answer was complete.
  response.once('close', () => {
    const principal = request.user as ScimPrincipal | undefined;
    if (!principal) return;
    try {
      const resource = resourceOfExchange(path, response.getHeader('location')?.toString());
      if (resource.resourceType === 'User' && resource.resourceId !== null && USER_WRITES.has(request.method) && response.statusCode < 300 && isObject(request.body)) {
        const before = response.locals.previousResource as Record<string, unknown> | undefined;
        recent.submit(principal.tenant, { tenantId: principal.tenant.id, connectionId: principal.connection.id, at, method: request.method, userId: resource.resourceId, status: response.statusCode, body: request.body, before: before ?? null });
      }
      log.submit({
        tenantId: principal.tenant.id,
        at,
        connectionId: principal.connection.id,
        method: request.method,
        path: redactRequestPath(url),
        status: response.statusCode,
        durationMs: Math.round(Number(process.hrtime.bigint() - started) / 1e6),
        ...errorOfExchange(response.locals.scimError),
        ...resource,
        body: principal.tenant.settings.provisioningLogBodies && request.body !== undefined ? redactScimBody(request.body) : null,
        requestId: request.requestId,
      });
    } catch (error) {
      request.log.warn({ err: error }, 'SCIM request not recorded in the provisioning log');
    }
  });
  next();
};

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function lowerCaseQuery(query: Request['query']): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(query)) {
    const first = Array.isArray(value) ? value[0] : value;
    if (typeof first === 'string') result[name.toLowerCase()] = first;
  }
  return result;
}

export function createScimRouter(options: ScimRouterOptions): Router {
  const router = express.Router();
  router.use(logProvisioning(options.provisioningLog, options.recentRequests));
  router.use(authenticate(options.throttle));
  // After authentication, so each tenant waits in its own line; before the body is read.
  router.use(limitOverload(options.overload, (request) => (request.user as ScimPrincipal | undefined)?.tenant.id ?? ''));
  // SCIM clients send application/scim+json, application/json, and sometimes no type at all on bodies.
  router.use(express.json({ limit: options.maxBodyBytes, type: () => true, strict: true, verify: refuseDeepJson }));
  router.use((request: Request, response: Response, next: NextFunction) => {
    // A search's filter is checked by the filter parser, which names the position.
    if (!request.path.endsWith('/.search') && containsNul(request.body)) {
      sendError(response, 400, 'strings cannot contain NUL (\\u0000)', 'invalidValue');
      return;
    }
    next();
  });
  router.use(async (request: Request, response: Response, next: NextFunction) => {
    try {
      const baseUrl = `${options.publicUrl ?? `${request.protocol}://${request.get('host')}`}${request.baseUrl}`;
      const answer = await options.handler.handle({
        method: request.method,
        path: request.path,
        query: lowerCaseQuery(request.query),
        body: request.body,
        ifMatch: request.get('if-match'),
        baseUrl,
        principal: request.user as ScimPrincipal | undefined,
        requestId: request.requestId,
      });
      if (answer.stream) await sendStream(response, answer, answer.stream());
      else send(response, answer);
    } catch (error) {
      // Once the head is out, the only honest signal left is a cut connection.
      if (response.headersSent) response.destroy(error as Error);
      else next(error);
    }
  });
  router.use((error: unknown, request: Request, response: Response, _next: NextFunction) => {
    const type = (error as { type?: string }).type;
    if (type === 'entity.too.large') {
      sendError(response, 413, `the request body exceeds ${options.maxBodyBytes} bytes`);
      return;
    }
    if (type === 'entity.too.deep') {
      sendError(response, 400, `the request body nests arrays and objects deeper than ${MAX_JSON_DEPTH} levels`, 'invalidSyntax');
      return;
    }
    if (type === 'entity.parse.failed' || type === 'encoding.unsupported' || type === 'charset.unsupported') {
      sendError(response, 400, 'the request body is not valid JSON', 'invalidSyntax');
      return;
    }
    if (isDomainError(error)) {
      send(response, toScimError(error));
      return;
    }
    request.log.error({ err: error }, 'unhandled error in SCIM request');
    sendError(response, 500, INTERNAL_ERROR_DETAIL);
  });
  return router;
}
