import { Migration } from '@mikro-orm/migrations';

/**
 * tenant_resource_counts: users and groups per tenant, with a version bumped by every insert or delete
 * (and any change of a row's list position), kept by triggers so no write path can miss them; backfilled.
 * SQLite has one writer, so one shard (0).
 */

const RESOURCE_TABLES = ['users', 'groups'] as const;

export class Migration20261125215428_resource_counts extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table \`tenant_resource_counts\` (\`tenant_id\` text not null, \`resource_type\` text not null, \`shard\` integer not null, \`total\` bigint not null, \`version\` bigint not null, primary key (\`tenant_id\`, \`resource_type\`, \`shard\`));`);

    for (const table of RESOURCE_TABLES) {
      this.addSql(`insert into \`tenant_resource_counts\` (\`tenant_id\`, \`resource_type\`, \`shard\`, \`total\`, \`version\`) select \`tenant_id\`, '${table}', 0, count(*), 1 from \`${table}\` group by \`tenant_id\`;`);
      this.addSql(`create trigger \`${table}_counted_insert\` after insert on \`${table}\` begin
  insert into \`tenant_resource_counts\` (\`tenant_id\`, \`resource_type\`, \`shard\`, \`total\`, \`version\`) values (new.\`tenant_id\`, '${table}', 0, 1, 1)
    on conflict (\`tenant_id\`, \`resource_type\`, \`shard\`) do update set \`total\` = \`total\` + 1, \`version\` = \`version\` + 1;
end;`);
      this.addSql(`create trigger \`${table}_counted_delete\` after delete on \`${table}\` begin
  update \`tenant_resource_counts\` set \`total\` = \`total\` - 1, \`version\` = \`version\` + 1 where \`tenant_id\` = old.\`tenant_id\` and \`resource_type\` = '${table}' and \`shard\` = 0;
end;`);
      this.addSql(`create trigger \`${table}_counted_reorder\` after update of \`created_at\`, \`id\` on \`${table}\` when old.\`created_at\` is not new.\`created_at\` or old.\`id\` is not new.\`id\` begin
  update \`tenant_resource_counts\` set \`version\` = \`version\` + 1 where \`tenant_id\` = new.\`tenant_id\` and \`resource_type\` = '${table}' and \`shard\` = 0;
end;`);
    }
  }

}
