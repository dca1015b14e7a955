import { Migration } from '@mikro-orm/migrations';

export class Migration20261125151614 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "api_keys" ("tenant_id" varchar(36) not null, "id" varchar(36) not null, "name" varchar(200) not null, "key_hash" varchar(64) not null, "scopes" varchar(200) not null, "created_at" bigint not null, "revoked_at" bigint null, constraint "api_keys_pkey" primary key ("tenant_id", "id"));`);
    this.addSql(`create index "api_keys_key_hash_index" on "api_keys" ("key_hash");`);

    this.addSql(`create table "connections" ("tenant_id" varchar(36) not null, "id" varchar(36) not null, "name" varchar(200) not null, "dialect" varchar(20) not null, "token_hash" varchar(64) null, "token_expires_at" bigint null, "token_created_at" bigint null, "created_at" bigint not null, constraint "connections_pkey" primary key ("tenant_id", "id"));`);
    this.addSql(`create index "connections_token_hash_index" on "connections" ("token_hash");`);

    this.addSql(`create table "group_members" ("tenant_id" varchar(36) not null, "group_id" varchar(36) not null, "member_id" varchar(36) not null, "member_type" varchar(10) not null, "display" varchar(1024) null, "created_at" bigint not null, constraint "group_members_pkey" primary key ("tenant_id", "group_id", "member_id"));`);
    this.addSql(`create index "group_members_tenant_member_index" on "group_members" ("tenant_id", "member_id");`);

    this.addSql(`create table "groups" ("tenant_id" varchar(36) not null, "id" varchar(36) not null, "display_name" varchar(1024) not null, "display_name_norm" varchar(1024) not null, "external_id" varchar(1024) null, "raw" jsonb not null, "version" int not null, "created_at" bigint not null, "updated_at" bigint not null, constraint "groups_pkey" primary key ("tenant_id", "id"));`);
    this.addSql(`create index "groups_tenant_external_id_index" on "groups" ("tenant_id", "external_id");`);
    this.addSql(`create index "groups_tenant_created_index" on "groups" ("tenant_id", "created_at", "id");`);
    this.addSql(`alter table "groups" add constraint "groups_tenant_display_name_unique" unique ("tenant_id", "display_name_norm");`);

    this.addSql(`create table "tenants" ("id" varchar(36) not null, "slug" varchar(63) not null, "name" varchar(200) not null, "settings" jsonb not null, "created_at" bigint not null, constraint "tenants_pkey" primary key ("id"));`);
    this.addSql(`alter table "tenants" add constraint "tenants_slug_unique" unique ("slug");`);

    this.addSql(`create table "user_emails" ("tenant_id" varchar(36) not null, "user_id" varchar(36) not null, "position" int not null, "value" varchar(1024) not null, "value_norm" varchar(1024) not null, "type" varchar(64) null, "is_primary" boolean not null, constraint "user_emails_pkey" primary key ("tenant_id", "user_id", "position"));`);
    this.addSql(`create index "user_emails_tenant_value_index" on "user_emails" ("tenant_id", "value_norm");`);

    this.addSql(`create table "users" ("tenant_id" varchar(36) not null, "id" varchar(36) not null, "user_name" varchar(1024) not null, "user_name_norm" varchar(1024) not null, "external_id" varchar(1024) null, "active" boolean not null, "display_name" varchar(1024) null, "given_name" varchar(1024) null, "family_name" varchar(1024) null, "title" varchar(1024) null, "user_type" varchar(1024) null, "department" varchar(1024) null, "division" varchar(1024) null, "organization" varchar(1024) null, "cost_center" varchar(1024) null, "employee_number" varchar(1024) null, "manager_id" varchar(36) null, "raw" jsonb not null, "version" int not null, "created_at" bigint not null, "updated_at" bigint not null, constraint "users_pkey" primary key ("tenant_id", "id"));`);
    this.addSql(`create index "users_tenant_external_id_index" on "users" ("tenant_id", "external_id");`);
    this.addSql(`create index "users_tenant_created_index" on "users" ("tenant_id", "created_at", "id");`);
    this.addSql(`create index "users_tenant_updated_index" on "users" ("tenant_id", "updated_at");`);
    this.addSql(`create index "users_tenant_manager_index" on "users" ("tenant_id", "manager_id");`);
    this.addSql(`create index "users_tenant_department_index" on "users" ("tenant_id", "department");`);
    this.addSql(`alter table "users" add constraint "users_tenant_user_name_unique" unique ("tenant_id", "user_name_norm");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "api_keys" cascade;`);

    this.addSql(`drop table if exists "connections" cascade;`);

    this.addSql(`drop table if exists "group_members" cascade;`);

    this.addSql(`drop table if exists "groups" cascade;`);

    this.addSql(`drop table if exists "tenants" cascade;`);

    this.addSql(`drop table if exists "user_emails" cascade;`);

    this.addSql(`drop table if exists "users" cascade;`);
  }

}
