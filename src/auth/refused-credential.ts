import type { Request } from 'express';

/**
 * The tenant of a credential a strategy recognised but refused on this request (expired, rotated out,
 * revoked, failing its provider's verification), kept for the failed-authentication throttle: passport
 * drops a strategy's details on failure.
 */
const refusedTenants = new WeakMap<Request, string>();

export function noteRefusedCredential(request: Request, tenantId: string): void {
  refusedTenants.set(request, tenantId);
}

export function refusedCredentialTenant(request: Request): string | undefined {
  return refusedTenants.get(request);
}
