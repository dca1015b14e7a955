import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { Passport } from 'passport';
import { DomainError, isDomainError, type ErrorCode } from '../domain/errors';
import type { TenantService } from '../services/tenant.service';
import { API_KEY_STRATEGY, createApiKeyStrategy } from './api-key.strategy';
import type { FailedAuthThrottle } from './failed-auth-throttle';
import type { ConsolePrincipalResolver } from '../console/console-principal';
import type { GraphqlPrincipal } from './graphql-principal';
import { refusedCredentialTenant } from './refused-credential';
import { createOidcTokenStrategy, OIDC_TOKEN_STRATEGY, type OidcTokenVerifier } from './oidc-token.strategy';

export interface GraphqlAuthenticationOptions {
  readonly tenants: TenantService;
  readonly oidc: OidcTokenVerifier;
  readonly throttle: FailedAuthThrottle;
  /** How an HTTP-level refusal names its error code (the same map GraphQL errors use). */
  readonly errorCode: (code: ErrorCode) => string;
  /** Admin console sessions (cookie + CSRF token), tried when the request has no Authorization header. */
  readonly consolePrincipal?: ConsolePrincipalResolver;
}

/**
 * Authenticates every /graphql request before Apollo sees it: an API key or an OIDC access token in the
 * Authorization header, nothing else (SCIM tokens, tokens in the URL or body are refused). It runs
 * before the body is parsed, so passport's bearer strategy cannot pick a token out of the body.
 * Its own passport instance keeps these strategies apart from the SCIM one.
 */
export function authenticateGraphqlRequests(options: GraphqlAuthenticationOptions): RequestHandler {
  const authenticator = new Passport();
  authenticator.use(API_KEY_STRATEGY, createApiKeyStrategy(options.tenants));
  authenticator.use(OIDC_TOKEN_STRATEGY, createOidcTokenStrategy(options.oidc));

  const refuse = (response: Response, status: number, error: DomainError, headers: Record<string, string> = {}) => {
    for (const [name, value] of Object.entries(headers)) response.setHeader(name, value);
    response.status(status).json({ errors: [{ message: error.message, extensions: { code: options.errorCode(error.code) } }] });
  };

  return (request: Request, response: Response, next: NextFunction) => {
    const source = request.ip ?? 'unknown';
    const throttled = (retryAfterSeconds: number) =>
      refuse(response, 429, new DomainError('UNAVAILABLE', 'too many failed authentication attempts; retry later'), { 'Retry-After': String(retryAfterSeconds) });
    const unauthenticated = (message: string) => {
      // Only failures are ever throttled: a valid credential never gets here, whatever its address did.
      const retryAfter = options.throttle.recordFailure(source, refusedCredentialTenant(request));
      if (retryAfter > 0) throttled(retryAfter);
      else refuse(response, 401, new DomainError('UNAUTHENTICATED', message), { 'WWW-Authenticate': 'Bearer realm="graphql"' });
    };
    if (request.query.access_token !== undefined) {
      unauthenticated('credentials are accepted only in the Authorization header');
      return;
    }
    const accept = (principal: GraphqlPrincipal) => {
      if (principal.tenant.suspendedAt !== null) {
        refuse(response, 403, new DomainError('TENANT_SUSPENDED', 'this tenant is suspended by the operator of the hub'));
        return;
      }
      request.user = principal;
      next();
    };
    const authenticateBearer = () =>
      authenticator.authenticate([API_KEY_STRATEGY, OIDC_TOKEN_STRATEGY], { session: false }, (error: unknown, principal: GraphqlPrincipal | false) => {
        if (isDomainError(error) && error.code === 'UNAVAILABLE') {
          // Counted against the caller like a refusal: a token naming a tenant whose keys cannot be had is no way around the throttle.
          const retryAfter = options.throttle.recordFailure(source);
          if (retryAfter > 0) throttled(retryAfter);
          else refuse(response, 503, error, { 'Retry-After': '5' });
          return;
        }
        if (error) {
          next(error);
          return;
        }
        if (!principal) {
          unauthenticated('missing, unknown, expired or revoked credential: send an API key or an access token as "Authorization: Bearer ..."');
          return;
        }
        accept(principal);
      })(request, response, next);
    if (options.consolePrincipal && request.headers.authorization === undefined) {
      options.consolePrincipal(request).then((result) => {
        if (result === undefined) authenticateBearer();
        else if ('refused' in result) unauthenticated(result.refused);
        else accept(result.principal);
      }, next);
      return;
    }
    authenticateBearer();
  };
}
