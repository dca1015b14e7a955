import { Migration } from '@mikro-orm/migrations';

export class Migration20261205231653_recent_requests extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "recent_requests" ("tenant_id" varchar(36) not null, "connection_id" varchar(36) not null, "id" varchar(36) not null, "at" bigint not null, "method" varchar(10) not null, "user_id" varchar(36) not null, "status" int not null, "body" jsonb not null, "before" jsonb null, constraint "recent_requests_pkey" primary key ("tenant_id", "connection_id", "id"));`);
    this.addSql(`create index "recent_requests_tenant_at_index" on "recent_requests" ("tenant_id", "at");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "recent_requests" cascade;`);
  }

}
