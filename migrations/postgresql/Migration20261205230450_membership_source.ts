import { Migration } from '@mikro-orm/migrations';

export class Migration20261205230450_membership_source extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create index group_members_tenant_source_index on group_members (tenant_id, source, group_id, member_id) where source <> 'idp';`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index "group_members_tenant_source_index";`);
  }

}
