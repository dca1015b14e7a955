import { Migration } from '@mikro-orm/migrations';

/** group_members: the (tenant_id, member_id) index becomes covering with group_id ("groups of these members", GraphQL User.groups). */

export class Migration20261125184243 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`drop index \`group_members_tenant_member_index\`;`);

    this.addSql(`create index \`group_members_tenant_member_group_index\` on \`group_members\` (\`tenant_id\`, \`member_id\`, \`group_id\`);`);
  }

}
