import type { Request } from 'express';

/** Where the SCIM API is served: every tenant's IdP uses this base; its credentials name the tenant. */
export const SCIM_BASE_PATH = '/scim/v2';

/** The SCIM base URL as clients reach it: PUBLIC_URL when set, else the request's own scheme and host. */
export function scimBaseUrl(publicUrl: string | undefined, request: Request): string {
  return `${publicUrl ?? `${request.protocol}://${request.get('host')}`}${SCIM_BASE_PATH}`;
}
