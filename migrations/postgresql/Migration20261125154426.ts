import { Migration } from '@mikro-orm/migrations';

export class Migration20261125154426 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "audit_events" ("tenant_id" varchar(36) not null, "id" varchar(36) not null, "at" bigint not null, "actor_type" varchar(20) not null, "actor_id" varchar(200) not null, "action" varchar(100) not null, "target_type" varchar(50) not null, "target_id" varchar(200) null, "diff" jsonb null, "request_id" varchar(100) null, constraint "audit_events_pkey" primary key ("tenant_id", "id"));`);
    this.addSql(`create index "audit_events_tenant_at_index" on "audit_events" ("tenant_id", "at");`);
    this.addSql(`create index "audit_events_tenant_target_index" on "audit_events" ("tenant_id", "target_id", "at");`);
    this.addSql(`create index "audit_events_tenant_actor_index" on "audit_events" ("tenant_id", "actor_id", "at");`);

    this.addSql(`create table "domain_schemas" ("tenant_id" varchar(36) not null, "version" int not null, "definition" jsonb not null, "state" varchar(20) not null, "author" varchar(200) not null, "comment" varchar(2000) null, "created_at" bigint not null, constraint "domain_schemas_pkey" primary key ("tenant_id", "version"));`);

    this.addSql(`create table "mapping_sets" ("tenant_id" varchar(36) not null, "connection_id" varchar(36) not null, "version" int not null, "definition" jsonb not null, "state" varchar(20) not null, "schema_version" int not null, "author" varchar(200) not null, "comment" varchar(2000) null, "report" jsonb null, "created_at" bigint not null, "validated_at" bigint null, "activated_at" bigint null, constraint "mapping_sets_pkey" primary key ("tenant_id", "connection_id", "version"));`);

    this.addSql(`create table "option_values" ("tenant_id" varchar(36) not null, "list_key" varchar(100) not null, "value_norm" varchar(512) not null, "value" varchar(512) not null, "aliases" jsonb null, "review_status" varchar(20) not null, "added_by" varchar(200) not null, "added_at" bigint not null, "source_request_id" varchar(100) null, "source_rule_id" varchar(100) null, constraint "option_values_pkey" primary key ("tenant_id", "list_key", "value_norm"));`);

    this.addSql(`create table "outbox_events" ("tenant_id" varchar(36) not null, "id" varchar(36) not null, "type" varchar(50) not null, "resource_type" varchar(50) not null, "resource_id" varchar(200) not null, "resource_version" int null, "payload" jsonb not null, "created_at" bigint not null, constraint "outbox_events_pkey" primary key ("tenant_id", "id"));`);
    this.addSql(`create index "outbox_events_tenant_created_index" on "outbox_events" ("tenant_id", "created_at", "id");`);
    this.addSql(`create index "outbox_events_tenant_resource_index" on "outbox_events" ("tenant_id", "resource_id", "created_at");`);

    this.addSql(`create table "ownerships" ("tenant_id" varchar(36) not null, "resource_type" varchar(100) not null, "resource_id" varchar(200) not null, "owner_user_id" varchar(36) null, "registered_by" varchar(200) not null, "orphaned_at" bigint null, "previous_owner_user_id" varchar(36) null, "updated_at" bigint not null, constraint "ownerships_pkey" primary key ("tenant_id", "resource_type", "resource_id"));`);
    this.addSql(`create index "ownerships_tenant_owner_index" on "ownerships" ("tenant_id", "owner_user_id");`);

    this.addSql(`create table "provisioning_log" ("tenant_id" varchar(36) not null, "id" varchar(36) not null, "at" bigint not null, "connection_id" varchar(36) null, "method" varchar(10) not null, "path" varchar(2048) not null, "status" int not null, "duration_ms" int not null, "error_detail" varchar(2000) null, "scim_type" varchar(50) null, "resource_type" varchar(20) null, "resource_id" varchar(36) null, "body" jsonb null, "request_id" varchar(100) not null, constraint "provisioning_log_pkey" primary key ("tenant_id", "id"));`);
    this.addSql(`create index "provisioning_log_tenant_at_index" on "provisioning_log" ("tenant_id", "at");`);
    this.addSql(`create index "provisioning_log_tenant_resource_index" on "provisioning_log" ("tenant_id", "resource_id", "at");`);
    this.addSql(`create index "provisioning_log_tenant_status_index" on "provisioning_log" ("tenant_id", "status", "at");`);

    this.addSql(`create table "user_values" ("tenant_id" varchar(36) not null, "user_id" varchar(36) not null, "field_key" varchar(100) not null, "position" int not null, "value" jsonb not null, "value_text" varchar(1024) null, "rule_id" varchar(100) null, "mapping_version" int null, "source_path" varchar(1024) null, "raw_value" jsonb null, "updated_at" bigint not null, constraint "user_values_pkey" primary key ("tenant_id", "user_id", "field_key", "position"));`);
    this.addSql(`create index "user_values_tenant_field_value_index" on "user_values" ("tenant_id", "field_key", "value_text");`);
    this.addSql(`create index "user_values_tenant_mapping_version_index" on "user_values" ("tenant_id", "mapping_version");`);

    this.addSql(`create table "webhook_deliveries" ("tenant_id" varchar(36) not null, "endpoint_id" varchar(36) not null, "event_id" varchar(36) not null, "status" varchar(20) not null, "attempts" int not null, "next_attempt_at" bigint null, "last_error" varchar(2000) null, "delivered_at" bigint null, "created_at" bigint not null, constraint "webhook_deliveries_pkey" primary key ("tenant_id", "endpoint_id", "event_id"));`);
    this.addSql(`create index "webhook_deliveries_status_next_index" on "webhook_deliveries" ("status", "next_attempt_at");`);

    this.addSql(`create table "webhook_endpoints" ("tenant_id" varchar(36) not null, "id" varchar(36) not null, "url" varchar(2048) not null, "secret" varchar(200) not null, "event_types" jsonb null, "active" boolean not null, "created_at" bigint not null, "last_success_at" bigint null, "last_failure_at" bigint null, "last_error" varchar(2000) null, "consecutive_failures" int not null default 0, constraint "webhook_endpoints_pkey" primary key ("tenant_id", "id"));`);

    this.addSql(`alter table "connections" add column "token_last_used_at" bigint null, add column "previous_token_hash" varchar(64) null, add column "previous_token_expires_at" bigint null, add column "active_mapping_version" int null;`);
    this.addSql(`create index "connections_previous_token_hash_index" on "connections" ("previous_token_hash");`);

    this.addSql(`alter table "group_members" add column "source" varchar(10) not null default 'idp';`);

    this.addSql(`alter table "groups" add column "managed_by" varchar(10) not null default 'IDP';`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "audit_events" cascade;`);

    this.addSql(`drop table if exists "domain_schemas" cascade;`);

    this.addSql(`drop table if exists "mapping_sets" cascade;`);

    this.addSql(`drop table if exists "option_values" cascade;`);

    this.addSql(`drop table if exists "outbox_events" cascade;`);

    this.addSql(`drop table if exists "ownerships" cascade;`);

    this.addSql(`drop table if exists "provisioning_log" cascade;`);

    this.addSql(`drop table if exists "user_values" cascade;`);

    this.addSql(`drop table if exists "webhook_deliveries" cascade;`);

    this.addSql(`drop table if exists "webhook_endpoints" cascade;`);

    this.addSql(`drop index "connections_previous_token_hash_index";`);
    this.addSql(`alter table "connections" drop column "token_last_used_at", drop column "previous_token_hash", drop column "previous_token_expires_at", drop column "active_mapping_version";`);

    this.addSql(`alter table "group_members" drop column "source";`);

    this.addSql(`alter table "groups" drop column "managed_by";`);
  }

}
