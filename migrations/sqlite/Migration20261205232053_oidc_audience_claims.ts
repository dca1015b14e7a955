import { Migration } from '@mikro-orm/migrations';
import { claimExistingOidcAudiences } from '../../src/persistence/claim-existing-oidc-audiences';

/**
 * Issue 13: which tenant holds each OIDC (issuer, audience) pair, so two tenants cannot claim one in a race;
 * filled from the providers configured so far. DDL runs at once (not queued) so the fill can follow it.
 */
const QUOTE = (name: string) => `\`${name}\``;

export class Migration20261205232053_oidc_audience_claims extends Migration {

  override async up(): Promise<void> {
    await this.execute(`create table \`oidc_audience_claims\` (\`claim_key\` text not null, \`tenant_id\` text not null, \`issuer\` text not null, \`audience\` text not null, \`created_at\` bigint not null, primary key (\`claim_key\`));`);
    await this.execute(`create index \`oidc_audience_claims_tenant_index\` on \`oidc_audience_claims\` (\`tenant_id\`);`);
    await claimExistingOidcAudiences((sql, params) => this.execute(sql, params), QUOTE);
  }

}
