import { Strategy as BearerStrategy } from 'passport-http-bearer';
import { effectiveScopes } from '../domain/tenants/api-access';
import type { TenantService } from '../services/tenant.service';
import type { GraphqlPrincipal } from './graphql-principal';

export const API_KEY_STRATEGY = 'graphql-api-key';

/** `Authorization: Bearer ihapi_...`: a tenant API key (stored hashed, revocable). Anything else is left to the next strategy. */
export function createApiKeyStrategy(tenants: TenantService): BearerStrategy<(token: string, done: (error: unknown, user?: GraphqlPrincipal | false) => void) => void> {
  return new BearerStrategy((token, done) => {
    tenants.authenticateApiKey(token).then(
      (principal) =>
        done(null, principal ? { tenant: principal.tenant, scopes: effectiveScopes(principal.scopes), credential: { kind: 'apiKey', apiKeyId: principal.apiKeyId } } : false),
      (error: unknown) => done(error),
    );
  });
}
