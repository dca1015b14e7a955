import { Migration } from '@mikro-orm/migrations';

export class Migration20261205230303_user_name_skeleton extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table "users" add column "user_name_skeleton" varchar(1024) null;`);
    this.addSql(`create index "users_tenant_user_name_skeleton_index" on "users" ("tenant_id", "user_name_skeleton");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index "users_tenant_user_name_skeleton_index";`);
    this.addSql(`alter table "users" drop column "user_name_skeleton";`);
  }

}
