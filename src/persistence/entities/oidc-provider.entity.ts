import { EntitySchema } from '@mikro-orm/core';
import { epochMillis } from './column-types';

export class OidcProviderRow {
  tenantId!: string;
  issuer!: string;
  audience!: string;
  jwksUrl!: string;
  scopeClaim!: string;
  readScope!: string;
  adminScope!: string;
  createdAt!: number;
  updatedAt!: number;
}

/**
 * The company OIDC provider whose access tokens a tenant accepts on GraphQL (at most one per tenant).
 * Tokens are matched to their tenant by issuer (indexed) and audience.
 */
export const OidcProviderEntity = new EntitySchema<OidcProviderRow>({
  class: OidcProviderRow,
  tableName: 'oidc_providers',
  properties: {
    tenantId: { type: 'string', length: 36, primary: true },
    issuer: { type: 'string', length: 512, index: 'oidc_providers_issuer_index' },
    audience: { type: 'string', length: 512 },
    jwksUrl: { type: 'string', length: 512 },
    scopeClaim: { type: 'string', length: 100 },
    readScope: { type: 'string', length: 512 },
    adminScope: { type: 'string', length: 512 },
    createdAt: epochMillis(),
    updatedAt: epochMillis(),
  },
});
