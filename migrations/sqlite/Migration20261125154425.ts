import { Migration } from '@mikro-orm/migrations';

export class Migration20261125154425 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table \`audit_events\` (\`tenant_id\` text not null, \`id\` text not null, \`at\` bigint not null, \`actor_type\` text not null, \`actor_id\` text not null, \`action\` text not null, \`target_type\` text not null, \`target_id\` text null, \`diff\` json null, \`request_id\` text null, primary key (\`tenant_id\`, \`id\`));`);
    this.addSql(`create index \`audit_events_tenant_at_index\` on \`audit_events\` (\`tenant_id\`, \`at\`);`);
    this.addSql(`create index \`audit_events_tenant_target_index\` on \`audit_events\` (\`tenant_id\`, \`target_id\`, \`at\`);`);
    this.addSql(`create index \`audit_events_tenant_actor_index\` on \`audit_events\` (\`tenant_id\`, \`actor_id\`, \`at\`);`);

    this.addSql(`create table \`domain_schemas\` (\`tenant_id\` text not null, \`version\` integer not null, \`definition\` json not null, \`state\` text not null, \`author\` text not null, \`comment\` text null, \`created_at\` bigint not null, primary key (\`tenant_id\`, \`version\`));`);

    this.addSql(`create table \`mapping_sets\` (\`tenant_id\` text not null, \`connection_id\` text not null, \`version\` integer not null, \`definition\` json not null, \`state\` text not null, \`schema_version\` integer not null, \`author\` text not null, \`comment\` text null, \`report\` json null, \`created_at\` bigint not null, \`validated_at\` bigint null, \`activated_at\` bigint null, primary key (\`tenant_id\`, \`connection_id\`, \`version\`));`);

    this.addSql(`create table \`option_values\` (\`tenant_id\` text not null, \`list_key\` text not null, \`value_norm\` text not null, \`value\` text not null, \`aliases\` json null, \`review_status\` text not null, \`added_by\` text not null, \`added_at\` bigint not null, \`source_request_id\` text null, \`source_rule_id\` text null, primary key (\`tenant_id\`, \`list_key\`, \`value_norm\`));`);

    this.addSql(`create table \`outbox_events\` (\`tenant_id\` text not null, \`id\` text not null, \`type\` text not null, \`resource_type\` text not null, \`resource_id\` text not null, \`resource_version\` integer null, \`payload\` json not null, \`created_at\` bigint not null, primary key (\`tenant_id\`, \`id\`));`);
    this.addSql(`create index \`outbox_events_tenant_created_index\` on \`outbox_events\` (\`tenant_id\`, \`created_at\`, \`id\`);`);
    this.addSql(`create index \`outbox_events_tenant_resource_index\` on \`outbox_events\` (\`tenant_id\`, \`resource_id\`, \`created_at\`);`);

    this.addSql(`create table \`ownerships\` (\`tenant_id\` text not null, \`resource_type\` text not null, \`resource_id\` text not null, \`owner_user_id\` text null, \`registered_by\` text not null, \`orphaned_at\` bigint null, \`previous_owner_user_id\` text null, \`updated_at\` bigint not null, primary key (\`tenant_id\`, \`resource_type\`, \`resource_id\`));`);
    this.addSql(`create index \`ownerships_tenant_owner_index\` on \`ownerships\` (\`tenant_id\`, \`owner_user_id\`);`);

    this.addSql(`create table \`provisioning_log\` (\`tenant_id\` text not null, \`id\` text not null, \`at\` bigint not null, \`connection_id\` text null, \`method\` text not null, \`path\` text not null, \`status\` integer not null, \`duration_ms\` integer not null, \`error_detail\` text null, \`scim_type\` text null, \`resource_type\` text null, \`resource_id\` text null, \`body\` json null, \`request_id\` text not null, primary key (\`tenant_id\`, \`id\`));`);
    this.addSql(`create index \`provisioning_log_tenant_at_index\` on \`provisioning_log\` (\`tenant_id\`, \`at\`);`);
    this.addSql(`create index \`provisioning_log_tenant_resource_index\` on \`provisioning_log\` (\`tenant_id\`, \`resource_id\`, \`at\`);`);
    this.addSql(`create index \`provisioning_log_tenant_status_index\` on \`provisioning_log\` (\`tenant_id\`, \`status\`, \`at\`);`);

    this.addSql(`create table \`user_values\` (\`tenant_id\` text not null, \`user_id\` text not null, \`field_key\` text not null, \`position\` integer not null, \`value\` json not null, \`value_text\` text null, \`rule_id\` text null, \`mapping_version\` integer null, \`source_path\` text null, \`raw_value\` json null, \`updated_at\` bigint not null, primary key (\`tenant_id\`, \`user_id\`, \`field_key\`, \`position\`));`);
    this.addSql(`create index \`user_values_tenant_field_value_index\` on \`user_values\` (\`tenant_id\`, \`field_key\`, \`value_text\`);`);
    this.addSql(`create index \`user_values_tenant_mapping_version_index\` on \`user_values\` (\`tenant_id\`, \`mapping_version\`);`);

    this.addSql(`create table \`webhook_deliveries\` (\`tenant_id\` text not null, \`endpoint_id\` text not null, \`event_id\` text not null, \`status\` text not null, \`attempts\` integer not null, \`next_attempt_at\` bigint null, \`last_error\` text null, \`delivered_at\` bigint null, \`created_at\` bigint not null, primary key (\`tenant_id\`, \`endpoint_id\`, \`event_id\`));`);
    this.addSql(`create index \`webhook_deliveries_status_next_index\` on \`webhook_deliveries\` (\`status\`, \`next_attempt_at\`);`);

    this.addSql(`create table \`webhook_endpoints\` (\`tenant_id\` text not null, \`id\` text not null, \`url\` text not null, \`secret\` text not null, \`event_types\` json null, \`active\` integer not null, \`created_at\` bigint not null, \`last_success_at\` bigint null, \`last_failure_at\` bigint null, \`last_error\` text null, \`consecutive_failures\` integer not null default 0, primary key (\`tenant_id\`, \`id\`));`);

    this.addSql(`alter table \`connections\` add column \`token_last_used_at\` bigint null;`);
    this.addSql(`alter table \`connections\` add column \`previous_token_hash\` text null;`);
    this.addSql(`alter table \`connections\` add column \`previous_token_expires_at\` bigint null;`);
    this.addSql(`alter table \`connections\` add column \`active_mapping_version\` integer null;`);
    this.addSql(`create index \`connections_previous_token_hash_index\` on \`connections\` (\`previous_token_hash\`);`);

    this.addSql(`alter table \`group_members\` add column \`source\` text not null default 'idp';`);

    this.addSql(`alter table \`groups\` add column \`managed_by\` text not null default 'IDP';`);
  }

}
