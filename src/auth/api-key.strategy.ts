import type { Request } from 'express';
import { Strategy as BearerStrategy } from 'passport-http-bearer';
import { effectiveScopes } from '../domain/tenants/api-access';
import type { RefusedCredentialListener, TenantService } from '../services/tenant.service';
import type { GraphqlPrincipal } from './graphql-principal';
import { noteRefusedCredential } from './refused-credential';

export const API_KEY_STRATEGY = 'graphql-api-key';

/** The principal of a tenant API key (ihapi_...), or undefined when the key is unknown or revoked (`onRefused` learns a revoked key's tenant). */
export async function apiKeyPrincipal(tenants: TenantService, token: string, onRefused?: RefusedCredentialListener): Promise<GraphqlPrincipal | undefined> {
  const principal = await tenants.authenticateApiKey(token, onRefused);
  return principal && { tenant: principal.tenant, scopes: effectiveScopes(principal.scopes), credential: { kind: 'apiKey', apiKeyId: principal.apiKeyId } };
}

/** `Authorization: Bearer ihapi_...`: a tenant API key (stored hashed, revocable). Anything else is left to the next strategy. */
export function createApiKeyStrategy(tenants: TenantService) {
  return new BearerStrategy({ passReqToCallback: true }, (request: Request, token: string, done: (error: unknown, user?: GraphqlPrincipal | false) => void) => {
    apiKeyPrincipal(tenants, token, (tenantId) => noteRefusedCredential(request, tenantId)).then(
      (principal) => done(null, principal ?? false),
      (error: unknown) => done(error),
    );
  });
}
