import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { FailedAuthThrottle } from '../auth/failed-auth-throttle';
import { OAuthError, readClientCredentials } from '../domain/tenants/scim-oauth';
import type { ScimOAuthService } from '../services/scim-oauth.service';
import { scimBaseUrl } from './scim-base-url';

/** Token requests are a few short form fields. */
const MAX_TOKEN_REQUEST_BYTES = 8 * 1024;

function sendOAuthError(response: Response, status: number, error: string, description: string, headers: Record<string, string> = {}): void {
  for (const [name, value] of Object.entries(headers)) response.setHeader(name, value);
  response.setHeader('Cache-Control', 'no-store');
  response.status(status).json({ error, error_description: description });
}

/**
 * `POST {SCIM base}/oauth/token`: the OAuth 2.0 client credentials grant (RFC 6749 section 4.4) for IdPs
 * that provision with a client id and secret (Entra gallery apps). Client authentication by
 * client_secret_basic or client_secret_post; failed ones count in the failed-authentication throttle
 * like a bad SCIM token. Errors follow section 5.2.
 */
export function createOAuthTokenEndpoint(options: { oauth: ScimOAuthService; throttle: FailedAuthThrottle; publicUrl: string | undefined }): Router {
  const router = express.Router();
  router.post('/', express.urlencoded({ extended: false, limit: MAX_TOKEN_REQUEST_BYTES, type: () => true }), async (request: Request, response: Response, next: NextFunction) => {
    const source = request.ip ?? 'unknown';
    const throttled = (seconds: number) => sendOAuthError(response, 429, 'invalid_request', 'too many failed authentication attempts; retry later', { 'Retry-After': String(seconds) });
    const form = (request.body ?? {}) as Record<string, unknown>;
    const authorization = request.get('authorization');
    let refusedTenant: string | undefined;
    try {
      if (!request.is('application/x-www-form-urlencoded')) throw new OAuthError('invalid_request', 400, 'send the token request as application/x-www-form-urlencoded');
      const credentials = readClientCredentials(authorization, form);
      if (form.grant_type === undefined) throw new OAuthError('invalid_request', 400, 'grant_type is missing');
      if (form.grant_type !== 'client_credentials') throw new OAuthError('unsupported_grant_type', 400, 'only grant_type=client_credentials is supported');
      const issued = await options.oauth.issueAccessToken(credentials, scimBaseUrl(options.publicUrl, request), (tenantId) => (refusedTenant = tenantId));
      response.setHeader('Cache-Control', 'no-store');
      response.setHeader('Pragma', 'no-cache');
      response.json({ access_token: issued.accessToken, token_type: 'Bearer', expires_in: issued.expiresIn });
    } catch (error) {
      if (!(error instanceof OAuthError)) {
        next(error);
        return;
      }
      if (error.error === 'invalid_client') {
        // Like SCIM: a client address or tenant that keeps failing gets 429; valid credentials are always served.
        const retryAfter = options.throttle.recordFailure(source, refusedTenant);
        if (retryAfter > 0) {
          throttled(retryAfter);
          return;
        }
        // RFC 6749 section 5.2: a client that tried HTTP Basic is told the scheme it must use.
        const basic = authorization !== undefined && /^basic\s/i.test(authorization);
        sendOAuthError(response, 401, error.error, error.message, basic ? { 'WWW-Authenticate': 'Basic realm="scim-oauth"' } : {});
        return;
      }
      sendOAuthError(response, error.status, error.error, error.message);
    }
  });
  router.all('/', (_request: Request, response: Response) => {
    sendOAuthError(response, 405, 'invalid_request', 'the token endpoint accepts POST only', { Allow: 'POST' });
  });
  router.use((error: unknown, request: Request, response: Response, _next: NextFunction) => {
    const type = (error as { type?: string }).type;
    if (type === 'entity.too.large') {
      sendOAuthError(response, 413, 'invalid_request', `the token request exceeds ${MAX_TOKEN_REQUEST_BYTES} bytes`);
      return;
    }
    if (type === 'entity.parse.failed' || type === 'encoding.unsupported' || type === 'charset.unsupported' || type === 'parameters.too.many') {
      sendOAuthError(response, 400, 'invalid_request', 'the token request body is not a form');
      return;
    }
    request.log.error({ err: error }, 'unhandled error in the OAuth token endpoint');
    sendOAuthError(response, 500, 'server_error', 'internal error; the request id in the X-Request-Id header identifies it in the server log');
  });
  return router;
}
