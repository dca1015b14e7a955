import { Migration } from '@mikro-orm/migrations';

export class Migration20261205225325_deprovisioned_users extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "deprovisioned_users" ("tenant_id" varchar(36) not null, "id" varchar(36) not null, "user_name" varchar(1024) not null, "external_id" varchar(1024) null, "raw" jsonb not null, "version" int not null, "created_at" bigint not null, "deprovisioned_at" bigint not null, "substitute_user_id" varchar(36) null, constraint "deprovisioned_users_pkey" primary key ("tenant_id", "id"));`);
    this.addSql(`create index "deprovisioned_users_tenant_at_index" on "deprovisioned_users" ("tenant_id", "deprovisioned_at", "id");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "deprovisioned_users" cascade;`);
  }

}
