import { Migration } from '@mikro-orm/migrations';

export class Migration20261125154453 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table \`oidc_providers\` (\`tenant_id\` text not null, \`issuer\` text not null, \`audience\` text not null, \`jwks_url\` text not null, \`scope_claim\` text not null, \`read_scope\` text not null, \`admin_scope\` text not null, \`created_at\` bigint not null, \`updated_at\` bigint not null, primary key (\`tenant_id\`));`);
    this.addSql(`create index \`oidc_providers_issuer_index\` on \`oidc_providers\` (\`issuer\`);`);
  }

}
