import { Migration } from '@mikro-orm/migrations';

export class Migration20261125180230_mapping_jobs extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "mapping_jobs" ("tenant_id" varchar(36) not null, "id" varchar(36) not null, "connection_id" varchar(36) not null, "kind" varchar(20) not null, "mapping_version" int not null, "state" varchar(20) not null, "author" varchar(200) not null, "total" int not null, "processed" int not null, "failed" int not null, "checkpoint" varchar(36) null, "result" jsonb null, "error" varchar(2000) null, "lease_owner" varchar(100) null, "lease_until" bigint null, "attempts" int not null, "created_at" bigint not null, "started_at" bigint null, "finished_at" bigint null, "updated_at" bigint not null, constraint "mapping_jobs_pkey" primary key ("tenant_id", "id"));`);
    this.addSql(`create index "mapping_jobs_state_lease_index" on "mapping_jobs" ("state", "lease_until");`);
    this.addSql(`create index "mapping_jobs_tenant_connection_created_index" on "mapping_jobs" ("tenant_id", "connection_id", "created_at");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "mapping_jobs" cascade;`);
  }

}
