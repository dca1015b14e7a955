import { Strategy as BearerStrategy } from 'passport-http-bearer';
import { effectiveScopes } from '../domain/tenants/api-access';
import type { TenantService } from '../services/tenant.service';
import type { GraphqlPrincipal } from './graphql-principal';

export const API_KEY_STRATEGY = 'graphql-api-key';

/** The principal of a tenant API key (ihapi_...), or undefined when the key is unknown or revoked. */
export async function apiKeyPrincipal(tenants: TenantService, token: string): Promise<GraphqlPrincipal | undefined> {
  const principal = await tenants.authenticateApiKey(token);
  return principal && { tenant: principal.tenant, scopes: effectiveScopes(principal.scopes), credential: { kind: 'apiKey', apiKeyId: principal.apiKeyId } };
}

/** `Authorization: Bearer ihapi_...`: a tenant API key (stored hashed, revocable). Anything else is left to the next strategy. */
export function createApiKeyStrategy(tenants: TenantService): BearerStrategy<(token: string, done: (error: unknown, user?: GraphqlPrincipal | false) => void) => void> {
  return new BearerStrategy((token, done) => {
    apiKeyPrincipal(tenants, token).then(
      (principal) => done(null, principal ?? false),
      (error: unknown) => done(error),
    );
  });
}
