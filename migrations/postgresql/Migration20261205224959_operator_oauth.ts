import { Migration } from '@mikro-orm/migrations';

export class Migration20261205224959_operator_oauth extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "operator_keys" ("id" varchar(36) not null, "name" varchar(200) not null, "key_hash" varchar(64) not null, "created_at" bigint not null, "last_used_at" bigint null, "revoked_at" bigint null, constraint "operator_keys_pkey" primary key ("id"));`);
    this.addSql(`create index "operator_keys_key_hash_index" on "operator_keys" ("key_hash");`);

    this.addSql(`alter table "connections" add column "oauth_client_id" varchar(64) null, add column "oauth_secret_hash" varchar(64) null, add column "oauth_signing_key" varchar(64) null, add column "oauth_secret_created_at" bigint null, add column "oauth_token_lifetime_minutes" int null;`);
    this.addSql(`create index "connections_oauth_client_id_index" on "connections" ("oauth_client_id");`);

    this.addSql(`alter table "tenants" add column "suspended_at" bigint null, add column "suspended_reason" varchar(500) null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "operator_keys" cascade;`);

    this.addSql(`drop index "connections_oauth_client_id_index";`);
    this.addSql(`alter table "connections" drop column "oauth_client_id", drop column "oauth_secret_hash", drop column "oauth_signing_key", drop column "oauth_secret_created_at", drop column "oauth_token_lifetime_minutes";`);

    this.addSql(`alter table "tenants" drop column "suspended_at", drop column "suspended_reason";`);
  }

}
