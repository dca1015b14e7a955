import { Migration } from '@mikro-orm/migrations';

export class Migration20261205225324_deprovisioned_users extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table \`deprovisioned_users\` (\`tenant_id\` text not null, \`id\` text not null, \`user_name\` text not null, \`external_id\` text null, \`raw\` json not null, \`version\` integer not null, \`created_at\` bigint not null, \`deprovisioned_at\` bigint not null, \`substitute_user_id\` text null, primary key (\`tenant_id\`, \`id\`));`);
    this.addSql(`create index \`deprovisioned_users_tenant_at_index\` on \`deprovisioned_users\` (\`tenant_id\`, \`deprovisioned_at\`, \`id\`);`);
  }

}
