import type { Request } from 'express';
import { Strategy as BearerStrategy } from 'passport-http-bearer';
import type { ScimPrincipal, TenantService } from '../services/tenant.service';
import { looksLikeJwt, type ScimOAuthService } from '../services/scim-oauth.service';
import { noteRefusedCredential } from './refused-credential';

export const SCIM_STRATEGY = 'scim-bearer';

/**
 * Resolves the tenant and connection from `Authorization: Bearer <credential>`: the connection's static
 * SCIM token, or an access token from the OAuth token endpoint, valid for this SCIM base (`audienceOf`).
 */
export function createScimBearerStrategy(tenants: TenantService, oauth: ScimOAuthService, audienceOf: (request: Request) => string) {
  return new BearerStrategy({ passReqToCallback: true }, (request: Request, token: string, done: (error: unknown, user?: ScimPrincipal | false) => void) => {
    const onRefused = (tenantId: string) => noteRefusedCredential(request, tenantId);
    const principal = looksLikeJwt(token) ? oauth.authenticateAccessToken(token, audienceOf(request), onRefused) : tenants.authenticateScimToken(token, onRefused);
    principal.then(
      (found) => done(null, found ?? false),
      (error: unknown) => done(error),
    );
  });
}
