import { Migration } from '@mikro-orm/migrations';

export class Migration20261125151614 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table \`api_keys\` (\`tenant_id\` text not null, \`id\` text not null, \`name\` text not null, \`key_hash\` text not null, \`scopes\` text not null, \`created_at\` bigint not null, \`revoked_at\` bigint null, primary key (\`tenant_id\`, \`id\`));`);
    this.addSql(`create index \`api_keys_key_hash_index\` on \`api_keys\` (\`key_hash\`);`);

    this.addSql(`create table \`connections\` (\`tenant_id\` text not null, \`id\` text not null, \`name\` text not null, \`dialect\` text not null, \`token_hash\` text null, \`token_expires_at\` bigint null, \`token_created_at\` bigint null, \`created_at\` bigint not null, primary key (\`tenant_id\`, \`id\`));`);
    this.addSql(`create index \`connections_token_hash_index\` on \`connections\` (\`token_hash\`);`);

    this.addSql(`create table \`group_members\` (\`tenant_id\` text not null, \`group_id\` text not null, \`member_id\` text not null, \`member_type\` text not null, \`display\` text null, \`created_at\` bigint not null, primary key (\`tenant_id\`, \`group_id\`, \`member_id\`));`);
    this.addSql(`create index \`group_members_tenant_member_index\` on \`group_members\` (\`tenant_id\`, \`member_id\`);`);

    this.addSql(`create table \`groups\` (\`tenant_id\` text not null, \`id\` text not null, \`display_name\` text not null, \`display_name_norm\` text not null, \`external_id\` text null, \`raw\` json not null, \`version\` integer not null, \`created_at\` bigint not null, \`updated_at\` bigint not null, primary key (\`tenant_id\`, \`id\`));`);
    this.addSql(`create index \`groups_tenant_external_id_index\` on \`groups\` (\`tenant_id\`, \`external_id\`);`);
    this.addSql(`create index \`groups_tenant_created_index\` on \`groups\` (\`tenant_id\`, \`created_at\`, \`id\`);`);
    this.addSql(`create unique index \`groups_tenant_display_name_unique\` on \`groups\` (\`tenant_id\`, \`display_name_norm\`);`);

    this.addSql(`create table \`tenants\` (\`id\` text not null, \`slug\` text not null, \`name\` text not null, \`settings\` json not null, \`created_at\` bigint not null, primary key (\`id\`));`);
    this.addSql(`create unique index \`tenants_slug_unique\` on \`tenants\` (\`slug\`);`);

    this.addSql(`create table \`user_emails\` (\`tenant_id\` text not null, \`user_id\` text not null, \`position\` integer not null, \`value\` text not null, \`value_norm\` text not null, \`type\` text null, \`is_primary\` integer not null, primary key (\`tenant_id\`, \`user_id\`, \`position\`));`);
    this.addSql(`create index \`user_emails_tenant_value_index\` on \`user_emails\` (\`tenant_id\`, \`value_norm\`);`);

    this.addSql(`create table \`users\` (\`tenant_id\` text not null, \`id\` text not null, \`user_name\` text not null, \`user_name_norm\` text not null, \`external_id\` text null, \`active\` integer not null, \`display_name\` text null, \`given_name\` text null, \`family_name\` text null, \`title\` text null, \`user_type\` text null, \`department\` text null, \`division\` text null, \`organization\` text null, \`cost_center\` text null, \`employee_number\` text null, \`manager_id\` text null, \`raw\` json not null, \`version\` integer not null, \`created_at\` bigint not null, \`updated_at\` bigint not null, primary key (\`tenant_id\`, \`id\`));`);
    this.addSql(`create index \`users_tenant_external_id_index\` on \`users\` (\`tenant_id\`, \`external_id\`);`);
    this.addSql(`create index \`users_tenant_created_index\` on \`users\` (\`tenant_id\`, \`created_at\`, \`id\`);`);
    this.addSql(`create index \`users_tenant_updated_index\` on \`users\` (\`tenant_id\`, \`updated_at\`);`);
    this.addSql(`create index \`users_tenant_manager_index\` on \`users\` (\`tenant_id\`, \`manager_id\`);`);
    this.addSql(`create index \`users_tenant_department_index\` on \`users\` (\`tenant_id\`, \`department\`);`);
    this.addSql(`create unique index \`users_tenant_user_name_unique\` on \`users\` (\`tenant_id\`, \`user_name_norm\`);`);
  }

}
