import { Migration } from '@mikro-orm/migrations';

export class Migration20261205224958_operator_oauth extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table \`operator_keys\` (\`id\` text not null, \`name\` text not null, \`key_hash\` text not null, \`created_at\` bigint not null, \`last_used_at\` bigint null, \`revoked_at\` bigint null, primary key (\`id\`));`);
    this.addSql(`create index \`operator_keys_key_hash_index\` on \`operator_keys\` (\`key_hash\`);`);

    this.addSql(`alter table \`connections\` add column \`oauth_client_id\` text null;`);
    this.addSql(`alter table \`connections\` add column \`oauth_secret_hash\` text null;`);
    this.addSql(`alter table \`connections\` add column \`oauth_signing_key\` text null;`);
    this.addSql(`alter table \`connections\` add column \`oauth_secret_created_at\` bigint null;`);
    this.addSql(`alter table \`connections\` add column \`oauth_token_lifetime_minutes\` integer null;`);
    this.addSql(`create index \`connections_oauth_client_id_index\` on \`connections\` (\`oauth_client_id\`);`);

    this.addSql(`alter table \`tenants\` add column \`suspended_at\` bigint null;`);
    this.addSql(`alter table \`tenants\` add column \`suspended_reason\` text null;`);
  }

}
