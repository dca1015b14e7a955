import { Strategy as BearerStrategy } from 'passport-http-bearer';
import type { ScimPrincipal, TenantService } from '../services/tenant.service';

export const SCIM_STRATEGY = 'scim-bearer';

/** Resolves the tenant and connection from `Authorization: Bearer <SCIM token>`. */
export function createScimBearerStrategy(tenants: TenantService): BearerStrategy<(token: string, done: (error: unknown, user?: ScimPrincipal | false) => void) => void> {
  return new BearerStrategy((token, done) => {
    tenants.authenticateScimToken(token).then(
      (principal) => done(null, principal ?? false),
      (error: unknown) => done(error),
    );
  });
}
