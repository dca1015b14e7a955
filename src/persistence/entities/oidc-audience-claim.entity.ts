import { EntitySchema } from '@mikro-orm/core';
import { epochMillis } from './column-types';

export class OidcAudienceClaimRow {
  claimKey!: string;
  tenantId!: string;
  issuer!: string;
  audience!: string;
  createdAt!: number;
}

/**
 * Which tenant holds an OIDC (issuer, audience) pair: the pair names one tenant only, so a token can
 * never be claimed by two. Keyed by the pair (`claim_key`, a hash of both), not by tenant: a uniqueness
 * across tenants cannot lead with tenant_id. Like `tenants`, a small reference table when distributed.
 */
export const OidcAudienceClaimEntity = new EntitySchema<OidcAudienceClaimRow>({
  class: OidcAudienceClaimRow,
  tableName: 'oidc_audience_claims',
  properties: {
    claimKey: { type: 'string', length: 64, primary: true },
    tenantId: { type: 'string', length: 36, index: 'oidc_audience_claims_tenant_index' },
    issuer: { type: 'string', length: 512 },
    audience: { type: 'string', length: 512 },
    createdAt: epochMillis(),
  },
});
