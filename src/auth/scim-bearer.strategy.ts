import type { Request } from 'express';
import { Strategy as BearerStrategy } from 'passport-http-bearer';
import type { ScimPrincipal, TenantService } from '../services/tenant.service';
import { noteRefusedCredential } from './refused-credential';

export const SCIM_STRATEGY = 'scim-bearer';

/** Resolves the tenant and connection from `Authorization: Bearer <SCIM token>`. */
export function createScimBearerStrategy(tenants: TenantService) {
  return new BearerStrategy({ passReqToCallback: true }, (request: Request, token: string, done: (error: unknown, user?: ScimPrincipal | false) => void) => {
    tenants.authenticateScimToken(token, (tenantId) => noteRefusedCredential(request, tenantId)).then(
      (principal) => done(null, principal ?? false),
      (error: unknown) => done(error),
    );
  });
}
