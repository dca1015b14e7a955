import type { MigrationExecute } from './refold-stored-keys';
import { oidcClaimKey } from './repositories/api-access.repository';

/**
 * Fills `oidc_audience_claims` from the providers already configured, the earliest configured first. A
 * pair two tenants configured before claims existed (a race on PostgreSQL) goes to the earlier one; the
 * later one's provider is kept as it was and its tokens stay refused, as before (they named two tenants),
 * until its admin saves another audience. Returns the tenants whose pair was already held.
 */
export async function claimExistingOidcAudiences(execute: MigrationExecute, quote: (name: string) => string): Promise<string[]> {
  const providers = await execute(
    `SELECT ${['tenant_id', 'issuer', 'audience', 'created_at'].map(quote).join(', ')} FROM ${quote('oidc_providers')} ORDER BY ${quote('created_at')}, ${quote('tenant_id')}`,
    [],
  );
  const claimed = new Set<string>();
  const unclaimed: string[] = [];
  for (const provider of providers) {
    const claimKey = oidcClaimKey(String(provider.issuer), String(provider.audience));
    if (claimed.has(claimKey)) {
      unclaimed.push(String(provider.tenant_id));
      continue;
    }
    claimed.add(claimKey);
    await execute(
      `INSERT INTO ${quote('oidc_audience_claims')} (${['claim_key', 'tenant_id', 'issuer', 'audience', 'created_at'].map(quote).join(', ')}) VALUES (?, ?, ?, ?, ?)`,
      [claimKey, provider.tenant_id, provider.issuer, provider.audience, provider.created_at],
    );
  }
  return unclaimed;
}
