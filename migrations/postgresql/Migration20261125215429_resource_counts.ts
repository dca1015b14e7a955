import { Migration } from '@mikro-orm/migrations';

/**
 * tenant_resource_counts: users and groups per tenant, with a version bumped by every insert or delete
 * (and any change of a row's list position), kept by triggers so no write path can miss them; backfilled.
 * Inserts and deletes count per statement through transition tables: a bulk insert of 10,000 rows
 * updates each tenant's counter once, not 10,000 times. Each session writes the shard of its backend pid
 * (mod 8): concurrent creates in one tenant take different row locks. Readers sum the shards; the summed
 * version still grows with every change.
 */

const RESOURCE_TABLES = ['users', 'groups'] as const;
const SHARD = 'pg_backend_pid() % 8';

export class Migration20261125215429_resource_counts extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "tenant_resource_counts" ("tenant_id" varchar(36) not null, "resource_type" varchar(10) not null, "shard" int not null, "total" bigint not null, "version" bigint not null, constraint "tenant_resource_counts_pkey" primary key ("tenant_id", "resource_type", "shard"));`);

    // TG_ARGV[0] names the table counted; the transition table holds the rows the statement inserted or deleted.
    this.addSql(`create function "tenant_resource_counts_apply"() returns trigger language plpgsql as $$
begin
  insert into "tenant_resource_counts" ("tenant_id", "resource_type", "shard", "total", "version")
    select "tenant_id", TG_ARGV[0], ${SHARD}, case when TG_OP = 'INSERT' then count(*) else -count(*) end, 1 from "changed_rows" group by "tenant_id"
    on conflict ("tenant_id", "resource_type", "shard") do update set "total" = "tenant_resource_counts"."total" + excluded."total", "version" = "tenant_resource_counts"."version" + 1;
  return null;
end $$;`);
    this.addSql(`create function "tenant_resource_counts_reorder"() returns trigger language plpgsql as $$
begin
  insert into "tenant_resource_counts" ("tenant_id", "resource_type", "shard", "total", "version") values (new."tenant_id", TG_ARGV[0], ${SHARD}, 0, 1)
    on conflict ("tenant_id", "resource_type", "shard") do update set "version" = "tenant_resource_counts"."version" + 1;
  return null;
end $$;`);

    for (const table of RESOURCE_TABLES) {
      this.addSql(`insert into "tenant_resource_counts" ("tenant_id", "resource_type", "shard", "total", "version") select "tenant_id", '${table}', 0, count(*), 1 from "${table}" group by "tenant_id";`);
      this.addSql(`create trigger "${table}_counted_insert" after insert on "${table}" referencing new table as "changed_rows" for each statement execute function "tenant_resource_counts_apply"('${table}');`);
      this.addSql(`create trigger "${table}_counted_delete" after delete on "${table}" referencing old table as "changed_rows" for each statement execute function "tenant_resource_counts_apply"('${table}');`);
      this.addSql(`create trigger "${table}_counted_reorder" after update of "created_at", "id" on "${table}" for each row when (old."created_at" is distinct from new."created_at" or old."id" is distinct from new."id") execute function "tenant_resource_counts_reorder"('${table}');`);
    }
  }

  override async down(): Promise<void> {
    for (const table of RESOURCE_TABLES) {
      this.addSql(`drop trigger if exists "${table}_counted_insert" on "${table}";`);
      this.addSql(`drop trigger if exists "${table}_counted_delete" on "${table}";`);
      this.addSql(`drop trigger if exists "${table}_counted_reorder" on "${table}";`);
    }
    this.addSql(`drop function if exists "tenant_resource_counts_apply"();`);
    this.addSql(`drop function if exists "tenant_resource_counts_reorder"();`);
    this.addSql(`drop table if exists "tenant_resource_counts" cascade;`);
  }

}
