import type { ApiScope } from '../domain/tenants/api-access';
import type { Tenant } from '../domain/tenants/tenant';

/** Who calls the GraphQL API: one tenant, the scopes granted, and the credential that proved it. */
export interface GraphqlPrincipal {
  readonly tenant: Tenant;
  readonly scopes: readonly ApiScope[];
  readonly credential: GraphqlCredential;
}

export type GraphqlCredential =
  | { readonly kind: 'apiKey'; readonly apiKeyId: string }
  /** `subject` is the token's `sub` claim, when it has one. */
  | { readonly kind: 'oidcToken'; readonly issuer: string; readonly subject: string | null }
  /** An admin signed in to the console (cookie session); `subject` is who the audit trail names. */
  | { readonly kind: 'consoleSession'; readonly sessionId: string; readonly subject: string };
