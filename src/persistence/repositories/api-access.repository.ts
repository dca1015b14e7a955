import { createHash } from 'node:crypto';
import { DomainError } from '../../domain/errors';
import { effectiveScopes, type ApiKey, type OidcProvider } from '../../domain/tenants/api-access';
import type { Tx } from '../database';
import { toNumber } from '../column-values';

interface ApiKeyColumns {
  tenant_id: string;
  id: string;
  name: string;
  scopes: string;
  created_at: number | string;
  revoked_at: number | string | null;
}

interface OidcProviderColumns {
  tenant_id: string;
  issuer: string;
  audience: string;
  jwks_url: string;
  scope_claim: string;
  read_scope: string;
  admin_scope: string;
}

function toApiKey(row: ApiKeyColumns): ApiKey {
  return {
    tenantId: row.tenant_id,
    id: row.id,
    name: row.name,
    scopes: effectiveScopes(row.scopes.split(' ')),
    createdAt: toNumber(row.created_at),
    revokedAt: row.revoked_at === null ? null : toNumber(row.revoked_at),
  };
}

function toOidcProvider(row: OidcProviderColumns): OidcProvider {
  return {
    tenantId: row.tenant_id,
    issuer: row.issuer,
    audience: row.audience,
    jwksUrl: row.jwks_url,
    scopeClaim: row.scope_claim,
    readScope: row.read_scope,
    adminScope: row.admin_scope,
  };
}

const API_KEY_COLUMNS = ['tenant_id', 'id', 'name', 'scopes', 'created_at', 'revoked_at'];
const OIDC_COLUMNS = ['tenant_id', 'issuer', 'audience', 'jwks_url', 'scope_claim', 'read_scope', 'admin_scope'];

/** API keys as admins manage them (never their hashes), and the tenants' OIDC providers. */
export class ApiAccessRepository {
  async listApiKeys(tx: Tx, tenantId: string): Promise<ApiKey[]> {
    const rows = await tx.all<ApiKeyColumns>(tx.knex('api_keys').select(API_KEY_COLUMNS).where({ tenant_id: tenantId }).orderBy([{ column: 'created_at' }, { column: 'id' }]));
    return rows.map(toApiKey);
  }

  async revokeApiKey(tx: Tx, tenantId: string, id: string, now: number): Promise<void> {
    await tx.run(tx.knex('api_keys').where({ tenant_id: tenantId, id }).whereNull('revoked_at').update({ revoked_at: now }));
  }

  async findOidcProvider(tx: Tx, tenantId: string): Promise<OidcProvider | undefined> {
    const row = await tx.first<OidcProviderColumns>(tx.knex('oidc_providers').select(OIDC_COLUMNS).where({ tenant_id: tenantId }));
    return row && toOidcProvider(row);
  }

  async findOidcProvidersByIssuer(tx: Tx, issuer: string): Promise<OidcProvider[]> {
    const rows = await tx.all<OidcProviderColumns>(tx.knex('oidc_providers').select(OIDC_COLUMNS).where({ issuer }));
    return rows.map(toOidcProvider);
  }

  /**
   * Stores the tenant's provider and claims its (issuer, audience) pair, giving up the pair it held
   * before. CONFLICT when another tenant holds the pair; on PostgreSQL a concurrent claim of the same
   * pair waits on the claim's primary key until the first commits or rolls back, then sees its holder.
   */
  async saveOidcProvider(tx: Tx, provider: OidcProvider, now: number): Promise<void> {
    const claimKey = oidcClaimKey(provider.issuer, provider.audience);
    await tx.run(tx.knex('oidc_audience_claims').where({ tenant_id: provider.tenantId }).whereNot({ claim_key: claimKey }).delete());
    await tx.run(
      tx
        .knex('oidc_audience_claims')
        .insert({ claim_key: claimKey, tenant_id: provider.tenantId, issuer: provider.issuer, audience: provider.audience, created_at: now })
        .onConflict('claim_key')
        .ignore(),
    );
    const holder = await tx.first<{ tenant_id: string }>(tx.knex('oidc_audience_claims').select('tenant_id').where({ claim_key: claimKey }));
    if (holder?.tenant_id !== provider.tenantId) throw new DomainError('CONFLICT', 'another tenant already trusts this issuer for this audience');
    const columns = {
      issuer: provider.issuer,
      audience: provider.audience,
      jwks_url: provider.jwksUrl,
      scope_claim: provider.scopeClaim,
      read_scope: provider.readScope,
      admin_scope: provider.adminScope,
      updated_at: now,
    };
    await tx.run(
      tx
        .knex('oidc_providers')
        .insert({ tenant_id: provider.tenantId, ...columns, created_at: now })
        .onConflict('tenant_id')
        .merge(columns),
    );
  }

  async deleteOidcProvider(tx: Tx, tenantId: string): Promise<void> {
    await tx.run(tx.knex('oidc_audience_claims').where({ tenant_id: tenantId }).delete());
    await tx.run(tx.knex('oidc_providers').where({ tenant_id: tenantId }).delete());
  }
}

/** The key of an OIDC (issuer, audience) claim: a fixed-size hash of both (long URLs would not fit a btree key). */
export function oidcClaimKey(issuer: string, audience: string): string {
  return createHash('sha256').update(JSON.stringify([issuer, audience])).digest('hex');
}
