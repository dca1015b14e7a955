import { Migration } from '@mikro-orm/migrations';

export class Migration20261205230302_user_name_skeleton extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table \`users\` add column \`user_name_skeleton\` text null;`);
    this.addSql(`create index \`users_tenant_user_name_skeleton_index\` on \`users\` (\`tenant_id\`, \`user_name_skeleton\`);`);
  }

}
