import { Migration } from '@mikro-orm/migrations';

export class Migration20261205225056_console_access extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "console_sessions" ("tenant_id" varchar(36) not null, "id" varchar(36) not null, "token_hash" varchar(64) not null, "csrf_token" varchar(64) not null, "method" varchar(20) not null, "setup_link_id" varchar(36) null, "user_id" varchar(36) null, "subject" varchar(300) not null, "created_at" bigint not null, "last_seen_at" bigint not null, "expires_at" bigint not null, "ended_at" bigint null, constraint "console_sessions_pkey" primary key ("tenant_id", "id"));`);
    this.addSql(`create index "console_sessions_token_hash_index" on "console_sessions" ("token_hash");`);
    this.addSql(`create index "console_sessions_user_index" on "console_sessions" ("tenant_id", "user_id");`);
    this.addSql(`create index "console_sessions_setup_link_index" on "console_sessions" ("tenant_id", "setup_link_id");`);

    this.addSql(`create table "console_setup_links" ("tenant_id" varchar(36) not null, "id" varchar(36) not null, "token_hash" varchar(64) not null, "created_by" varchar(300) not null, "created_at" bigint not null, "expires_at" bigint not null, "used_at" bigint null, "revoked_at" bigint null, constraint "console_setup_links_pkey" primary key ("tenant_id", "id"));`);
    this.addSql(`create index "console_setup_links_token_hash_index" on "console_setup_links" ("token_hash");`);

    this.addSql(`create table "console_sign_in" ("tenant_id" varchar(36) not null, "issuer" varchar(512) not null, "client_id" varchar(256) not null, "client_secret" varchar(512) null, "display_name" varchar(100) not null, "admin_role" varchar(200) not null, "created_at" bigint not null, "updated_at" bigint not null, constraint "console_sign_in_pkey" primary key ("tenant_id"));`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "console_sessions" cascade;`);

    this.addSql(`drop table if exists "console_setup_links" cascade;`);

    this.addSql(`drop table if exists "console_sign_in" cascade;`);
  }

}
