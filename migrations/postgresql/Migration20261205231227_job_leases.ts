import { Migration } from '@mikro-orm/migrations';

export class Migration20261205231227_job_leases extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "job_leases" ("tenant_id" varchar(36) not null, "job" varchar(64) not null, "owner" varchar(100) not null, "lease_until" bigint not null, constraint "job_leases_pkey" primary key ("tenant_id", "job"));`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "job_leases" cascade;`);
  }

}
