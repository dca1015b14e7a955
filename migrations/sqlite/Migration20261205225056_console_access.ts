import { Migration } from '@mikro-orm/migrations';

export class Migration20261205225056_console_access extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table \`console_sessions\` (\`tenant_id\` text not null, \`id\` text not null, \`token_hash\` text not null, \`csrf_token\` text not null, \`method\` text not null, \`setup_link_id\` text null, \`user_id\` text null, \`subject\` text not null, \`created_at\` bigint not null, \`last_seen_at\` bigint not null, \`expires_at\` bigint not null, \`ended_at\` bigint null, primary key (\`tenant_id\`, \`id\`));`);
    this.addSql(`create index \`console_sessions_token_hash_index\` on \`console_sessions\` (\`token_hash\`);`);
    this.addSql(`create index \`console_sessions_user_index\` on \`console_sessions\` (\`tenant_id\`, \`user_id\`);`);
    this.addSql(`create index \`console_sessions_setup_link_index\` on \`console_sessions\` (\`tenant_id\`, \`setup_link_id\`);`);

    this.addSql(`create table \`console_setup_links\` (\`tenant_id\` text not null, \`id\` text not null, \`token_hash\` text not null, \`created_by\` text not null, \`created_at\` bigint not null, \`expires_at\` bigint not null, \`used_at\` bigint null, \`revoked_at\` bigint null, primary key (\`tenant_id\`, \`id\`));`);
    this.addSql(`create index \`console_setup_links_token_hash_index\` on \`console_setup_links\` (\`token_hash\`);`);

    this.addSql(`create table \`console_sign_in\` (\`tenant_id\` text not null, \`issuer\` text not null, \`client_id\` text not null, \`client_secret\` text null, \`display_name\` text not null, \`admin_role\` text not null, \`created_at\` bigint not null, \`updated_at\` bigint not null, primary key (\`tenant_id\`));`);
  }

}
